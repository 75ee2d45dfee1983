//! Writes `impl ::herald_runtime::Event` for a checked event.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::valid::ValidEvent;

/// The `Event` impl. The key is formatted through `&dyn Display` in tokens spanned on the key
/// field's type, so a type without `Display` is reported on that field as exactly that.
pub(crate) fn expand(event: &ValidEvent<'_>) -> TokenStream {
    let ValidEvent {
        ident,
        generics,
        name,
        version,
        key,
    } = event;
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let field = &key.ident;
    let field_type = &key.ty;
    let key_string = quote_spanned! {field_type.span()=>
        ::std::string::ToString::to_string(&self.#field as &dyn ::std::fmt::Display)
    };
    quote! {
        #[automatically_derived]
        impl #impl_generics ::herald_runtime::Event for #ident #type_generics #where_clause {
            const NAME: &'static str = #name;
            const VERSION: u32 = #version;

            fn key(&self) -> ::std::string::String {
                #key_string
            }
        }
    }
}

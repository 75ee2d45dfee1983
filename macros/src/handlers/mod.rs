//! `#[derive(Handlers)]`: read `#[handlers]`, check the routes, expand.

mod attr;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

/// The `Handler` impl for `input`, or every error found in it.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let attr = attr::HandlersAttr::from_attrs(&input.attrs, &mut errors);
    let valid = valid::check(&input.ident, &input.generics, attr, &mut errors);
    errors.finish()?;
    Ok(expand::expand(&valid))
}

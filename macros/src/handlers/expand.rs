//! Writes `impl ::herald_runtime::Handler` for a checked handler type: the subscription's
//! event types, and dispatch by event type and version through `Consumable`, so a type that
//! reads several versions (and upcasts them) is routed like a single version.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::attr::Route;
use super::valid::ValidHandlers;

/// The `Handler` impl. Tokens naming a route's event type are spanned on that type and the
/// method call on the method's name, so rustc reports a type that is not an event, a missing
/// method or a wrong signature right there in `#[handlers(...)]`.
pub(crate) fn expand(handlers: &ValidHandlers<'_>) -> TokenStream {
    let ValidHandlers {
        ident,
        generics,
        routes,
    } = handlers;
    let (impl_generics, type_generics, where_clause) = generics.split_for_impl();
    let names: Vec<TokenStream> = routes
        .iter()
        .map(|route| consumable(route, "NAME"))
        .collect();
    let accepts = routes.iter().map(|route| consumable(route, "accepts"));
    let dispatch = routes.iter().map(dispatch_route);
    let call_handler_method = call_handler_method();
    let unhandled_reason = unhandled_reason();
    quote! {
        #[automatically_derived]
        #[::herald_runtime::__private::async_trait]
        impl #impl_generics ::herald_runtime::Handler for #ident #type_generics #where_clause {
            fn event_types(&self) -> ::std::vec::Vec<::std::string::String> {
                let mut types: ::std::vec::Vec<::std::string::String> = ::std::vec::Vec::new();
                for name in [#(#names),*] {
                    if !types.iter().any(|known| known == name) {
                        types.push(::std::borrow::ToOwned::to_owned(name));
                    }
                }
                types
            }

            async fn handle(
                &self,
                envelope: &::herald_runtime::Envelope,
                tx: &mut dyn ::herald_runtime::Transaction,
            ) -> ::std::result::Result<(), ::herald_runtime::HandlerError> {
                #call_handler_method
                #unhandled_reason
                let version = envelope.version();
                #(#dispatch)*
                ::std::result::Result::Err(::herald_runtime::HandlerError::reject(
                    unhandled_reason(
                        &envelope.event_type,
                        version,
                        &[#((#names, #accepts)),*],
                    ),
                ))
            }
        }
    }
}

/// `<Event as ::herald_runtime::Consumable>::item`, spanned on the event type as written: a
/// type that is no event fails its trait bound there.
fn consumable(route: &Route, item: &str) -> TokenStream {
    let event = &route.event;
    let item = format_ident!("{item}", span = event.span());
    quote_spanned! {event.span()=> <#event as ::herald_runtime::Consumable>::#item}
}

/// The first route whose type has the envelope's name and accepts its version decodes the
/// payload (a decode failure rejects the event with serde's reason) and awaits its method.
/// The route's tokens are spanned on its event type, the call on its method's name.
fn dispatch_route(route: &Route) -> TokenStream {
    let event = &route.event;
    let method = &route.method;
    let name = consumable(route, "NAME");
    let accepts = consumable(route, "accepts");
    let decode = consumable(route, "decode");
    let call = quote_spanned! {method.span()=>
        return call_handler_method::<Self, #event, _, _>(Self::#method, self, event, tx).await;
    };
    quote_spanned! {event.span()=>
        if envelope.event_type == #name && version.is_some_and(#accepts) {
            let event = #decode(envelope)?;
            #call
        }
    }
}

/// A function, local to `handle`, that calls a handler method after checking its signature
/// against the one expected, so a wrong signature is reported once, as a signature mismatch on
/// the method's name in `#[handlers(...)]`: it returns an opaque future of the expected output
/// whatever the method returns, so nothing after the call fails too.
fn call_handler_method() -> TokenStream {
    quote! {
        fn call_handler_method<'handler, 'tx, Handler, Event, Method, Handled>(
            method: Method,
            handler: &'handler Handler,
            event: Event,
            tx: &'tx mut (dyn ::herald_runtime::Transaction + 'tx),
        ) -> impl ::std::future::Future<
            Output = ::std::result::Result<(), ::herald_runtime::HandlerError>,
        >
        where
            Handler: ?Sized,
            Method: ::std::ops::FnOnce(
                &'handler Handler,
                Event,
                &'tx mut (dyn ::herald_runtime::Transaction + 'tx),
            ) -> Handled,
            Handled: ::std::future::Future<
                    Output = ::std::result::Result<(), ::herald_runtime::HandlerError>,
                > + ::std::marker::Send,
        {
            method(handler, event, tx)
        }
    }
}

/// A function, local to `handle`, saying why no route took an envelope: an event type this
/// handler does not consume, an envelope without a herald version, or a version none of the
/// types of that event reads, telling a newer version (deploy a newer consumer) from an
/// older one.
fn unhandled_reason() -> TokenStream {
    quote! {
        fn unhandled_reason(
            event_type: &str,
            version: ::std::option::Option<u32>,
            routes: &[(&str, fn(u32) -> bool)],
        ) -> ::std::string::String {
            // Catalog versions count up from 1 without gaps, so the versions a type reads are
            // found among the first thousand; probing stops there so a hostile version number
            // costs nothing.
            const VERSION_PROBE_LIMIT: u32 = 1000;
            let accepts: ::std::vec::Vec<fn(u32) -> bool> = routes
                .iter()
                .filter(|(name, _)| *name == event_type)
                .map(|(_, accepts)| *accepts)
                .collect();
            if accepts.is_empty() {
                let mut handled: ::std::vec::Vec<&str> = ::std::vec::Vec::new();
                for (name, _) in routes {
                    if !handled.contains(name) {
                        handled.push(name);
                    }
                }
                return ::std::format!(
                    "this consumer does not handle {event_type} events (it handles {})",
                    handled.join(", ")
                );
            }
            let ::std::option::Option::Some(version) = version else {
                return ::std::format!(
                    "{event_type} arrived without a herald version: its `dataschema` is \
                     missing or not `herald:{event_type}/<version>`"
                );
            };
            let known: ::std::vec::Vec<u32> = (1..=VERSION_PROBE_LIMIT)
                .filter(|known| accepts.iter().any(|accepts| accepts(*known)))
                .collect();
            let listed = match known.as_slice() {
                [] => ::std::format!("no version up to {VERSION_PROBE_LIMIT}"),
                [only] => ::std::format!("version {only}"),
                [first, .., last] if u32::try_from(known.len()) == Ok(last - first + 1) => {
                    ::std::format!("versions {first} to {last}")
                }
                _ => ::std::format!(
                    "versions {}",
                    known
                        .iter()
                        .map(::std::string::ToString::to_string)
                        .collect::<::std::vec::Vec<_>>()
                        .join(", ")
                ),
            };
            match known.last() {
                ::std::option::Option::Some(latest) if version > *latest => ::std::format!(
                    "{event_type} version {version} is newer than this consumer knows: it \
                     reads {listed}; deploy a consumer built from the newer catalog"
                ),
                _ => ::std::format!(
                    "{event_type} version {version} is not one this consumer reads: it \
                     reads {listed}"
                ),
            }
        }
    }
}

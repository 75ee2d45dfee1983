//! Checks the routes: at least one, each event type and each method listed once.

use quote::ToTokens;
use syn::{Generics, Ident};

use super::attr::{HandlersAttr, Route};
use crate::errors::Errors;

/// A checked handler type: its routes, in the order dispatch tries them.
pub(crate) struct ValidHandlers<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) routes: Vec<Route>,
}

/// Checks the routes of `attr`, reporting a repeat on its second occurrence.
pub(crate) fn check<'a>(
    ident: &'a Ident,
    generics: &'a Generics,
    attr: HandlersAttr<'_>,
    errors: &mut Errors,
) -> ValidHandlers<'a> {
    match attr.attribute {
        None => errors.spanned(
            ident,
            "`#[derive(Handlers)]` needs `#[handlers(Event => method, ...)]`: \
             the event types this type handles and the method for each",
        ),
        Some(attribute) if attr.routes.is_empty() => errors.spanned(
            attribute,
            "`#[handlers(...)]` lists no events: write `Event => method` for each event \
             this type handles",
        ),
        Some(_) => {}
    }
    for (index, route) in attr.routes.iter().enumerate() {
        let earlier = &attr.routes[..index];
        let event = spelling(&route.event);
        if let Some(first) = earlier.iter().find(|first| spelling(&first.event) == event) {
            errors.spanned(
                &route.event,
                format!(
                    "`{event}` is listed twice: `{}` already handles it",
                    first.method
                ),
            );
        }
        if let Some(first) = earlier.iter().find(|first| first.method == route.method) {
            errors.spanned(
                &route.method,
                format!(
                    "`{}` is listed twice: it already handles `{}`, and a handler method \
                     takes one event type",
                    route.method,
                    spelling(&first.event)
                ),
            );
        }
    }
    ValidHandlers {
        ident,
        generics,
        routes: attr.routes,
    }
}

/// A type as written, without the spaces token printing puts in: how repeats are recognised.
fn spelling(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

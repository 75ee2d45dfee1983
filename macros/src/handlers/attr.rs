//! Reads `#[handlers(OrderPlaced => on_order_placed, ...)]`: which method handles which event
//! type.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, Token, Type};

use crate::errors::Errors;

/// One `Event => method` entry.
pub(crate) struct Route {
    /// A type implementing `Consumable`: one event version, or an all-versions enum.
    pub(crate) event: Type,
    /// The method of the handler type that takes it.
    pub(crate) method: Ident,
}

impl Parse for Route {
    fn parse(input: ParseStream<'_>) -> syn::Result<Route> {
        let event = input.parse()?;
        input.parse::<Token![=>]>()?;
        let method = input.parse()?;
        Ok(Route { event, method })
    }
}

/// Every route of the `#[handlers]` attributes, in the order written.
pub(crate) struct HandlersAttr<'a> {
    /// The first `#[handlers]` attribute: where an empty list is reported.
    pub(crate) attribute: Option<&'a Attribute>,
    pub(crate) routes: Vec<Route>,
}

impl<'a> HandlersAttr<'a> {
    /// Reads every `#[handlers]` attribute; routes may be split across several.
    pub(crate) fn from_attrs(attrs: &'a [Attribute], errors: &mut Errors) -> HandlersAttr<'a> {
        let mut handlers = HandlersAttr {
            attribute: None,
            routes: Vec::new(),
        };
        for attribute in attrs.iter().filter(|attr| attr.path().is_ident("handlers")) {
            handlers.attribute.get_or_insert(attribute);
            match attribute.parse_args_with(Punctuated::<Route, Token![,]>::parse_terminated) {
                Ok(routes) => handlers.routes.extend(routes),
                Err(error) => errors.push(error),
            }
        }
        handlers
    }
}

//! `#[derive(Event)]`: parse the input, read `#[event]`, check them together, expand.

mod ast;
mod attr;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::DeriveInput;

use crate::errors::Errors;

/// The `Event` impl for `input`, or every error found in it.
pub(crate) fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let event = ast::EventInput::from_syn(input, &mut errors);
    let attr = attr::EventAttr::from_attrs(&input.attrs, &mut errors);
    let valid = valid::check(&event, &attr, &mut errors);
    errors.finish()?;
    match valid {
        Some(valid) => Ok(expand::expand(&valid)),
        // `check` reports whenever it returns nothing, so `finish` has returned that error.
        None => Ok(TokenStream::new()),
    }
}

//! Derive macros for herald events and handlers, re-exported by `herald_runtime` (as serde
//! re-exports serde_derive) so users depend on one crate; the expansions name only
//! `::herald_runtime` paths.
//!
//! Each derive is a small pipeline: parse the input, read its attributes, check them with
//! errors pinned to the exact span (all of them, not just the first), then expand.

mod errors;
mod event;
mod handlers;
mod suggest;

#[cfg(test)]
mod expansion_tests;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `herald_runtime::Event` for a struct with named fields.
///
/// ```ignore
/// #[derive(Serialize, Deserialize, Event)]
/// #[event(name = "OrderPlaced", version = 2, key = "order_id")]
/// struct OrderPlacedV2 { order_id: String, total_cents: u64 }
/// ```
///
/// - `version` (required): the catalog version this type is, from 1.
/// - `key` (required): the field whose value (formatted with `Display`) is the event key.
/// - `name`: the catalog name; defaults to the type's name.
#[proc_macro_derive(Event, attributes(event))]
pub fn derive_event(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    event::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `herald_runtime::Handler` by routing each event type to a method.
///
/// ```ignore
/// #[derive(Handlers)]
/// #[handlers(OrderPlaced => on_order_placed, PaymentCompleted => on_payment_completed)]
/// struct Billing;
///
/// impl Billing {
///     async fn on_order_placed(
///         &self,
///         event: OrderPlaced,
///         tx: &mut dyn Transaction,
///     ) -> Result<(), HandlerError> { Ok(()) }
///     // ...
/// }
/// ```
///
/// Each listed type implements `Consumable`: an `Event` (one version), or an enum over several
/// versions that upcasts them. The handler subscribes to the types' names; an envelope goes to
/// the first listed type with its name that accepts its version, decoded. An unknown type, a
/// version no listed type reads, or a payload that does not decode is rejected (dead-lettered
/// without retries) with a reason saying which.
#[proc_macro_derive(Handlers, attributes(handlers))]
pub fn derive_handlers(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    handlers::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

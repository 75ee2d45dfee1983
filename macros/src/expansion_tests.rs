//! Snapshots of what the derives write, printed with prettyplease: the generated code is
//! reviewed as code, and any change to it shows up as a diff.

use proc_macro2::TokenStream;
use quote::quote;

fn render(derive: fn(&syn::DeriveInput) -> syn::Result<TokenStream>, input: TokenStream) -> String {
    let input = syn::parse2(input).unwrap();
    let output = derive(&input).unwrap();
    prettyplease::unparse(&syn::parse2(output).unwrap())
}

#[test]
fn event_expansion() {
    insta::assert_snapshot!(render(
        crate::event::derive,
        quote! {
            #[derive(Event)]
            #[event(name = "OrderPlaced", version = 2, key = "order_id")]
            struct OrderPlacedV2 {
                order_id: String,
                total_cents: u64,
            }
        },
    ));
}

#[test]
fn generic_event_expansion() {
    insta::assert_snapshot!(render(
        crate::event::derive,
        quote! {
            #[derive(Event)]
            #[event(version = 1, key = "id")]
            struct Tagged<T: Send + Sync + 'static> where T: Clone {
                id: u64,
                tag: T,
            }
        },
    ));
}

#[test]
fn handlers_expansion() {
    insta::assert_snapshot!(render(
        crate::handlers::derive,
        quote! {
            #[derive(Handlers)]
            #[handlers(OrderPlaced => on_order_placed, events::PaymentCompleted => on_payment_completed)]
            struct Billing {
                invoices: Invoices,
            }
        },
    ));
}

#[test]
fn derive_errors_are_all_reported_together() {
    let input = syn::parse2(quote! {
        #[event(nmae = "OrderPlaced", key = "ordr_id")]
        struct OrderPlaced { order_id: String }
    })
    .unwrap();
    let messages: Vec<String> = crate::event::derive(&input)
        .unwrap_err()
        .into_iter()
        .map(|error| error.to_string())
        .collect();
    assert_eq!(
        messages,
        [
            "unknown `#[event]` key `nmae`: expected `name`, `version` or `key`; did you mean `name`?",
            "missing `version = N` in `#[event(...)]`: the catalog version this type is",
            "`OrderPlaced` has no field `ordr_id`; did you mean `order_id`?",
        ]
    );
}

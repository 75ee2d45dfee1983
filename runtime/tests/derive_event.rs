//! `#[derive(Event)]` on the happy path: the constants and key it implements, and a typed
//! event surviving `Envelope::wrap` and `decode`.

use herald_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "OrderPlaced", version = 2, key = "order_id")]
struct OrderPlacedV2 {
    order_id: String,
    total_cents: u64,
}

/// `name` defaults to the type's name; the key may be any `Display` type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(version = 1, key = "payment_id")]
struct PaymentCompleted {
    payment_id: u64,
    order_id: String,
}

/// Keys may be split across several attributes, and a raw-identifier field is named without
/// its `r#`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "ItemTyped")]
#[event(version = 3, key = "type")]
struct ItemTyped {
    r#type: String,
}

/// Generic events work when the parameters meet `Event`'s bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[event(name = "Tagged", version = 1, key = "id")]
#[serde(bound = "T: Serialize + serde::de::DeserializeOwned")]
struct Tagged<T>
where
    T: Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    id: u32,
    tag: T,
}

#[test]
fn name_version_and_key_come_from_the_attribute() {
    let event = OrderPlacedV2 {
        order_id: "o-17".to_owned(),
        total_cents: 4_200,
    };
    assert_eq!(OrderPlacedV2::NAME, "OrderPlaced");
    assert_eq!(OrderPlacedV2::VERSION, 2);
    assert_eq!(event.key(), "o-17");
}

#[test]
fn the_name_defaults_to_the_type_name_and_the_key_is_formatted_with_display() {
    let event = PaymentCompleted {
        payment_id: 991,
        order_id: "o-17".to_owned(),
    };
    assert_eq!(PaymentCompleted::NAME, "PaymentCompleted");
    assert_eq!(PaymentCompleted::VERSION, 1);
    assert_eq!(event.key(), "991");
}

#[test]
fn keys_may_be_split_across_attributes_and_name_raw_identifiers() {
    let event = ItemTyped {
        r#type: "book".to_owned(),
    };
    assert_eq!(ItemTyped::NAME, "ItemTyped");
    assert_eq!(ItemTyped::VERSION, 3);
    assert_eq!(event.key(), "book");
}

#[test]
fn generic_events_implement_event_for_every_instance() {
    let event = Tagged {
        id: 5,
        tag: vec!["a".to_owned()],
    };
    assert_eq!(<Tagged<Vec<String>>>::NAME, "Tagged");
    assert_eq!(event.key(), "5");
}

#[test]
fn a_derived_event_round_trips_through_an_envelope() {
    let event = OrderPlacedV2 {
        order_id: "o-17".to_owned(),
        total_cents: 4_200,
    };
    let envelope = Envelope::wrap("billing", &event, None).unwrap();
    assert_eq!(envelope.event_type, "OrderPlaced");
    assert_eq!(envelope.subject.as_deref(), Some("o-17"));
    assert_eq!(envelope.schema(), Some(("OrderPlaced", 2)));

    let bytes = envelope.to_vec();
    let parsed = Envelope::from_slice(&bytes).unwrap();
    assert_eq!(parsed, envelope);
    assert_eq!(parsed.decode::<OrderPlacedV2>().unwrap(), event);
}

#[test]
fn an_envelope_of_another_event_does_not_decode_as_a_derived_one() {
    let payment = PaymentCompleted {
        payment_id: 991,
        order_id: "o-17".to_owned(),
    };
    let envelope = Envelope::wrap("billing", &payment, None).unwrap();
    let error = envelope.decode::<OrderPlacedV2>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "expected OrderPlaced/2, the envelope carries PaymentCompleted/1"
    );
}

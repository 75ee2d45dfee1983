//! The CloudEvents envelope: byte-stable round trips and typed errors for bad input.

use herald_runtime::envelope::schema_uri;
use herald_runtime::{Envelope, EnvelopeError, Event, TraceParent};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct OrderPlaced {
    order_id: String,
    total_cents: u64,
}

impl Event for OrderPlaced {
    const NAME: &'static str = "OrderPlaced";
    const VERSION: u32 = 2;
    fn key(&self) -> String {
        self.order_id.clone()
    }
}

fn order() -> OrderPlaced {
    OrderPlaced {
        order_id: "o-1".into(),
        total_cents: 1250,
    }
}

#[test]
fn wrap_fills_every_attribute() {
    let envelope = Envelope::wrap("orders", &order(), None).unwrap();
    assert_eq!(envelope.event_type, "OrderPlaced");
    assert_eq!(envelope.subject.as_deref(), Some("o-1"));
    assert_eq!(envelope.dataschema.as_deref(), Some("herald:OrderPlaced/2"));
    assert_eq!(envelope.schema(), Some(("OrderPlaced", 2)));
    assert_eq!(
        envelope.datacontenttype.as_deref(),
        Some("application/json")
    );
    let id = uuid::Uuid::parse_str(&envelope.id).unwrap();
    assert_eq!(id.get_version_num(), 7, "ids are UUIDv7");
    assert!(envelope.trace().is_some());
    assert!(envelope.time.is_some());
}

#[test]
fn ids_are_time_ordered() {
    let a = Envelope::wrap("orders", &order(), None).unwrap();
    let b = Envelope::wrap("orders", &order(), None).unwrap();
    assert!(a.id < b.id, "{} then {}", a.id, b.id);
}

#[test]
fn encoding_is_byte_stable() {
    let envelope = Envelope::wrap("orders", &order(), None).unwrap();
    let bytes = envelope.to_vec();
    let again = Envelope::from_slice(&bytes).unwrap();
    assert_eq!(again, envelope);
    assert_eq!(again.to_vec(), bytes);
}

#[test]
fn foreign_attribute_order_extensions_and_payload_text_survive() {
    let text = r#"{"data":{"total_cents": 1250 ,"order_id":"o-1"},"type":"OrderPlaced","id":"e-1","source":"x","specversion":"1.0","dataschema":"herald:OrderPlaced/2","partitionkey":"p7","sequence":42}"#;
    let envelope = Envelope::from_slice(text.as_bytes()).unwrap();
    assert_eq!(
        envelope.data.get(),
        r#"{"total_cents": 1250 ,"order_id":"o-1"}"#
    );
    assert_eq!(envelope.extensions["partitionkey"], "p7");
    assert_eq!(envelope.extensions["sequence"], 42);
    let canonical = envelope.to_vec();
    assert_eq!(
        Envelope::from_slice(&canonical).unwrap().to_vec(),
        canonical
    );
    assert_eq!(envelope.decode::<OrderPlaced>().unwrap(), order());
}

#[test]
fn trace_is_continued() {
    let parent: TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        .parse()
        .unwrap();
    let envelope = Envelope::wrap("orders", &order(), Some(&parent)).unwrap();
    let trace = envelope.trace().unwrap();
    assert_eq!(trace.trace_id, parent.trace_id);
    assert_ne!(trace.parent_id, parent.parent_id);
}

fn error_of(text: &str) -> EnvelopeError {
    match Envelope::from_slice(text.as_bytes()) {
        Err(error) => error,
        Ok(envelope) => panic!("accepted {envelope:?}"),
    }
}

#[test]
fn bad_envelopes_are_typed_errors() {
    let cases = [
        ("not json", "expected ident"),
        ("[1,2]", "a CloudEvents 1.0 JSON object"),
        (
            r#"{"specversion":"1.0","source":"s","type":"T","data":{}}"#,
            "missing field `id`",
        ),
        (
            r#"{"id":"1","source":"s","type":"T","data":{}}"#,
            "missing field `specversion`",
        ),
        (
            r#"{"specversion":"0.3","id":"1","source":"s","type":"T","data":{}}"#,
            "herald reads CloudEvents 1.0",
        ),
        (
            r#"{"specversion":"1.0","id":"1","source":"s","type":"T"}"#,
            "missing field `data`",
        ),
        (
            r#"{"specversion":"1.0","id":"1","id":"2","source":"s","type":"T","data":1}"#,
            "duplicate attribute `id`",
        ),
        (
            r#"{"specversion":"1.0","id":"1","source":"s","type":"T","data_base64":"AA=="}"#,
            "data_base64",
        ),
        (
            r#"{"specversion":"1.0","id":"","source":"s","type":"T","data":1}"#,
            "`id` attribute is invalid: it is empty",
        ),
        (
            r#"{"specversion":"1.0","id":"1","source":"s","type":"T","traceparent":"00-xyz","data":1}"#,
            "`traceparent` attribute is invalid",
        ),
        (
            r#"{"specversion":"1.0","id":"1","source":"s","type":"T","time":"yesterday","data":1}"#,
            "`time` attribute is invalid",
        ),
        (
            r#"{"specversion":"1.0","id":1,"source":"s","type":"T","data":1}"#,
            "invalid type: integer",
        ),
    ];
    for (text, expected) in cases {
        let message = error_of(text).to_string();
        assert!(message.contains(expected), "{text}: {message}");
    }
}

#[test]
fn decode_checks_name_version_and_payload() {
    let mut envelope = Envelope::wrap("orders", &order(), None).unwrap();
    envelope.dataschema = Some(schema_uri("OrderPlaced", 1));
    let wrong = envelope.decode::<OrderPlaced>().unwrap_err();
    assert!(matches!(wrong, EnvelopeError::WrongEvent { .. }), "{wrong}");
    assert_eq!(
        wrong.to_string(),
        "expected OrderPlaced/2, the envelope carries OrderPlaced/1"
    );

    envelope.dataschema = Some(schema_uri("OrderPlaced", 2));
    envelope.data = serde_json::value::to_raw_value(&serde_json::json!({"order_id": 5})).unwrap();
    let bad = envelope.decode::<OrderPlaced>().unwrap_err();
    assert!(matches!(bad, EnvelopeError::Payload { .. }), "{bad}");
    assert!(bad.to_string().contains("OrderPlaced/2"), "{bad}");
}

#[test]
fn traceparent_parsing_rejects_bad_forms() {
    for bad in [
        "",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
    ] {
        assert!(bad.parse::<TraceParent>().is_err(), "{bad}");
    }
    let good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert_eq!(good.parse::<TraceParent>().unwrap().to_string(), good);
}

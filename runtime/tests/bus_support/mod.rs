//! What the bus adapters' tests share: test envelopes, reading deliveries back, and each
//! broker's clean-up.

#![allow(dead_code)]

#[cfg(feature = "nats")]
pub mod nats;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use herald_runtime::{Delivery, Envelope, Subscription};
use serde_json::value::RawValue;

/// An envelope of `event_type` for `key`, numbered `n` (in its data), from `source`.
pub fn envelope_from(source: &str, event_type: &str, key: &str, n: usize) -> Envelope {
    Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        source: source.to_owned(),
        event_type: event_type.to_owned(),
        subject: Some(key.to_owned()),
        time: Some("2024-05-01T12:00:00Z".to_owned()),
        dataschema: Some(format!("herald:{event_type}/1")),
        datacontenttype: Some("application/json".to_owned()),
        traceparent: None,
        extensions: BTreeMap::new(),
        data: RawValue::from_string(format!(r#"{{"n":{n},"key":{key:?}}}"#)).expect("raw json"),
    }
}

/// The envelope a delivery carries.
pub fn parse(delivery: &Delivery) -> Envelope {
    Envelope::from_slice(&delivery.payload).expect("a valid envelope")
}

/// Fetches and acks until `count` deliveries came or `limit` passed.
pub async fn drain(sub: &mut dyn Subscription, count: usize, limit: Duration) -> Vec<Envelope> {
    let started = Instant::now();
    let mut got = Vec::new();
    while got.len() < count && started.elapsed() < limit {
        let batch = sub
            .fetch(500, Duration::from_millis(500))
            .await
            .expect("fetch");
        for delivery in batch {
            got.push(parse(&delivery));
            delivery.acker.ack().await.expect("ack");
        }
    }
    got
}

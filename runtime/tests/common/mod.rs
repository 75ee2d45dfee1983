//! What the in-process bus's tests share: the events they publish, `Ping` (keyed) and `Pong`
//! (no key), the subscription they open, and the bus contract both kinds of `MemoryBus` keep.

pub mod memory_contract;

use std::time::Duration;

use herald_runtime::SubscriptionSpec;

use herald_runtime::{Envelope, Event};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ping {
    pub key: String,
    pub n: u32,
}

impl Event for Ping {
    const NAME: &'static str = "Ping";
    const VERSION: u32 = 1;
    fn key(&self) -> String {
        self.key.clone()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pong {
    pub n: u32,
}

impl Event for Pong {
    const NAME: &'static str = "Pong";
    const VERSION: u32 = 1;
    fn key(&self) -> String {
        String::new()
    }
}

pub fn ping(key: &str, n: u32) -> Envelope {
    Envelope::wrap("test", &Ping { key: key.into(), n }, None).unwrap()
}

pub fn pong(n: u32) -> Envelope {
    Envelope::wrap("test", &Pong { n }, None).unwrap()
}

/// A subscription that redelivers after 200 ms, at most 3 times.
pub fn spec(name: &str) -> SubscriptionSpec {
    let mut spec = SubscriptionSpec::new(name);
    spec.ack_wait = Duration::from_millis(200);
    spec.max_deliver = 3;
    spec
}

/// How long a fetch waits for what is already there.
pub const WAIT: Duration = Duration::from_millis(50);

/// The `n` of each delivery's Ping.
pub fn ns(deliveries: &[herald_runtime::Delivery]) -> Vec<u64> {
    deliveries
        .iter()
        .map(|d| {
            let e = Envelope::from_slice(&d.payload).unwrap();
            e.data_value().unwrap()["n"].as_u64().unwrap()
        })
        .collect()
}

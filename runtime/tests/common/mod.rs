//! The events the bus tests publish: `Ping` (keyed) and `Pong` (no key).

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

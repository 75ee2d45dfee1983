use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1, key = "customer")]
struct OrderPlaced {
    order_id: String,
    total_cents: u64,
}

fn main() {}

use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct OrderId {
    shop: String,
    number: u64,
}

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1, key = "order_id")]
struct OrderPlaced {
    order_id: OrderId,
    total_cents: u64,
}

fn main() {}

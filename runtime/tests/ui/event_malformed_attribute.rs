use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version 1, key = "order_id")]
struct OrderPlaced {
    order_id: String,
}

#[derive(Serialize, Deserialize, Event)]
#[event]
struct PaymentCompleted {
    payment_id: String,
}

fn main() {}

use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version = 0, key = "order_id")]
struct OrderPlaced {
    order_id: String,
}

#[derive(Serialize, Deserialize, Event)]
#[event(version = 5000000000, key = "payment_id")]
struct PaymentCompleted {
    payment_id: String,
}

#[derive(Serialize, Deserialize, Event)]
#[event(version = "2", key = "sku")]
struct StockReserved {
    sku: String,
}

fn main() {}

use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(nmae = "OrderPlaced", version = 1, key = "order_id", topic = "orders")]
struct OrderPlaced {
    order_id: String,
}

fn main() {}

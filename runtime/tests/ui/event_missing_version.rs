use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(name = "OrderPlaced", key = "order_id")]
struct OrderPlaced {
    order_id: String,
}

fn main() {}

use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1, key = "order_id")]
enum OrderPlaced {
    Small { order_id: String },
    Large { order_id: String },
}

fn main() {}

use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1)]
struct OrderPlaced {
    order_id: String,
}

fn main() {}

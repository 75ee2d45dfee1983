use herald_runtime::Event;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Event)]
#[event(version = 1, key = "0")]
struct OrderPlaced(String, u64);

fn main() {}

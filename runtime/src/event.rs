//! What a typed event is to the runtime: a catalog name, a version and a key.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// One version of one catalog event, as a Rust type. Implemented by generated code and by
/// `#[derive(Event)]`.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The catalog name, e.g. `OrderPlaced` (the CloudEvents `type`).
    const NAME: &'static str;
    /// The catalog version of this type.
    const VERSION: u32;
    /// The event key (CloudEvents `subject`): events of one key are delivered and handled in
    /// order.
    fn key(&self) -> String;
}

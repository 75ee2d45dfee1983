//! The runtime herald's generated code runs on, usable by hand too.
//!
//! - [`Envelope`]: CloudEvents 1.0 in JSON structured mode, with W3C trace context.
//! - [`Event`]: a typed event version (`#[derive(Event)]` or generated).
//! - [`bus`]: publish with confirmation and durable named subscriptions: in-process
//!   (`memory`, default), NATS JetStream (`nats`), RabbitMQ (`rabbitmq`).
//! - [`store`]: one transaction for a handler's writes and its inbox record, and for a
//!   producer's business change and its outbox rows: SQLite (`sqlite`, default), PostgreSQL
//!   (`postgres`).
//! - [`consumer`]: the consumer loop (per-key order, bounded concurrency, retries, dead letters,
//!   graceful shutdown) and [`relay`], which moves the outbox to the bus.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod bus;
pub mod consumer;
pub mod envelope;
pub mod event;
pub mod producer;
pub mod relay;
pub mod store;
#[doc(hidden)]
pub mod testing;
pub mod trace;

pub use bus::{Bus, BusError, Delivery, Subscription, SubscriptionSpec};
pub use consumer::{
    BoxError, Consumable, Consumer, ConsumerConfig, ConsumerError, Handler, HandlerError,
};
pub use envelope::{Envelope, EnvelopeError};
pub use event::Event;
pub use herald_macros::*;
pub use producer::{Producer, PublishError};
pub use relay::{Relay, RelayConfig};
pub use store::{Dialect, SqlValue, Store, StoreError, Transaction};
pub use trace::TraceParent;

/// What derived and generated code refers to, kept stable for it.
#[doc(hidden)]
pub mod __private {
    pub use async_trait::async_trait;
    pub use jsonschema;
    pub use serde;
    pub use serde_json;
}

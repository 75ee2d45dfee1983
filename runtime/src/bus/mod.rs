//! Buses move envelopes from producers to named, durable consumers. Each adapter (in-process,
//! NATS JetStream, RabbitMQ) gives the same contract, so code proven on the embedded bus behaves
//! the same on a broker:
//!
//! - `publish` returns only after the bus has the event (broker confirmation);
//! - a subscription is durable and named: unacked deliveries come back (after `ack_wait`, a
//!   `nak`, or a reconnect) with a growing `attempt`;
//! - the consumer acks only after its transaction committed, so a crash redelivers, and the
//!   inbox makes the redelivery harmless.

use std::time::Duration;

use async_trait::async_trait;

use crate::envelope::Envelope;

#[cfg(feature = "memory")]
pub mod memory;
#[cfg(feature = "nats")]
pub mod nats;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;

/// Why the bus could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The broker cannot be reached (or went away); adapters retry these themselves where they
    /// can, and report them when a caller must decide.
    #[error("{bus}: cannot reach the broker: {reason}")]
    Unavailable {
        /// Which adapter.
        bus: &'static str,
        /// The client's error.
        reason: String,
    },
    /// The broker refused the event (no confirmation, a nack, a rejected publish).
    #[error("{bus}: the broker did not confirm event {event_id}: {reason}")]
    NotConfirmed {
        /// Which adapter.
        bus: &'static str,
        /// The envelope id.
        event_id: String,
        /// The broker's answer.
        reason: String,
    },
    /// Declaring streams, consumers, exchanges or queues failed.
    #[error("{bus}: cannot set up {what}: {reason}")]
    Setup {
        /// Which adapter.
        bus: &'static str,
        /// What was being declared.
        what: String,
        /// The broker's answer.
        reason: String,
    },
    /// Acknowledging a delivery failed (the delivery will come back).
    #[error("{bus}: cannot acknowledge a delivery: {reason}")]
    Ack {
        /// Which adapter.
        bus: &'static str,
        /// The client's error.
        reason: String,
    },
    /// The bus was closed.
    #[error("the bus is closed")]
    Closed,
}

/// What a durable subscription receives and how the broker treats it.
#[derive(Debug, Clone)]
pub struct SubscriptionSpec {
    /// The durable consumer's name (one per consuming service and handler set).
    pub consumer: String,
    /// Event types (CloudEvents `type`) to receive; empty means all.
    pub event_types: Vec<String>,
    /// How long an unacked delivery stays with this consumer before it is redelivered.
    pub ack_wait: Duration,
    /// The broker-side redelivery cap, a safety net behind the consumer's own attempt limit
    /// (brokers otherwise redeliver forever: NATS 2.9, RabbitMQ 3.10).
    pub max_deliver: u32,
    /// How many unacked deliveries the broker may hand out at once.
    pub prefetch: usize,
}

impl SubscriptionSpec {
    /// A spec with herald's defaults: every event type, 30 s ack wait, 20 deliveries at most,
    /// 512 in flight.
    pub fn new(consumer: impl Into<String>) -> SubscriptionSpec {
        SubscriptionSpec {
            consumer: consumer.into(),
            event_types: Vec::new(),
            ack_wait: Duration::from_secs(30),
            max_deliver: 20,
            prefetch: 512,
        }
    }

    /// Whether `event_type` passes the filter.
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type)
    }
}

/// A bus: publish with confirmation, subscribe as a durable named consumer.
#[async_trait]
pub trait Bus: Send + Sync + 'static {
    /// A short name for logs and errors (`memory`, `nats`, `rabbitmq`).
    fn name(&self) -> &'static str;

    /// Publishes one event and waits for the broker's confirmation.
    async fn publish(&self, envelope: &Envelope) -> Result<(), BusError>;

    /// Publishes events in order with confirmations pipelined, returning once all are
    /// confirmed. On error, a prefix may have been published (a retry republishes it; consumers
    /// dedupe by id).
    async fn publish_all(&self, envelopes: &[Envelope]) -> Result<(), BusError> {
        for envelope in envelopes {
            self.publish(envelope).await?;
        }
        Ok(())
    }

    /// Opens (creating when needed) the durable consumer `spec.consumer`.
    async fn subscribe(&self, spec: &SubscriptionSpec) -> Result<Box<dyn Subscription>, BusError>;
}

/// An open durable subscription.
#[async_trait]
pub trait Subscription: Send {
    /// Waits up to `wait` for deliveries and returns at most `max` of them, in the bus's order
    /// (empty when none came). Adapters reconnect by themselves: a lost broker shows up as
    /// `Err(BusError::Unavailable)` only while it stays unreachable, and the next call tries
    /// again.
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError>;

    /// Stops the broker from pushing further deliveries (the consumer is shutting down), while
    /// the ones already handed out can still be acked or nak'ed. Without it, an event nak'ed
    /// at shutdown would be pushed straight back to this same consumer by a broker that
    /// pushes (RabbitMQ), and count one more delivery when the connection closes. Brokers the
    /// consumer pulls from need nothing: the default does nothing.
    async fn stop(&mut self) {}
}

/// One delivery of one event to one consumer.
pub struct Delivery {
    /// The envelope's bytes as they arrived (kept for dead letters even when they don't parse).
    pub payload: Vec<u8>,
    /// 1 for the first delivery, counting up with each redelivery, as far as the broker knows.
    pub attempt: u32,
    /// Events still waiting for this consumer at the broker, when the broker says.
    pub pending: Option<u64>,
    /// Settles the delivery with the broker.
    pub acker: Box<dyn Acker>,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("payload", &String::from_utf8_lossy(&self.payload))
            .field("attempt", &self.attempt)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// How a delivery is settled. Each consumes the acker: a delivery is settled once.
#[async_trait]
pub trait Acker: Send + Sync {
    /// Done: never deliver again.
    async fn ack(self: Box<Self>) -> Result<(), BusError>;
    /// Not done: deliver again after `delay` (best effort: some brokers redeliver at once).
    async fn nak(self: Box<Self>, delay: Duration) -> Result<(), BusError>;
}

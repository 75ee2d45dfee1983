//! How a consumer runs: concurrency, batching, attempts and backoff.

use std::time::Duration;

use crate::bus::SubscriptionSpec;

/// A consumer's settings. [`ConsumerConfig::new`] gives defaults that suit most services.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// The consumer's identity: its inbox records and dead letters are kept under this name.
    pub name: String,
    /// The durable subscription's name at the bus (defaults to `name`).
    pub subscription: Option<String>,
    /// Lanes working in parallel. Every key maps to one lane, so events of one key never run
    /// concurrently or out of order; different keys spread over the lanes. `None` (the
    /// default) takes the store's [`crate::Store::suggested_concurrency`]: 2 for SQLite, which
    /// runs one transaction at a time, twice the pool size for PostgreSQL.
    pub concurrency: Option<usize>,
    /// Events applied in one transaction (per lane). Batching is what makes a consumer fast:
    /// one commit per event caps SQLite near 20k/s and PostgreSQL near 4k/s.
    pub batch_size: usize,
    /// How long one fetch waits for events before the loop looks at shutdown again.
    pub fetch_wait: Duration,
    /// Handler attempts before an event is dead-lettered (counting broker redeliveries).
    pub max_attempts: u32,
    /// Pauses between attempts.
    pub backoff: Backoff,
    /// How long the bus waits for an ack before redelivering.
    pub ack_wait: Duration,
    /// Deliveries in flight from the bus.
    pub prefetch: usize,
}

impl ConsumerConfig {
    /// Defaults: lanes as the store suggests, batches of 100, 5 attempts with backoff from
    /// 100 ms to 10 s.
    pub fn new(name: impl Into<String>) -> ConsumerConfig {
        ConsumerConfig {
            name: name.into(),
            subscription: None,
            concurrency: None,
            batch_size: 100,
            fetch_wait: Duration::from_millis(100),
            max_attempts: 5,
            backoff: Backoff::default(),
            ack_wait: Duration::from_secs(30),
            prefetch: 1024,
        }
    }

    /// The subscription this consumer opens for `event_types`. The broker's own redelivery cap
    /// sits above `max_attempts`, as a net for deliveries the consumer never settled.
    pub fn subscription_spec(&self, event_types: Vec<String>) -> SubscriptionSpec {
        SubscriptionSpec {
            consumer: self
                .subscription
                .clone()
                .unwrap_or_else(|| self.name.clone()),
            event_types,
            ack_wait: self.ack_wait,
            max_deliver: self.max_attempts.saturating_mul(4).max(20),
            prefetch: self.prefetch,
        }
    }
}

/// Exponential backoff between attempts.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The pause after the first failure.
    pub initial: Duration,
    /// The longest pause.
    pub max: Duration,
    /// Growth per attempt.
    pub factor: u32,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(10),
            factor: 2,
        }
    }
}

impl Backoff {
    /// The pause after `failures` failures (1 → `initial`).
    pub fn delay(&self, failures: u32) -> Duration {
        let mut delay = self.initial;
        for _ in 1..failures {
            delay = delay.saturating_mul(self.factor.max(1));
            if delay >= self.max {
                return self.max;
            }
        }
        delay.min(self.max)
    }
}

//! Counters every consumer keeps, cheap enough to update per event.

use std::sync::atomic::{AtomicU64, Ordering};

/// A consumer's counters since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    processed: AtomicU64,
    duplicates: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    parked: AtomicU64,
    lag: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Events the handler applied (committed).
    pub processed: u64,
    /// Deliveries skipped because the inbox had already seen the event.
    pub duplicates: u64,
    /// Failed attempts that were retried.
    pub retried: u64,
    /// Events dead-lettered as failed (undecodable, invalid, out of attempts).
    pub dead_lettered: u64,
    /// Events parked behind a dead letter of the same key.
    pub parked: u64,
    /// Events waiting at the bus for this consumer, as last reported by the bus.
    pub lag: u64,
}

impl Metrics {
    pub(crate) fn add_processed(&self, n: u64) {
        self.processed.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn add_duplicates(&self, n: u64) {
        self.duplicates.fetch_add(n, Ordering::Relaxed);
    }
    pub(crate) fn add_retried(&self) {
        self.retried.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn add_dead_lettered(&self) {
        self.dead_lettered.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn add_parked(&self) {
        self.parked.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn set_lag(&self, lag: u64) {
        self.lag.store(lag, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            processed: self.processed.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
            dead_lettered: self.dead_lettered.load(Ordering::Relaxed),
            parked: self.parked.load(Ordering::Relaxed),
            lag: self.lag.load(Ordering::Relaxed),
        }
    }
}

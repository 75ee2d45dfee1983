//! The outbox relay: moves events committed to the store's outbox onto the bus, at least once
//! and in order (outbox row order, hence per-key order), and purges what is past retention.
//!
//! A row is marked relayed only after the bus confirmed it, so a crash between the two
//! republishes it: brokers dedupe by envelope id within their window, and consumers' inboxes
//! catch the rest. Run one relay per store: two relays would each keep order but interleave.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::bus::{Bus, BusError};
use crate::consumer::Backoff;
use crate::store::{self, Retention, Store, StoreError};

/// How the relay runs.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Rows per fetch, published with pipelined confirmations.
    pub batch: usize,
    /// How often an idle relay looks at the outbox (a [`Relay::wake`] looks at once).
    pub poll: Duration,
    /// Pauses after failures.
    pub backoff: Backoff,
    /// What to purge, and how often.
    pub retention: Retention,
    /// Time between purges.
    pub purge_every: Duration,
}

impl Default for RelayConfig {
    fn default() -> RelayConfig {
        RelayConfig {
            batch: 256,
            poll: Duration::from_millis(20),
            backoff: Backoff::default(),
            retention: Retention::default(),
            purge_every: Duration::from_secs(60),
        }
    }
}

/// Why one relay step failed (the running relay retries both).
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Reading or marking the outbox failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Publishing failed.
    #[error(transparent)]
    Bus(#[from] BusError),
}

/// Moves outbox rows to the bus.
pub struct Relay {
    store: Arc<dyn Store>,
    bus: Arc<dyn Bus>,
    config: RelayConfig,
    wake: Notify,
    relayed: AtomicU64,
}

impl Relay {
    /// A relay from `store`'s outbox to `bus`.
    pub fn new(store: Arc<dyn Store>, bus: Arc<dyn Bus>, config: RelayConfig) -> Relay {
        Relay {
            store,
            bus,
            config,
            wake: Notify::new(),
            relayed: AtomicU64::new(0),
        }
    }

    /// Asks the relay to look at the outbox now (producers call it after committing).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Events relayed since start.
    pub fn relayed(&self) -> u64 {
        self.relayed.load(Ordering::Relaxed)
    }

    /// Relays one batch; returns how many rows it moved (0: the outbox is drained).
    pub async fn relay_once(&self) -> Result<usize, RelayError> {
        let rows = self.store.outbox_pending(self.config.batch.max(1)).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let envelopes: Vec<_> = rows.iter().map(|row| row.envelope.clone()).collect();
        self.bus.publish_all(&envelopes).await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
        self.store.outbox_mark_relayed(&ids).await?;
        self.relayed.fetch_add(ids.len() as u64, Ordering::Relaxed);
        Ok(ids.len())
    }

    /// Relays until the outbox is empty (used by tests and by short-lived tools).
    pub async fn drain(&self) -> Result<usize, RelayError> {
        let mut total = 0;
        loop {
            let moved = self.relay_once().await?;
            if moved == 0 {
                return Ok(total);
            }
            total += moved;
        }
    }

    /// Runs until `shutdown`: relays, waits for work, retries failures with backoff, purges on
    /// schedule.
    pub async fn run(&self, shutdown: CancellationToken) {
        let mut failures = 0;
        let mut last_purge = Instant::now();
        while !shutdown.is_cancelled() {
            let pause = match self.relay_once().await {
                Ok(0) => {
                    failures = 0;
                    self.config.poll
                }
                Ok(_) => {
                    failures = 0;
                    Duration::ZERO
                }
                Err(error) => {
                    failures += 1;
                    let pause = self.config.backoff.delay(failures);
                    tracing::warn!(%error, ?pause, "outbox relay failed; retrying");
                    pause
                }
            };
            if last_purge.elapsed() >= self.config.purge_every {
                last_purge = Instant::now();
                match store::purge(self.store.as_ref(), &self.config.retention).await {
                    Ok(purged) => tracing::debug!(?purged, "purged inbox and outbox"),
                    Err(error) => tracing::warn!(%error, "purge failed; next time"),
                }
            }
            if pause > Duration::ZERO {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = self.wake.notified() => {}
                    () = shutdown.cancelled() => {}
                }
            }
        }
    }
}

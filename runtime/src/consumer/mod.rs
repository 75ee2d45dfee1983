//! The consumer loop: fetch from a durable subscription, spread events over lanes by key, apply
//! each batch in one store transaction together with its inbox records, commit, then ack.
//!
//! Guarantees, and how they are kept:
//! - **No second effect.** The inbox record is written in the handler's transaction; a
//!   redelivered event finds it and is skipped.
//! - **Per-key order.** A key always maps to the same lane and a lane works sequentially, so
//!   events of one key never run concurrently or out of order; keys spread over the lanes.
//! - **Nothing silently dropped.** An event that cannot be decoded or fails validation is
//!   dead-lettered at once; one whose handler keeps failing is retried with backoff and
//!   dead-lettered after `max_attempts`. While it waits for its next attempt, only its own key
//!   waits behind it: the lane's other keys go on (see `held`). Later events of a dead-lettered key are parked behind it
//!   until [`Consumer::retry_dead_letters`] applies them or [`Consumer::skip_dead_letter`] skips
//!   the failed one: per-key order is never broken behind the user's back.
//! - **Infrastructure failures are not the event's fault.** A store that cannot begin or commit
//!   is retried without counting attempts; a bus that goes away is re-fetched until it is back.
//! - **Graceful shutdown.** Cancelling the token stops fetching; lanes finish what they hold,
//!   commit and ack, and events waiting in a retry pause are handed back to the bus (nak).

mod config;
mod dead_letters;
mod guard;
mod handler;
mod handoff;
mod held;
mod lane;
mod metrics;
#[cfg(test)]
mod test_support;

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::bus::Bus;
use crate::envelope::Envelope;
use crate::store::{DeadLetter, Store, StoreError};

pub use config::{Backoff, ConsumerConfig};
pub use dead_letters::Replay;
pub use handler::{BoxError, Consumable, Handler, HandlerError};
pub use metrics::{Metrics, MetricsSnapshot};

use handoff::{LaneSender, Undelivered};
use lane::{Incoming, Lane, LaneMessage};

/// Why a consumer could not run, or a dead-letter operation could not complete.
#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    /// The store failed where the consumer cannot carry on (migrating at start, a dead-letter
    /// operation).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The consumer stopped while the operation waited.
    #[error("the consumer stopped before the operation completed")]
    Stopped,
}

/// A consumer: one handler, one durable subscription, one store.
pub struct Consumer {
    shared: Arc<Shared>,
    bus: Arc<dyn Bus>,
    /// The lanes' inboxes while the consumer runs: dead-letter operations go through the lane
    /// owning the key, so they never race with that key's live events.
    lanes: Mutex<Option<Vec<LaneSender>>>,
}

/// What the lanes share.
pub(crate) struct Shared {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) handler: Arc<dyn Handler>,
    pub(crate) config: ConsumerConfig,
    pub(crate) metrics: Arc<Metrics>,
    /// Keys with dead letters: their later events are parked.
    pub(crate) blocked: Mutex<HashSet<String>>,
}

impl Shared {
    pub(crate) fn is_blocked(&self, key: &str) -> bool {
        lock(&self.blocked).contains(key)
    }

    pub(crate) fn block(&self, key: &str) {
        lock(&self.blocked).insert(key.to_owned());
    }

    pub(crate) fn unblock(&self, key: &str) {
        lock(&self.blocked).remove(key);
    }
}

/// Locks a mutex whose data stays consistent even if a holder panicked (single-step updates).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Consumer {
    /// A consumer applying `handler` to the events of `bus` inside transactions of `store`.
    pub fn new(
        bus: Arc<dyn Bus>,
        store: Arc<dyn Store>,
        handler: Arc<dyn Handler>,
        config: ConsumerConfig,
    ) -> Consumer {
        Consumer {
            shared: Arc::new(Shared {
                store,
                handler,
                config,
                metrics: Arc::new(Metrics::default()),
                blocked: Mutex::new(HashSet::new()),
            }),
            bus,
            lanes: Mutex::new(None),
        }
    }

    /// The consumer's counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.shared.metrics.clone()
    }

    /// The consumer's name (its inbox and dead-letter identity).
    pub fn name(&self) -> &str {
        &self.shared.config.name
    }

    /// Runs until `shutdown` is cancelled, then drains and returns. Fails only when the store
    /// cannot be prepared at start; a broker that is down is waited for.
    pub async fn run(&self, shutdown: CancellationToken) -> Result<(), ConsumerError> {
        let shared = &self.shared;
        shared.store.migrate().await?;
        self.load_blocked_keys().await?;
        let spec = shared
            .config
            .subscription_spec(shared.handler.event_types());
        let Some(mut subscription) = self.subscribe(&spec, &shutdown).await else {
            return Ok(());
        };

        let lane_count = shared
            .config
            .concurrency
            .unwrap_or_else(|| shared.store.suggested_concurrency())
            .max(1);
        let batch_size = shared.config.batch_size.max(1);
        let mut senders = Vec::with_capacity(lane_count);
        let mut workers = Vec::with_capacity(lane_count);
        // The lanes hear of the shutdown only once the subscription stopped: an event they
        // hand back then is not pushed straight back to this consumer.
        let lanes_stop = CancellationToken::new();
        for _ in 0..lane_count {
            let (sender, receiver) = handoff::channel(batch_size.saturating_mul(2));
            senders.push(sender);
            let lane = Lane::new(shared.clone(), lanes_stop.clone());
            workers.push(tokio::spawn(lane.run(receiver)));
        }
        *lock(&self.lanes) = Some(senders.clone());
        let mut handover = Handover::new(senders);

        let mut failures = 0;
        while !shutdown.is_cancelled() {
            let fetched = subscription
                .fetch(shared.config.prefetch.max(1), shared.config.fetch_wait)
                .await;
            match fetched {
                Ok(deliveries) => {
                    failures = 0;
                    // Each lane's events of this fetch, sent a batch at a time.
                    let mut chunks: Vec<Vec<Incoming>> =
                        std::iter::repeat_with(Vec::new).take(lane_count).collect();
                    for delivery in deliveries {
                        if let Some(pending) = delivery.pending {
                            shared.metrics.set_lag(pending);
                        }
                        let envelope = Envelope::from_slice(&delivery.payload)
                            .map_err(|error| error.to_string());
                        let key = envelope.as_ref().map_or("", |e| e.key());
                        let lane = lane_of(key, lane_count);
                        chunks[lane].push(Incoming { delivery, envelope });
                        if chunks[lane].len() >= batch_size {
                            let chunk = std::mem::take(&mut chunks[lane]);
                            handover.send(lane, chunk, &shutdown).await;
                        }
                    }
                    for (lane, chunk) in chunks.into_iter().enumerate() {
                        if !chunk.is_empty() {
                            handover.send(lane, chunk, &shutdown).await;
                        }
                    }
                }
                Err(error) => {
                    failures += 1;
                    let pause = shared.config.backoff.delay(failures);
                    tracing::warn!(consumer = %shared.config.name, %error, ?pause, "fetch failed; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = shutdown.cancelled() => {}
                    }
                }
            }
        }

        subscription.stop().await;
        lanes_stop.cancel();
        *lock(&self.lanes) = None;
        drop(handover);
        for worker in workers {
            if let Err(error) = worker.await {
                tracing::error!(%error, "a consumer lane panicked");
            }
        }
        Ok(())
    }

    /// The consumer's dead letters, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, ConsumerError> {
        Ok(self
            .shared
            .store
            .dead_letters(&self.shared.config.name)
            .await?)
    }

    /// Applies the dead letters of `key` in order, stopping at the first that fails again (it
    /// stays, with its new reason). When none remain, the key flows again.
    pub async fn retry_dead_letters(&self, key: &str) -> Result<Replay, ConsumerError> {
        self.through_lane(key, None).await
    }

    /// Drops the dead letter `id` without applying it, then applies the events parked behind it
    /// (as [`Consumer::retry_dead_letters`] does).
    pub async fn skip_dead_letter(&self, key: &str, id: i64) -> Result<Replay, ConsumerError> {
        self.through_lane(key, Some(id)).await
    }

    async fn through_lane(&self, key: &str, skip: Option<i64>) -> Result<Replay, ConsumerError> {
        let sender = lock(&self.lanes)
            .as_ref()
            .map(|lanes| lanes[lane_of(key, lanes.len())].clone());
        let Some(sender) = sender else {
            // Not running: nothing races with us.
            return dead_letters::replay(&self.shared, key, skip).await;
        };
        let (reply, answer) = oneshot::channel();
        let message = LaneMessage::Replay {
            key: key.to_owned(),
            skip,
            reply,
        };
        if sender.request(message).is_err() {
            return Err(ConsumerError::Stopped);
        }
        answer.await.map_err(|_| ConsumerError::Stopped)?
    }

    async fn load_blocked_keys(&self) -> Result<(), ConsumerError> {
        let letters = self
            .shared
            .store
            .dead_letters(&self.shared.config.name)
            .await?;
        let mut blocked = lock(&self.shared.blocked);
        blocked.clear();
        // A letter that never decoded has no key, so it holds nothing back.
        blocked.extend(
            letters
                .into_iter()
                .filter(|letter| letter.event_id.is_some())
                .map(|letter| letter.subject),
        );
        Ok(())
    }

    async fn subscribe(
        &self,
        spec: &crate::bus::SubscriptionSpec,
        shutdown: &CancellationToken,
    ) -> Option<Box<dyn crate::bus::Subscription>> {
        let mut failures = 0;
        loop {
            match self.bus.subscribe(spec).await {
                Ok(subscription) => return Some(subscription),
                Err(error) => {
                    failures += 1;
                    let pause = self.shared.config.backoff.delay(failures);
                    tracing::warn!(consumer = %spec.consumer, %error, ?pause, "cannot subscribe; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = shutdown.cancelled() => return None,
                    }
                }
            }
        }
    }
}

/// The fetch loop's hand-off to the lanes. At shutdown a full lane is not waited for (it may be
/// pausing for a store that is down): its chunk goes back to the bus, and so does every later
/// chunk for that lane, so no event of a key is applied after a later one was handed back.
struct Handover {
    senders: Vec<LaneSender>,
    /// Lanes whose events now go back to the bus.
    closed: Vec<bool>,
}

impl Handover {
    fn new(senders: Vec<LaneSender>) -> Handover {
        let closed = vec![false; senders.len()];
        Handover { senders, closed }
    }

    /// Sends a chunk of events to its lane, waiting while the lane is full.
    async fn send(&mut self, lane: usize, chunk: Vec<Incoming>, shutdown: &CancellationToken) {
        let events = if self.closed[lane] {
            chunk
        } else {
            match self.senders[lane].deliver(chunk, shutdown).await {
                Ok(()) => return,
                Err(Undelivered(events)) => events,
            }
        };
        // A lane ends only when its channel closes, not while the fetch loop holds it (a
        // handler's panic is caught in the lane). Should one end anyway, its events go back
        // to the bus, paced so they do not spin through a lane that is gone.
        let pause = if shutdown.is_cancelled() {
            tracing::debug!(
                lane,
                events = events.len(),
                "shutting down; events go back to the bus"
            );
            Duration::ZERO
        } else {
            tracing::error!(
                lane,
                events = events.len(),
                "a consumer lane ended unexpectedly; its events go back to the bus"
            );
            Duration::from_secs(1)
        };
        self.closed[lane] = true;
        lane::give_back(events, pause).await;
    }
}

/// The lane of a key: a fixed hash, so a key's lane is the same on every run.
fn lane_of(key: &str, lanes: usize) -> usize {
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
    (hash % lanes.max(1) as u64) as usize
}

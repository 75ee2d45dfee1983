//! The in-process bus: the embedded default. One append-only log shared by every durable
//! consumer, each with its own cursor and its own set of unacked deliveries, so it behaves like a
//! broker: unacked deliveries come back after `ack_wait` or a `nak`, with a growing `attempt`, up
//! to `max_deliver`; publishing an id seen within the dedupe window is a no-op (like JetStream's
//! `Nats-Msg-Id`).
//!
//! [`MemoryBus::new`] keeps everything in memory: nothing survives the process, and durability
//! across restarts comes from the store's outbox, which keeps an event until the relay has handed
//! it to the bus.
//!
//! [`MemoryBus::persistent`] (feature `sqlite`) writes the log and each consumer's progress
//! through to tables of a [`SqliteStore`] (`herald_bus_log`, `herald_bus_consumers`,
//! `herald_bus_acks`, created when missing) and reloads them at start, so a single-process
//! service can restart without losing what it had not consumed yet:
//! - `publish` returns once the events are committed to the database (the confirmation);
//! - `ack` returns once the ack is committed. Concurrent acks share one transaction (whoever
//!   holds the connection writes every ack queued so far), so a busy consumer pays far less than
//!   one commit per event. A consumer's progress is stored as a floor (every offset below is
//!   settled) plus the acked offsets above it;
//! - after a restart every event a consumer had not acked is delivered again, in log order, with
//!   `attempt` starting over at 1 (the inbox makes the repeat harmless); acked events are not;
//! - the dedupe window survives a restart: ids published within it are still refused;
//! - a delivery the bus gave up on at `max_deliver` counts as settled once a later ack moves the
//!   consumer's floor past it; until then a restart delivers it again with fresh attempts;
//! - bytes put in with [`MemoryBus::inject_raw`] are written with the next publish.
//!
//! The bus shares the store's single connection, so publishing straight to a persistent bus from
//! inside an open transaction of the same store waits forever: publish through the outbox
//! ([`Producer::publish_in`](crate::Producer::publish_in)) instead. Nothing is ever deleted from
//! the log tables.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
#[cfg(feature = "sqlite")]
use std::time::SystemTime;

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{Acker, Bus, BusError, Delivery, Subscription, SubscriptionSpec};
use crate::envelope::Envelope;
#[cfg(feature = "sqlite")]
use crate::store::sqlite::SqliteStore;

#[cfg(feature = "sqlite")]
mod persist;

/// How long a published id is remembered for dedupe (JetStream's default window).
const DEDUPE_WINDOW: Duration = Duration::from_secs(120);

/// The bus's name in errors and logs.
const NAME: &str = "memory";

/// The in-process bus. Clones share the same log.
#[derive(Clone, Default)]
pub struct MemoryBus {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Woken on every publish and every nak, so waiting fetches look again.
    changed: Notify,
    /// Where a persistent bus writes through to (see the module docs).
    #[cfg(feature = "sqlite")]
    store: Option<SqliteStore>,
}

#[derive(Default)]
struct State {
    log: Vec<Message>,
    /// Ids published within the dedupe window, and the same ids oldest first (for expiry).
    seen: HashSet<String>,
    seen_order: VecDeque<(Instant, String)>,
    consumers: HashMap<String, ConsumerState>,
    closed: bool,
    /// Persistent bus: how many log entries (from the start) are in the database; the rest were
    /// injected raw and go in with the next publish.
    #[cfg(feature = "sqlite")]
    persisted: usize,
    /// Persistent bus: (consumer, offset) acked in memory, not yet committed.
    pending_acks: Vec<(Arc<str>, usize)>,
}

impl State {
    /// Forgets the ids published longer than the dedupe window ago.
    fn expire_seen(&mut self, now: Instant) {
        while let Some((at, _)) = self.seen_order.front() {
            if now.duration_since(*at) < DEDUPE_WINDOW {
                break;
            }
            if let Some((_, id)) = self.seen_order.pop_front() {
                self.seen.remove(&id);
            }
        }
    }

    /// Remembers `id` for dedupe; false when it was published within the window.
    fn remember(&mut self, id: &str, at: Instant) -> bool {
        if !self.seen.insert(id.to_owned()) {
            return false;
        }
        self.seen_order.push_back((at, id.to_owned()));
        true
    }
}

struct Message {
    event_type: String,
    payload: Arc<[u8]>,
}

struct ConsumerState {
    spec: SubscriptionSpec,
    /// The next log offset never delivered to this consumer.
    cursor: usize,
    /// Delivered, not yet acked: offset → delivery state.
    unacked: BTreeMap<usize, Unacked>,
    /// Offsets at or past `cursor` acked in an earlier run of a persistent bus: skipped when the
    /// cursor reaches them. Always empty on an in-memory bus.
    settled: BTreeSet<usize>,
}

impl ConsumerState {
    fn new(spec: SubscriptionSpec, cursor: usize) -> ConsumerState {
        ConsumerState {
            spec,
            cursor,
            unacked: BTreeMap::new(),
            settled: BTreeSet::new(),
        }
    }

    /// The lowest offset not settled yet: everything below was acked, filtered out or given up.
    #[cfg(feature = "sqlite")]
    fn floor(&self) -> usize {
        self.unacked
            .keys()
            .next()
            .map_or(self.cursor, |&first| first.min(self.cursor))
    }
}

struct Unacked {
    attempts: u32,
    /// When the delivery may be handed out again.
    due: Instant,
    /// Bumped on every hand-out: a settle from an older hand-out is ignored.
    generation: u64,
}

impl MemoryBus {
    /// An empty bus.
    pub fn new() -> MemoryBus {
        MemoryBus::default()
    }

    /// A bus whose log and consumers' progress live in `store`'s database too (see the module
    /// docs): it starts from what an earlier run left there, creating the tables when missing.
    /// Open one per database: a second bus appending to the same tables would pick offsets the
    /// first already used, and its publishes fail unconfirmed.
    #[cfg(feature = "sqlite")]
    pub async fn persistent(store: &SqliteStore) -> Result<MemoryBus, BusError> {
        let loaded = store
            .with_connection(persist::load)
            .await
            .map_err(|error| setup(error.to_string()))?
            .map_err(|error| setup(error.to_string()))?;
        let now = Instant::now();
        let now_millis = crate::store::unix_millis(SystemTime::now());
        let window = i64::try_from(DEDUPE_WINDOW.as_millis()).unwrap_or(i64::MAX);
        let mut state = State {
            persisted: loaded.log.len(),
            ..State::default()
        };
        for row in loaded.log {
            let age = now_millis.saturating_sub(row.published_at);
            if let Some(id) = row.event_id.filter(|_| age < window) {
                let age = Duration::from_millis(u64::try_from(age).unwrap_or(0));
                state.remember(&id, now.checked_sub(age).unwrap_or(now));
            }
            state.log.push(Message {
                event_type: row.event_type,
                payload: row.payload,
            });
        }
        for (name, progress) in loaded.consumers {
            let mut consumer = ConsumerState::new(
                SubscriptionSpec::new(&name),
                progress.floor.min(state.log.len()),
            );
            consumer.settled = progress.acked;
            state.consumers.insert(name, consumer);
        }
        Ok(MemoryBus {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                changed: Notify::new(),
                store: Some(store.clone()),
            }),
        })
    }

    /// Closes the bus: publishes and fetches fail with [`BusError::Closed`] from now on.
    pub fn close(&self) {
        self.lock().closed = true;
        self.shared.changed.notify_waiters();
    }

    /// How many events the log holds.
    pub fn len(&self) -> usize {
        self.lock().log.len()
    }

    /// Whether nothing was published yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends raw bytes as if a producer had published them, bypassing every check: how tests
    /// put a malformed event in front of a consumer. A persistent bus writes them with the next
    /// publish.
    pub fn inject_raw(&self, event_type: &str, payload: Vec<u8>) {
        self.lock().log.push(Message {
            event_type: event_type.to_owned(),
            payload: payload.into(),
        });
        self.shared.changed.notify_waiters();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.shared)
    }
}

/// The state lock; a panic elsewhere while holding it leaves consistent data (every update is a
/// single step), so a poisoned lock is taken over rather than propagated.
fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared
        .state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[async_trait]
impl Bus for MemoryBus {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn publish(&self, envelope: &Envelope) -> Result<(), BusError> {
        self.publish_all(std::slice::from_ref(envelope)).await
    }

    async fn publish_all(&self, envelopes: &[Envelope]) -> Result<(), BusError> {
        #[cfg(feature = "sqlite")]
        if let Some(store) = &self.shared.store {
            return self.publish_persisted(store, envelopes).await;
        }
        let now = Instant::now();
        {
            let mut state = self.lock();
            if state.closed {
                return Err(BusError::Closed);
            }
            state.expire_seen(now);
            for envelope in envelopes {
                if state.remember(&envelope.id, now) {
                    state.log.push(Message {
                        event_type: envelope.event_type.clone(),
                        payload: envelope.to_vec().into(),
                    });
                }
            }
        }
        self.shared.changed.notify_waiters();
        Ok(())
    }

    async fn subscribe(&self, spec: &SubscriptionSpec) -> Result<Box<dyn Subscription>, BusError> {
        let mut state = self.lock();
        if state.closed {
            return Err(BusError::Closed);
        }
        let now = Instant::now();
        let consumer = state
            .consumers
            .entry(spec.consumer.clone())
            .or_insert_with(|| ConsumerState::new(spec.clone(), 0));
        consumer.spec = spec.clone();
        // A new subscription under an existing name takes over: whatever the previous one held
        // unacked (it crashed or was dropped) is due again at once.
        for unacked in consumer.unacked.values_mut() {
            unacked.due = now;
            unacked.generation += 1;
        }
        Ok(Box::new(MemorySubscription {
            shared: self.shared.clone(),
            consumer: spec.consumer.as_str().into(),
        }))
    }
}

struct MemorySubscription {
    shared: Arc<Shared>,
    consumer: Arc<str>,
}

impl MemorySubscription {
    /// Takes what is due now: redeliveries first (oldest offset first), then new events.
    fn take(&self, max: usize, now: Instant) -> Result<(Vec<Delivery>, Option<Instant>), BusError> {
        let mut state = lock(&self.shared);
        if state.closed {
            return Err(BusError::Closed);
        }
        let State { log, consumers, .. } = &mut *state;
        let consumer = consumers.get_mut(&*self.consumer).ok_or(BusError::Closed)?;
        let mut deliveries = Vec::new();
        let mut next_due: Option<Instant> = None;
        let max_deliver = consumer.spec.max_deliver.max(1);
        let mut exhausted = Vec::new();
        for (&offset, unacked) in consumer.unacked.iter_mut() {
            if unacked.due > now {
                next_due = Some(next_due.map_or(unacked.due, |d| d.min(unacked.due)));
                continue;
            }
            if unacked.attempts >= max_deliver {
                // Out of deliveries: the broker gives up on it (as JetStream does at
                // MaxDeliver); the consumer's own attempt limit dead-letters long before.
                exhausted.push(offset);
                continue;
            }
            if deliveries.len() == max {
                break;
            }
            unacked.attempts += 1;
            unacked.generation += 1;
            unacked.due = now + consumer.spec.ack_wait;
            deliveries.push(self.delivery(log, offset, unacked));
        }
        for offset in exhausted {
            consumer.unacked.remove(&offset);
        }
        while deliveries.len() < max && consumer.cursor < log.len() {
            let offset = consumer.cursor;
            consumer.cursor += 1;
            if consumer.settled.remove(&offset) || !consumer.spec.wants(&log[offset].event_type) {
                continue;
            }
            let unacked = Unacked {
                attempts: 1,
                due: now + consumer.spec.ack_wait,
                generation: 0,
            };
            deliveries.push(self.delivery(log, offset, &unacked));
            consumer.unacked.insert(offset, unacked);
        }
        let pending = (log.len() - consumer.cursor) as u64;
        for delivery in &mut deliveries {
            delivery.pending = Some(pending);
        }
        Ok((deliveries, next_due))
    }

    fn delivery(&self, log: &[Message], offset: usize, unacked: &Unacked) -> Delivery {
        Delivery {
            payload: log[offset].payload.to_vec(),
            attempt: unacked.attempts,
            pending: None,
            acker: Box::new(MemoryAcker {
                shared: self.shared.clone(),
                consumer: self.consumer.clone(),
                offset,
                generation: unacked.generation,
            }),
        }
    }
}

#[async_trait]
impl Subscription for MemorySubscription {
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        let deadline = Instant::now() + wait;
        loop {
            // Register interest before looking, so a publish between the look and the wait
            // is not missed.
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = Instant::now();
            let (deliveries, next_due) = self.take(max, now)?;
            if !deliveries.is_empty() || now >= deadline {
                return Ok(deliveries);
            }
            let until = next_due.map_or(deadline, |due| due.min(deadline));
            tokio::select! {
                () = &mut changed => {}
                () = tokio::time::sleep_until(until) => {}
            }
        }
    }
}

struct MemoryAcker {
    shared: Arc<Shared>,
    consumer: Arc<str>,
    offset: usize,
    generation: u64,
}

impl MemoryAcker {
    /// Runs `settle` on this delivery's consumer if the delivery is still the current hand-out.
    fn settle(&self, settle: impl FnOnce(&mut ConsumerState, &mut Vec<(Arc<str>, usize)>)) {
        let mut state = lock(&self.shared);
        let State {
            consumers,
            pending_acks,
            ..
        } = &mut *state;
        if let Some(consumer) = consumers.get_mut(&*self.consumer) {
            let current = consumer
                .unacked
                .get(&self.offset)
                .is_some_and(|u| u.generation == self.generation);
            if current {
                settle(consumer, pending_acks);
            }
        }
    }
}

#[async_trait]
impl Acker for MemoryAcker {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        let offset = self.offset;
        #[cfg(feature = "sqlite")]
        if let Some(store) = &self.shared.store {
            let mut queued = false;
            self.settle(|consumer, pending_acks| {
                consumer.unacked.remove(&offset);
                pending_acks.push((self.consumer.clone(), offset));
                queued = true;
            });
            if queued {
                flush_acks(&self.shared, store).await?;
            }
            return Ok(());
        }
        self.settle(|consumer, _| {
            consumer.unacked.remove(&offset);
        });
        Ok(())
    }

    async fn nak(self: Box<Self>, delay: Duration) -> Result<(), BusError> {
        let offset = self.offset;
        self.settle(|consumer, _| {
            if let Some(entry) = consumer.unacked.get_mut(&offset) {
                entry.due = Instant::now() + delay;
            }
        });
        self.shared.changed.notify_waiters();
        Ok(())
    }
}

#[cfg(feature = "sqlite")]
impl MemoryBus {
    /// Publishes through the database: the connection is held from choosing the offsets to
    /// appending in memory, and the state lock across the write, so the database and the
    /// in-memory log never disagree on an offset and no consumer sees an uncommitted event.
    async fn publish_persisted(
        &self,
        store: &SqliteStore,
        envelopes: &[Envelope],
    ) -> Result<(), BusError> {
        let shared = &self.shared;
        let appended = store
            .with_connection(|connection| {
                let now = Instant::now();
                let published_at = crate::store::unix_millis(SystemTime::now());
                let mut state = lock(shared);
                if state.closed {
                    return Err(BusError::Closed);
                }
                state.expire_seen(now);
                let mut fresh = HashSet::new();
                let new_rows = envelopes
                    .iter()
                    .filter(|e| !state.seen.contains(&e.id) && fresh.insert(e.id.as_str()))
                    .map(|envelope| persist::LogRow {
                        event_id: Some(envelope.id.clone()),
                        event_type: envelope.event_type.clone(),
                        payload: envelope.to_vec().into(),
                        published_at,
                    });
                let injected = state.log[state.persisted..]
                    .iter()
                    .map(|message| persist::LogRow {
                        event_id: None,
                        event_type: message.event_type.clone(),
                        payload: message.payload.clone(),
                        published_at,
                    });
                let rows: Vec<_> = injected.chain(new_rows).collect();
                if rows.is_empty() {
                    return Ok(false);
                }
                persist::append(connection, state.persisted, &rows).map_err(|error| {
                    BusError::NotConfirmed {
                        bus: NAME,
                        event_id: envelopes.first().map(|e| e.id.clone()).unwrap_or_default(),
                        reason: error.to_string(),
                    }
                })?;
                let already_in_memory = state.log.len() - state.persisted;
                for row in rows.into_iter().skip(already_in_memory) {
                    if let Some(id) = &row.event_id {
                        state.remember(id, now);
                    }
                    state.log.push(Message {
                        event_type: row.event_type,
                        payload: row.payload,
                    });
                }
                state.persisted = state.log.len();
                Ok(true)
            })
            .await
            .map_err(|error| unavailable(error.to_string()))??;
        if appended {
            self.shared.changed.notify_waiters();
        }
        Ok(())
    }
}

/// Commits every queued ack, with the floors they move, in one transaction. Whoever holds the
/// connection writes what all acks queued so far; an ack whose entry was taken by another
/// caller's flush returns only after that flush committed (it waited for the connection), so
/// an ack reported done is on disk. A failed write leaves the queue as it was for the next try.
#[cfg(feature = "sqlite")]
async fn flush_acks(shared: &Shared, store: &SqliteStore) -> Result<(), BusError> {
    store
        .with_connection(|connection| {
            let mut state = lock(shared);
            if state.pending_acks.is_empty() {
                return Ok(());
            }
            let mut floors: HashMap<Arc<str>, usize> = HashMap::new();
            for (consumer, _) in &state.pending_acks {
                if !floors.contains_key(consumer) {
                    let floor = state
                        .consumers
                        .get(&**consumer)
                        .map_or(0, ConsumerState::floor);
                    floors.insert(consumer.clone(), floor);
                }
            }
            let acks: Vec<_> = state
                .pending_acks
                .iter()
                .filter(|(consumer, offset)| floors.get(consumer).is_some_and(|f| offset >= f))
                .cloned()
                .collect();
            let floors: Vec<_> = floors.into_iter().collect();
            persist::save_acks(connection, &acks, &floors).map_err(|error| BusError::Ack {
                bus: NAME,
                reason: error.to_string(),
            })?;
            state.pending_acks.clear();
            Ok(())
        })
        .await
        .map_err(|error| BusError::Ack {
            bus: NAME,
            reason: error.to_string(),
        })?
}

#[cfg(feature = "sqlite")]
fn setup(reason: String) -> BusError {
    BusError::Setup {
        bus: NAME,
        what: "the bus tables".into(),
        reason,
    }
}

#[cfg(feature = "sqlite")]
fn unavailable(reason: String) -> BusError {
    BusError::Unavailable { bus: NAME, reason }
}

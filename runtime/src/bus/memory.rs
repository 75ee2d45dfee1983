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
//! `herald_bus_acks`, `herald_bus_meta`, created when missing) and reloads them at start, so a
//! single-process service can restart without losing what it had not consumed yet:
//! - `publish` returns once the events are committed to the database (the confirmation);
//! - `subscribe` records a consumer seen for the first time, so its events are kept for it
//!   across restarts even before its first ack;
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
//! The bus shares the store's single connection, so publishing straight to a persistent bus (or
//! subscribing to it) from inside an open transaction of the same store waits forever: publish
//! through the outbox ([`Producer::publish_in`](crate::Producer::publish_in)) instead.
//!
//! # Retention
//!
//! The log does not grow forever. With the default [`Retention::DropSettled`] an event is dropped
//! once every durable consumer the bus knows has settled it (its floor passed it: acked,
//! filtered out by the consumer's event types, or given up at `max_deliver`) and it is older
//! than `min_age` (two minutes by default; see [`Retention`] for why). Like JetStream's interest
//! retention:
//! - an event some known consumer has not settled is never dropped, however old: a slow or
//!   stopped consumer holds the log back (on a persistent bus, across restarts too), and a bus
//!   with no consumer yet keeps everything for the first one. A consumer that is gone for good
//!   is let go with [`MemoryBus::delete_consumer`];
//! - offsets never change: the log starts at a base offset ([`MemoryBus::offsets`]) that moves
//!   up, so cursors, floors, unacked deliveries and persisted progress keep their meaning;
//! - a consumer that subscribes for the first time starts at the oldest retained event. Events
//!   dropped before it subscribed are not delivered to it: subscribe every consumer before the
//!   events it must see are `min_age` old (at boot, before or shortly after the relay starts);
//! - the dedupe window does not depend on the log: the in-memory bus remembers ids on their
//!   own, and a persistent bus never drops a row younger than the window, so it reloads them.
//!
//! Compaction is part of normal operation, no task to start: an ack that moves floors or a
//! publish drops what it can. The in-memory bus drops at once (popping the front of a queue,
//! at most [`DROP_AT_MOST`] per call); a persistent bus waits until at least [`COMPACT_MIN`]
//! events can go, then deletes them in transactions of at most [`COMPACT_BATCH`] rows, an
//! offset range of the rowid, so the connection is never held long (each call runs a few
//! batches; the next ones go on). A persistent bus stores each consumer's floor with the
//! compaction that relies on it (a consumer filtering everything out never acks, yet its floor
//! moves) and never deletes a row above a stored floor. At start it reads only the rows from
//! the stored base offset on. [`MemoryBus::compact`] drops everything droppable at once.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ops::Range;
#[cfg(feature = "sqlite")]
use std::sync::atomic::{AtomicBool, Ordering};
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

mod config;
mod log;
#[cfg(feature = "sqlite")]
mod persist;

pub use config::{MemoryBusConfig, Retention};
use log::{Cut, Log, Message};

/// The bus's name in errors and logs.
const NAME: &str = "memory";

/// The most events the in-memory bus drops in one ack or publish, so the state lock is never
/// held long; the next calls drop the rest.
pub const DROP_AT_MOST: usize = 4096;

/// A persistent bus compacts on its own once at least this many events can go: one delete
/// transaction per this many settled events, not one per ack.
pub const COMPACT_MIN: usize = 256;

/// The most log rows a persistent bus deletes in one transaction (one offset range).
pub const COMPACT_BATCH: usize = 512;

/// How many batches one ack or publish of a persistent bus deletes at most.
#[cfg(feature = "sqlite")]
const BATCHES_PER_CALL: usize = 4;

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
    config: MemoryBusConfig,
    /// Whether an ack or publish is compacting the persistent bus (the others leave it to it).
    #[cfg(feature = "sqlite")]
    compacting: AtomicBool,
    /// Where a persistent bus writes through to (see the module docs).
    #[cfg(feature = "sqlite")]
    store: Option<SqliteStore>,
}

impl Shared {
    /// Whether the bus writes through to a database.
    fn persistent(&self) -> bool {
        #[cfg(feature = "sqlite")]
        return self.store.is_some();
        #[cfg(not(feature = "sqlite"))]
        false
    }

    /// Where the prefix of the log that may be dropped now ends (at most `at_most` events).
    fn droppable_end(&self, state: &State, at_most: usize, now: Instant) -> usize {
        let persistent = self.persistent();
        state.log.droppable_end(Cut {
            retention: self.config.retention,
            lowest_floor: state.lowest_floor(persistent),
            // Injected bytes not written yet must reach the database before they may go; and
            // the rows within the dedupe window are what a restart reloads the window from.
            limit: if persistent {
                state.persisted_end()
            } else {
                usize::MAX
            },
            min_age: if persistent {
                self.config.dedupe_window
            } else {
                Duration::ZERO
            },
            at_most,
            now,
        })
    }

    /// In-memory bus: drops up to `at_most` droppable events; returns how many went.
    fn drop_settled(&self, state: &mut State, at_most: usize) -> usize {
        let end = self.droppable_end(state, at_most, Instant::now());
        state.log.drop_before(end)
    }
}

#[derive(Default)]
struct State {
    log: Log,
    /// Ids published within the dedupe window, and the same ids oldest first (for expiry).
    seen: HashSet<String>,
    seen_order: VecDeque<(Instant, String)>,
    consumers: HashMap<String, ConsumerState>,
    closed: bool,
    /// Persistent bus: the log offsets below this are in the database; the rest were injected
    /// raw and go in with the next publish.
    #[cfg(feature = "sqlite")]
    persisted: usize,
    /// Persistent bus: (consumer, offset) acked in memory, not yet committed.
    pending_acks: Vec<(Arc<str>, usize)>,
}

impl State {
    /// Forgets the ids published longer than `window` ago.
    fn expire_seen(&mut self, now: Instant, window: Duration) {
        while let Some((at, _)) = self.seen_order.front() {
            if now.duration_since(*at) < window {
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

    /// The lowest offset some known consumer has not settled; `None` with no consumer. On a
    /// persistent bus, the floors compaction may store (see [`ConsumerState::storable_floor`]).
    fn lowest_floor(&self, persistent: bool) -> Option<usize> {
        self.consumers
            .values()
            .map(|consumer| {
                if persistent {
                    consumer.storable_floor()
                } else {
                    consumer.floor()
                }
            })
            .min()
    }

    /// The end of the part of the log the database holds.
    fn persisted_end(&self) -> usize {
        #[cfg(feature = "sqlite")]
        return self.persisted;
        #[cfg(not(feature = "sqlite"))]
        self.log.end()
    }

    /// Registers `spec`'s consumer when new (starting at the oldest retained event) and makes
    /// this subscription its current one.
    fn attach(&mut self, spec: &SubscriptionSpec, now: Instant) {
        let base = self.log.base();
        let consumer = self
            .consumers
            .entry(spec.consumer.clone())
            .or_insert_with(|| ConsumerState::new(spec.clone(), base));
        consumer.spec = spec.clone();
        // A new subscription under an existing name takes over: whatever the previous one held
        // unacked (it crashed or was dropped) is due again at once.
        for unacked in consumer.unacked.values_mut() {
            unacked.due = now;
            unacked.generation += 1;
        }
    }
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
    /// Persistent bus: the floor the database holds for this consumer.
    stored_floor: usize,
    /// Persistent bus: offsets given up at `max_deliver` that no stored floor has passed yet.
    given_up: BTreeSet<usize>,
}

impl ConsumerState {
    fn new(spec: SubscriptionSpec, cursor: usize) -> ConsumerState {
        ConsumerState {
            spec,
            cursor,
            unacked: BTreeMap::new(),
            settled: BTreeSet::new(),
            stored_floor: cursor,
            given_up: BTreeSet::new(),
        }
    }

    /// The lowest offset not settled yet: everything below was acked, filtered out or given up.
    fn floor(&self) -> usize {
        self.unacked
            .keys()
            .next()
            .map_or(self.cursor, |&first| first.min(self.cursor))
    }

    /// The floor compaction may store without an ack: the floor, held below the deliveries
    /// given up at `max_deliver`, which count as settled only once an ack's floor passes them.
    fn storable_floor(&self) -> usize {
        let floor = self
            .given_up
            .first()
            .map_or(self.floor(), |&given_up| given_up.min(self.floor()));
        floor.max(self.stored_floor)
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
    /// An empty bus with the default [`MemoryBusConfig`].
    pub fn new() -> MemoryBus {
        MemoryBus::default()
    }

    /// An empty bus with `config`.
    pub fn with_config(config: MemoryBusConfig) -> MemoryBus {
        MemoryBus {
            shared: Arc::new(Shared {
                config,
                ..Shared::default()
            }),
        }
    }

    /// A bus whose log and consumers' progress live in `store`'s database too (see the module
    /// docs), with the default [`MemoryBusConfig`]: it starts from what an earlier run left
    /// there, creating the tables when missing. Open one per database: a second bus appending
    /// to the same tables would pick offsets the first already used, and its publishes fail
    /// unconfirmed.
    #[cfg(feature = "sqlite")]
    pub async fn persistent(store: &SqliteStore) -> Result<MemoryBus, BusError> {
        MemoryBus::persistent_with_config(store, MemoryBusConfig::default()).await
    }

    /// [`MemoryBus::persistent`] with `config`.
    #[cfg(feature = "sqlite")]
    pub async fn persistent_with_config(
        store: &SqliteStore,
        config: MemoryBusConfig,
    ) -> Result<MemoryBus, BusError> {
        let loaded = store
            .with_connection(persist::load)
            .await
            .map_err(|error| setup("the bus tables", error.to_string()))?
            .map_err(|error| setup("the bus tables", error.to_string()))?;
        let now = Instant::now();
        let now_millis = crate::store::unix_millis(SystemTime::now());
        let window = i64::try_from(config.dedupe_window.as_millis()).unwrap_or(i64::MAX);
        let end = loaded.base + loaded.log.len();
        let mut state = State {
            log: Log::starting_at(loaded.base),
            persisted: end,
            ..State::default()
        };
        for row in loaded.log {
            let age = now_millis.saturating_sub(row.published_at);
            let elapsed = Duration::from_millis(u64::try_from(age).unwrap_or(0));
            // An age reaching back before this clock's origin reads as "just now": the event
            // is only kept a little longer.
            let published = now.checked_sub(elapsed).unwrap_or(now);
            if let Some(id) = row.event_id.filter(|_| age < window) {
                state.remember(&id, published);
            }
            state.log.push(Message {
                event_type: row.event_type,
                payload: row.payload,
                published,
            });
        }
        for (name, progress) in loaded.consumers {
            let mut consumer = ConsumerState::new(
                SubscriptionSpec::new(&name),
                progress.floor.clamp(loaded.base, end),
            );
            consumer.settled = progress.acked;
            state.consumers.insert(name, consumer);
        }
        Ok(MemoryBus {
            shared: Arc::new(Shared {
                state: Mutex::new(state),
                changed: Notify::new(),
                config,
                compacting: AtomicBool::new(false),
                store: Some(store.clone()),
            }),
        })
    }

    /// Closes the bus: publishes and fetches fail with [`BusError::Closed`] from now on.
    pub fn close(&self) {
        self.lock().closed = true;
        self.shared.changed.notify_waiters();
    }

    /// How many events the log holds (the retained ones: dropped events no longer count).
    pub fn len(&self) -> usize {
        self.lock().log.len()
    }

    /// Whether the log holds no event (none published yet, or every one dropped).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The offsets of the events the log holds: from the oldest retained one (where a consumer
    /// subscribing for the first time starts) to the one the next publish gets.
    pub fn offsets(&self) -> Range<u64> {
        let state = self.lock();
        state.log.base() as u64..state.log.end() as u64
    }

    /// Drops every event the retention allows now (see the module docs), without waiting for
    /// the amortised compaction of acks and publishes; returns how many went. A persistent bus
    /// deletes them in batches, handing the connection over between them.
    pub async fn compact(&self) -> Result<usize, BusError> {
        #[cfg(feature = "sqlite")]
        if let Some(store) = &self.shared.store {
            let mut dropped = 0;
            loop {
                let step = compact_step(&self.shared, store, 1).await?;
                dropped += step;
                if step < COMPACT_BATCH {
                    return Ok(dropped);
                }
            }
        }
        let mut dropped = 0;
        loop {
            let step = self.shared.drop_settled(&mut self.lock(), DROP_AT_MOST);
            dropped += step;
            if step < DROP_AT_MOST {
                return Ok(dropped);
            }
        }
    }

    /// Forgets the durable consumer `name` (its position, its unacked deliveries and, on a
    /// persistent bus, its stored progress), so it no longer holds the log back: for a
    /// consumer removed from the service for good. A subscription of it still open fails its
    /// next fetch; subscribing under the name again starts at the oldest retained event.
    /// Returns whether the consumer was known.
    pub async fn delete_consumer(&self, name: &str) -> Result<bool, BusError> {
        #[cfg(feature = "sqlite")]
        if let Some(store) = &self.shared.store {
            let known = store
                .with_connection(|connection| {
                    let mut state = self.lock();
                    if !state.consumers.contains_key(name) {
                        return Ok(false);
                    }
                    persist::delete_consumer(connection, name)
                        .map_err(|error| setup(&format!("consumer {name}"), error.to_string()))?;
                    state.consumers.remove(name);
                    state
                        .pending_acks
                        .retain(|(consumer, _)| &**consumer != name);
                    Ok(true)
                })
                .await
                .map_err(|error| unavailable(error.to_string()))??;
            if known {
                maybe_compact(&self.shared, store).await;
            }
            return Ok(known);
        }
        let mut state = self.lock();
        let known = state.consumers.remove(name).is_some();
        self.shared.drop_settled(&mut state, DROP_AT_MOST);
        Ok(known)
    }

    /// Appends raw bytes as if a producer had published them, bypassing every check: how tests
    /// put a malformed event in front of a consumer. A persistent bus writes them with the next
    /// publish.
    pub fn inject_raw(&self, event_type: &str, payload: Vec<u8>) {
        self.lock().log.push(Message {
            event_type: event_type.to_owned(),
            payload: payload.into(),
            published: Instant::now(),
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
            state.expire_seen(now, self.shared.config.dedupe_window);
            for envelope in envelopes {
                if state.remember(&envelope.id, now) {
                    state.log.push(Message {
                        event_type: envelope.event_type.clone(),
                        payload: envelope.to_vec().into(),
                        published: now,
                    });
                }
            }
            self.shared.drop_settled(&mut state, DROP_AT_MOST);
        }
        self.shared.changed.notify_waiters();
        Ok(())
    }

    async fn subscribe(&self, spec: &SubscriptionSpec) -> Result<Box<dyn Subscription>, BusError> {
        #[cfg(feature = "sqlite")]
        if let Some(store) = &self.shared.store {
            store
                .with_connection(|connection| {
                    let mut state = self.lock();
                    if state.closed {
                        return Err(BusError::Closed);
                    }
                    if !state.consumers.contains_key(&spec.consumer) {
                        // Stored before it exists in memory, so no compaction passes its start.
                        persist::register_consumer(connection, &spec.consumer, state.log.base())
                            .map_err(|error| {
                                setup(&format!("consumer {}", spec.consumer), error.to_string())
                            })?;
                    }
                    state.attach(spec, Instant::now());
                    Ok(())
                })
                .await
                .map_err(|error| unavailable(error.to_string()))??;
            return Ok(self.subscription(spec));
        }
        let mut state = self.lock();
        if state.closed {
            return Err(BusError::Closed);
        }
        state.attach(spec, Instant::now());
        Ok(self.subscription(spec))
    }
}

impl MemoryBus {
    fn subscription(&self, spec: &SubscriptionSpec) -> Box<dyn Subscription> {
        Box::new(MemorySubscription {
            shared: self.shared.clone(),
            consumer: spec.consumer.as_str().into(),
        })
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
            if offset < log.base() {
                // Never happens (compaction stays below every floor); dropping it is all
                // that is left to do.
                exhausted.push(offset);
                continue;
            }
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
        let persistent = self.shared.persistent();
        for offset in exhausted {
            consumer.unacked.remove(&offset);
            if persistent && offset >= log.base() {
                consumer.given_up.insert(offset);
            }
        }
        consumer.cursor = consumer.cursor.max(log.base());
        while deliveries.len() < max && consumer.cursor < log.end() {
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
        let pending = (log.end() - consumer.cursor) as u64;
        for delivery in &mut deliveries {
            delivery.pending = Some(pending);
        }
        Ok((deliveries, next_due))
    }

    fn delivery(&self, log: &Log, offset: usize, unacked: &Unacked) -> Delivery {
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
    /// Runs `settle` on this delivery's consumer if the delivery is still the current hand-out;
    /// returns the state still locked, for what follows under the same lock.
    fn settle(
        &self,
        settle: impl FnOnce(&mut ConsumerState, &mut Vec<(Arc<str>, usize)>),
    ) -> MutexGuard<'_, State> {
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
        state
    }
}

#[async_trait]
impl Acker for MemoryAcker {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        let offset = self.offset;
        #[cfg(feature = "sqlite")]
        if let Some(store) = &self.shared.store {
            let mut queued = false;
            drop(self.settle(|consumer, pending_acks| {
                consumer.unacked.remove(&offset);
                pending_acks.push((self.consumer.clone(), offset));
                queued = true;
            }));
            if queued {
                flush_acks(&self.shared, store).await?;
                maybe_compact(&self.shared, store).await;
            }
            return Ok(());
        }
        // One lock for the ack and the retention that may follow it: the fetch loop takes the
        // same lock for every fetch.
        let mut state = self.settle(|consumer, _| {
            consumer.unacked.remove(&offset);
        });
        self.shared.drop_settled(&mut state, DROP_AT_MOST);
        Ok(())
    }

    async fn nak(self: Box<Self>, delay: Duration) -> Result<(), BusError> {
        let offset = self.offset;
        drop(self.settle(|consumer, _| {
            if let Some(entry) = consumer.unacked.get_mut(&offset) {
                entry.due = Instant::now() + delay;
            }
        }));
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
                state.expire_seen(now, shared.config.dedupe_window);
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
                let injected = state
                    .log
                    .from(state.persisted)
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
                let already_in_memory = state.log.end() - state.persisted;
                for row in rows.into_iter().skip(already_in_memory) {
                    if let Some(id) = &row.event_id {
                        state.remember(id, now);
                    }
                    state.log.push(Message {
                        event_type: row.event_type,
                        payload: row.payload,
                        published: now,
                    });
                }
                state.persisted = state.log.end();
                Ok(true)
            })
            .await
            .map_err(|error| unavailable(error.to_string()))??;
        if appended {
            self.shared.changed.notify_waiters();
            maybe_compact(&self.shared, store).await;
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
            for (name, floor) in floors {
                if let Some(consumer) = state.consumers.get_mut(&*name) {
                    consumer.stored_floor = consumer.stored_floor.max(floor);
                    // An ack's floor settles what was given up below it.
                    consumer.given_up = consumer.given_up.split_off(&floor);
                }
            }
            Ok(())
        })
        .await
        .map_err(|error| BusError::Ack {
            bus: NAME,
            reason: error.to_string(),
        })?
}

/// Compacts a persistent bus when it is worth a transaction (at least [`COMPACT_MIN`] events
/// can go), a few batches at most; one caller at a time, the others go on with their work. A
/// failure is logged, not returned: the ack or publish that got here has succeeded, and the
/// next one tries again.
#[cfg(feature = "sqlite")]
async fn maybe_compact(shared: &Shared, store: &SqliteStore) {
    let worth_it = {
        let state = lock(shared);
        let base = state.log.base();
        shared.droppable_end(&state, COMPACT_MIN, Instant::now()) - base >= COMPACT_MIN
    };
    if !worth_it || shared.compacting.swap(true, Ordering::AcqRel) {
        return;
    }
    // Cleared however this ends, a cancelled ack included.
    let _compacting = Compacting(&shared.compacting);
    for _ in 0..BATCHES_PER_CALL {
        match compact_step(shared, store, COMPACT_MIN).await {
            Ok(dropped) if dropped == COMPACT_BATCH => {}
            Ok(_) => break,
            Err(error) => {
                tracing::warn!(bus = NAME, %error, "compacting the bus log failed");
                break;
            }
        }
    }
}

/// Clears the compacting flag when dropped.
#[cfg(feature = "sqlite")]
struct Compacting<'a>(&'a AtomicBool);

#[cfg(feature = "sqlite")]
impl Drop for Compacting<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// One compaction transaction of a persistent bus, when at least `at_least` events can go:
/// stores the floors it relies on, deletes up to [`COMPACT_BATCH`] rows from the base on and
/// drops the same events from memory, holding the connection and then the state lock
/// throughout so no publish, ack or subscribe sees a half-done step. Returns how many went.
#[cfg(feature = "sqlite")]
async fn compact_step(
    shared: &Shared,
    store: &SqliteStore,
    at_least: usize,
) -> Result<usize, BusError> {
    store
        .with_connection(|connection| {
            let mut state = lock(shared);
            let base = state.log.base();
            let end = shared.droppable_end(&state, COMPACT_BATCH, Instant::now());
            if end - base < at_least.max(1) {
                return Ok(0);
            }
            let floors: Vec<(Arc<str>, usize)> = state
                .consumers
                .iter()
                .filter(|(_, consumer)| consumer.storable_floor() > consumer.stored_floor)
                .map(|(name, consumer)| (name.as_str().into(), consumer.storable_floor()))
                .collect();
            persist::compact(connection, &floors, base, end)
                .map_err(|error| unavailable(format!("compacting the log: {error}")))?;
            for (name, floor) in floors {
                if let Some(consumer) = state.consumers.get_mut(&*name) {
                    consumer.stored_floor = floor;
                }
            }
            Ok(state.log.drop_before(end))
        })
        .await
        .map_err(|error| unavailable(error.to_string()))?
}

#[cfg(feature = "sqlite")]
fn setup(what: &str, reason: String) -> BusError {
    BusError::Setup {
        bus: NAME,
        what: what.to_owned(),
        reason,
    }
}

#[cfg(feature = "sqlite")]
fn unavailable(reason: String) -> BusError {
    BusError::Unavailable { bus: NAME, reason }
}

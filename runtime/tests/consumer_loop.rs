//! The consumer loop on the embedded default (in-process bus + SQLite): exactly-once effects,
//! per-key order under parallelism, retries, dead letters that hold their key, replay and skip,
//! graceful shutdown, and the outbox relay.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use herald_runtime::bus::memory::MemoryBus;
use herald_runtime::consumer::{Backoff, Replay};
use herald_runtime::store::sqlite::SqliteStore;
use herald_runtime::store::{DeadLetterStatus, Store};
use herald_runtime::{
    Bus, Consumer, ConsumerConfig, Envelope, Event, Handler, HandlerError, Producer, Relay,
    RelayConfig, SqlValue, Transaction,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ping {
    key: String,
    n: i64,
}

impl Event for Ping {
    const NAME: &'static str = "Ping";
    const VERSION: u32 = 1;
    fn key(&self) -> String {
        self.key.clone()
    }
}

/// A replica of the last `n` per key, counting applications and checking order.
#[derive(Default)]
struct Replica {
    /// Keys whose handler fails (retryably) while listed, and how many more times (None: always).
    failing: Mutex<HashMap<String, Option<u32>>>,
    /// Applying the first key heals the second (one key's event waits for another's).
    heals: Mutex<HashMap<String, String>>,
    /// Keys whose handler panics, and how many more times (None: always).
    panicking: Mutex<HashMap<String, Option<u32>>>,
    active: Mutex<HashSet<String>>,
    violations: Mutex<Vec<String>>,
}

impl Replica {
    fn fail(&self, key: &str, times: Option<u32>) {
        self.failing.lock().unwrap().insert(key.to_owned(), times);
    }

    fn heal(&self, key: &str) {
        self.failing.lock().unwrap().remove(key);
    }

    /// `key` fails until an event of `healer` was applied.
    fn fail_until_applied(&self, key: &str, healer: &str) {
        self.fail(key, None);
        self.heals
            .lock()
            .unwrap()
            .insert(healer.to_owned(), key.to_owned());
    }

    fn panic_on(&self, key: &str, times: Option<u32>) {
        self.panicking.lock().unwrap().insert(key.to_owned(), times);
    }

    fn should_fail(&self, key: &str) -> bool {
        Self::take_one(&self.failing, key)
    }

    fn should_panic(&self, key: &str) -> bool {
        Self::take_one(&self.panicking, key)
    }

    /// Whether `key` is listed in `faults`, counting one more use down.
    fn take_one(faults: &Mutex<HashMap<String, Option<u32>>>, key: &str) -> bool {
        let mut faults = faults.lock().unwrap();
        match faults.get_mut(key) {
            None => false,
            Some(None) => true,
            Some(Some(0)) => false,
            Some(Some(left)) => {
                *left -= 1;
                true
            }
        }
    }

    fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }
}

#[async_trait]
impl Handler for Replica {
    fn event_types(&self) -> Vec<String> {
        vec!["Ping".into()]
    }

    fn validate(&self, envelope: &Envelope) -> Result<(), String> {
        let n = envelope.data_value().map_err(|e| e.to_string())?["n"].as_i64();
        match n {
            Some(n) if n >= 0 => Ok(()),
            _ => Err("/n must be a non-negative integer".into()),
        }
    }

    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let ping: Ping = envelope.decode()?;
        if self.should_panic(&ping.key) {
            panic!("{} blew up", ping.key);
        }
        if !self.active.lock().unwrap().insert(ping.key.clone()) {
            self.violation(format!("key {} handled concurrently", ping.key));
        }
        let result = self.apply(&ping, tx).await;
        self.active.lock().unwrap().remove(&ping.key);
        result
    }
}

impl Replica {
    async fn apply(&self, ping: &Ping, tx: &mut dyn Transaction) -> Result<(), HandlerError> {
        tokio::task::yield_now().await;
        if self.should_fail(&ping.key) {
            return Err(HandlerError::retry(format!("{} is failing", ping.key)));
        }
        let rows = tx
            .query(
                "SELECT seq FROM replica WHERE key = ?1",
                &[SqlValue::from(ping.key.as_str())],
            )
            .await?;
        let last = match rows.first() {
            Some(row) => row.get::<i64>("seq")?,
            None => -1,
        };
        if ping.n != last + 1 {
            self.violation(format!("key {}: {} after {}", ping.key, ping.n, last));
        }
        tx.execute(
            "INSERT INTO replica (key, seq, applied) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, applied = applied + 1",
            &[ping.key.as_str().into(), ping.n.into()],
        )
        .await?;
        let healed = self.heals.lock().unwrap().get(&ping.key).cloned();
        if let Some(healed) = healed {
            self.heal(&healed);
        }
        Ok(())
    }
}

struct World {
    bus: MemoryBus,
    store: Arc<SqliteStore>,
    replica: Arc<Replica>,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("replica.db"), Default::default()).unwrap();
    store.migrate().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.execute(
        "CREATE TABLE replica (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, applied INTEGER NOT NULL)",
        &[],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    World {
        bus: MemoryBus::new(),
        store: Arc::new(store),
        replica: Arc::new(Replica::default()),
        _dir: dir,
    }
}

fn config(name: &str) -> ConsumerConfig {
    let mut config = ConsumerConfig::new(name);
    config.concurrency = Some(4);
    config.batch_size = 32;
    config.fetch_wait = Duration::from_millis(20);
    config.max_attempts = 3;
    config.backoff = Backoff {
        initial: Duration::from_millis(5),
        max: Duration::from_millis(40),
        factor: 2,
    };
    config.ack_wait = Duration::from_secs(2);
    config
}

impl World {
    fn consumer(&self, config: ConsumerConfig) -> Arc<Consumer> {
        Arc::new(Consumer::new(
            Arc::new(self.bus.clone()),
            self.store.clone(),
            self.replica.clone(),
            config,
        ))
    }

    async fn publish(&self, key: &str, range: std::ops::Range<i64>) {
        for n in range {
            let ping = Ping { key: key.into(), n };
            self.bus
                .publish(&Envelope::wrap("test", &ping, None).unwrap())
                .await
                .unwrap();
        }
    }

    async fn replica_rows(&self) -> HashMap<String, (i64, i64)> {
        let mut tx = self.store.begin().await.unwrap();
        let rows = tx
            .query("SELECT key, seq, applied FROM replica", &[])
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    row.get::<String>("key").unwrap(),
                    (row.get("seq").unwrap(), row.get("applied").unwrap()),
                )
            })
            .collect()
    }

    fn violations(&self) -> Vec<String> {
        self.replica.violations.lock().unwrap().clone()
    }
}

struct Running {
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

fn start(consumer: &Arc<Consumer>) -> Running {
    let shutdown = CancellationToken::new();
    let consumer = consumer.clone();
    let token = shutdown.clone();
    let task = tokio::spawn(async move { consumer.run(token).await.unwrap() });
    Running { shutdown, task }
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the consumer stops within 10 s")
            .unwrap();
    }
}

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn applies_every_event_once_in_key_order_across_lanes() {
    let world = world().await;
    let keys: Vec<String> = (0..40).map(|k| format!("key-{k}")).collect();
    // Interleave keys so every batch mixes them.
    for n in 0..50 {
        for key in &keys {
            world.publish(key, n..n + 1).await;
        }
    }
    let consumer = world.consumer(config("replica"));
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("2,000 events", || metrics.snapshot().processed == 2000).await;
    running.stop().await;
    let rows = world.replica_rows().await;
    assert_eq!(rows.len(), 40);
    assert!(
        rows.values()
            .all(|&(seq, applied)| seq == 49 && applied == 50),
        "{rows:?}"
    );
    assert_eq!(world.violations(), Vec::<String>::new());
    let snapshot = metrics.snapshot();
    assert_eq!(
        (snapshot.duplicates, snapshot.dead_lettered, snapshot.lag),
        (0, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_delivered_twice_is_applied_once() {
    let world = world().await;
    for key in ["a", "b", "c", "d", "e"] {
        world.publish(key, 0..200).await;
    }
    // Two durable subscriptions feed one consumer identity: every event arrives twice.
    let mut first = config("replica");
    first.subscription = Some("replica-a".into());
    let mut second = config("replica");
    second.subscription = Some("replica-b".into());
    let (one, two) = (world.consumer(first), world.consumer(second));
    let (m1, m2) = (one.metrics(), two.metrics());
    let (r1, r2) = (start(&one), start(&two));
    eventually("2,000 deliveries", || {
        let (a, b) = (m1.snapshot(), m2.snapshot());
        a.processed + a.duplicates + b.processed + b.duplicates == 2000
    })
    .await;
    r1.stop().await;
    r2.stop().await;
    let (a, b) = (m1.snapshot(), m2.snapshot());
    assert_eq!(a.processed + b.processed, 1000);
    assert_eq!(a.duplicates + b.duplicates, 1000);
    let rows = world.replica_rows().await;
    assert!(
        rows.values()
            .all(|&(seq, applied)| seq == 199 && applied == 200),
        "{rows:?}"
    );
    assert_eq!(world.violations(), Vec::<String>::new());
}

/// Acks lost again and again (broker restarts, `ack_wait` passing while an event waits in a
/// lane) bring an event back with more deliveries than `max_attempts` although it was applied:
/// that is a duplicate, never a dead letter blocking its key.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_applied_event_delivered_too_often_is_a_duplicate_not_a_dead_letter() {
    let world = world().await;
    world.publish("a", 0..3).await;
    world.publish("b", 0..3).await;
    let mut first = config("replica");
    first.subscription = Some("replica-a".into());
    let one = world.consumer(first);
    let applied = one.metrics();
    let running = start(&one);
    eventually("6 events", || applied.snapshot().processed == 6).await;
    running.stop().await;

    // The same events reach the same consumer identity through a second subscription, each
    // already delivered four times (max_attempts is 3).
    let mut second = config("replica");
    second.subscription = Some("replica-b".into());
    let spec = second.subscription_spec(world.replica.event_types());
    let mut subscription = world.bus.subscribe(&spec).await.unwrap();
    for _ in 0..4 {
        let deliveries = subscription
            .fetch(100, Duration::from_secs(1))
            .await
            .unwrap();
        assert_eq!(deliveries.len(), 6);
        for delivery in deliveries {
            delivery.acker.nak(Duration::ZERO).await.unwrap();
        }
    }
    drop(subscription);

    let two = world.consumer(second);
    let metrics = two.metrics();
    let running = start(&two);
    eventually("6 duplicates", || metrics.snapshot().duplicates == 6).await;
    running.stop().await;
    assert_eq!(metrics.snapshot().dead_lettered, 0);
    assert!(
        world
            .store
            .dead_letters("replica")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        world
            .store
            .blocked_keys("replica")
            .await
            .unwrap()
            .is_empty(),
        "no key is held back"
    );
    let rows = world.replica_rows().await;
    assert!(
        rows.values()
            .all(|&(seq, applied)| seq == 2 && applied == 3),
        "{rows:?}"
    );
}

/// A panicking handler is a failed attempt: retried, then dead-lettered with the panic's
/// message; the lane lives on and its other keys keep flowing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panicking_handler_is_retried_then_dead_lettered_and_its_lane_lives_on() {
    let world = world().await;
    world.replica.panic_on("shaky", Some(2));
    world.replica.panic_on("doomed", None);
    world.publish("shaky", 0..3).await;
    world.publish("doomed", 0..2).await;
    world.publish("calm", 0..3).await;
    let mut config = config("replica");
    // One lane: every key shares the lane the panics happen in.
    config.concurrency = Some(1);
    let consumer = world.consumer(config);
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("shaky and calm applied, doomed dead-lettered", || {
        let snapshot = metrics.snapshot();
        snapshot.processed == 6 && snapshot.dead_lettered == 1
    })
    .await;
    running.stop().await;

    let rows = world.replica_rows().await;
    assert_eq!(rows.get("shaky"), Some(&(2, 3)));
    assert_eq!(rows.get("calm"), Some(&(2, 3)));
    assert_eq!(rows.get("doomed"), None);
    assert!(metrics.snapshot().retried >= 2);
    let letters = world.store.dead_letters("replica").await.unwrap();
    let failed: Vec<_> = letters
        .iter()
        .filter(|letter| letter.status == DeadLetterStatus::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{letters:?}");
    assert_eq!(failed[0].subject, "doomed");
    assert!(
        failed[0]
            .reason
            .contains("the handler panicked: doomed blew up"),
        "{}",
        failed[0].reason
    );
    assert_eq!(world.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn transient_failures_are_retried_with_backoff() {
    let world = world().await;
    world.replica.fail("flaky", Some(2));
    world.publish("flaky", 0..3).await;
    world.publish("steady", 0..3).await;
    let consumer = world.consumer(config("replica"));
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("6 events", || metrics.snapshot().processed == 6).await;
    running.stop().await;
    let snapshot = metrics.snapshot();
    // The first failure may happen inside a batch (which then falls back to one event per
    // transaction) rather than as a counted retry.
    assert!((1..=2).contains(&snapshot.retried), "{snapshot:?}");
    assert_eq!(snapshot.dead_lettered, 0);
    assert_eq!(
        world.replica.failing.lock().unwrap()["flaky"],
        Some(0),
        "both failures happened"
    );
    let rows = world.replica_rows().await;
    assert_eq!(rows["flaky"], (2, 3));
    assert_eq!(world.violations(), Vec::<String>::new());
}

/// The event a retry waits for can sit behind it in the same lane (an order line waiting for its
/// product's row): while one key waits for its next attempt, the lane's other keys flow, and the
/// waiting key's later events stay behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retrying_key_does_not_hold_up_the_other_keys_of_its_lane() {
    let world = world().await;
    world.replica.fail_until_applied("order", "product");
    world.publish("order", 0..3).await;
    world.publish("product", 0..2).await;
    world.publish("other", 0..2).await;
    let mut config = config("replica");
    config.concurrency = Some(1);
    config.max_attempts = 5;
    config.backoff = Backoff {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(40),
        factor: 2,
    };
    let consumer = world.consumer(config);
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("7 events", || metrics.snapshot().processed == 7).await;
    running.stop().await;
    let snapshot = metrics.snapshot();
    assert_eq!(snapshot.dead_lettered, 0, "{snapshot:?}");
    let rows = world.replica_rows().await;
    assert_eq!(
        (rows["order"], rows["product"], rows["other"]),
        ((2, 3), (1, 2), (1, 2))
    );
    assert_eq!(world.violations(), Vec::<String>::new());
}

/// Shutdown while a key waits for its retry: its events go back to the bus, unapplied and not
/// dead-lettered, and the next run applies them in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_waiting_for_a_retry_go_back_to_the_bus_at_shutdown() {
    let world = world().await;
    world.replica.fail("order", None);
    world.publish("order", 0..3).await;
    world.publish("other", 0..2).await;
    let mut config = config("replica");
    config.concurrency = Some(1);
    config.max_attempts = 1000;
    config.backoff = Backoff {
        initial: Duration::from_millis(50),
        max: Duration::from_millis(50),
        factor: 1,
    };
    let consumer = world.consumer(config.clone());
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("the other key and a retry", || {
        let snapshot = metrics.snapshot();
        snapshot.processed == 2 && snapshot.retried >= 2
    })
    .await;
    running.stop().await;
    assert_eq!(metrics.snapshot().dead_lettered, 0);
    assert!(!world.replica_rows().await.contains_key("order"));

    world.replica.heal("order");
    let consumer = world.consumer(config);
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("the order's 3 events", || metrics.snapshot().processed == 3).await;
    running.stop().await;
    assert_eq!(world.replica_rows().await["order"], (2, 3));
    assert_eq!(world.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_is_dead_lettered_with_its_reason_and_the_rest_flows() {
    let world = world().await;
    world.replica.fail("bad", None);
    world.bus.inject_raw("Ping", b"{not json".to_vec());
    world.publish("bad", 0..5).await;
    let invalid = Ping {
        key: "inv".into(),
        n: -1,
    };
    world
        .bus
        .publish(&Envelope::wrap("test", &invalid, None).unwrap())
        .await
        .unwrap();
    world.publish("inv", 0..2).await;
    for key in ["ok-1", "ok-2", "ok-3"] {
        world.publish(key, 0..20).await;
    }
    let consumer = world.consumer(config("replica"));
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("the healthy keys", || metrics.snapshot().processed == 60).await;
    eventually("dead letters and parked events", || {
        let s = metrics.snapshot();
        s.dead_lettered == 3 && s.parked == 6
    })
    .await;

    let letters = consumer.dead_letters().await.unwrap();
    let undecodable = letters.iter().find(|l| l.event_id.is_none()).unwrap();
    assert!(
        undecodable.reason.starts_with("undecodable envelope"),
        "{}",
        undecodable.reason
    );
    assert_eq!(undecodable.envelope, b"{not json");
    let bad: Vec<_> = letters.iter().filter(|l| l.subject == "bad").collect();
    assert_eq!(bad.len(), 5);
    assert_eq!(bad[0].status, DeadLetterStatus::Failed);
    assert_eq!(bad[0].attempts, 3);
    assert!(
        bad[0]
            .reason
            .contains("failed 3 attempts; last error: bad is failing"),
        "{}",
        bad[0].reason
    );
    assert!(
        bad[1..]
            .iter()
            .all(|l| l.status == DeadLetterStatus::Parked)
    );
    let inv: Vec<_> = letters.iter().filter(|l| l.subject == "inv").collect();
    assert_eq!(inv.len(), 3);
    assert!(
        inv[0].reason.contains("/n must be a non-negative integer"),
        "{}",
        inv[0].reason
    );
    assert!(
        !world.replica_rows().await.contains_key("bad"),
        "nothing of a blocked key applies"
    );

    // Still failing: the retry stops at the head, which stays with one more attempt noted.
    assert_eq!(
        consumer.retry_dead_letters("bad").await.unwrap(),
        Replay {
            applied: 0,
            remaining: 5
        }
    );
    // Fixed: the key's events apply in order and the key flows again.
    world.replica.heal("bad");
    assert_eq!(
        consumer.retry_dead_letters("bad").await.unwrap(),
        Replay {
            applied: 5,
            remaining: 0
        }
    );
    world.publish("bad", 5..6).await;
    // Skipping the invalid event lets the two parked behind it through.
    assert_eq!(
        consumer.skip_dead_letter("inv", inv[0].id).await.unwrap(),
        Replay {
            applied: 2,
            remaining: 0
        }
    );
    eventually("the key flows again", || {
        metrics.snapshot().processed == 60 + 5 + 2 + 1
    })
    .await;
    running.stop().await;

    let rows = world.replica_rows().await;
    assert_eq!(rows["bad"], (5, 6));
    assert_eq!(rows["inv"], (1, 2));
    assert_eq!(world.violations(), Vec::<String>::new());
    let left = consumer.dead_letters().await.unwrap();
    assert_eq!(left.len(), 1, "only the undecodable letter stays: {left:?}");
}

/// Skipping a dead letter means its event is never applied: not the copy a redelivery parked
/// behind it, nor a copy that arrives after the skip.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_skipped_event_is_never_applied_not_even_a_copy_of_it() {
    let world = world().await;
    let invalid = Ping {
        key: "inv".into(),
        n: -1,
    };
    let bytes = Envelope::wrap("test", &invalid, None).unwrap().to_vec();
    world.bus.inject_raw("Ping", bytes.clone());
    // The same event again, as a broker redelivers it after a lost ack.
    world.bus.inject_raw("Ping", bytes.clone());
    world.publish("inv", 0..1).await;
    let consumer = world.consumer(config("replica"));
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("the invalid event and the two behind it held", || {
        let s = metrics.snapshot();
        s.dead_lettered == 1 && s.parked == 2
    })
    .await;
    let letters = consumer.dead_letters().await.unwrap();
    assert_eq!(letters.len(), 3, "{letters:?}");
    assert_eq!(
        letters[0].event_id, letters[1].event_id,
        "the copy is parked"
    );

    assert_eq!(
        consumer
            .skip_dead_letter("inv", letters[0].id)
            .await
            .unwrap(),
        Replay {
            applied: 1,
            remaining: 0
        },
        "the skip takes the copy along; only the event behind them applies"
    );
    // Yet another copy, after the skip: a duplicate, not a new dead letter.
    world.bus.inject_raw("Ping", bytes);
    world.publish("inv", 1..2).await;
    eventually("the next event and the late copy", || {
        let s = metrics.snapshot();
        s.processed == 2 && s.duplicates == 1
    })
    .await;
    running.stop().await;

    assert_eq!(world.replica_rows().await["inv"], (1, 2));
    assert!(consumer.dead_letters().await.unwrap().is_empty());
    assert_eq!(world.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dead_letters_still_hold_their_key_after_a_restart() {
    let world = world().await;
    world.replica.fail("bad", None);
    world.publish("bad", 0..1).await;
    let consumer = world.consumer(config("replica"));
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("the dead letter", || metrics.snapshot().dead_lettered == 1).await;
    running.stop().await;

    world.replica.heal("bad");
    world.publish("bad", 1..3).await;
    let restarted = world.consumer(config("replica"));
    let metrics = restarted.metrics();
    let running = start(&restarted);
    eventually("parking after restart", || metrics.snapshot().parked == 2).await;
    assert!(!world.replica_rows().await.contains_key("bad"));
    assert_eq!(
        restarted.retry_dead_letters("bad").await.unwrap(),
        Replay {
            applied: 3,
            remaining: 0
        }
    );
    running.stop().await;
    assert_eq!(world.replica_rows().await["bad"], (2, 3));
    assert_eq!(world.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_finishes_in_flight_work_and_a_restart_resumes() {
    let world = world().await;
    for key in 0..10 {
        world.publish(&format!("k{key}"), 0..300).await;
    }
    let consumer = world.consumer(config("replica"));
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("some progress", || metrics.snapshot().processed >= 500).await;
    running.stop().await;
    let done = metrics.snapshot().processed;
    assert!(done < 3000, "stopped part-way ({done})");

    let restarted = world.consumer(config("replica"));
    let metrics = restarted.metrics();
    let running = start(&restarted);
    eventually("the rest", || {
        metrics.snapshot().processed + metrics.snapshot().duplicates + done >= 3000
    })
    .await;
    running.stop().await;
    let rows = world.replica_rows().await;
    assert!(
        rows.values()
            .all(|&(seq, applied)| seq == 299 && applied == 300),
        "{rows:?}"
    );
    assert_eq!(world.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_relay_publishes_committed_outbox_rows_in_order_and_never_rolled_back_ones() {
    let world = world().await;
    let producer = Producer::new("test", Arc::new(world.bus.clone()));
    for batch in 0..10 {
        let mut tx = world.store.begin().await.unwrap();
        for n in batch * 10..batch * 10 + 10 {
            let ping = Ping {
                key: format!("k{}", n % 3),
                n: n / 3,
            };
            producer.publish_in(tx.as_mut(), &ping, None).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let mut doomed = world.store.begin().await.unwrap();
    let ghost = Ping {
        key: "ghost".into(),
        n: 0,
    };
    producer
        .publish_in(doomed.as_mut(), &ghost, None)
        .await
        .unwrap();
    doomed.rollback().await.unwrap();

    let relay = Relay::new(
        world.store.clone(),
        Arc::new(world.bus.clone()),
        RelayConfig::default(),
    );
    assert_eq!(relay.drain().await.unwrap(), 100);
    assert_eq!(
        relay.drain().await.unwrap(),
        0,
        "relayed rows are not relayed again"
    );
    assert_eq!(world.bus.len(), 100);

    let consumer = world.consumer(config("replica"));
    let metrics = consumer.metrics();
    let running = start(&consumer);
    eventually("100 events", || metrics.snapshot().processed == 100).await;
    running.stop().await;
    let rows = world.replica_rows().await;
    assert_eq!(rows.len(), 3, "the rolled-back event never left: {rows:?}");
    assert_eq!(world.violations(), Vec::<String>::new());
}

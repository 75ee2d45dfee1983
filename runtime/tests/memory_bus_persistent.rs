//! The in-process bus persisted in SQLite: the bus contract as on the in-memory bus, plus what
//! a restart (everything dropped, reopened from the same file) keeps: unacked events come back
//! in order, acked ones do not, dedupe still holds, and a consumer loop killed mid-stream ends
//! with every event applied exactly once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use herald_runtime::bus::memory::MemoryBus;
use herald_runtime::consumer::Backoff;
use herald_runtime::store::sqlite::SqliteStore;
use herald_runtime::{
    Bus, Consumer, ConsumerConfig, Envelope, Event, Handler, HandlerError, SqlValue, Store,
    SubscriptionSpec, Transaction,
};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Ping {
    key: String,
    n: u32,
}

impl Event for Ping {
    const NAME: &'static str = "Ping";
    const VERSION: u32 = 1;
    fn key(&self) -> String {
        self.key.clone()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pong {
    n: u32,
}

impl Event for Pong {
    const NAME: &'static str = "Pong";
    const VERSION: u32 = 1;
    fn key(&self) -> String {
        String::new()
    }
}

fn ping(key: &str, n: u32) -> Envelope {
    Envelope::wrap("test", &Ping { key: key.into(), n }, None).unwrap()
}

fn pong(n: u32) -> Envelope {
    Envelope::wrap("test", &Pong { n }, None).unwrap()
}

fn spec(name: &str) -> SubscriptionSpec {
    let mut spec = SubscriptionSpec::new(name);
    spec.ack_wait = Duration::from_millis(200);
    spec.max_deliver = 3;
    spec
}

const WAIT: Duration = Duration::from_millis(50);

/// A database file that outlives the buses opened on it.
struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    fn new() -> Db {
        Db {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("bus.db")
    }

    /// Opens the store and a persistent bus on it, as a process starting would.
    async fn open(&self) -> (SqliteStore, MemoryBus) {
        open(&self.path()).await
    }
}

async fn open(path: &Path) -> (SqliteStore, MemoryBus) {
    let store = SqliteStore::open(path, Default::default()).unwrap();
    let bus = MemoryBus::persistent(&store).await.unwrap();
    (store, bus)
}

/// The `n` of each delivery's Ping.
fn ns(deliveries: &[herald_runtime::Delivery]) -> Vec<u64> {
    deliveries
        .iter()
        .map(|d| {
            let e = Envelope::from_slice(&d.payload).unwrap();
            e.data_value().unwrap()["n"].as_u64().unwrap()
        })
        .collect()
}

// The contract, as tests/memory_bus.rs checks it on the in-memory bus.

#[tokio::test]
async fn delivers_in_order_and_ack_settles() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let sent: Vec<_> = (0..10).map(|n| ping("k", n)).collect();
    bus.publish_all(&sent).await.unwrap();
    let got = sub.fetch(100, WAIT).await.unwrap();
    assert_eq!(got.len(), 10);
    for (delivery, envelope) in got.iter().zip(&sent) {
        assert_eq!(delivery.payload, envelope.to_vec());
        assert_eq!(delivery.attempt, 1);
    }
    for delivery in got {
        delivery.acker.ack().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sub.fetch(100, WAIT).await.unwrap().is_empty());
}

#[tokio::test]
async fn nak_redelivers_with_the_next_attempt() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    let first = sub.fetch(1, WAIT).await.unwrap().pop().unwrap();
    first.acker.nak(Duration::from_millis(10)).await.unwrap();
    let again = sub
        .fetch(1, Duration::from_millis(200))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(again.attempt, 2);
    assert_eq!(again.payload, first.payload);
}

#[tokio::test]
async fn unacked_deliveries_return_after_ack_wait_up_to_max_deliver() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    let mut attempts = Vec::new();
    for _ in 0..5 {
        if let Some(delivery) = sub
            .fetch(1, Duration::from_millis(300))
            .await
            .unwrap()
            .pop()
        {
            attempts.push(delivery.attempt);
        }
    }
    assert_eq!(attempts, vec![1, 2, 3], "capped at max_deliver = 3");
}

#[tokio::test]
async fn a_late_ack_of_an_old_delivery_does_not_settle_the_new_one() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    let old = sub.fetch(1, WAIT).await.unwrap().pop().unwrap();
    let new = sub
        .fetch(1, Duration::from_millis(400))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(new.attempt, 2);
    old.acker.ack().await.unwrap();
    let third = sub
        .fetch(1, Duration::from_millis(400))
        .await
        .unwrap()
        .pop();
    assert_eq!(
        third.map(|d| d.attempt),
        Some(3),
        "the old ack must not count"
    );
    drop(new);
}

#[tokio::test]
async fn the_same_id_is_published_once() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let envelope = ping("k", 1);
    bus.publish(&envelope).await.unwrap();
    bus.publish(&envelope).await.unwrap();
    bus.publish_all(&[envelope.clone(), envelope.clone()])
        .await
        .unwrap();
    assert_eq!(bus.len(), 1);
}

#[tokio::test]
async fn consumers_filter_by_type_and_keep_their_own_cursor() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut only_pong = spec("pongs");
    only_pong.event_types = vec!["Pong".into()];
    let mut pongs = bus.subscribe(&only_pong).await.unwrap();
    let mut all = bus.subscribe(&spec("all")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    bus.publish(&pong(2)).await.unwrap();
    let got = pongs.fetch(10, WAIT).await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0].payload).contains("\"Pong\""));
    assert_eq!(all.fetch(10, WAIT).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_new_subscription_under_the_same_name_resumes_and_takes_over_unacked() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish_all(&[ping("k", 1), ping("k", 2), ping("k", 3)])
        .await
        .unwrap();
    let got = sub.fetch(2, WAIT).await.unwrap();
    let mut got = got.into_iter();
    got.next().unwrap().acker.ack().await.unwrap();
    drop(got);
    drop(sub);
    let mut resumed = bus.subscribe(&spec("c")).await.unwrap();
    let again = resumed.fetch(10, WAIT).await.unwrap();
    assert_eq!(ns(&again), vec![2, 3]);
    assert_eq!(again[0].attempt, 2);
}

#[tokio::test]
async fn fetch_waits_for_a_publish_and_returns_empty_on_timeout() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let started = std::time::Instant::now();
    assert!(sub.fetch(1, WAIT).await.unwrap().is_empty());
    assert!(started.elapsed() >= WAIT);
    let publisher = bus.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        publisher.publish(&ping("k", 1)).await.unwrap();
    });
    assert_eq!(sub.fetch(1, Duration::from_secs(5)).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_closed_bus_refuses_work() {
    let db = Db::new();
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.close();
    assert!(bus.publish(&ping("k", 1)).await.is_err());
    assert!(sub.fetch(1, WAIT).await.is_err());
}

// What a restart keeps.

#[tokio::test]
async fn after_a_restart_unacked_events_come_back_in_order_and_acked_ones_do_not() {
    let db = Db::new();
    {
        let (_store, bus) = db.open().await;
        let mut sub = bus.subscribe(&spec("c")).await.unwrap();
        // A consumer that never acks: it left no progress, so it starts over.
        let mut idle = bus.subscribe(&spec("idle")).await.unwrap();
        bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
            .await
            .unwrap();
        let got = sub.fetch(100, WAIT).await.unwrap();
        assert_eq!(got.len(), 10);
        let _held = idle.fetch(100, WAIT).await.unwrap();
        // Out of order, as parallel lanes ack: a ragged edge above the floor.
        for (n, delivery) in got.into_iter().enumerate() {
            if [0, 1, 2, 5, 7, 9].contains(&n) {
                delivery.acker.ack().await.unwrap();
            }
        }
    }
    let (_store, bus) = db.open().await;
    assert_eq!(bus.len(), 10, "the log is reloaded");
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let again = sub.fetch(100, WAIT).await.unwrap();
    assert_eq!(ns(&again), vec![3, 4, 6, 8]);
    assert!(
        again.iter().all(|d| d.attempt == 1),
        "attempts start over after a restart"
    );
    let mut idle = bus.subscribe(&spec("idle")).await.unwrap();
    assert_eq!(idle.fetch(100, WAIT).await.unwrap().len(), 10);
    for delivery in again {
        delivery.acker.ack().await.unwrap();
    }
    bus.publish(&ping("k", 10)).await.unwrap();
    drop((sub, idle, bus, _store));

    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    assert_eq!(
        ns(&sub.fetch(100, WAIT).await.unwrap()),
        vec![10],
        "only the event published after the last acks is left"
    );
}

#[tokio::test]
async fn filtered_out_events_do_not_hold_a_consumer_back_across_restarts() {
    let db = Db::new();
    {
        let (_store, bus) = db.open().await;
        let mut only_ping = spec("pings");
        only_ping.event_types = vec!["Ping".into()];
        let mut sub = bus.subscribe(&only_ping).await.unwrap();
        bus.publish_all(&[pong(0), ping("k", 1), pong(2), ping("k", 3), pong(4)])
            .await
            .unwrap();
        let got = sub.fetch(10, WAIT).await.unwrap();
        assert_eq!(ns(&got), vec![1, 3]);
        for delivery in got {
            delivery.acker.ack().await.unwrap();
        }
    }
    let (store, bus) = db.open().await;
    let mut all = spec("pings");
    all.event_types.clear();
    let mut sub = bus.subscribe(&all).await.unwrap();
    bus.publish(&pong(5)).await.unwrap();
    // The Pongs it filtered out were settled (as its cursor passed them), so widening the
    // filter brings only what comes next, as on the in-memory bus.
    assert_eq!(ns(&sub.fetch(10, WAIT).await.unwrap()), vec![5]);
    let mut tx = store.begin().await.unwrap();
    let acks = tx
        .query("SELECT count(*) AS n FROM herald_bus_acks", &[])
        .await
        .unwrap();
    assert_eq!(
        acks[0].get::<i64>("n").unwrap(),
        0,
        "contiguous acks are folded into the floor"
    );
}

#[tokio::test]
async fn dedupe_survives_a_restart() {
    let db = Db::new();
    let envelope = ping("k", 1);
    {
        let (_store, bus) = db.open().await;
        bus.publish(&envelope).await.unwrap();
    }
    let (_store, bus) = db.open().await;
    bus.publish(&envelope).await.unwrap();
    bus.publish(&ping("k", 2)).await.unwrap();
    assert_eq!(bus.len(), 2);
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    assert_eq!(ns(&sub.fetch(10, WAIT).await.unwrap()), vec![1, 2]);
}

#[tokio::test]
async fn injected_bytes_are_persisted_with_the_next_publish_at_their_offset() {
    let db = Db::new();
    {
        let (_store, bus) = db.open().await;
        bus.publish(&ping("k", 0)).await.unwrap();
        bus.inject_raw("Ping", b"not json".to_vec());
        bus.publish(&ping("k", 2)).await.unwrap();
    }
    let (_store, bus) = db.open().await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let got = sub.fetch(10, WAIT).await.unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[1].payload, b"not json");
    assert!(String::from_utf8_lossy(&got[2].payload).contains("\"n\":2"));
}

#[tokio::test]
async fn a_second_bus_over_the_same_tables_starts_from_them() {
    let db = Db::new();
    let (store, bus) = db.open().await;
    bus.publish_all(&[ping("k", 0), ping("k", 1)])
        .await
        .unwrap();
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let got = sub.fetch(1, WAIT).await.unwrap();
    got.into_iter().next().unwrap().acker.ack().await.unwrap();
    // A second store handle on the same file sees what was committed, without a restart.
    let (_other_store, reopened) = open(&db.path()).await;
    let mut resumed = reopened.subscribe(&spec("c")).await.unwrap();
    assert_eq!(ns(&resumed.fetch(10, WAIT).await.unwrap()), vec![1]);
    drop(store);
}

// A consumer loop killed mid-stream.

/// Records every application in `applied` (no uniqueness: a second application shows up as a
/// second row).
struct Recorder;

#[async_trait]
impl Handler for Recorder {
    fn event_types(&self) -> Vec<String> {
        vec!["Ping".into()]
    }

    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        let ping: Ping = envelope.decode()?;
        // Slow enough that the kill lands mid-stream.
        tokio::time::sleep(Duration::from_millis(1)).await;
        tx.execute(
            "INSERT INTO applied (key, n) VALUES (?1, ?2)",
            &[
                SqlValue::from(ping.key.as_str()),
                SqlValue::from(i64::from(ping.n)),
            ],
        )
        .await?;
        Ok(())
    }
}

fn consumer_config() -> ConsumerConfig {
    let mut config = ConsumerConfig::new("recorder");
    config.concurrency = 4;
    config.batch_size = 8;
    config.fetch_wait = Duration::from_millis(20);
    config.backoff = Backoff {
        initial: Duration::from_millis(5),
        max: Duration::from_millis(40),
        factor: 2,
    };
    config.ack_wait = Duration::from_secs(30);
    config
}

async fn applied(store: &SqliteStore) -> Vec<(String, i64, i64)> {
    let mut tx = store.begin().await.unwrap();
    let rows = tx
        .query(
            "SELECT key, n, count(*) AS times FROM applied GROUP BY key, n ORDER BY key, n",
            &[],
        )
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            (
                row.get::<String>("key").unwrap(),
                row.get::<i64>("n").unwrap(),
                row.get::<i64>("times").unwrap(),
            )
        })
        .collect()
}

const KEYS: [&str; 4] = ["a", "b", "c", "d"];
const PER_KEY: u32 = 100;

/// First life: publish everything, start the consumer loop on a runtime of its own and drop
/// that runtime (tasks killed wherever they are) once part of the stream is applied.
fn first_life(path: &Path) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (store, bus) = open(path).await;
        store.migrate().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.execute(
            "CREATE TABLE applied (key TEXT NOT NULL, n INTEGER NOT NULL)",
            &[],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let events: Vec<_> = (0..PER_KEY)
            .flat_map(|n| KEYS.iter().map(move |key| ping(key, n)))
            .collect();
        bus.publish_all(&events).await.unwrap();
        let consumer = Consumer::new(
            Arc::new(bus),
            Arc::new(store.clone()),
            Arc::new(Recorder),
            consumer_config(),
        );
        tokio::spawn(async move { consumer.run(CancellationToken::new()).await });
        let total = KEYS.len() * PER_KEY as usize;
        loop {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let done = applied(&store).await.len();
            if done >= total / 4 {
                assert!(done < total, "the kill must land mid-stream");
                break;
            }
        }
    });
    drop(runtime);
}

#[test]
fn a_consumer_loop_killed_mid_stream_applies_every_event_exactly_once() {
    let db = Db::new();
    first_life(&db.path());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (store, bus) = db.open().await;
        let consumer = Arc::new(Consumer::new(
            Arc::new(bus),
            Arc::new(store.clone()),
            Arc::new(Recorder),
            consumer_config(),
        ));
        let shutdown = CancellationToken::new();
        let running = tokio::spawn({
            let consumer = consumer.clone();
            let shutdown = shutdown.clone();
            async move { consumer.run(shutdown).await }
        });
        let total = KEYS.len() * PER_KEY as usize;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while applied(&store).await.len() < total {
            assert!(
                tokio::time::Instant::now() < deadline,
                "not every event was applied"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        shutdown.cancel();
        running.await.unwrap().unwrap();
        let applied = applied(&store).await;
        let expected: Vec<_> = KEYS
            .iter()
            .flat_map(|key| (0..i64::from(PER_KEY)).map(move |n| (key.to_string(), n, 1)))
            .collect();
        assert_eq!(applied, expected, "every event applied exactly once");
        assert!(consumer.dead_letters().await.unwrap().is_empty());
    });
}

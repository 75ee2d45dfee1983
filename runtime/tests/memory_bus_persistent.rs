//! The in-process bus persisted in SQLite: the bus contract as on the in-memory bus, plus what
//! a restart (everything dropped, reopened from the same file) keeps: unacked events come back
//! in order, acked ones do not, dedupe still holds, and a consumer loop killed mid-stream ends
//! with every event applied exactly once; and the retention: settled rows are deleted,
//! unsettled ones never, and offsets survive compaction and restarts.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use herald_runtime::bus::memory::{COMPACT_BATCH, MemoryBus, MemoryBusConfig, Retention};
use herald_runtime::consumer::Backoff;
use herald_runtime::store::sqlite::SqliteStore;
use herald_runtime::{
    Bus, Consumer, ConsumerConfig, Envelope, Handler, HandlerError, SqlValue, Store, Transaction,
};
use tokio_util::sync::CancellationToken;

use common::{Ping, WAIT, ns, ping, pong, spec};

memory_bus_contract!(async {
    let db = super::Db::new();
    let (store, bus) = db.open().await;
    (bus, (store, db))
});

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
    config.concurrency = Some(4);
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
    first_life_with(path, MemoryBusConfig::default());
}

/// [`first_life`] on a bus with `config`.
fn first_life_with(path: &Path, config: MemoryBusConfig) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(path, Default::default()).unwrap();
        let bus = MemoryBus::persistent_with_config(&store, config)
            .await
            .unwrap();
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

// Retention: settled rows are deleted, unsettled ones never, offsets survive restarts.

/// Drops settled events at once, with a dedupe window short enough to wait out.
fn compacting() -> MemoryBusConfig {
    MemoryBusConfig {
        retention: Retention::DropSettled {
            min_age: Duration::ZERO,
            keep_last: 0,
        },
        dedupe_window: DEDUPE,
    }
}

const DEDUPE: Duration = Duration::from_millis(100);

/// Lets the rows age past the dedupe window, below which a persistent bus deletes nothing.
async fn outlive_dedupe() {
    tokio::time::sleep(DEDUPE + Duration::from_millis(20)).await;
}

async fn open_compacting(path: &Path) -> (SqliteStore, MemoryBus) {
    let store = SqliteStore::open(path, Default::default()).unwrap();
    let bus = MemoryBus::persistent_with_config(&store, compacting())
        .await
        .unwrap();
    (store, bus)
}

async fn count(store: &SqliteStore, table: &str) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let rows = tx
        .query(&format!("SELECT count(*) AS n FROM {table}"), &[])
        .await
        .unwrap();
    rows[0].get::<i64>("n").unwrap()
}

async fn ack_all(deliveries: Vec<herald_runtime::Delivery>) {
    for delivery in deliveries {
        delivery.acker.ack().await.unwrap();
    }
}

fn pings(range: std::ops::Range<u32>) -> Vec<Envelope> {
    range.map(|n| ping("k", n)).collect()
}

#[tokio::test]
async fn the_log_table_shrinks_once_every_consumer_acked() {
    let db = Db::new();
    let (store, bus) = open_compacting(&db.path()).await;
    let mut a = bus.subscribe(&spec("a")).await.unwrap();
    let mut b = bus.subscribe(&spec("b")).await.unwrap();
    let total = 3 * COMPACT_BATCH as u32;
    bus.publish_all(&pings(0..total)).await.unwrap();
    outlive_dedupe().await;
    ack_all(a.fetch(usize::MAX, WAIT).await.unwrap()).await;
    assert_eq!(count(&store, "herald_bus_log").await, i64::from(total));
    ack_all(b.fetch(usize::MAX, WAIT).await.unwrap()).await;
    let left = count(&store, "herald_bus_log").await;
    assert!(
        left <= (total as usize - COMPACT_BATCH) as i64,
        "the acks compacted on their own ({left} rows left)"
    );
    assert_eq!(bus.len() as i64, left, "memory and table agree");
    bus.compact().await.unwrap();
    assert_eq!(count(&store, "herald_bus_log").await, 0);
    assert_eq!(count(&store, "herald_bus_acks").await, 0);
    assert_eq!(bus.offsets(), u64::from(total)..u64::from(total));
    drop((a, b, bus, store));

    let (_store, bus) = open_compacting(&db.path()).await;
    assert_eq!(
        bus.offsets(),
        u64::from(total)..u64::from(total),
        "the base offset is stored: a restart neither reuses nor renumbers offsets"
    );
    bus.publish(&ping("k", total)).await.unwrap();
    let mut a = bus.subscribe(&spec("a")).await.unwrap();
    let mut late = bus.subscribe(&spec("late")).await.unwrap();
    assert_eq!(
        ns(&a.fetch(100, WAIT).await.unwrap()),
        vec![u64::from(total)]
    );
    assert_eq!(
        ns(&late.fetch(100, WAIT).await.unwrap()),
        vec![u64::from(total)],
        "a first subscriber starts at the oldest retained event"
    );
}

#[tokio::test]
async fn a_restart_after_compaction_loses_nothing_and_redelivers_nothing_acked() {
    let db = Db::new();
    {
        let (store, bus) = open_compacting(&db.path()).await;
        let mut fast = bus.subscribe(&spec("fast")).await.unwrap();
        let mut slow = bus.subscribe(&spec("slow")).await.unwrap();
        bus.publish_all(&pings(0..20)).await.unwrap();
        outlive_dedupe().await;
        ack_all(fast.fetch(100, WAIT).await.unwrap()).await;
        // The slow one acks 0..8 and a ragged edge above: its floor is 8.
        for (n, delivery) in slow.fetch(100, WAIT).await.unwrap().into_iter().enumerate() {
            if n < 8 || [10, 13].contains(&n) {
                delivery.acker.ack().await.unwrap();
            }
        }
        assert_eq!(bus.compact().await.unwrap(), 8);
        assert_eq!(bus.offsets(), 8..20);
        assert_eq!(count(&store, "herald_bus_log").await, 12);
    }
    let (store, bus) = open_compacting(&db.path()).await;
    assert_eq!(bus.offsets(), 8..20, "only the retained rows are loaded");
    let mut slow = bus.subscribe(&spec("slow")).await.unwrap();
    let mut fast = bus.subscribe(&spec("fast")).await.unwrap();
    let again = slow.fetch(100, WAIT).await.unwrap();
    assert_eq!(ns(&again), vec![8, 9, 11, 12, 14, 15, 16, 17, 18, 19]);
    assert!(fast.fetch(100, WAIT).await.unwrap().is_empty());
    ack_all(again).await;
    bus.compact().await.unwrap();
    assert_eq!(count(&store, "herald_bus_log").await, 0);
    bus.publish(&ping("k", 20)).await.unwrap();
    assert_eq!(bus.offsets(), 20..21);
    assert_eq!(ns(&slow.fetch(100, WAIT).await.unwrap()), vec![20]);
    assert_eq!(ns(&fast.fetch(100, WAIT).await.unwrap()), vec![20]);
}

#[tokio::test]
async fn a_consumer_that_never_acked_holds_the_log_across_restarts() {
    let db = Db::new();
    {
        let (_store, bus) = open_compacting(&db.path()).await;
        let mut busy = bus.subscribe(&spec("busy")).await.unwrap();
        let _idle = bus.subscribe(&spec("idle")).await.unwrap();
        bus.publish_all(&pings(0..10)).await.unwrap();
        outlive_dedupe().await;
        ack_all(busy.fetch(100, WAIT).await.unwrap()).await;
        assert_eq!(bus.compact().await.unwrap(), 0);
    }
    // Before `idle` subscribes again, the bus knows it from its stored registration.
    let (_store, bus) = open_compacting(&db.path()).await;
    let mut busy = bus.subscribe(&spec("busy")).await.unwrap();
    bus.publish(&ping("k", 10)).await.unwrap();
    outlive_dedupe().await;
    ack_all(busy.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.compact().await.unwrap(), 0);
    let mut idle = bus.subscribe(&spec("idle")).await.unwrap();
    assert_eq!(
        ns(&idle.fetch(100, WAIT).await.unwrap()),
        (0..=10).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_consumer_filtering_everything_out_does_not_hold_the_log() {
    let db = Db::new();
    {
        let (store, bus) = open_compacting(&db.path()).await;
        let mut only_pong = spec("pongs");
        only_pong.event_types = vec!["Pong".into()];
        let mut pongs = bus.subscribe(&only_pong).await.unwrap();
        let mut all = bus.subscribe(&spec("all")).await.unwrap();
        bus.publish_all(&pings(0..10)).await.unwrap();
        outlive_dedupe().await;
        ack_all(all.fetch(100, WAIT).await.unwrap()).await;
        assert!(pongs.fetch(100, WAIT).await.unwrap().is_empty());
        assert_eq!(
            bus.compact().await.unwrap(),
            10,
            "its cursor passed them without an ack"
        );
        assert_eq!(count(&store, "herald_bus_log").await, 0);
    }
    let (_store, bus) = open_compacting(&db.path()).await;
    let mut pongs = bus.subscribe(&spec("pongs")).await.unwrap();
    assert!(
        pongs.fetch(100, WAIT).await.unwrap().is_empty(),
        "the floor it passed them with was stored"
    );
}

#[tokio::test]
async fn a_delivery_given_up_at_max_deliver_is_kept_until_an_ack_passes_it() {
    let db = Db::new();
    {
        let (_store, bus) = open_compacting(&db.path()).await;
        let mut sub = bus.subscribe(&spec("c")).await.unwrap();
        bus.publish(&ping("k", 0)).await.unwrap();
        // Three deliveries, never acked: the bus gives up on it.
        for _ in 0..3 {
            assert_eq!(
                sub.fetch(1, Duration::from_millis(400))
                    .await
                    .unwrap()
                    .len(),
                1
            );
        }
        assert!(
            sub.fetch(1, Duration::from_millis(400))
                .await
                .unwrap()
                .is_empty()
        );
        outlive_dedupe().await;
        assert_eq!(bus.compact().await.unwrap(), 0, "given up is not settled");
    }
    let (_store, bus) = open_compacting(&db.path()).await;
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let again = sub.fetch(10, WAIT).await.unwrap();
    assert_eq!(ns(&again), vec![0], "a restart delivers it again");
    ack_all(again).await;
    assert_eq!(bus.compact().await.unwrap(), 1);
}

#[tokio::test]
async fn dedupe_holds_across_compaction_and_restart() {
    let db = Db::new();
    let envelope = ping("k", 1);
    let config = MemoryBusConfig {
        dedupe_window: Duration::from_secs(1),
        ..compacting()
    };
    {
        let store = SqliteStore::open(db.path(), Default::default()).unwrap();
        let bus = MemoryBus::persistent_with_config(&store, config.clone())
            .await
            .unwrap();
        let mut sub = bus.subscribe(&spec("c")).await.unwrap();
        bus.publish(&envelope).await.unwrap();
        ack_all(sub.fetch(10, WAIT).await.unwrap()).await;
        assert_eq!(
            bus.compact().await.unwrap(),
            0,
            "rows within the dedupe window stay"
        );
    }
    let store = SqliteStore::open(db.path(), Default::default()).unwrap();
    let bus = MemoryBus::persistent_with_config(&store, config)
        .await
        .unwrap();
    bus.publish(&envelope).await.unwrap();
    assert_eq!(bus.offsets(), 0..1, "still refused after the restart");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        bus.compact().await.unwrap(),
        1,
        "dropped once the window passed"
    );
}

#[tokio::test]
async fn a_deleted_consumer_releases_its_rows() {
    let db = Db::new();
    let (store, bus) = open_compacting(&db.path()).await;
    let mut active = bus.subscribe(&spec("active")).await.unwrap();
    let _gone = bus.subscribe(&spec("gone")).await.unwrap();
    bus.publish_all(&pings(0..10)).await.unwrap();
    outlive_dedupe().await;
    ack_all(active.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.compact().await.unwrap(), 0);
    assert!(bus.delete_consumer("gone").await.unwrap());
    assert_eq!(bus.compact().await.unwrap(), 10);
    assert_eq!(count(&store, "herald_bus_consumers").await, 1);
}

#[test]
fn a_consumer_loop_killed_mid_stream_with_compaction_applies_every_event_exactly_once() {
    let db = Db::new();
    first_life_with(&db.path(), compacting());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (store, bus) = open_compacting(&db.path()).await;
        let consumer = Arc::new(Consumer::new(
            Arc::new(bus.clone()),
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
        bus.compact().await.unwrap();
        assert!(bus.is_empty(), "everything applied was dropped");
    });
}

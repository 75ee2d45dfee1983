//! Idempotent apply throughput: events/s through herald's consumer loop (in-process bus →
//! lanes → batched transactions with inbox claims → the replica upsert) against a hand-written
//! loop giving the same guarantees (dedupe record + upsert in one transaction, batches of 100,
//! envelopes parsed, the dedupe record indexed by time for its retention purge), on the same machine in the same run. SQLite always; PostgreSQL when
//! HERALD_TEST_POSTGRES_URL is set.
//!
//! `cargo bench -p herald-reliability --bench apply_throughput` (HERALD_BENCH_EVENTS, default
//! 100,000; HERALD_BENCH_ROUNDS, default 3: the best round of each side is reported).

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_reliability::services::unique;
use herald_reliability::workload::{self, StepReplica};
use herald_runtime::bus::memory::MemoryBus;
use herald_runtime::store::postgres::{PostgresOptions, PostgresStore};
use herald_runtime::store::sqlite::{SqliteOptions, SqliteStore};
use herald_runtime::{Bus, Consumer, ConsumerConfig, Envelope, Store};
use tokio_util::sync::CancellationToken;

const BATCH: usize = 100;

fn events() -> Vec<Envelope> {
    let total: usize = std::env::var("HERALD_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    workload::steps(1000, (total / 1000) as i64)
}

fn rounds() -> usize {
    std::env::var("HERALD_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// herald: publish everything to the in-process bus, then time the consumer draining it.
async fn through_runtime(store: Arc<dyn Store>, events: &[Envelope]) -> Duration {
    workload::prepare(store.as_ref()).await.unwrap();
    let bus = MemoryBus::new();
    bus.publish_all(events).await.unwrap();
    let mut config = ConsumerConfig::new("bench");
    config.batch_size = BATCH;
    config.fetch_wait = Duration::from_millis(5);
    if let Some(lanes) = std::env::var("HERALD_BENCH_LANES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.concurrency = Some(lanes);
    }
    let consumer = Consumer::new(Arc::new(bus), store, Arc::new(StepReplica), config);
    let metrics = consumer.metrics();
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let (token, total) = (shutdown.clone(), events.len() as u64);
    let watcher = tokio::spawn(async move {
        while metrics.snapshot().processed < total {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        let elapsed = started.elapsed();
        token.cancel();
        elapsed
    });
    consumer.run(shutdown).await.unwrap();
    watcher.await.unwrap()
}

/// The hand-written SQLite loop: same tables, same statements, same batches, same parsing.
fn sqlite_by_hand(path: &std::path::Path, events: &[Envelope]) -> Duration {
    let payloads: Vec<Vec<u8>> = events.iter().map(Envelope::to_vec).collect();
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE inbox (consumer TEXT NOT NULL, event_id TEXT NOT NULL, processed_at INTEGER NOT NULL, PRIMARY KEY (consumer, event_id)) WITHOUT ROWID;
         CREATE INDEX inbox_processed ON inbox (processed_at);
         CREATE TABLE replica (key TEXT PRIMARY KEY, seq BIGINT NOT NULL, applied BIGINT NOT NULL);",
    )
    .unwrap();
    let started = Instant::now();
    for chunk in payloads.chunks(BATCH) {
        let tx = conn.transaction().unwrap();
        {
            let mut claim = tx
                .prepare_cached("INSERT INTO inbox (consumer, event_id, processed_at) VALUES ('bench', ?1, ?2) ON CONFLICT DO NOTHING")
                .unwrap();
            let mut select = tx
                .prepare_cached("SELECT seq FROM replica WHERE key = ?1")
                .unwrap();
            let mut upsert = tx
                .prepare_cached("INSERT INTO replica (key, seq, applied) VALUES (?1, ?2, 1) ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, applied = replica.applied + 1")
                .unwrap();
            for payload in chunk {
                let envelope: serde_json::Value = serde_json::from_slice(payload).unwrap();
                let id = envelope["id"].as_str().unwrap();
                let step: workload::Step =
                    serde_json::from_value(envelope["data"].clone()).unwrap();
                if claim.execute(rusqlite::params![id, 0]).unwrap() == 0 {
                    continue;
                }
                let _last: Option<i64> = select.query_row([&step.key], |row| row.get(0)).ok();
                upsert.execute(rusqlite::params![step.key, step.n]).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    started.elapsed()
}

/// The hand-written PostgreSQL loop: prepared statements, batches of 100 per transaction.
async fn postgres_by_hand(url: &str, events: &[Envelope]) -> Duration {
    let payloads: Vec<Vec<u8>> = events.iter().map(Envelope::to_vec).collect();
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let schema = unique("bench_");
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema};
             CREATE TABLE inbox (consumer TEXT NOT NULL, event_id TEXT NOT NULL, processed_at BIGINT NOT NULL, PRIMARY KEY (consumer, event_id));
             CREATE INDEX inbox_processed ON inbox (processed_at);
             CREATE TABLE replica (key TEXT PRIMARY KEY, seq BIGINT NOT NULL, applied BIGINT NOT NULL);"
        ))
        .await
        .unwrap();
    let claim = client
        .prepare("INSERT INTO inbox (consumer, event_id, processed_at) VALUES ('bench', $1, $2) ON CONFLICT DO NOTHING")
        .await
        .unwrap();
    let select = client
        .prepare("SELECT seq FROM replica WHERE key = $1")
        .await
        .unwrap();
    let upsert = client
        .prepare("INSERT INTO replica (key, seq, applied) VALUES ($1, $2, 1) ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, applied = replica.applied + 1")
        .await
        .unwrap();
    let started = Instant::now();
    for chunk in payloads.chunks(BATCH) {
        let tx = client.transaction().await.unwrap();
        for payload in chunk {
            let envelope: serde_json::Value = serde_json::from_slice(payload).unwrap();
            let id = envelope["id"].as_str().unwrap();
            let step: workload::Step = serde_json::from_value(envelope["data"].clone()).unwrap();
            if tx.execute(&claim, &[&id, &0i64]).await.unwrap() == 0 {
                continue;
            }
            let _last = tx.query_opt(&select, &[&step.key]).await.unwrap();
            tx.execute(&upsert, &[&step.key, &step.n]).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let elapsed = started.elapsed();
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
    elapsed
}

fn rate(events: usize, took: Duration) -> f64 {
    events as f64 / took.as_secs_f64()
}

fn report(store: &str, events: usize, herald: Duration, by_hand: Duration) {
    let (h, b) = (rate(events, herald), rate(events, by_hand));
    println!(
        "{store:<10} herald {h:>9.0} ev/s   hand-written {b:>9.0} ev/s   ratio {:.2}",
        h / b
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = events();
    let n = events.len();
    println!(
        "idempotent apply, {n} events over 1,000 keys, batches of {BATCH}, best of {} rounds",
        rounds()
    );

    let (mut herald, mut by_hand) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open(dir.path().join("herald.db"), SqliteOptions::default()).unwrap();
        herald = herald.min(through_runtime(Arc::new(store), &events).await);
        by_hand = by_hand.min(sqlite_by_hand(&dir.path().join("hand.db"), &events));
    }
    report("sqlite", n, herald, by_hand);

    match std::env::var("HERALD_TEST_POSTGRES_URL") {
        Ok(url) => {
            let (mut herald, mut by_hand) = (Duration::MAX, Duration::MAX);
            for _ in 0..rounds() {
                let schema = unique("bench_");
                let options = PostgresOptions {
                    schema: schema.clone(),
                    ..PostgresOptions::default()
                };
                let store: Arc<dyn Store> =
                    Arc::new(PostgresStore::connect(&url, options).await.unwrap());
                herald = herald.min(through_runtime(store.clone(), &events).await);
                let mut tx = store.begin().await.unwrap();
                tx.execute(&format!("DROP SCHEMA {schema} CASCADE"), &[])
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
                by_hand = by_hand.min(postgres_by_hand(&url, &events).await);
            }
            report("postgres", n, herald, by_hand);
        }
        Err(_) => println!("postgres   skipped: HERALD_TEST_POSTGRES_URL is not set"),
    }
}

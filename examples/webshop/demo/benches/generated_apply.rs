//! Generated consumer vs hand-written handler: events/s of the generated `InventoryConsumer`
//! (decode by version, upcast, apply `replica_products`, call the user's trait) against the
//! `Handler` a careful engineer would write for the same events and the same `products` table
//! (`generated_apply/hand_written.rs`). Both run on herald's `Consumer` with the same
//! `ConsumerConfig`, over a `MemoryBus` prefilled with the same envelopes, into a fresh store
//! of the same kind, in the same run.
//!
//! The generated consumer always checks each payload against its JSON Schema (there is no
//! switch): the "validating" rows pit it against the hand-written handler checking with the
//! same `jsonschema` validators; the "not validating" rows run both without the check (the
//! generated one through a wrapper that forwards everything but `validate`), which is how far
//! the generated decode and apply alone are from hand-written ones.
//!
//! After every run the replica is compared with the one the load implies (every product's
//! name, stock, last update and event count), so a run cannot pass without applying each
//! event exactly once.
//!
//! Next to events/s each side's CPU time per event is reported (the machine is shared; CPU time
//! stretches less than the wall clock when the process is preempted), then on SQLite the same
//! handlers driven without the bus and the lanes ("handler alone") and their `validate` alone.
//!
//! `cargo bench -p herald-webshop-demo --bench generated_apply` (HERALD_BENCH_EVENTS, default
//! 100,000 over 1,000 products; HERALD_BENCH_ROUNDS, default 3, best round of each side;
//! HERALD_BENCH_LANES overrides the lane count; HERALD_BENCH_VERBOSE prints every run;
//! PostgreSQL too when HERALD_TEST_POSTGRES_URL is set).

#[path = "generated_apply/hand_written.rs"]
mod hand_written;
#[path = "generated_apply/load.rs"]
mod load;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_runtime::bus::memory::MemoryBus;
use herald_runtime::store::postgres::{PostgresOptions, PostgresStore};
use herald_runtime::store::sqlite::{SqliteOptions, SqliteStore};
use herald_runtime::{
    Bus, Consumer, ConsumerConfig, Envelope, Handler, HandlerError, Store, Transaction,
};
use herald_webshop_demo::generated::events::product_created::ProductCreatedV1;
use herald_webshop_demo::generated::events::stock_adjusted::StockAdjustedV1;
use herald_webshop_demo::generated::services::inventory::consumer::{
    InventoryConsumer, InventoryHandlers,
};
use herald_webshop_demo::generated::services::inventory::replica_products;
use tokio_util::sync::CancellationToken;

use hand_written::{HandWritten, Schemas};
use load::{Load, ProductRow};

const PRODUCTS: usize = 1000;
const BATCH: usize = 100;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The user's side of the generated consumer: nothing beyond the replica.
struct Inventory;
impl InventoryHandlers for Inventory {}

/// Forwards everything to the generated consumer except `validate`: the generated code
/// without its schema check.
struct WithoutValidation<H>(H);

#[async_trait::async_trait]
impl<H: Handler> Handler for WithoutValidation<H> {
    fn event_types(&self) -> Vec<String> {
        self.0.event_types()
    }

    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        self.0.handle(envelope, tx).await
    }
}

/// The four handlers measured, in the order each round runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Generated { validating: bool },
    HandWritten { validating: bool },
}

impl Side {
    const ALL: [Side; 4] = [
        Side::Generated { validating: true },
        Side::HandWritten { validating: true },
        Side::Generated { validating: false },
        Side::HandWritten { validating: false },
    ];

    /// The sides in the order round `round` runs them: rotated each round, so that none is
    /// always first (on a fresh process, or after the same neighbour).
    fn in_round(round: usize) -> impl Iterator<Item = Side> {
        (0..Side::ALL.len()).map(move |at| Side::ALL[(at + round) % Side::ALL.len()])
    }

    fn handler(self, catalog: &Path) -> Arc<dyn Handler> {
        match self {
            Side::Generated { validating: true } => Arc::new(InventoryConsumer::new(Inventory)),
            Side::Generated { validating: false } => {
                Arc::new(WithoutValidation(InventoryConsumer::new(Inventory)))
            }
            Side::HandWritten { validating } => {
                let schemas = validating.then(|| Schemas::load(catalog).expect("catalog schemas"));
                Arc::new(HandWritten::new(schemas))
            }
        }
    }

    async fn migrate(self, store: &dyn Store) {
        store.migrate().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        match self {
            Side::Generated { .. } => replica_products::migrate(tx.as_mut()).await.unwrap(),
            Side::HandWritten { .. } => hand_written::migrate(tx.as_mut()).await.unwrap(),
        }
        tx.commit().await.unwrap();
    }
}

/// Publishes the load to a fresh in-process bus, then times the consumer draining it; checks
/// the replica afterwards.
async fn run(side: Side, store: Arc<dyn Store>, load: &Load, catalog: &Path) -> Measured {
    side.migrate(store.as_ref()).await;
    let handler = side.handler(catalog);
    // The generated schemas compile on first use (a `LazyLock` each): before the clock starts,
    // as the hand-written side compiles its own above.
    ProductCreatedV1::payload_schema();
    StockAdjustedV1::payload_schema();
    let bus = MemoryBus::new();
    bus.publish_all(&load.envelopes).await.unwrap();
    let mut config = ConsumerConfig::new("bench");
    config.batch_size = BATCH;
    config.fetch_wait = Duration::from_millis(5);
    if let Some(lanes) = std::env::var("HERALD_BENCH_LANES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.concurrency = Some(lanes);
    }
    let consumer = Consumer::new(Arc::new(bus), Arc::clone(&store), handler, config);
    let metrics = consumer.metrics();
    let shutdown = CancellationToken::new();
    let started = Start::now();
    let (token, total) = (shutdown.clone(), load.envelopes.len() as u64);
    let watcher = tokio::spawn(async move {
        while metrics.snapshot().processed < total {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        let elapsed = started.measure();
        token.cancel();
        (elapsed, metrics.snapshot())
    });
    consumer.run(shutdown).await.unwrap();
    let (elapsed, seen) = watcher.await.unwrap();
    assert_eq!(
        (seen.retried, seen.dead_lettered, seen.duplicates),
        (0, 0, 0),
        "{side:?}: every event applied at its first attempt"
    );
    check(side, store.as_ref(), &load.expected).await;
    elapsed
}

/// The handler alone, without the bus and the lanes: per batch of 100 one transaction with,
/// per event, `validate`, the inbox claim and `handle`, as one lane does. What the consumer
/// loop adds is the same for both sides; without it the handlers' own difference shows.
async fn run_handler_alone(
    side: Side,
    store: Arc<dyn Store>,
    load: &Load,
    catalog: &Path,
) -> Measured {
    side.migrate(store.as_ref()).await;
    let handler = side.handler(catalog);
    ProductCreatedV1::payload_schema();
    StockAdjustedV1::payload_schema();
    let started = Start::now();
    for batch in load.envelopes.chunks(BATCH) {
        let mut tx = store.begin().await.unwrap();
        for envelope in batch {
            handler.validate(envelope).unwrap();
            assert!(tx.inbox_claim("bench", &envelope.id).await.unwrap());
            handler.handle(envelope, tx.as_mut()).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let elapsed = started.measure();
    check(side, store.as_ref(), &load.expected).await;
    elapsed
}

/// `validate` alone over every envelope, on this thread: the schema check's own cost (its
/// wall time is its CPU time, measured finer than the process's 10 ms ticks).
fn validation_alone(side: Side, load: &Load, catalog: &Path) -> Measured {
    let handler = side.handler(catalog);
    ProductCreatedV1::payload_schema();
    StockAdjustedV1::payload_schema();
    let started = Start::now();
    for envelope in &load.envelopes {
        handler.validate(envelope).unwrap();
    }
    started.measure()
}

/// Wall-clock time, and CPU time of the whole process (every thread: the consumer's, the
/// store's, the handler's). The machine is shared: preemption stretches the wall clock of a
/// run, hardly its CPU time, so CPU per event compares the two sides more steadily.
#[derive(Debug, Clone, Copy)]
struct Measured {
    wall: Duration,
    cpu: Duration,
}

/// When a measurement started.
#[derive(Debug, Clone, Copy)]
struct Start {
    wall: Instant,
    cpu: Duration,
}

impl Start {
    fn now() -> Start {
        Start {
            wall: Instant::now(),
            cpu: process_cpu(),
        }
    }

    fn measure(self) -> Measured {
        Measured {
            wall: self.wall.elapsed(),
            cpu: process_cpu().saturating_sub(self.cpu),
        }
    }
}

/// User + system time of this process so far (`/proc/self/stat`, fields 14 and 15, in clock
/// ticks of 1/100 s: the `USER_HZ` Linux reports to every program). Zero elsewhere.
fn process_cpu() -> Duration {
    const TICKS_PER_SECOND: u64 = 100;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The command name (field 2) may hold spaces: count from the parenthesis closing it.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// Fails the bench unless `products` is exactly what the load implies.
async fn check(side: Side, store: &dyn Store, expected: &BTreeMap<String, ProductRow>) {
    let mut tx = store.begin().await.unwrap();
    let rows = tx
        .query(
            "SELECT product_id, sku, name, stock, updated_at, herald_version FROM products",
            &[],
        )
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let mut found = BTreeMap::new();
    for row in rows {
        let product = ProductRow {
            sku: row.get("sku").unwrap(),
            name: row.get("name").unwrap(),
            stock: row.get("stock").unwrap(),
            updated_at: row.get("updated_at").unwrap(),
            version: row.get("herald_version").unwrap(),
        };
        found.insert(row.get::<String>("product_id").unwrap(), product);
    }
    if &found != expected {
        let wrong: Vec<_> = expected
            .iter()
            .filter(|(id, row)| found.get(*id) != Some(row))
            .take(3)
            .map(|(id, row)| (id, row, found.get(id)))
            .collect();
        panic!(
            "{side:?}: {} rows, expected {}; first differences (expected, found): {wrong:?}",
            found.len(),
            expected.len()
        );
    }
}

fn rate(events: usize, took: Duration) -> f64 {
    events as f64 / took.as_secs_f64()
}

fn micros_per_event(events: usize, took: Duration) -> f64 {
    took.as_secs_f64() * 1e6 / events as f64
}

/// The best wall-clock time and the least CPU time of each side, over the rounds.
type Best = BTreeMap<Side, Measured>;

/// One line per validation setting: both rates and generated / hand-written, then both CPU
/// times per event and hand-written / generated (above 1 when the generated side is cheaper).
fn report(store: &str, events: usize, best: &Best) {
    for validating in [true, false] {
        let generated = best[&Side::Generated { validating }];
        let by_hand = best[&Side::HandWritten { validating }];
        let (g, h) = (rate(events, generated.wall), rate(events, by_hand.wall));
        let (gc, hc) = (
            micros_per_event(events, generated.cpu),
            micros_per_event(events, by_hand.cpu),
        );
        println!(
            "{store:<21} {:<14} generated {g:>7.0} ev/s {gc:>5.1} µs CPU/ev   hand-written {h:>7.0} ev/s {hc:>5.1} µs CPU/ev   ratio {:.2} (CPU {:.2})",
            if validating {
                "validating"
            } else {
                "not validating"
            },
            g / h,
            hc / gc
        );
    }
}

/// Keeps the best times of `side`; prints every run when HERALD_BENCH_VERBOSE is set.
fn keep_best(best: &mut Best, side: Side, events: usize, took: Measured) {
    if std::env::var_os("HERALD_BENCH_VERBOSE").is_some() {
        println!(
            "  {side:?}: {:.0} ev/s, {:.1} µs CPU/event",
            rate(events, took.wall),
            micros_per_event(events, took.cpu)
        );
    }
    let entry = best.entry(side).or_insert(Measured {
        wall: Duration::MAX,
        cpu: Duration::MAX,
    });
    entry.wall = entry.wall.min(took.wall);
    entry.cpu = entry.cpu.min(took.cpu);
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let load = load::build(PRODUCTS, setting("HERALD_BENCH_EVENTS", 100_000));
    let (n, rounds) = (load.envelopes.len(), setting("HERALD_BENCH_ROUNDS", 3));
    println!(
        "inventory's products replica, {n} events ({PRODUCTS} ProductCreated, then StockAdjusted \
         9:1 ProductCreated over {PRODUCTS} products), batches of {BATCH}, best of {rounds} rounds"
    );

    let mut best = BTreeMap::new();
    for round in 0..rounds {
        for side in Side::in_round(round) {
            let dir = tempfile::tempdir().unwrap();
            let store =
                SqliteStore::open(dir.path().join("bench.db"), SqliteOptions::default()).unwrap();
            let took = run(side, Arc::new(store), &load, &catalog).await;
            keep_best(&mut best, side, n, took);
        }
    }
    report("sqlite", n, &best);

    let mut alone = BTreeMap::new();
    for round in 0..rounds {
        for side in Side::in_round(round) {
            let dir = tempfile::tempdir().unwrap();
            let store =
                SqliteStore::open(dir.path().join("bench.db"), SqliteOptions::default()).unwrap();
            let took = run_handler_alone(side, Arc::new(store), &load, &catalog).await;
            keep_best(&mut alone, side, n, took);
        }
    }
    report("sqlite, handler alone", n, &alone);

    let (mut generated, mut by_hand) = (Duration::MAX, Duration::MAX);
    for _ in 0..rounds {
        let validating = true;
        generated =
            generated.min(validation_alone(Side::Generated { validating }, &load, &catalog).wall);
        by_hand =
            by_hand.min(validation_alone(Side::HandWritten { validating }, &load, &catalog).wall);
    }
    println!(
        "{:<36} generated {:>5.2} µs/ev   hand-written {:>5.2} µs/ev (one thread, best round)",
        "validate() alone",
        micros_per_event(n, generated),
        micros_per_event(n, by_hand)
    );

    let Ok(url) = std::env::var("HERALD_TEST_POSTGRES_URL") else {
        println!("postgres              skipped: HERALD_TEST_POSTGRES_URL is not set");
        return;
    };
    let mut best = BTreeMap::new();
    for round in 0..rounds {
        for side in Side::in_round(round) {
            let schema = format!("bench_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
            let options = PostgresOptions {
                schema: schema.clone(),
                ..PostgresOptions::default()
            };
            let store: Arc<dyn Store> =
                Arc::new(PostgresStore::connect(&url, options).await.unwrap());
            let took = run(side, Arc::clone(&store), &load, &catalog).await;
            keep_best(&mut best, side, n, took);
            let mut tx = store.begin().await.unwrap();
            tx.execute(&format!("DROP SCHEMA {schema} CASCADE"), &[])
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    }
    report("postgres", n, &best);
}

//! A consumer process killed (SIGKILL) at random points while applying 10,000 events, then
//! restarted, many times: the final replica must equal the expected state — nothing lost,
//! nothing applied twice, per-key order kept. For SQLite and PostgreSQL, over NATS and RabbitMQ.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Broker, Database, Setup, wait_applied};
use herald_reliability::workload;

const KEYS: usize = 100;
const STEPS: i64 = 100;
const KILLS: u32 = 12;

/// A small deterministic generator: the seed is printed, so a failing run can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn spawn(setup: &Setup) -> Child {
    Command::new(env!("CARGO_BIN_EXE_herald-testbed"))
        .args(["--bus", &setup.bus_spec, "--store", &setup.store_spec])
        .args(["--catalog", &setup.catalog, "--consumer", "replica"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

async fn crash_many_times(test: &str, broker: Broker, database: Database) {
    let Some(setup) = Setup::new(test, broker, database).await else {
        return;
    };
    setup
        .declare(&workload::crash_consumer_config("replica"))
        .await;
    setup.publish(&workload::steps(KEYS, STEPS)).await;

    let seed = std::env::var("HERALD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("{test}: HERALD_CRASH_SEED={seed}");
    let mut random = Random(seed);
    let mut progress = Vec::new();
    let mut applied = 0;
    for _ in 0..KILLS {
        let mut child = spawn(&setup);
        // Most kills wait for the process to apply something first (its startup time varies
        // with the machine's load), then land at a random point of its run; a few land at a
        // random point of its startup.
        if random.next() % 4 != 0 && applied < KEYS as i64 * STEPS {
            wait_applied(setup.store.as_ref(), applied + 1, Duration::from_secs(20)).await;
        }
        let life = Duration::from_millis(random.next() % 300);
        tokio::time::sleep(life).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        applied = workload::observe(setup.store.as_ref())
            .await
            .unwrap()
            .applied();
        progress.push(applied);
    }
    eprintln!("{test}: applied after each kill: {progress:?}");

    let mut last = spawn(&setup);
    let started = Instant::now();
    let observed = wait_applied(
        setup.store.as_ref(),
        KEYS as i64 * STEPS,
        Duration::from_secs(120),
    )
    .await;
    // Let anything wrongly applied twice show up before looking.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let observed_after = workload::observe(setup.store.as_ref()).await.unwrap();
    last.kill().unwrap();
    last.wait().unwrap();
    eprintln!("{test}: final run took {:?}", started.elapsed());

    let letters = setup.store.dead_letters("replica").await.unwrap();
    let result = observed_after.check(KEYS, STEPS);
    setup.cleanup(&["replica"]).await;
    assert!(
        progress.iter().any(|&p| p > 0 && p < KEYS as i64 * STEPS),
        "a kill landed mid-run: {progress:?}"
    );
    assert_eq!(observed.applied(), observed_after.applied());
    assert!(letters.is_empty(), "dead letters: {letters:?}");
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_nats_sqlite() {
    crash_many_times("sigkill_nats_sqlite", Broker::Nats, Database::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_nats_postgres() {
    crash_many_times("sigkill_nats_postgres", Broker::Nats, Database::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_rabbitmq_sqlite() {
    crash_many_times(
        "sigkill_rabbitmq_sqlite",
        Broker::Rabbitmq,
        Database::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_rabbitmq_postgres() {
    crash_many_times(
        "sigkill_rabbitmq_postgres",
        Broker::Rabbitmq,
        Database::Postgres,
    )
    .await;
}

//! End to end over the real brokers: a producer publishes 100,000 events (confirmed, pipelined)
//! while a consumer applies them into a SQLite replica. Reports events/s from the first publish
//! to the last commit, and the p50/p99 latency from each event's `time` to its commit.
//!
//! `cargo bench -p herald-reliability --bench end_to_end` with HERALD_TEST_NATS_URL and/or
//! HERALD_TEST_AMQP_URL set (HERALD_BENCH_EVENTS, default 100,000).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use herald_reliability::backends;
use herald_reliability::services::unique;
use herald_reliability::workload::{self, StepReplica};
use herald_runtime::{Consumer, ConsumerConfig, Envelope, Handler, HandlerError, Transaction};
use tokio_util::sync::CancellationToken;

/// The replica handler, noting how long after its `time` each event is applied. (Measured at
/// the handler; the commit follows within the batch.)
struct Timed {
    latencies: Mutex<Vec<Duration>>,
}

#[herald_runtime::__private::async_trait]
impl Handler for Timed {
    fn event_types(&self) -> Vec<String> {
        StepReplica.event_types()
    }

    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        StepReplica.handle(envelope, tx).await?;
        if let Some(time) = &envelope.time
            && let Ok(at) =
                time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
        {
            let now = time::OffsetDateTime::now_utc();
            let latency = (now - at).try_into().unwrap_or_default();
            self.latencies.lock().unwrap().push(latency);
        }
        Ok(())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn run(name: &str, bus_spec: &str, total: usize) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = unique("bench");
    let store = backends::store(&format!(
        "sqlite:{}",
        dir.path().join("replica.db").display()
    ))
    .await
    .unwrap();
    workload::prepare(store.as_ref()).await.unwrap();
    let bus = backends::bus(bus_spec, &catalog).await.unwrap();
    let mut config = ConsumerConfig::new("bench");
    config.fetch_wait = Duration::from_millis(10);
    drop(
        bus.subscribe(&config.subscription_spec(vec!["Step".into()]))
            .await
            .unwrap(),
    );

    let timed = Arc::new(Timed {
        latencies: Mutex::new(Vec::with_capacity(total)),
    });
    let consumer = Consumer::new(bus.clone(), store.clone(), timed.clone(), config);
    let metrics = consumer.metrics();
    let shutdown = CancellationToken::new();
    let token = shutdown.clone();
    let running = tokio::spawn(async move { consumer.run(token).await });

    let steps = (total / 1000) as i64;
    let started = Instant::now();
    let producer = {
        let bus = bus.clone();
        tokio::spawn(async move {
            // Wrap as we go, so each event's `time` is its publish time.
            for n in 0..steps {
                let chunk: Vec<Envelope> = (0..1000)
                    .map(|k| {
                        let step = workload::Step {
                            key: format!("key-{k:03}"),
                            n,
                        };
                        Envelope::wrap("bench", &step, None).unwrap()
                    })
                    .collect();
                bus.publish_all(&chunk).await.unwrap();
            }
            started.elapsed()
        })
    };
    let published = producer.await.unwrap();
    while metrics.snapshot().processed < (steps * 1000) as u64 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = started.elapsed();
    shutdown.cancel();
    running.await.unwrap().unwrap();
    let mut latencies = timed.latencies.lock().unwrap().clone();
    latencies.sort();
    let n = latencies.len();
    println!(
        "{name:<9} {n} events: publish {:>8.0} ev/s, end to end {:>8.0} ev/s, latency p50 {:?} p99 {:?}",
        n as f64 / published.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: usize = std::env::var("HERALD_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    for (name, variable, scheme) in [
        ("nats", "HERALD_TEST_NATS_URL", "nats"),
        ("rabbitmq", "HERALD_TEST_AMQP_URL", "rabbitmq"),
    ] {
        match std::env::var(variable) {
            Ok(url) => run(name, &format!("{scheme}:{url}"), total).await,
            Err(_) => println!("{name:<9} skipped: {variable} is not set"),
        }
    }
}

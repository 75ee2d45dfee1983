//! The broker restarts mid-stream (the local NATS or RabbitMQ server, for real): the consumer
//! reconnects by itself and resumes without loss, and the producer's retries lose nothing.
//! Its own test binary, so the restart does not disturb other tests.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Broker, Database, Setup, bounded, wait_applied};
use herald_reliability::services::{self, Service};
use herald_reliability::workload::{self, StepReplica};
use herald_runtime::{Consumer, ConsumerConfig};
use tokio_util::sync::CancellationToken;

const KEYS: usize = 20;
const STEPS: i64 = 150;
/// Publish attempts that may fail while the broker is away (200 ms apart: well over a minute).
const MAX_PUBLISH_RETRIES: u32 = 400;

async fn restart_mid_stream(test: &str, broker: Broker, service: Service) {
    let Some(setup) = Setup::new(test, broker, Database::Sqlite).await else {
        return;
    };
    let url = service.url(test).unwrap();
    let mut config = ConsumerConfig::new("replica");
    config.ack_wait = Duration::from_secs(3);
    setup.declare(&config).await;

    let consumer = Arc::new(Consumer::new(
        setup.bus.clone(),
        setup.store.clone(),
        Arc::new(StepReplica),
        config,
    ));
    let shutdown = CancellationToken::new();
    let running = {
        let (consumer, token) = (consumer.clone(), shutdown.clone());
        tokio::spawn(async move { consumer.run(token).await })
    };

    // The producer publishes steadily and retries each event until the broker confirms it.
    let events = workload::steps(KEYS, STEPS);
    let total = events.len() as i64;
    // Bounded: a broker that never takes events again fails the test instead of hanging it.
    let producer = {
        let bus = setup.bus.clone();
        tokio::spawn(async move {
            let mut retries = 0;
            let mut last_error = None;
            for chunk in events.chunks(50) {
                loop {
                    match bus.publish_all(chunk).await {
                        Ok(()) => break,
                        Err(error) if retries < MAX_PUBLISH_RETRIES => {
                            retries += 1;
                            last_error = Some(error);
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                        Err(error) => {
                            return Err(format!(
                                "publishing failed {retries} times; last: {error} (before: {last_error:?})"
                            ));
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            Ok(retries)
        })
    };

    wait_applied(setup.store.as_ref(), total / 4, Duration::from_secs(60)).await;
    // `restart` bounds its own commands and waits.
    let restarted = tokio::task::spawn_blocking(move || services::restart(service, &url))
        .await
        .unwrap();
    let retries = bounded("the producer", Duration::from_secs(180), producer)
        .await
        .unwrap();
    let observed = wait_applied(setup.store.as_ref(), total, Duration::from_secs(120)).await;
    shutdown.cancel();
    bounded("the consumer's shutdown", Duration::from_secs(60), running)
        .await
        .unwrap()
        .unwrap();
    let letters = setup.store.dead_letters("replica").await.unwrap();
    bounded(
        "the cleanup",
        Duration::from_secs(60),
        setup.cleanup(&["replica"]),
    )
    .await;

    restarted.unwrap();
    let retries = retries.unwrap();
    eprintln!("{test}: the producer retried {retries} times during the restart");
    assert!(letters.is_empty(), "{letters:?}");
    observed.check(KEYS, STEPS).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nats_restart_mid_stream() {
    restart_mid_stream("nats_restart_mid_stream", Broker::Nats, Service::Nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rabbitmq_restart_mid_stream() {
    restart_mid_stream(
        "rabbitmq_restart_mid_stream",
        Broker::Rabbitmq,
        Service::Rabbitmq,
    )
    .await;
}

//! Over the real brokers and databases: every event delivered twice is applied once; interleaved
//! keys under parallelism keep per-key order; a malformed event and a handler that always fails
//! are dead-lettered with their reason while the rest keeps flowing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Broker, Database, Setup, wait_applied};
use herald_reliability::workload::{self, StepReplica};
use herald_runtime::bus::nats::NatsConfig;
use herald_runtime::bus::rabbitmq::RabbitConfig;
use herald_runtime::store::DeadLetterStatus;
use herald_runtime::{Consumer, ConsumerConfig, Envelope, Handler, HandlerError, Transaction};
use tokio_util::sync::CancellationToken;

fn config(subscription: &str) -> ConsumerConfig {
    let mut config = ConsumerConfig::new("replica");
    config.subscription = Some(subscription.to_owned());
    config.concurrency = Some(8);
    config.batch_size = 50;
    config.max_attempts = 3;
    config.backoff.initial = Duration::from_millis(10);
    config.backoff.max = Duration::from_millis(100);
    config
}

async fn twice(test: &str, broker: Broker, database: Database) {
    let Some(setup) = Setup::new(test, broker, database).await else {
        return;
    };
    let (a, b) = (config("replica-a"), config("replica-b"));
    setup.declare(&a).await;
    setup.declare(&b).await;
    setup.publish(&workload::steps(50, 40)).await;
    let shutdown = CancellationToken::new();
    let mut tasks = Vec::new();
    let mut metrics = Vec::new();
    for config in [a, b] {
        let consumer = Consumer::new(
            setup.bus.clone(),
            setup.store.clone(),
            Arc::new(StepReplica),
            config,
        );
        metrics.push(consumer.metrics());
        let token = shutdown.clone();
        tasks.push(tokio::spawn(async move { consumer.run(token).await }));
    }
    let observed = wait_applied(setup.store.as_ref(), 2000, Duration::from_secs(60)).await;
    // Both subscriptions must have seen everything (the second copy is the duplicate).
    for _ in 0..200 {
        let seen: u64 = metrics
            .iter()
            .map(|m| m.snapshot().processed + m.snapshot().duplicates)
            .sum();
        if seen >= 4000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    shutdown.cancel();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let totals = metrics.iter().fold((0, 0), |(p, d), m| {
        let s = m.snapshot();
        (p + s.processed, d + s.duplicates)
    });
    let after = workload::observe(setup.store.as_ref()).await.unwrap();
    setup.cleanup(&["replica-a", "replica-b"]).await;
    assert_eq!(observed.applied(), 2000);
    assert_eq!(totals, (2000, 2000), "(processed, duplicates)");
    after.check(50, 40).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_nats_sqlite() {
    twice("duplicates_nats_sqlite", Broker::Nats, Database::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_nats_postgres() {
    twice("duplicates_nats_postgres", Broker::Nats, Database::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_rabbitmq_sqlite() {
    twice(
        "duplicates_rabbitmq_sqlite",
        Broker::Rabbitmq,
        Database::Sqlite,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicates_rabbitmq_postgres() {
    twice(
        "duplicates_rabbitmq_postgres",
        Broker::Rabbitmq,
        Database::Postgres,
    )
    .await;
}

/// The workload's handler, failing every event of one key.
struct OneKeyFails(&'static str);

#[herald_runtime::__private::async_trait]
impl Handler for OneKeyFails {
    fn event_types(&self) -> Vec<String> {
        StepReplica.event_types()
    }

    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError> {
        if envelope.key() == self.0 {
            return Err(HandlerError::retry(
                "the downstream system rejects this key",
            ));
        }
        StepReplica.handle(envelope, tx).await
    }
}

/// Publishes bytes that are not an envelope, straight through the broker's own client.
async fn publish_garbage(setup: &Setup, url: &str) {
    let garbage = b"{\"specversion\":\"1.0\",\"id\":".to_vec();
    match setup.broker {
        Broker::Nats => {
            let client = async_nats::connect(url).await.unwrap();
            let js = async_nats::jetstream::new(client);
            let subject = format!(
                "{}.Step.garbage",
                NatsConfig::new(&setup.catalog).subject_prefix
            );
            js.publish(subject, garbage.into())
                .await
                .unwrap()
                .await
                .unwrap();
        }
        Broker::Rabbitmq => {
            let conn = lapin::Connection::connect(url, Default::default())
                .await
                .unwrap();
            let channel = conn.create_channel().await.unwrap();
            channel.confirm_select(Default::default()).await.unwrap();
            let exchange = RabbitConfig::new(&setup.catalog).exchange;
            channel
                .basic_publish(
                    exchange.as_str().into(),
                    "Step.garbage".into(),
                    Default::default(),
                    &garbage,
                    lapin::BasicProperties::default().with_delivery_mode(2),
                )
                .await
                .unwrap()
                .await
                .unwrap();
        }
    }
}

async fn poison(test: &str, broker: Broker, database: Database) {
    let Some(setup) = Setup::new(test, broker, database).await else {
        return;
    };
    let url = match broker {
        Broker::Nats => std::env::var("HERALD_TEST_NATS_URL").unwrap(),
        Broker::Rabbitmq => std::env::var("HERALD_TEST_AMQP_URL").unwrap(),
    };
    let config = config("replica");
    setup.declare(&config).await;
    publish_garbage(&setup, &url).await;
    // 20 keys × 10 steps; key-007 always fails.
    setup.publish(&workload::steps(20, 10)).await;
    let consumer = Consumer::new(
        setup.bus.clone(),
        setup.store.clone(),
        Arc::new(OneKeyFails("key-007")),
        config,
    );
    let metrics = consumer.metrics();
    let shutdown = CancellationToken::new();
    let consumer = Arc::new(consumer);
    let running = {
        let (consumer, token) = (consumer.clone(), shutdown.clone());
        tokio::spawn(async move { consumer.run(token).await })
    };
    let observed = wait_applied(setup.store.as_ref(), 190, Duration::from_secs(60)).await;
    for _ in 0..300 {
        let s = metrics.snapshot();
        if s.dead_lettered == 2 && s.parked == 9 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let letters = consumer.dead_letters().await.unwrap();
    shutdown.cancel();
    running.await.unwrap().unwrap();
    setup.cleanup(&["replica"]).await;

    assert_eq!(observed.applied(), 190, "the 19 healthy keys all flowed");
    assert!(observed.violations.is_empty(), "{:?}", observed.violations);
    let garbage: Vec<_> = letters.iter().filter(|l| l.event_id.is_none()).collect();
    assert_eq!(garbage.len(), 1, "{letters:?}");
    assert!(
        garbage[0].reason.starts_with("undecodable envelope"),
        "{}",
        garbage[0].reason
    );
    let failing: Vec<_> = letters.iter().filter(|l| l.subject == "key-007").collect();
    assert_eq!(failing.len(), 10, "{failing:?}");
    assert_eq!(failing[0].status, DeadLetterStatus::Failed);
    assert!(
        failing[0]
            .reason
            .contains("the downstream system rejects this key"),
        "{}",
        failing[0].reason
    );
    assert!(
        failing[1..]
            .iter()
            .all(|l| l.status == DeadLetterStatus::Parked)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_nats_sqlite() {
    poison("poison_nats_sqlite", Broker::Nats, Database::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn poison_rabbitmq_postgres() {
    poison(
        "poison_rabbitmq_postgres",
        Broker::Rabbitmq,
        Database::Postgres,
    )
    .await;
}

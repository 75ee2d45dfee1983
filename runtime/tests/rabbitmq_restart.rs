//! The RabbitMQ bus through a broker restart (HERALD_TEST_AMQP_URL): events published before,
//! during and after `rabbitmqctl stop_app` / `start_app` all reach a consumer that keeps
//! fetching and acking through it. Its own test binary, because it takes the broker down for
//! every other test that would run beside it.
#![cfg(feature = "rabbitmq")]

use std::collections::{BTreeMap, HashSet};
use std::net::TcpStream;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use herald_runtime::bus::rabbitmq::{RabbitBus, RabbitConfig};
use herald_runtime::{Bus, BusError, Delivery, Envelope, SubscriptionSpec};
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};
use serde_json::value::RawValue;

const BROKER_PORT: &str = "127.0.0.1:5672";
const EVENTS: usize = 600;

fn amqp_url() -> Option<String> {
    herald_runtime::testing::service_url("HERALD_TEST_AMQP_URL")
}

/// `rabbitmqctl COMMAND`, killed after 90 s by coreutils' `timeout`: it can wait on an
/// unreachable Erlang node for minutes, and the test must fail rather than hang.
fn bounded_rabbitmqctl(command: &str) -> Command {
    let mut bounded = Command::new("timeout");
    bounded.args(["90", "rabbitmqctl", command]);
    bounded
}

fn rabbitmqctl(command: &str) {
    let status = bounded_rabbitmqctl(command)
        .status()
        .unwrap_or_else(|err| panic!("cannot run rabbitmqctl {command}: {err}"));
    assert!(status.success(), "rabbitmqctl {command} failed: {status}");
}

/// Waits until the broker's AMQP port accepts connections again.
fn wait_for_port() {
    let started = Instant::now();
    while TcpStream::connect(BROKER_PORT).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "RabbitMQ did not come back on {BROKER_PORT}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts the broker app again when dropped, so a failing test never leaves it down.
struct BrokerGuard;

impl BrokerGuard {
    fn stop_app() -> BrokerGuard {
        let guard = BrokerGuard;
        rabbitmqctl("stop_app");
        guard
    }
}

impl Drop for BrokerGuard {
    fn drop(&mut self) {
        match bounded_rabbitmqctl("start_app").status() {
            Ok(status) if status.success() => wait_for_port(),
            Ok(status) => eprintln!("rabbitmqctl start_app failed: {status}"),
            Err(err) => eprintln!("cannot run rabbitmqctl start_app: {err}"),
        }
    }
}

fn envelope(n: usize) -> Envelope {
    Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        source: "rabbitmq-restart-test".to_owned(),
        event_type: "OrderPlaced".to_owned(),
        subject: Some(format!("o-{}", n % 13)),
        time: None,
        dataschema: Some("herald:OrderPlaced/1".to_owned()),
        datacontenttype: Some("application/json".to_owned()),
        traceparent: None,
        extensions: BTreeMap::new(),
        data: RawValue::from_string(format!(r#"{{"n":{n}}}"#)).expect("raw json"),
    }
}

fn id_of(delivery: &Delivery) -> String {
    Envelope::from_slice(&delivery.payload)
        .expect("a valid envelope")
        .id
}

/// Publishes each event until the bus confirms it, slowly enough that the restart happens
/// while it is still publishing. Returns how many publishes failed on the way.
async fn publish_through(bus: Arc<RabbitBus>, events: Vec<Envelope>) -> usize {
    let mut failures = 0;
    for event in &events {
        loop {
            match bus.publish(event).await {
                Ok(()) => break,
                Err(err) => {
                    failures += 1;
                    assert!(failures < 2000, "publishing never recovered: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_through_a_broker_restart() {
    let Some(url) = amqp_url() else { return };
    let catalog = format!("restart-{}", uuid::Uuid::new_v4().simple());
    let consumer = format!("restart-{}", uuid::Uuid::new_v4().simple());
    let bus = Arc::new(
        RabbitBus::connect(&url, RabbitConfig::new(&catalog))
            .await
            .expect("connect"),
    );
    let mut sub = bus
        .subscribe(&SubscriptionSpec {
            prefetch: 50,
            ..SubscriptionSpec::new(&consumer)
        })
        .await
        .expect("subscribe");

    let events: Vec<Envelope> = (0..EVENTS).map(envelope).collect();
    let expected: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
    let publisher = tokio::spawn(publish_through(Arc::clone(&bus), events));

    let mut received = HashSet::new();
    let acks_failed = Arc::new(AtomicUsize::new(0));
    // Before the restart: take some events, and hold one batch unacked across it.
    while received.len() < 100 {
        for delivery in sub.fetch(20, Duration::from_secs(5)).await.expect("fetch") {
            received.insert(id_of(&delivery));
            delivery.acker.ack().await.expect("ack before the restart");
        }
    }
    let held = sub.fetch(10, Duration::from_secs(5)).await.expect("fetch");
    assert!(!held.is_empty(), "no events to hold across the restart");

    let guard = tokio::task::spawn_blocking(BrokerGuard::stop_app)
        .await
        .expect("stop the broker app");

    // While the broker is down: settling fails, publishing fails, fetching reports it in time.
    for delivery in held {
        let result = delivery.acker.ack().await;
        assert!(
            matches!(result, Err(BusError::Ack { .. })),
            "an ack on a dead channel: {result:?}"
        );
        acks_failed.fetch_add(1, Ordering::Relaxed);
    }
    let probe = envelope(EVENTS);
    let published = bus.publish(&probe).await;
    assert!(
        published.is_err(),
        "a publish succeeded while the broker was down"
    );
    let mut unavailable = 0;
    for _ in 0..3 {
        let wait = Duration::from_secs(2);
        let started = Instant::now();
        match sub.fetch(10, wait).await {
            Err(BusError::Unavailable { .. }) => unavailable += 1,
            Ok(deliveries) => assert!(deliveries.is_empty(), "deliveries from a stopped broker"),
            Err(other) => panic!("unexpected error while the broker is down: {other}"),
        }
        let took = started.elapsed();
        assert!(
            took < wait + Duration::from_millis(1500),
            "fetch hung for {took:?}"
        );
    }
    assert!(
        unavailable > 0,
        "fetch never reported the broker unavailable"
    );

    tokio::task::spawn_blocking(move || drop(guard))
        .await
        .expect("start the broker app");

    // After the restart: everything arrives, the held batch again.
    let started = Instant::now();
    while !expected.is_subset(&received) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{} of {EVENTS} events arrived after the restart",
            expected.intersection(&received).count()
        );
        match sub.fetch(100, Duration::from_secs(1)).await {
            Ok(deliveries) => {
                for delivery in deliveries {
                    received.insert(id_of(&delivery));
                    if delivery.acker.ack().await.is_err() {
                        acks_failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            Err(BusError::Unavailable { .. }) => {}
            Err(other) => panic!("unexpected error after the restart: {other}"),
        }
    }
    let publish_failures = publisher.await.expect("the publisher task");
    eprintln!(
        "{} distinct events; {publish_failures} publish attempts and {} acks failed on the way",
        received.len(),
        acks_failed.load(Ordering::Relaxed)
    );
    assert!(
        !received.contains(&probe.id),
        "an event whose publish failed while the broker was down arrived"
    );
    drop(sub);

    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("connect");
    let channel = connection.create_channel().await.expect("channel");
    let exchange = &bus.config().exchange;
    for queue in [
        format!("{exchange}.{consumer}"),
        format!("{exchange}.{consumer}.dead"),
    ] {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    let exchange = &bus.config().exchange;
    for name in [exchange.clone(), format!("{exchange}.dead")] {
        let _ = channel
            .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = connection.close(200, "OK".into()).await;
}

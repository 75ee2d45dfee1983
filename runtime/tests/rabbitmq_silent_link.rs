//! The RabbitMQ bus when its connections fall silent without closing (a network path that
//! drops everything, a broker host that froze): no FIN, no RST, just nothing. A proxy between
//! the bus and the real broker (HERALD_TEST_AMQP_URL) plays the network (`silent_network`).
//!
//! What must hold: a publish fails within its timeout instead of hanging, the subscription
//! notices the dead link through heartbeats and says `Unavailable`, and once the network is
//! back both sides reconnect by themselves and every event published after it arrives.
#![cfg(feature = "rabbitmq")]

mod bus_support;
mod silent_network;

use std::time::{Duration, Instant};

use bus_support::rabbitmq::clean_up;
use herald_runtime::bus::rabbitmq::{RabbitBus, RabbitConfig};
use herald_runtime::{Bus, BusError, SubscriptionSpec};
use silent_network::{
    SilentNetwork, broker_address, everything_arrives_after_thaw, publish_fails, round_trip,
    through,
};

const SOURCE: &str = "rabbitmq-silent-link-test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_given_up_and_both_sides_reconnect() {
    let Some(url) = herald_runtime::testing::service_url("HERALD_TEST_AMQP_URL") else {
        return;
    };
    let network = SilentNetwork::start(broker_address(&url, 5672)).await;
    let proxied = through(&url, 5672, network.port);

    let mut config = RabbitConfig::new(&format!("silent-{}", uuid::Uuid::new_v4().simple()));
    config.heartbeat = Duration::from_secs(1);
    config.connect_timeout = Duration::from_secs(2);
    config.confirm_timeout = Duration::from_secs(3);
    let bus = RabbitBus::connect(&proxied, config)
        .await
        .expect("connect through the proxy");
    let spec = SubscriptionSpec {
        prefetch: 64,
        ..SubscriptionSpec::new("silent")
    };
    let mut sub = bus.subscribe(&spec).await.expect("subscribe");
    round_trip(&bus, sub.as_mut(), SOURCE).await;

    network.freeze();
    publish_fails(&bus, SOURCE).await;

    // The subscription notices through heartbeats (two 1 s intervals), not after minutes.
    let started = Instant::now();
    let noticed = loop {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the subscription did not notice its silent connection"
        );
        match sub.fetch(10, Duration::from_millis(500)).await {
            Err(BusError::Unavailable { reason, .. }) => break reason,
            Err(other) => panic!("unexpected error: {other}"),
            Ok(deliveries) => assert!(deliveries.is_empty(), "a delivery through a frozen network"),
        }
    };
    eprintln!(
        "the subscription said Unavailable after {:?}: {noticed}",
        started.elapsed()
    );

    network.thaw();

    // Both sides reconnect by themselves; everything published now arrives.
    everything_arrives_after_thaw(&bus, sub.as_mut(), SOURCE).await;

    drop(sub);
    clean_up(&url, &bus, &["silent"]).await;
}

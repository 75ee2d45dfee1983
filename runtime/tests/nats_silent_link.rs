//! The NATS bus when its connection falls silent without closing (a network path that drops
//! everything, a server host that froze): no FIN, no RST, just nothing. A proxy between the
//! bus and the real server (HERALD_TEST_NATS_URL) plays the network (`silent_network`).
//!
//! What must hold: a publish fails within the request timeout instead of hanging or
//! pretending, and once the network is back the client has noticed the dead connection through
//! its pings and reconnected by itself: everything published after it arrives, without
//! waiting out the client's default three minutes.
#![cfg(feature = "nats")]

mod bus_support;
mod silent_network;

use std::time::Duration;

use bus_support::nats::delete_stream;
use herald_runtime::bus::nats::{NatsBus, NatsConfig, NatsStorage};
use herald_runtime::{Bus, SubscriptionSpec};
use silent_network::{
    SilentNetwork, broker_address, everything_arrives_after_thaw, publish_fails, round_trip,
    through,
};

const SOURCE: &str = "nats-silent-link-test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_given_up_and_the_client_reconnects() {
    let Some(url) = herald_runtime::testing::service_url("HERALD_TEST_NATS_URL") else {
        return;
    };
    let network = SilentNetwork::start(broker_address(&url, 4222)).await;
    let proxied = through(&url, 4222, network.port);

    let mut config = NatsConfig::new(&format!("silent-{}", uuid::Uuid::new_v4().simple()));
    config.storage = NatsStorage::Memory;
    config.request_timeout = Duration::from_secs(2);
    config.ping_interval = Duration::from_secs(1);
    let bus = NatsBus::connect(&proxied, config)
        .await
        .expect("connect through the proxy");
    let spec = SubscriptionSpec {
        ack_wait: Duration::from_secs(2),
        ..SubscriptionSpec::new("silent")
    };
    let mut sub = bus.subscribe(&spec).await.expect("subscribe");
    round_trip(&bus, sub.as_mut(), SOURCE).await;

    network.freeze();
    publish_fails(&bus, SOURCE).await;
    // A fetch meanwhile returns (empty or an error), it does not hang.
    let fetched = tokio::time::timeout(
        Duration::from_secs(20),
        sub.fetch(10, Duration::from_millis(500)),
    )
    .await
    .expect("a fetch on a silent connection returns");
    if let Ok(deliveries) = fetched {
        assert!(deliveries.is_empty(), "a delivery through a frozen network");
    }
    // Long enough for three unanswered pings at 1 s.
    tokio::time::sleep(Duration::from_secs(4)).await;

    network.thaw();

    everything_arrives_after_thaw(&bus, sub.as_mut(), SOURCE).await;

    drop(sub);
    delete_stream(&url, &bus).await;
}

//! The NATS bus when its connection falls silent without closing (a network path that drops
//! everything, a server host that froze): no FIN, no RST, just nothing. A proxy between the
//! bus and the real server (HERALD_TEST_NATS_URL) plays the network (`silent_network`).
//!
//! What must hold: a publish fails within the request timeout instead of hanging or
//! pretending, and once the network is back the client has noticed the dead connection through
//! its pings and reconnected by itself: everything published after it arrives, without
//! waiting out the client's default three minutes.
#![cfg(feature = "nats")]

mod silent_network;

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use herald_runtime::bus::nats::{NatsBus, NatsConfig, NatsStorage};
use herald_runtime::{Bus, Envelope, SubscriptionSpec};
use serde_json::value::RawValue;
use silent_network::{SilentNetwork, broker_address, through};

fn envelope(n: usize) -> Envelope {
    Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        source: "nats-silent-link-test".to_owned(),
        event_type: "OrderPlaced".to_owned(),
        subject: Some(format!("o-{}", n % 5)),
        time: None,
        dataschema: Some("herald:OrderPlaced/1".to_owned()),
        datacontenttype: Some("application/json".to_owned()),
        traceparent: None,
        extensions: BTreeMap::new(),
        data: RawValue::from_string(format!(r#"{{"n":{n}}}"#)).expect("raw json"),
    }
}

fn id_of(delivery: &herald_runtime::Delivery) -> String {
    Envelope::from_slice(&delivery.payload)
        .expect("a valid envelope")
        .id
}

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
    let stream = config.stream.clone();
    let bus = NatsBus::connect(&proxied, config)
        .await
        .expect("connect through the proxy");
    let spec = SubscriptionSpec {
        ack_wait: Duration::from_secs(2),
        ..SubscriptionSpec::new("silent")
    };
    let mut sub = bus.subscribe(&spec).await.expect("subscribe");
    bus.publish(&envelope(0)).await.expect("publish before");
    let before = sub.fetch(1, Duration::from_secs(5)).await.expect("fetch");
    assert_eq!(before.len(), 1);
    for delivery in before {
        delivery.acker.ack().await.expect("ack before");
    }

    network.freeze();

    // The publish neither hangs nor pretends to succeed.
    let started = Instant::now();
    let published = tokio::time::timeout(Duration::from_secs(20), bus.publish(&envelope(1)))
        .await
        .expect("a publish on a silent connection returns within its timeout");
    assert!(
        published.is_err(),
        "a publish succeeded on a silent connection"
    );
    eprintln!(
        "the publish failed after {:?}: {}",
        started.elapsed(),
        published.unwrap_err()
    );
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

    let after: Vec<Envelope> = (2..12).map(envelope).collect();
    let expected: HashSet<String> = after.iter().map(|e| e.id.clone()).collect();
    let started = Instant::now();
    while let Err(error) = bus.publish_all(&after).await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "publishing never recovered: {error}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!("publishing recovered after {:?}", started.elapsed());
    let mut received = HashSet::new();
    while !expected.is_subset(&received) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} of {} events arrived after the network came back",
            expected.intersection(&received).count(),
            expected.len()
        );
        if let Ok(deliveries) = sub.fetch(50, Duration::from_millis(500)).await {
            for delivery in deliveries {
                received.insert(id_of(&delivery));
                let _ = delivery.acker.ack().await;
            }
        }
    }
    eprintln!("every event arrived after {:?}", started.elapsed());

    drop(sub);
    let client = async_nats::connect(&url)
        .await
        .expect("connect for the clean-up");
    let _ = async_nats::jetstream::new(client)
        .delete_stream(&stream)
        .await;
}

//! The NATS JetStream bus against a real server (HERALD_TEST_NATS_URL). Each test works on its
//! own stream (a random catalog name) and deletes it at the end.
#![cfg(feature = "nats")]

mod bus_support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use bus_support::nats::delete_stream;
use bus_support::{drain, envelope_from, parse};
use herald_runtime::bus::nats::{NatsBus, NatsConfig, NatsStorage, subject_token};
use herald_runtime::{Bus, BusError, Envelope, SubscriptionSpec};

fn nats_url() -> Option<String> {
    herald_runtime::testing::service_url("HERALD_TEST_NATS_URL")
}

/// A bus on a fresh stream of its own.
async fn fresh_bus(url: &str) -> NatsBus {
    let catalog = format!("test-{}", uuid::Uuid::new_v4().simple());
    NatsBus::connect(url, NatsConfig::new(&catalog))
        .await
        .expect("connect and create the stream")
}

fn envelope(event_type: &str, key: &str, n: usize) -> Envelope {
    envelope_from("nats-bus-test", event_type, key, n)
}

fn spec(consumer: &str) -> SubscriptionSpec {
    SubscriptionSpec {
        ack_wait: Duration::from_secs(1),
        ..SubscriptionSpec::new(consumer)
    }
}

#[tokio::test]
async fn envelopes_round_trip_byte_for_byte() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let sent = vec![
        envelope("OrderPlaced", "order-1", 1),
        envelope("OrderPlaced", "", 2),
        envelope("OrderPlaced", "a.b *>_ %é", 3),
    ];
    for event in &sent {
        bus.publish(event).await.expect("publish");
    }
    let mut sub = bus.subscribe(&spec("round-trip")).await.expect("subscribe");
    let got = sub.fetch(10, Duration::from_secs(2)).await.expect("fetch");

    assert_eq!(got.len(), 3);
    for (delivery, event) in got.iter().zip(&sent) {
        assert_eq!(delivery.payload, event.to_vec());
        assert_eq!(&parse(delivery), event);
        assert_eq!(delivery.attempt, 1);
    }
    let pending: Vec<_> = got.iter().map(|d| d.pending).collect();
    assert_eq!(pending, vec![Some(2), Some(1), Some(0)]);

    // Each event sits on `{prefix}.{type}.{key token}`.
    let client = async_nats::connect(&url).await.expect("connect");
    let stream = async_nats::jetstream::new(client)
        .get_stream(&bus.config().stream)
        .await
        .expect("stream");
    let prefix = &bus.config().subject_prefix;
    for (sequence, key) in [(1, "order-1"), (2, ""), (3, "a.b *>_ %é")] {
        let stored = stream.get_raw_message(sequence).await.expect("message");
        let expected = format!("{prefix}.OrderPlaced.{}", subject_token(key));
        assert_eq!(stored.subject.as_str(), expected);
    }
    assert_eq!(subject_token("a.b *>_ %é"), "a%2Eb%20%2A%3E%5F%20%25%C3%A9");
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn a_fetch_returns_what_is_ready_without_waiting_out_its_wait() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let mut sub = bus
        .subscribe(&spec("fetch-timing"))
        .await
        .expect("subscribe");

    let started = Instant::now();
    let empty = sub
        .fetch(10, Duration::from_millis(300))
        .await
        .expect("fetch");
    let idle = started.elapsed();
    assert!(empty.is_empty());
    assert!(
        idle >= Duration::from_millis(250),
        "returned after {idle:?}"
    );
    assert!(idle < Duration::from_millis(900), "returned after {idle:?}");

    bus.publish(&envelope("OrderPlaced", "k", 1))
        .await
        .expect("publish");
    bus.publish(&envelope("OrderPlaced", "k", 2))
        .await
        .expect("publish");
    let started = Instant::now();
    let got = sub.fetch(10, Duration::from_secs(5)).await.expect("fetch");
    assert_eq!(got.len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn an_acked_delivery_is_not_delivered_again() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    bus.publish(&envelope("OrderPlaced", "k", 1))
        .await
        .expect("publish");
    let mut sub = bus.subscribe(&spec("ack")).await.expect("subscribe");
    let got = sub.fetch(10, Duration::from_secs(2)).await.expect("fetch");
    assert_eq!(got.len(), 1);
    for delivery in got {
        delivery.acker.ack().await.expect("ack");
    }

    // Well past the 1 s ack wait.
    let again = sub
        .fetch(10, Duration::from_millis(2500))
        .await
        .expect("fetch");
    assert!(again.is_empty(), "redelivered: {again:?}");
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn a_nak_redelivers_with_the_next_attempt() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let event = envelope("OrderPlaced", "k", 1);
    bus.publish(&event).await.expect("publish");
    let mut sub = bus.subscribe(&spec("nak")).await.expect("subscribe");
    let first = sub.fetch(10, Duration::from_secs(2)).await.expect("fetch");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempt, 1);
    for delivery in first {
        delivery
            .acker
            .nak(Duration::from_millis(200))
            .await
            .expect("nak");
    }

    let second = sub.fetch(10, Duration::from_secs(3)).await.expect("fetch");
    assert_eq!(second.len(), 1);
    assert_eq!(parse(&second[0]).id, event.id);
    assert_eq!(second[0].attempt, 2);
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn an_unacked_delivery_comes_back_after_ack_wait() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let event = envelope("OrderPlaced", "k", 1);
    bus.publish(&event).await.expect("publish");
    let mut sub = bus.subscribe(&spec("ack-wait")).await.expect("subscribe");
    let first = sub.fetch(10, Duration::from_secs(2)).await.expect("fetch");
    assert_eq!(first.len(), 1);
    let handed_out = Instant::now();
    drop(first);

    let second = sub.fetch(10, Duration::from_secs(4)).await.expect("fetch");
    assert_eq!(second.len(), 1);
    assert_eq!(parse(&second[0]).id, event.id);
    assert_eq!(second[0].attempt, 2);
    assert!(handed_out.elapsed() >= Duration::from_millis(900));
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn max_deliver_caps_redelivery() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    bus.publish(&envelope("OrderPlaced", "k", 1))
        .await
        .expect("publish");
    let capped = SubscriptionSpec {
        max_deliver: 2,
        ..spec("max-deliver")
    };
    let mut sub = bus.subscribe(&capped).await.expect("subscribe");
    let mut attempts = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(4) {
        for delivery in sub
            .fetch(10, Duration::from_millis(500))
            .await
            .expect("fetch")
        {
            attempts.push(delivery.attempt);
            delivery.acker.nak(Duration::ZERO).await.expect("nak");
        }
    }
    assert_eq!(attempts, vec![1, 2]);
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn the_same_envelope_published_twice_is_stored_once() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let event = envelope("OrderPlaced", "k", 1);
    bus.publish(&event).await.expect("publish");
    bus.publish(&event).await.expect("republish");
    bus.publish_all(&[event.clone(), event.clone()])
        .await
        .expect("publish_all");

    let client = async_nats::connect(&url).await.expect("connect");
    let mut stream = async_nats::jetstream::new(client)
        .get_stream(&bus.config().stream)
        .await
        .expect("stream");
    assert_eq!(stream.info().await.expect("info").state.messages, 1);

    let mut sub = bus.subscribe(&spec("dedupe")).await.expect("subscribe");
    let got = drain(sub.as_mut(), 2, Duration::from_secs(2)).await;
    assert_eq!(got, vec![event]);
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn one_type_is_filtered_by_the_server() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let events = [
        envelope("OrderPlaced", "k", 1),
        envelope("OrderShipped", "k", 2),
        envelope("OrderPlaced.v2", "k", 3),
        envelope("OrderPlaced", "k", 4),
    ];
    bus.publish_all(&events).await.expect("publish_all");
    let only = SubscriptionSpec {
        event_types: vec!["OrderPlaced".to_owned()],
        ..spec("one-type")
    };
    let mut sub = bus.subscribe(&only).await.expect("subscribe");
    let got = drain(sub.as_mut(), 3, Duration::from_secs(2)).await;
    assert_eq!(got, vec![events[0].clone(), events[3].clone()]);
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn several_types_are_filtered_and_the_rest_is_settled() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let events = [
        envelope("OrderPlaced", "k", 1),
        envelope("OrderShipped", "k", 2),
        envelope("PaymentTaken", "k", 3),
        envelope("OrderShipped", "j", 4),
    ];
    bus.publish_all(&events).await.expect("publish_all");
    let two = SubscriptionSpec {
        event_types: vec!["OrderPlaced".to_owned(), "PaymentTaken".to_owned()],
        ..spec("several-types")
    };
    let mut sub = bus.subscribe(&two).await.expect("subscribe");
    let got = drain(sub.as_mut(), 3, Duration::from_secs(2)).await;
    assert_eq!(got, vec![events[0].clone(), events[2].clone()]);

    // The skipped ones were acked: nothing comes back after the ack wait.
    let later = sub
        .fetch(10, Duration::from_millis(2000))
        .await
        .expect("fetch");
    assert!(later.is_empty(), "came back: {later:?}");
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn events_keep_their_order_per_key() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let keys = ["alpha", "beta", "gamma.delta", "", "_", "e f", "z"];
    let events: Vec<Envelope> = (0..1000)
        .map(|n| envelope("CounterBumped", keys[(n * 7 + n / 3) % keys.len()], n))
        .collect();
    bus.publish_all(&events).await.expect("publish_all");

    let mut sub = bus.subscribe(&spec("per-key")).await.expect("subscribe");
    let got = drain(sub.as_mut(), 1000, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1000);
    let mut per_key: HashMap<String, Vec<String>> = HashMap::new();
    for event in &got {
        per_key
            .entry(event.key().to_owned())
            .or_default()
            .push(event.id.clone());
    }
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    for event in &events {
        expected
            .entry(event.key().to_owned())
            .or_default()
            .push(event.id.clone());
    }
    assert_eq!(per_key.len(), keys.len());
    assert_eq!(per_key, expected);
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn publish_all_confirms_ten_thousand_events() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let events: Vec<Envelope> = (0..10_000)
        .map(|n| envelope("CounterBumped", &format!("key-{}", n % 100), n))
        .collect();
    let started = Instant::now();
    bus.publish_all(&events).await.expect("publish_all");
    eprintln!("published 10,000 events in {:?}", started.elapsed());

    let client = async_nats::connect(&url).await.expect("connect");
    let mut stream = async_nats::jetstream::new(client)
        .get_stream(&bus.config().stream)
        .await
        .expect("stream");
    assert_eq!(stream.info().await.expect("info").state.messages, 10_000);

    let mut sub = bus
        .subscribe(&spec("ten-thousand"))
        .await
        .expect("subscribe");
    let got = drain(sub.as_mut(), 10_000, Duration::from_secs(60)).await;
    let ids: HashSet<String> = got.into_iter().map(|e| e.id).collect();
    let sent: HashSet<String> = events.into_iter().map(|e| e.id).collect();
    assert_eq!(ids, sent);
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn a_durable_consumer_resumes_where_it_left_off() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let events: Vec<Envelope> = (0..10).map(|n| envelope("OrderPlaced", "k", n)).collect();
    bus.publish_all(&events).await.expect("publish_all");

    let mut sub = bus.subscribe(&spec("resume.me")).await.expect("subscribe");
    let first = sub.fetch(4, Duration::from_secs(2)).await.expect("fetch");
    assert_eq!(first.len(), 4);
    for delivery in first {
        delivery.acker.ack().await.expect("ack");
    }
    drop(sub);

    let mut sub = bus
        .subscribe(&spec("resume.me"))
        .await
        .expect("resubscribe");
    // Past the 1 s ack wait, so a lost ack would show as a redelivery.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rest = drain(sub.as_mut(), 6, Duration::from_secs(3)).await;
    assert_eq!(rest, events[4..].to_vec());
    let more = sub
        .fetch(10, Duration::from_millis(1500))
        .await
        .expect("fetch");
    assert!(more.is_empty(), "redelivered: {more:?}");
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn prefetch_bounds_the_unacked_deliveries() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let events: Vec<Envelope> = (0..5).map(|n| envelope("OrderPlaced", "k", n)).collect();
    bus.publish_all(&events).await.expect("publish_all");
    let narrow = SubscriptionSpec {
        prefetch: 2,
        ack_wait: Duration::from_secs(30),
        ..spec("prefetch")
    };
    let mut sub = bus.subscribe(&narrow).await.expect("subscribe");
    let first = sub.fetch(10, Duration::from_secs(1)).await.expect("fetch");
    assert_eq!(first.len(), 2);

    // Full: the fetch waits out its time instead of failing or spinning.
    let started = Instant::now();
    let blocked = sub
        .fetch(10, Duration::from_millis(500))
        .await
        .expect("fetch");
    assert!(blocked.is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );

    for delivery in first {
        delivery.acker.ack().await.expect("ack");
    }
    let rest = drain(sub.as_mut(), 3, Duration::from_secs(3)).await;
    assert_eq!(rest, events[2..].to_vec());
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn a_consumer_deleted_on_the_server_is_created_again() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let mut sub = bus.subscribe(&spec("recreated")).await.expect("subscribe");
    let client = async_nats::connect(&url).await.expect("connect");
    async_nats::jetstream::new(client)
        .delete_consumer_from_stream("recreated", &bus.config().stream)
        .await
        .expect("delete the consumer");
    let event = envelope("OrderPlaced", "k", 1);
    bus.publish(&event).await.expect("publish");

    let got = drain(sub.as_mut(), 1, Duration::from_secs(5)).await;
    assert_eq!(got, vec![event]);
    delete_stream(&url, &bus).await;
}

#[tokio::test]
async fn connecting_again_brings_the_stream_in_line_with_the_config() {
    let Some(url) = nats_url() else { return };
    let bus = fresh_bus(&url).await;
    let event = envelope("OrderPlaced", "k", 1);
    bus.publish(&event).await.expect("publish");

    let wider = NatsConfig {
        duplicate_window: Duration::from_secs(600),
        ..bus.config().clone()
    };
    let again = NatsBus::connect(&url, wider).await.expect("connect again");
    let client = async_nats::connect(&url).await.expect("connect");
    let mut stream = async_nats::jetstream::new(client)
        .get_stream(&bus.config().stream)
        .await
        .expect("stream");
    let info = stream.info().await.expect("info");
    assert_eq!(info.config.duplicate_window, Duration::from_secs(600));
    assert_eq!(info.state.messages, 1, "the update keeps the events");
    again.publish(&event).await.expect("republish");
    assert_eq!(stream.info().await.expect("info").state.messages, 1);

    let in_memory = NatsConfig {
        storage: NatsStorage::Memory,
        ..bus.config().clone()
    };
    let refused = NatsBus::connect(&url, in_memory).await.err();
    assert!(
        matches!(refused, Some(BusError::Setup { .. })),
        "{refused:?}"
    );
    delete_stream(&url, &bus).await;
}

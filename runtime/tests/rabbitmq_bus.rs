//! The RabbitMQ bus against a real broker (HERALD_TEST_AMQP_URL). Each test works on its own
//! exchange (a random catalog name) and consumers, and deletes them at the end.
#![cfg(feature = "rabbitmq")]

mod bus_support;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use bus_support::rabbitmq::{clean_up, raw_channel};
use bus_support::{drain, envelope_from, parse};
use herald_runtime::bus::rabbitmq::{RabbitBus, RabbitConfig};
use herald_runtime::{Bus, BusError, Delivery, Envelope, Subscription, SubscriptionSpec};
use lapin::options::{BasicGetOptions, QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use serde_json::value::RawValue;

fn amqp_url() -> Option<String> {
    herald_runtime::testing::service_url("HERALD_TEST_AMQP_URL")
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A bus on a fresh exchange of its own.
async fn fresh_bus(url: &str, config: impl FnOnce(&mut RabbitConfig)) -> RabbitBus {
    let mut rabbit = RabbitConfig::new(&unique("test"));
    config(&mut rabbit);
    RabbitBus::connect(url, rabbit)
        .await
        .expect("connect and declare the exchange")
}

fn envelope(event_type: &str, key: &str, n: usize) -> Envelope {
    envelope_from("rabbitmq-bus-test", event_type, key, n)
}

fn spec(consumer: &str) -> SubscriptionSpec {
    SubscriptionSpec {
        ack_wait: Duration::from_secs(1),
        prefetch: 256,
        ..SubscriptionSpec::new(consumer)
    }
}

fn n_of(envelope: &Envelope) -> u64 {
    envelope.data_value().expect("json")["n"]
        .as_u64()
        .expect("n")
}

/// Fetches one delivery, failing the test when none comes within 5 s.
async fn fetch_one(sub: &mut dyn Subscription) -> Delivery {
    let mut batch = sub.fetch(1, Duration::from_secs(5)).await.expect("fetch");
    assert_eq!(batch.len(), 1, "expected one delivery");
    batch.remove(0)
}

#[tokio::test]
async fn an_event_arrives_byte_for_byte() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("round-trip");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("subscribe");

    let mut sent = envelope("OrderPlaced", "order.1 ü/#*", 7);
    sent.extensions
        .insert("tenant".to_owned(), serde_json::json!({"id": "t-1"}));
    sent.data = RawValue::from_string(r#"{ "n" : 7,  "note": "spaces \u00e9 kept" }"#.to_owned())
        .expect("raw json");
    bus.publish(&sent).await.expect("publish");

    let delivery = fetch_one(sub.as_mut()).await;
    assert_eq!(delivery.payload, sent.to_vec());
    assert_eq!(parse(&delivery), sent);
    assert_eq!(delivery.attempt, 1);
    delivery.acker.ack().await.expect("ack");
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

#[tokio::test]
async fn published_messages_are_persistent_with_id_content_type_and_encoded_key() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let (connection, channel) = raw_channel(&url).await;
    let queue = unique("raw");
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("declare a raw queue");
    channel
        .queue_bind(
            queue.as_str().into(),
            bus.config().exchange.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .expect("bind the raw queue");

    let sent = envelope("OrderPlaced", "eu.*_1", 1);
    bus.publish(&sent).await.expect("publish");
    let message = channel
        .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
        .await
        .expect("basic.get")
        .expect("the message");
    assert_eq!(
        message.delivery.routing_key.as_str(),
        "OrderPlaced.eu%2E%2A%5F1"
    );
    let properties = &message.delivery.properties;
    assert_eq!(*properties.delivery_mode(), Some(2));
    assert_eq!(
        properties.message_id().as_ref().map(|id| id.as_str()),
        Some(sent.id.as_str())
    );
    assert_eq!(
        properties.content_type().as_ref().map(|t| t.as_str()),
        Some("application/cloudevents+json")
    );
    let _ = connection.close(200, "OK".into()).await;
    clean_up(&url, &bus, &[]).await;
}

#[tokio::test]
async fn an_acked_event_is_not_delivered_again() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("ack");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("subscribe");
    let acked = envelope("OrderPlaced", "o-1", 1);
    let unacked = envelope("OrderPlaced", "o-2", 2);
    bus.publish_all(&[acked.clone(), unacked.clone()])
        .await
        .expect("publish");

    let first = fetch_one(sub.as_mut()).await;
    assert_eq!(parse(&first).id, acked.id);
    first.acker.ack().await.expect("ack");
    let second = fetch_one(sub.as_mut()).await;
    assert_eq!(parse(&second).id, unacked.id);
    // Closing the subscription returns what it did not settle, and only that.
    drop(second);
    drop(sub);

    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("re-subscribe");
    let again = sub.fetch(10, Duration::from_secs(3)).await.expect("fetch");
    let ids: Vec<String> = again.iter().map(|d| parse(d).id).collect();
    assert_eq!(ids, vec![unacked.id.clone()]);
    assert_eq!(again[0].attempt, 2);
    for delivery in again {
        delivery.acker.ack().await.expect("ack");
    }
    let none = sub
        .fetch(10, Duration::from_millis(1500))
        .await
        .expect("fetch");
    assert!(none.is_empty(), "acked events came back: {none:?}");
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

#[tokio::test]
async fn a_nak_redelivers_with_attempt_two() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("nak");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("subscribe");
    let sent = envelope("OrderPlaced", "o-1", 1);
    bus.publish(&sent).await.expect("publish");

    let first = fetch_one(sub.as_mut()).await;
    assert_eq!(first.attempt, 1);
    first
        .acker
        .nak(Duration::from_millis(10))
        .await
        .expect("nak");
    let second = fetch_one(sub.as_mut()).await;
    assert_eq!(parse(&second).id, sent.id);
    assert_eq!(second.attempt, 2);
    assert_eq!(second.payload, sent.to_vec());
    second.acker.ack().await.expect("ack");
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

/// At shutdown the consumer stops its subscription before handing events back: a nak then
/// returns the event to the queue once, instead of the broker pushing it straight back to the
/// same consumer and counting its return again when the connection closes.
#[tokio::test]
async fn after_stop_a_nak_returns_the_event_once() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("stop");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("subscribe");
    let sent = envelope("OrderPlaced", "o-1", 1);
    bus.publish(&sent).await.expect("publish");
    let held = fetch_one(sub.as_mut()).await;
    sub.stop().await;
    held.acker.nak(Duration::ZERO).await.expect("nak");
    // Time for a broker still pushing to this consumer to do so (without `stop` it does, and
    // the event comes back below as attempt 3).
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(sub);

    let mut next = bus.subscribe(&spec(&consumer)).await.expect("subscribe");
    let again = fetch_one(next.as_mut()).await;
    assert_eq!(parse(&again).id, sent.id);
    assert_eq!(again.attempt, 2, "returned once, by the nak");
    again.acker.ack().await.expect("ack");
    drop(next);
    clean_up(&url, &bus, &[&consumer]).await;
}

#[tokio::test]
async fn an_event_over_the_delivery_limit_is_dead_lettered_to_the_consumers_dead_queue() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("limit");
    let mut sub = bus
        .subscribe(&SubscriptionSpec {
            max_deliver: 3,
            ..spec(&consumer)
        })
        .await
        .expect("subscribe");
    let poison = envelope("OrderPlaced", "o-1", 1);
    bus.publish(&poison).await.expect("publish");

    let mut attempts = Vec::new();
    loop {
        let batch = sub
            .fetch(1, Duration::from_millis(1500))
            .await
            .expect("fetch");
        let Some(delivery) = batch.into_iter().next() else {
            break;
        };
        assert_eq!(parse(&delivery).id, poison.id);
        attempts.push(delivery.attempt);
        assert!(attempts.len() <= 10, "never dead-lettered: {attempts:?}");
        delivery.acker.nak(Duration::ZERO).await.expect("nak");
    }
    assert_eq!(attempts, vec![1, 2, 3]);

    // Dead-lettering runs asynchronously in the broker.
    let (connection, channel) = raw_channel(&url).await;
    let dead_queue = format!("{}.{consumer}.dead", bus.config().exchange);
    let started = Instant::now();
    let dead = loop {
        let got = channel
            .basic_get(dead_queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .expect("basic.get");
        if let Some(message) = got {
            break message;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing reached {dead_queue}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(dead.delivery.data, poison.to_vec());
    let _ = connection.close(200, "OK".into()).await;
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

#[tokio::test]
async fn a_consumer_receives_only_the_types_it_asked_for() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let picky = unique("picky");
    let everything = unique("all");
    let mut picky_sub = bus
        .subscribe(&SubscriptionSpec {
            event_types: vec!["OrderPlaced".to_owned(), "Order_Shipped".to_owned()],
            ..spec(&picky)
        })
        .await
        .expect("subscribe");
    let mut all_sub = bus.subscribe(&spec(&everything)).await.expect("subscribe");

    let events = [
        envelope("OrderPlaced", "o-1", 1),
        envelope("CustomerRenamed", "c-1", 2),
        envelope("Order_Shipped", "o-1", 3),
        // A prefix of a wanted type is another type.
        envelope("Order", "o-1", 4),
        envelope("OrderPlacedLate", "o-1", 5),
    ];
    bus.publish_all(&events).await.expect("publish");

    let picked = drain(picky_sub.as_mut(), 2, Duration::from_secs(10)).await;
    let picked: Vec<u64> = picked.iter().map(n_of).collect();
    assert_eq!(picked, vec![1, 3]);
    let extra = picky_sub
        .fetch(10, Duration::from_millis(1000))
        .await
        .expect("fetch");
    assert!(extra.is_empty(), "unwanted types arrived: {extra:?}");
    let all = drain(all_sub.as_mut(), 5, Duration::from_secs(10)).await;
    assert_eq!(
        all.iter().map(n_of).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    drop((picky_sub, all_sub));
    clean_up(&url, &bus, &[&picky, &everything]).await;
}

#[tokio::test]
async fn events_of_one_key_arrive_in_publish_order() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("order");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("subscribe");
    let events: Vec<Envelope> = (0..1000)
        .map(|n| envelope("StockChanged", &format!("sku-{}", n % 7), n))
        .collect();
    bus.publish_all(&events).await.expect("publish");

    let got = drain(sub.as_mut(), 1000, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 1000);
    let mut last: HashMap<String, u64> = HashMap::new();
    for event in &got {
        let n = n_of(event);
        if let Some(previous) = last.insert(event.key().to_owned(), n) {
            assert!(previous < n, "key {}: {n} after {previous}", event.key());
        }
    }
    assert_eq!(last.len(), 7);
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

#[tokio::test]
async fn publish_all_confirms_ten_thousand_events_and_all_arrive() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("bulk");
    let mut sub = bus
        .subscribe(&SubscriptionSpec {
            prefetch: 512,
            ..spec(&consumer)
        })
        .await
        .expect("subscribe");
    let events: Vec<Envelope> = (0..10_000)
        .map(|n| envelope("PageViewed", &format!("p-{}", n % 100), n))
        .collect();
    let started = Instant::now();
    bus.publish_all(&events).await.expect("publish_all");
    eprintln!("published 10,000 events in {:?}", started.elapsed());

    let got = drain(sub.as_mut(), 10_000, Duration::from_secs(60)).await;
    let ids: HashSet<String> = got.iter().map(|e| e.id.clone()).collect();
    assert_eq!(got.len(), 10_000);
    assert_eq!(ids, events.iter().map(|e| e.id.clone()).collect());
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

#[tokio::test]
async fn a_durable_consumer_resumes_where_it_stopped() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("durable");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("subscribe");
    let first: Vec<Envelope> = (0..10).map(|n| envelope("OrderPlaced", "o", n)).collect();
    bus.publish_all(&first).await.expect("publish");
    let mut acked = HashSet::new();
    while acked.len() < 4 {
        let batch = sub
            .fetch(4 - acked.len(), Duration::from_secs(5))
            .await
            .expect("fetch");
        assert!(!batch.is_empty(), "the first events did not arrive");
        for delivery in batch {
            acked.insert(parse(&delivery).id);
            delivery.acker.ack().await.expect("ack");
        }
    }
    drop(sub);

    // Published while no one listens: the durable queue keeps them.
    let second: Vec<Envelope> = (10..16).map(|n| envelope("OrderPlaced", "o", n)).collect();
    bus.publish_all(&second).await.expect("publish");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("re-subscribe");
    let rest = drain(sub.as_mut(), 12, Duration::from_secs(10)).await;
    // The old connection closes in the background after the drop, so the deliveries it held
    // may return after events published later: the set is exact, the order is not promised.
    let mut resumed: Vec<u64> = rest.iter().map(n_of).collect();
    resumed.sort_unstable();
    assert_eq!(resumed, (4..16).collect::<Vec<u64>>());
    assert!(rest.iter().all(|e| !acked.contains(&e.id)));
    let none = sub
        .fetch(10, Duration::from_millis(1000))
        .await
        .expect("fetch");
    assert!(none.is_empty());
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

#[tokio::test]
async fn an_unroutable_event_is_confirmed_unless_the_bus_rejects_them() {
    let Some(url) = amqp_url() else { return };
    let lenient = fresh_bus(&url, |_| {}).await;
    lenient
        .publish(&envelope("NobodyListens", "k", 1))
        .await
        .expect("an unroutable event is accepted by default");

    let strict = fresh_bus(&url, |c| c.reject_unroutable = true).await;
    let event = envelope("NobodyListens", "k", 1);
    match strict.publish(&event).await {
        Err(BusError::NotConfirmed {
            event_id, reason, ..
        }) => {
            assert_eq!(event_id, event.id);
            assert!(reason.contains("unroutable"), "{reason}");
        }
        other => panic!("expected NotConfirmed, got {other:?}"),
    }
    // Once a consumer is bound the same bus publishes fine.
    let consumer = unique("strict");
    let mut sub = strict.subscribe(&spec(&consumer)).await.expect("subscribe");
    strict.publish(&event).await.expect("publish");
    assert_eq!(parse(&fetch_one(sub.as_mut()).await).id, event.id);
    drop(sub);
    clean_up(&url, &lenient, &[]).await;
    clean_up(&url, &strict, &[&consumer]).await;
}

#[tokio::test]
async fn an_unreachable_broker_is_unavailable_quickly() {
    let Some(_) = amqp_url() else { return };
    let started = Instant::now();
    let result =
        RabbitBus::connect("amqp://guest:guest@127.0.0.1:1/%2f", RabbitConfig::new("x")).await;
    assert!(
        matches!(result, Err(BusError::Unavailable { .. })),
        "expected Unavailable, got {:?}",
        result.err()
    );
    assert!(started.elapsed() < Duration::from_secs(6));
}

#[tokio::test]
async fn a_consumer_whose_queue_is_deleted_declares_it_again_and_goes_on() {
    let Some(url) = amqp_url() else { return };
    let bus = fresh_bus(&url, |_| {}).await;
    let consumer = unique("cancelled");
    let mut sub = bus.subscribe(&spec(&consumer)).await.expect("subscribe");
    bus.publish(&envelope("OrderPlaced", "o", 1))
        .await
        .expect("publish");
    let first = fetch_one(sub.as_mut()).await;
    first.acker.ack().await.expect("ack");
    bus.publish(&envelope("OrderPlaced", "o", 2))
        .await
        .expect("publish");
    let held = fetch_one(sub.as_mut()).await;

    // The broker cancels the consumer when its queue goes away; the stream just ends.
    let (connection, channel) = raw_channel(&url).await;
    channel
        .queue_delete(consumer.as_str().into(), QueueDeleteOptions::default())
        .await
        .expect("delete the consumer's queue");
    let _ = connection.close(200, "OK".into()).await;
    let none = sub.fetch(10, Duration::from_secs(2)).await.expect("fetch");
    assert!(none.is_empty());
    // Its channel stayed open, and the subscription consumes on it again: what it handed out
    // before the cancel can still be settled.
    held.acker
        .ack()
        .await
        .expect("settle a delivery of the cancelled consumer");

    // The subscription declared and bound its queue again, so new events reach it.
    let sent = envelope("OrderPlaced", "o", 3);
    bus.publish(&sent).await.expect("publish");
    let again = fetch_one(sub.as_mut()).await;
    assert_eq!(parse(&again).id, sent.id);
    again.acker.ack().await.expect("ack");
    drop(sub);
    clean_up(&url, &bus, &[&consumer]).await;
}

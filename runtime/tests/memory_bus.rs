//! The in-process bus keeps the bus contract: confirmation, durable named consumers,
//! redelivery of unacked events with growing attempts, a redelivery cap, publish dedupe; and its
//! retention: settled events are dropped, unsettled ones never, offsets stay.

mod common;

use std::time::Duration;

use herald_runtime::Bus;
use herald_runtime::bus::memory::{MemoryBus, MemoryBusConfig, Retention};

use common::{WAIT, ns, ping, spec};

memory_bus_contract!(async { (herald_runtime::bus::memory::MemoryBus::new(), ()) });

// Retention: settled events are dropped, offsets stay.

/// A bus that drops settled events as soon as every consumer settled them.
fn compacting_bus() -> MemoryBus {
    let config = MemoryBusConfig {
        retention: Retention::DropSettled {
            min_age: Duration::ZERO,
            keep_last: 0,
        },
        ..MemoryBusConfig::default()
    };
    MemoryBus::with_config(config)
}

async fn ack_all(deliveries: Vec<herald_runtime::Delivery>) {
    for delivery in deliveries {
        delivery.acker.ack().await.unwrap();
    }
}

#[tokio::test]
async fn the_log_shrinks_once_every_consumer_acked() {
    let bus = compacting_bus();
    let mut a = bus.subscribe(&spec("a")).await.unwrap();
    let mut b = bus.subscribe(&spec("b")).await.unwrap();
    bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
        .await
        .unwrap();
    ack_all(a.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.len(), 10, "b has not settled anything yet");
    ack_all(b.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.len(), 0, "dropped by the acks themselves");
    assert_eq!(
        bus.offsets(),
        10..10,
        "the base moved up, nothing renumbered"
    );
    bus.publish(&ping("k", 10)).await.unwrap();
    assert_eq!(bus.offsets(), 10..11);
    assert_eq!(ns(&a.fetch(100, WAIT).await.unwrap()), vec![10]);
    assert_eq!(ns(&b.fetch(100, WAIT).await.unwrap()), vec![10]);
}

#[tokio::test]
async fn a_slow_consumer_keeps_what_it_has_not_acked() {
    let bus = compacting_bus();
    let mut fast = bus.subscribe(&spec("fast")).await.unwrap();
    let mut slow = bus.subscribe(&spec("slow")).await.unwrap();
    bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
        .await
        .unwrap();
    ack_all(fast.fetch(100, WAIT).await.unwrap()).await;
    let got = slow.fetch(100, WAIT).await.unwrap();
    // Acks 0..3 and 5: the floor stops at 3, the unacked 3 and 4 and everything after stay.
    for (n, delivery) in got.into_iter().enumerate() {
        if [0, 1, 2, 5].contains(&n) {
            delivery.acker.ack().await.unwrap();
        }
    }
    assert_eq!(
        bus.compact().await.unwrap(),
        0,
        "the acks dropped 0..3 already"
    );
    assert_eq!(bus.offsets(), 3..10);
    // The unacked ones come back after ack_wait, intact.
    let again = slow.fetch(100, Duration::from_millis(400)).await.unwrap();
    assert_eq!(ns(&again), vec![3, 4, 6, 7, 8, 9]);
    assert!(again.iter().all(|d| d.attempt == 2));
    ack_all(again).await;
    assert!(bus.is_empty());
}

#[tokio::test]
async fn a_first_subscriber_after_a_drop_starts_at_the_oldest_retained_event() {
    let bus = compacting_bus();
    let mut early = bus.subscribe(&spec("early")).await.unwrap();
    bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
        .await
        .unwrap();
    let got = early.fetch(5, WAIT).await.unwrap();
    ack_all(got).await;
    assert_eq!(bus.offsets(), 5..10);
    let mut late = bus.subscribe(&spec("late")).await.unwrap();
    assert_eq!(
        ns(&late.fetch(100, WAIT).await.unwrap()),
        vec![5, 6, 7, 8, 9],
        "0..5 were dropped before it subscribed"
    );
}

#[tokio::test]
async fn a_bus_without_consumers_keeps_everything_for_the_first_one() {
    let bus = compacting_bus();
    bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(bus.compact().await.unwrap(), 0);
    let mut first = bus.subscribe(&spec("first")).await.unwrap();
    assert_eq!(first.fetch(100, WAIT).await.unwrap().len(), 10);
}

#[tokio::test]
async fn settled_events_stay_for_min_age_and_the_last_keep_last() {
    let config = MemoryBusConfig {
        retention: Retention::DropSettled {
            min_age: Duration::from_millis(300),
            keep_last: 3,
        },
        ..MemoryBusConfig::default()
    };
    let bus = MemoryBus::with_config(config);
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
        .await
        .unwrap();
    ack_all(sub.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.compact().await.unwrap(), 0, "younger than min_age");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(bus.compact().await.unwrap(), 7);
    assert_eq!(bus.offsets(), 7..10, "the last 3 stay");
}

#[tokio::test]
async fn keep_all_never_drops() {
    let config = MemoryBusConfig {
        retention: Retention::KeepAll,
        ..MemoryBusConfig::default()
    };
    let bus = MemoryBus::with_config(config);
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
        .await
        .unwrap();
    ack_all(sub.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.compact().await.unwrap(), 0);
    assert_eq!(bus.offsets(), 0..10);
}

#[tokio::test]
async fn the_default_keeps_settled_events_for_two_minutes() {
    assert_eq!(
        MemoryBusConfig::default().retention,
        Retention::DropSettled {
            min_age: Duration::from_secs(120),
            keep_last: 0
        }
    );
    let bus = MemoryBus::new();
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    ack_all(sub.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.compact().await.unwrap(), 0);
    assert_eq!(bus.len(), 1);
}

#[tokio::test]
async fn dedupe_outlives_the_dropped_event() {
    let bus = compacting_bus();
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let envelope = ping("k", 1);
    bus.publish(&envelope).await.unwrap();
    ack_all(sub.fetch(100, WAIT).await.unwrap()).await;
    assert!(bus.is_empty(), "dropped");
    bus.publish(&envelope).await.unwrap();
    assert_eq!(
        bus.offsets(),
        1..1,
        "still refused within the dedupe window"
    );
    assert!(sub.fetch(100, WAIT).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_deleted_consumer_no_longer_holds_the_log() {
    let bus = compacting_bus();
    let mut active = bus.subscribe(&spec("active")).await.unwrap();
    let _gone = bus.subscribe(&spec("gone")).await.unwrap();
    bus.publish_all(&(0..10).map(|n| ping("k", n)).collect::<Vec<_>>())
        .await
        .unwrap();
    ack_all(active.fetch(100, WAIT).await.unwrap()).await;
    assert_eq!(bus.len(), 10, "`gone` has settled nothing");
    assert!(bus.delete_consumer("gone").await.unwrap());
    assert!(!bus.delete_consumer("gone").await.unwrap());
    assert!(bus.is_empty());
}

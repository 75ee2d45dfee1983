//! The bus contract every `MemoryBus` keeps, in memory or persisted: each check takes a fresh
//! bus; `tests/memory_bus.rs` and `tests/memory_bus_persistent.rs` run them all on theirs.

use std::time::Duration;

use herald_runtime::Bus;
use herald_runtime::bus::memory::MemoryBus;

use super::{WAIT, ns, ping, pong, spec};

pub async fn delivers_in_order_and_ack_settles(bus: MemoryBus) {
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let sent: Vec<_> = (0..10).map(|n| ping("k", n)).collect();
    bus.publish_all(&sent).await.unwrap();
    let got = sub.fetch(100, WAIT).await.unwrap();
    assert_eq!(got.len(), 10);
    for (delivery, envelope) in got.iter().zip(&sent) {
        assert_eq!(delivery.payload, envelope.to_vec());
        assert_eq!(delivery.attempt, 1);
    }
    for delivery in got {
        delivery.acker.ack().await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sub.fetch(100, WAIT).await.unwrap().is_empty());
}

pub async fn nak_redelivers_with_the_next_attempt(bus: MemoryBus) {
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    let first = sub.fetch(1, WAIT).await.unwrap().pop().unwrap();
    first.acker.nak(Duration::from_millis(10)).await.unwrap();
    let again = sub
        .fetch(1, Duration::from_millis(200))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(again.attempt, 2);
    assert_eq!(again.payload, first.payload);
}

pub async fn unacked_deliveries_return_after_ack_wait_up_to_max_deliver(bus: MemoryBus) {
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    let mut attempts = Vec::new();
    for _ in 0..5 {
        if let Some(delivery) = sub
            .fetch(1, Duration::from_millis(300))
            .await
            .unwrap()
            .pop()
        {
            attempts.push(delivery.attempt);
        }
    }
    assert_eq!(attempts, vec![1, 2, 3], "capped at max_deliver = 3");
}

pub async fn a_late_ack_of_an_old_delivery_does_not_settle_the_new_one(bus: MemoryBus) {
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    let old = sub.fetch(1, WAIT).await.unwrap().pop().unwrap();
    let new = sub
        .fetch(1, Duration::from_millis(400))
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(new.attempt, 2);
    old.acker.ack().await.unwrap();
    let third = sub
        .fetch(1, Duration::from_millis(400))
        .await
        .unwrap()
        .pop();
    assert_eq!(
        third.map(|d| d.attempt),
        Some(3),
        "the old ack must not count"
    );
    drop(new);
}

pub async fn the_same_id_is_published_once(bus: MemoryBus) {
    let envelope = ping("k", 1);
    bus.publish(&envelope).await.unwrap();
    bus.publish(&envelope).await.unwrap();
    bus.publish_all(&[envelope.clone(), envelope.clone()])
        .await
        .unwrap();
    assert_eq!(bus.len(), 1);
}

pub async fn consumers_filter_by_type_and_keep_their_own_cursor(bus: MemoryBus) {
    let mut only_pong = spec("pongs");
    only_pong.event_types = vec!["Pong".into()];
    let mut pongs = bus.subscribe(&only_pong).await.unwrap();
    let mut all = bus.subscribe(&spec("all")).await.unwrap();
    bus.publish(&ping("k", 1)).await.unwrap();
    bus.publish(&pong(2)).await.unwrap();
    let got = pongs.fetch(10, WAIT).await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(String::from_utf8_lossy(&got[0].payload).contains("\"Pong\""));
    assert_eq!(all.fetch(10, WAIT).await.unwrap().len(), 2);
}

pub async fn a_new_subscription_under_the_same_name_resumes_and_takes_over_unacked(bus: MemoryBus) {
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.publish_all(&[ping("k", 1), ping("k", 2), ping("k", 3)])
        .await
        .unwrap();
    let got = sub.fetch(2, WAIT).await.unwrap();
    let mut got = got.into_iter();
    got.next().unwrap().acker.ack().await.unwrap();
    drop(got); // the second is left unacked: the "crashed" subscriber held it
    drop(sub);
    let mut resumed = bus.subscribe(&spec("c")).await.unwrap();
    let again = resumed.fetch(10, WAIT).await.unwrap();
    assert_eq!(
        ns(&again),
        vec![2, 3],
        "the acked one is not redelivered, the unacked one is"
    );
    assert_eq!(again[0].attempt, 2);
}

pub async fn fetch_waits_for_a_publish_and_returns_empty_on_timeout(bus: MemoryBus) {
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    let started = std::time::Instant::now();
    assert!(sub.fetch(1, WAIT).await.unwrap().is_empty());
    assert!(started.elapsed() >= WAIT);
    let publisher = bus.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        publisher.publish(&ping("k", 1)).await.unwrap();
    });
    assert_eq!(sub.fetch(1, Duration::from_secs(5)).await.unwrap().len(), 1);
}

pub async fn a_closed_bus_refuses_work(bus: MemoryBus) {
    let mut sub = bus.subscribe(&spec("c")).await.unwrap();
    bus.close();
    assert!(bus.publish(&ping("k", 1)).await.is_err());
    assert!(sub.fetch(1, WAIT).await.is_err());
}

/// One `#[tokio::test]` per contract check, each on a bus from `$bus` (an async block giving
/// the bus and whatever must outlive it).
#[macro_export]
macro_rules! memory_bus_contract {
    ($bus:expr) => {
        $crate::memory_bus_contract!(@tests $bus;
            delivers_in_order_and_ack_settles,
            nak_redelivers_with_the_next_attempt,
            unacked_deliveries_return_after_ack_wait_up_to_max_deliver,
            a_late_ack_of_an_old_delivery_does_not_settle_the_new_one,
            the_same_id_is_published_once,
            consumers_filter_by_type_and_keep_their_own_cursor,
            a_new_subscription_under_the_same_name_resumes_and_takes_over_unacked,
            fetch_waits_for_a_publish_and_returns_empty_on_timeout,
            a_closed_bus_refuses_work,
        );
    };
    (@tests $bus:expr; $($check:ident),* $(,)?) => {
        mod contract {
            $(
                #[tokio::test]
                async fn $check() {
                    let (bus, _keep) = $bus.await;
                    super::common::memory_contract::$check(bus).await;
                }
            )*
        }
    };
}

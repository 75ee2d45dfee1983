//! The RabbitMQ bus when its connections fall silent without closing (a network path that
//! drops everything, a broker host that froze): no FIN, no RST, just nothing. A proxy between
//! the bus and the real broker (HERALD_TEST_AMQP_URL) plays the network: it forwards bytes
//! until frozen, then holds every open connection silent for good.
//!
//! What must hold: a publish fails within its timeout instead of hanging, the subscription
//! notices the dead link through heartbeats and says `Unavailable`, and once the network is
//! back both sides reconnect by themselves and every event published after it arrives.
#![cfg(feature = "rabbitmq")]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use herald_runtime::bus::rabbitmq::{RabbitBus, RabbitConfig};
use herald_runtime::{Bus, BusError, Envelope, SubscriptionSpec};
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use lapin::{Connection, ConnectionProperties};
use serde_json::value::RawValue;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to the broker that can go silent.
struct SilentNetwork {
    port: u16,
    /// Bumped by `freeze`: connections of an older epoch never forward again.
    epoch: Arc<AtomicU64>,
    frozen: Arc<AtomicBool>,
}

impl SilentNetwork {
    async fn start(broker: String) -> SilentNetwork {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let epoch = Arc::new(AtomicU64::new(0));
        let frozen = Arc::new(AtomicBool::new(false));
        let (accept_epoch, accept_frozen) = (epoch.clone(), frozen.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&broker).await else {
                    continue;
                };
                let born = accept_epoch.load(Ordering::SeqCst);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let live = Live {
                    born,
                    epoch: accept_epoch.clone(),
                    frozen: accept_frozen.clone(),
                };
                tokio::spawn(pump(client_read, server_write, live.clone()));
                tokio::spawn(pump(server_read, client_write, live));
            }
        });
        SilentNetwork {
            port,
            epoch,
            frozen,
        }
    }

    /// Every open connection goes silent for good; new ones hang until `thaw`.
    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    fn thaw(&self) {
        self.frozen.store(false, Ordering::SeqCst);
    }
}

#[derive(Clone)]
struct Live {
    born: u64,
    epoch: Arc<AtomicU64>,
    frozen: Arc<AtomicBool>,
}

impl Live {
    /// Waits while the network is frozen; `false` once this connection is silenced for good.
    async fn may_forward(&self) -> bool {
        loop {
            if self.epoch.load(Ordering::SeqCst) != self.born {
                return false;
            }
            if !self.frozen.load(Ordering::SeqCst) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Copies bytes one way until either side closes; a silenced connection keeps both sockets
/// open and forwards nothing, like a dead network path.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    live: Live,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        if !live.may_forward().await {
            // Hold the sockets, say nothing, until the test ends.
            std::future::pending::<()>().await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

fn envelope(n: usize) -> Envelope {
    Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        source: "rabbitmq-silent-link-test".to_owned(),
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

/// `host:port` of an `amqp://user:pass@host:port/vhost` URL.
fn broker_address(url: &str) -> String {
    let rest = url.split("://").nth(1).expect("an AMQP URL");
    let authority = rest.split('/').next().expect("authority");
    let host_port = authority.rsplit('@').next().expect("host");
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5672")
    }
}

/// The same URL through the proxy.
fn through(url: &str, port: u16) -> String {
    url.replacen(&broker_address(url), &format!("127.0.0.1:{port}"), 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_given_up_and_both_sides_reconnect() {
    let Some(url) = herald_runtime::testing::service_url("HERALD_TEST_AMQP_URL") else {
        return;
    };
    let network = SilentNetwork::start(broker_address(&url)).await;
    let proxied = through(&url, network.port);

    let mut config = RabbitConfig::new(&format!("silent-{}", uuid::Uuid::new_v4().simple()));
    config.heartbeat = Duration::from_secs(1);
    config.connect_timeout = Duration::from_secs(2);
    config.confirm_timeout = Duration::from_secs(3);
    let exchange = config.exchange.clone();
    let bus = RabbitBus::connect(&proxied, config)
        .await
        .expect("connect through the proxy");
    let spec = SubscriptionSpec {
        prefetch: 64,
        ..SubscriptionSpec::new("silent")
    };
    let mut sub = bus.subscribe(&spec).await.expect("subscribe");
    bus.publish(&envelope(0)).await.expect("publish before");
    let before = sub.fetch(1, Duration::from_secs(5)).await.expect("fetch");
    assert_eq!(before.len(), 1);
    before
        .into_iter()
        .next()
        .unwrap()
        .acker
        .ack()
        .await
        .unwrap();

    network.freeze();

    // The publish neither hangs nor pretends to succeed.
    let started = Instant::now();
    let published = tokio::time::timeout(Duration::from_secs(20), bus.publish(&envelope(1)))
        .await
        .expect("a publish on a silent connection returns within its timeouts");
    assert!(
        published.is_err(),
        "a publish succeeded on a silent connection"
    );
    eprintln!(
        "the publish failed after {:?}: {}",
        started.elapsed(),
        published.unwrap_err()
    );

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
    let mut received = HashSet::new();
    let started = Instant::now();
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

    drop(sub);
    let connection = Connection::connect(&url, ConnectionProperties::default())
        .await
        .expect("connect for the clean-up");
    let channel = connection.create_channel().await.expect("channel");
    for queue in [
        format!("{exchange}.silent"),
        format!("{exchange}.silent.dead"),
    ] {
        let _ = channel
            .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
            .await;
    }
    for name in [exchange.clone(), format!("{exchange}.dead")] {
        let _ = channel
            .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
            .await;
    }
    let _ = connection.close(200, "OK".into()).await;
}

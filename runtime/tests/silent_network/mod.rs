//! A TCP proxy between a bus and its real broker that plays a network path going silent:
//! it forwards bytes until frozen, then holds every open connection open and silent for good
//! (no FIN, no RST), and lets new connections through again once thawed.

#![allow(dead_code)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use herald_runtime::{Bus, Subscription};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to the broker that can go silent.
pub struct SilentNetwork {
    pub port: u16,
    /// Bumped by `freeze`: connections of an older epoch never forward again.
    epoch: Arc<AtomicU64>,
    frozen: Arc<AtomicBool>,
}

impl SilentNetwork {
    pub async fn start(broker: String) -> SilentNetwork {
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
    pub fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    pub fn thaw(&self) {
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

/// `host:port` of a `scheme://user:pass@host:port/path` URL (`default_port` when it has none).
pub fn broker_address(url: &str, default_port: u16) -> String {
    let rest = url.split("://").nth(1).expect("a broker URL");
    let authority = rest.split('/').next().expect("authority");
    let host_port = authority.rsplit('@').next().expect("host");
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    }
}

/// The same URL through the proxy on `port`.
pub fn through(url: &str, default_port: u16, port: u16) -> String {
    let address = broker_address(url, default_port);
    if url.contains(&address) {
        url.replacen(&address, &format!("127.0.0.1:{port}"), 1)
    } else {
        // The URL names no port: put the proxy's after the host.
        let host = address
            .rsplit_once(':')
            .map_or(address.as_str(), |(host, _)| host);
        url.replacen(host, &format!("127.0.0.1:{port}"), 1)
    }
}

/// An `OrderPlaced` envelope numbered `n`, from `source`.
pub fn envelope(source: &str, n: usize) -> herald_runtime::Envelope {
    crate::bus_support::envelope_from(source, "OrderPlaced", &format!("o-{}", n % 5), n)
}

/// Publishes one event and takes it, before anything goes wrong.
pub async fn round_trip(bus: &dyn Bus, sub: &mut dyn Subscription, source: &str) {
    bus.publish(&envelope(source, 0))
        .await
        .expect("publish before");
    let before = sub.fetch(1, Duration::from_secs(5)).await.expect("fetch");
    assert_eq!(before.len(), 1, "the event published before the freeze");
    for delivery in before {
        delivery.acker.ack().await.expect("ack before");
    }
}

/// On a frozen network a publish neither hangs nor pretends to succeed.
pub async fn publish_fails(bus: &dyn Bus, source: &str) {
    let started = Instant::now();
    let published =
        tokio::time::timeout(Duration::from_secs(20), bus.publish(&envelope(source, 1)))
            .await
            .expect("a publish on a silent connection returns within its timeouts");
    match published {
        Ok(()) => panic!("a publish succeeded on a silent connection"),
        Err(error) => eprintln!("the publish failed after {:?}: {error}", started.elapsed()),
    }
}

/// After the thaw, the bus reconnects by itself: ten events published now all arrive within
/// 30 s (publishes retried while the client has not noticed yet).
pub async fn everything_arrives_after_thaw(
    bus: &dyn Bus,
    sub: &mut dyn Subscription,
    source: &str,
) {
    let after: Vec<herald_runtime::Envelope> = (2..12).map(|n| envelope(source, n)).collect();
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
                received.insert(crate::bus_support::parse(&delivery).id);
                let _ = delivery.acker.ack().await;
            }
        }
    }
    eprintln!("every event arrived after {:?}", started.elapsed());
}

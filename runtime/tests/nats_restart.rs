//! The NATS bus through a server restart: publish a stream of events, stop nats-server in the
//! middle, start it again, and keep fetching and acking throughout; every event must arrive.
//!
//! Its own test binary, so stopping the server never disturbs the other NATS tests of this
//! crate (cargo runs test binaries one after another). Needs HERALD_TEST_NATS_URL and the
//! right to stop and start the local nats-server (the machine's service, file storage in
//! /var/lib/nats-server, which survives the restart).
#![cfg(feature = "nats")]

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use herald_runtime::bus::nats::{NatsBus, NatsConfig};
use herald_runtime::{Bus, BusError, Envelope, SubscriptionSpec};
use serde_json::value::RawValue;

/// Stopping, starting and waiting for the local nats-server. Self-contained so other test
/// binaries can copy it.
mod nats_server {
    use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
    use std::process::Command;
    use std::time::{Duration, Instant};

    const DAEMON: &str = "/usr/sbin/nats-server";
    const SERVER_ARGS: [&str; 9] = [
        "-a",
        "127.0.0.1",
        "-p",
        "4222",
        "-js",
        "-sd",
        "/var/lib/nats-server",
        "-l",
        "/var/log/nats-server.log",
    ];

    /// The server's address from a `nats://host:port` URL.
    pub fn address(url: &str) -> SocketAddr {
        let host_port = url.trim_start_matches("nats://");
        host_port
            .to_socket_addrs()
            .expect("a host:port in the NATS URL")
            .next()
            .expect("the NATS host resolves")
    }

    /// Whether something accepts connections at `addr`.
    pub fn is_listening(addr: SocketAddr) -> bool {
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    }

    /// Waits until the port is `open` (or closed), up to `limit`; true when it got there.
    pub fn wait_for_port(addr: SocketAddr, open: bool, limit: Duration) -> bool {
        let started = Instant::now();
        while started.elapsed() < limit {
            if is_listening(addr) == open {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        is_listening(addr) == open
    }

    /// Stops the server and waits until its port is closed.
    pub fn stop(addr: SocketAddr) {
        let status = Command::new("start-stop-daemon")
            .args(["--stop", "--oknodo", "--exec", DAEMON])
            .status()
            .expect("run start-stop-daemon --stop");
        assert!(status.success(), "start-stop-daemon --stop: {status}");
        assert!(
            wait_for_port(addr, false, Duration::from_secs(15)),
            "nats-server still listens at {addr}"
        );
    }

    /// Starts the server (as the machine's service runs it) and waits until its port is open.
    pub fn start(addr: SocketAddr) {
        let status = Command::new("start-stop-daemon")
            .args([
                "--start",
                "--oknodo",
                "--background",
                "--exec",
                DAEMON,
                "--",
            ])
            .args(SERVER_ARGS)
            .status()
            .expect("run start-stop-daemon --start");
        assert!(status.success(), "start-stop-daemon --start: {status}");
        assert!(
            wait_for_port(addr, true, Duration::from_secs(30)),
            "nats-server does not listen at {addr}"
        );
    }

    /// Starts the server again when dropped, if it is not listening: the machine's other
    /// users need it even when a test fails half-way through a restart.
    pub struct RunningGuard(pub SocketAddr);

    impl Drop for RunningGuard {
        fn drop(&mut self) {
            if !is_listening(self.0) {
                let _ = Command::new("start-stop-daemon")
                    .args([
                        "--start",
                        "--oknodo",
                        "--background",
                        "--exec",
                        DAEMON,
                        "--",
                    ])
                    .args(SERVER_ARGS)
                    .status();
                wait_for_port(self.0, true, Duration::from_secs(30));
            }
        }
    }
}

const EVENTS: usize = 3000;
const CHUNK: usize = 20;

fn envelope(n: usize) -> Envelope {
    Envelope {
        id: uuid::Uuid::now_v7().to_string(),
        source: "nats-restart-test".to_owned(),
        event_type: "CounterBumped".to_owned(),
        subject: Some(format!("key-{}", n % 10)),
        time: None,
        dataschema: Some("herald:CounterBumped/1".to_owned()),
        datacontenttype: Some("application/json".to_owned()),
        traceparent: None,
        extensions: BTreeMap::new(),
        data: RawValue::from_string(format!(r#"{{"n":{n}}}"#)).expect("raw json"),
    }
}

/// What the publisher saw.
#[derive(Default)]
struct PublisherLog {
    confirmed: AtomicUsize,
    errors_while_down: AtomicUsize,
    done: AtomicBool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_through_a_server_restart() {
    let Some(url) = herald_runtime::testing::service_url("HERALD_TEST_NATS_URL") else {
        return;
    };
    let addr = nats_server::address(&url);
    let _guard = nats_server::RunningGuard(addr);

    let catalog = format!("restart-{}", uuid::Uuid::new_v4().simple());
    let bus = Arc::new(
        NatsBus::connect(&url, NatsConfig::new(&catalog))
            .await
            .expect("connect"),
    );
    let spec = SubscriptionSpec {
        ack_wait: Duration::from_secs(2),
        max_deliver: 1000,
        ..SubscriptionSpec::new("restart")
    };
    let mut sub = bus.subscribe(&spec).await.expect("subscribe");

    let events: Vec<Envelope> = (0..EVENTS).map(envelope).collect();
    let expected: HashSet<String> = events.iter().map(|e| e.id.clone()).collect();
    let server_down = Arc::new(AtomicBool::new(false));
    let log = Arc::new(PublisherLog::default());

    // Publishes in small chunks, retrying a chunk until it is confirmed (the broker drops the
    // republished prefix by Nats-Msg-Id). After a third it waits for the server to go down, so
    // the rest is published into the outage and after it, whatever the machine's speed.
    let publisher = {
        let (bus, log, server_down) = (bus.clone(), log.clone(), server_down.clone());
        tokio::spawn(async move {
            for (index, chunk) in events.chunks(CHUNK).enumerate() {
                if index == EVENTS / CHUNK / 3 {
                    let waiting = Instant::now();
                    while !server_down.load(Ordering::SeqCst) {
                        assert!(waiting.elapsed() < Duration::from_secs(30), "no restart");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
                loop {
                    match bus.publish_all(chunk).await {
                        Ok(()) => break,
                        Err(err) => {
                            if server_down.load(Ordering::SeqCst) {
                                log.errors_while_down.fetch_add(1, Ordering::SeqCst);
                            }
                            eprintln!("publish failed, retrying: {err}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
                log.confirmed.fetch_add(chunk.len(), Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            log.done.store(true, Ordering::SeqCst);
        })
    };

    // Restarts the server once a third of the events is confirmed.
    let restarter = {
        let (log, server_down) = (log.clone(), server_down.clone());
        tokio::task::spawn_blocking(move || {
            while log.confirmed.load(Ordering::SeqCst) < EVENTS / 3 {
                std::thread::sleep(Duration::from_millis(10));
            }
            nats_server::stop(addr);
            server_down.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(2));
            server_down.store(false, Ordering::SeqCst);
            nats_server::start(addr);
        })
    };

    let mut received: HashSet<String> = HashSet::new();
    let mut unavailable = 0;
    let mut deliveries = 0;
    let wait = Duration::from_millis(500);
    let started = Instant::now();
    loop {
        let all_in = received.len() == EVENTS;
        if all_in && log.done.load(Ordering::SeqCst) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "gave up: {} of {EVENTS} events arrived, {} confirmed",
            received.len(),
            log.confirmed.load(Ordering::SeqCst)
        );
        let fetch_started = Instant::now();
        let result = sub.fetch(200, wait).await;
        let took = fetch_started.elapsed();
        assert!(
            took < wait + Duration::from_secs(1),
            "a fetch took {took:?} ({result:?})"
        );
        match result {
            Ok(batch) => {
                for delivery in batch {
                    deliveries += 1;
                    let event = Envelope::from_slice(&delivery.payload).expect("envelope");
                    received.insert(event.id);
                    // An ack lost with the server only means a redelivery.
                    let _ = delivery.acker.ack().await;
                }
            }
            Err(BusError::Unavailable { .. }) => unavailable += 1,
            Err(other) => panic!("unexpected fetch error: {other}"),
        }
    }
    publisher.await.expect("publisher");
    restarter.await.expect("restarter");

    eprintln!(
        "{} deliveries, {} unique, {unavailable} fetches unavailable, {} publish errors during \
         the outage, {:?}",
        deliveries,
        received.len(),
        log.errors_while_down.load(Ordering::SeqCst),
        started.elapsed()
    );
    assert_eq!(received, expected);
    assert!(unavailable > 0, "no fetch noticed the outage");
    assert!(
        log.errors_while_down.load(Ordering::SeqCst) > 0,
        "no publish failed while the server was down"
    );

    let client = async_nats::connect(&url).await.expect("connect");
    async_nats::jetstream::new(client)
        .delete_stream(&bus.config().stream)
        .await
        .expect("delete the test stream");
}

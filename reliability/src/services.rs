//! The real services: their URLs from the environment (tests skip, saying so, when unset) and
//! restarts of the local brokers.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A service the tests need.
#[derive(Debug, Clone, Copy)]
pub enum Service {
    /// PostgreSQL.
    Postgres,
    /// NATS with JetStream.
    Nats,
    /// RabbitMQ.
    Rabbitmq,
}

impl Service {
    /// The variable holding its URL.
    pub fn variable(self) -> &'static str {
        match self {
            Service::Postgres => "HERALD_TEST_POSTGRES_URL",
            Service::Nats => "HERALD_TEST_NATS_URL",
            Service::Rabbitmq => "HERALD_TEST_AMQP_URL",
        }
    }

    /// The URL, or `None` after printing that the calling test skipped and why.
    pub fn url(self, test: &str) -> Option<String> {
        let url = herald_runtime::testing::service_url(self.variable());
        if url.is_none() {
            eprintln!("(in {test})");
        }
        url
    }
}

fn address(url: &str, default_port: u16) -> Option<SocketAddr> {
    let rest = url.split("://").nth(1)?;
    let host_port = rest.split(['/', '?']).next()?;
    let host_port = host_port.rsplit('@').next()?;
    let with_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    };
    with_port.to_socket_addrs().ok()?.next()
}

fn listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

fn wait_port(addr: SocketAddr, open: bool, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if listening(addr) == open {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

const NATS_START: [&str; 14] = [
    "--start",
    "--oknodo",
    "--background",
    "--exec",
    "/usr/sbin/nats-server",
    "--",
    "-a",
    "127.0.0.1",
    "-p",
    "4222",
    "-js",
    "-sd",
    "/var/lib/nats-server",
    "-l",
];

fn start_nats() {
    let mut args: Vec<&str> = NATS_START.to_vec();
    args.push("/var/log/nats-server.log");
    let _ = run_bounded(Command::new("start-stop-daemon").args(&args), COMMAND_LIMIT);
}

/// How long one service command (`rabbitmqctl`, `start-stop-daemon`) may run: `rabbitmqctl`
/// can wait on an unreachable Erlang node for minutes, and a test must fail, never hang.
const COMMAND_LIMIT: Duration = Duration::from_secs(90);

/// Runs `command` with its output discarded, killing it after `limit`; `Ok(true)` when it
/// exited successfully.
fn run_bounded(command: &mut Command, limit: Duration) -> Result<bool, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("cannot run {program}: {err}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.success()),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{program} did not finish within {} s",
                    limit.as_secs()
                ));
            }
            Err(err) => return Err(format!("waiting for {program}: {err}")),
        }
    }
}

/// Stops the local broker behind `url` and starts it again once its port has closed; returns
/// once it accepts connections again. The broker is started even when the stop half fails.
pub fn restart(service: Service, url: &str) -> Result<(), String> {
    match service {
        Service::Nats => {
            let addr = address(url, 4222).ok_or("cannot read the NATS address")?;
            let _ = run_bounded(
                Command::new("start-stop-daemon").args([
                    "--stop",
                    "--oknodo",
                    "--retry",
                    "10",
                    "--exec",
                    "/usr/sbin/nats-server",
                ]),
                COMMAND_LIMIT,
            );
            let closed = wait_port(addr, false, Duration::from_secs(15));
            start_nats();
            if !closed {
                return Err("nats-server did not stop".into());
            }
            if wait_port(addr, true, Duration::from_secs(30)) {
                Ok(())
            } else {
                Err("nats-server did not come back".into())
            }
        }
        Service::Rabbitmq => {
            let addr = address(url, 5672).ok_or("cannot read the AMQP address")?;
            let stopped = run_bounded(Command::new("rabbitmqctl").arg("stop_app"), COMMAND_LIMIT);
            let closed = wait_port(addr, false, Duration::from_secs(30));
            let started = run_bounded(Command::new("rabbitmqctl").arg("start_app"), COMMAND_LIMIT);
            match stopped {
                Ok(true) if closed => {}
                Ok(_) => return Err("RabbitMQ did not stop".into()),
                Err(reason) => return Err(format!("RabbitMQ did not stop: {reason}")),
            }
            if let Err(reason) = started {
                return Err(format!("RabbitMQ did not start again: {reason}"));
            }
            if wait_port(addr, true, Duration::from_secs(60)) {
                Ok(())
            } else {
                Err("RabbitMQ did not come back".into())
            }
        }
        Service::Postgres => Err("restarting PostgreSQL is not part of these tests".into()),
    }
}

/// A short random suffix for names (streams, queues, schemas), unique across parallel tests.
pub fn unique(prefix: &str) -> String {
    let id = uuid_like();
    format!("{prefix}{id}")
}

fn uuid_like() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}", RandomState::new().hash_one(nanos) & 0xffff_ffff)
}

//! A durable consumer that survives the broker going away.
//!
//! lapin does not tell a consumer stream that its connection died in every case (lapin#389:
//! the stream may just stop yielding), so the subscription checks the connection and channel
//! itself while it waits, and on any sign of death (an error or the end of the stream, a closed
//! connection or channel) drops them and opens new ones — connection, channel, declarations,
//! `basic.qos` and `basic.consume` — with exponential backoff, all inside [`fetch`].
//!
//! [`fetch`]: Subscription::fetch

use std::time::Duration;

use async_trait::async_trait;
use futures_util::{FutureExt, StreamExt};
use lapin::Consumer;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use tokio::time::Instant;

use super::RabbitConfig;
use super::delivery::from_lapin;
use super::link::{Link, declare_failed, unavailable, within};
use super::topology::Topology;
use crate::bus::{BusError, Delivery, Subscription};

/// How often a waiting fetch checks that its connection and channel are still open.
const HEALTH_CHECK: Duration = Duration::from_millis(500);
/// The least time a reconnection attempt gets, even when `fetch` was asked to wait less.
const MIN_CONNECT_BUDGET: Duration = Duration::from_secs(1);

/// A durable RabbitMQ consumer: a quorum queue named after the consumer, read through one
/// connection of its own.
///
/// Deliveries come in queue order. A delivery that goes back to the queue (a `nak`, or its
/// channel closing — dropping the subscription closes its connection in the background) may
/// come again after events that were behind it; the inbox or the replica's version guard
/// absorbs that, as it absorbs the redelivery itself.
pub struct RabbitSubscription {
    url: String,
    config: RabbitConfig,
    topology: Topology,
    live: Option<Live>,
    /// The still-open connection of a consumer the broker cancelled (its queue was deleted):
    /// reused for the next consumer, so the deliveries it handed out can still be settled.
    spare: Option<Link>,
    retry: Backoff,
    /// Why the last connection attempt or the last connection failed, for `Unavailable`.
    last_error: Option<BusError>,
}

/// The open connection, channel and consumer.
struct Live {
    link: Link,
    consumer: Consumer,
}

/// What one read of the consumer stream gave: deliveries (none when `wait` passed without
/// any), and why the connection, channel or consumer died, when it did.
struct Collected {
    deliveries: Vec<lapin::message::Delivery>,
    broken: Option<String>,
}

impl std::fmt::Debug for RabbitSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RabbitSubscription")
            .field("consumer", &self.topology.queue.as_str())
            .field("connected", &self.live.is_some())
            .finish_non_exhaustive()
    }
}

impl RabbitSubscription {
    /// Declares the consumer's topology and starts consuming.
    pub(super) async fn open(
        url: &str,
        config: RabbitConfig,
        topology: Topology,
    ) -> Result<RabbitSubscription, BusError> {
        let opening = Live::open(url, &config, &topology, None);
        let live = within(config.connect_timeout, "subscribing", opening).await?;
        Ok(RabbitSubscription {
            url: url.to_owned(),
            retry: Backoff::new(&config),
            config,
            topology,
            live: Some(live),
            spare: None,
            last_error: None,
        })
    }

    /// Opens a new connection and consumer, retrying with backoff until `deadline`.
    ///
    /// Each attempt gets at least [`MIN_CONNECT_BUDGET`], so a fetch with a tiny `wait` still
    /// gets one real try; past `deadline` the last failure is returned (`Unavailable` while the
    /// broker cannot be reached, `Setup` when it refuses a declaration).
    async fn reconnect(&mut self, deadline: Instant) -> Result<(), BusError> {
        loop {
            if let Some(at) = self.retry.next_attempt
                && at > Instant::now()
            {
                if at >= deadline {
                    tokio::time::sleep_until(deadline).await;
                    return Err(self.failure());
                }
                tokio::time::sleep_until(at).await;
            }
            let budget = deadline
                .saturating_duration_since(Instant::now())
                .max(MIN_CONNECT_BUDGET)
                .min(self.config.connect_timeout);
            let spare = self.spare.take().filter(Link::alive);
            let attempt = Live::open(&self.url, &self.config, &self.topology, spare);
            match within(budget, "reconnecting", attempt).await {
                Ok(live) => {
                    tracing::info!(consumer = %self.topology.queue, "rabbitmq: consumer reconnected");
                    self.live = Some(live);
                    self.retry.succeeded();
                    self.last_error = None;
                    return Ok(());
                }
                Err(err) => {
                    tracing::debug!(consumer = %self.topology.queue, error = %err, "rabbitmq: reconnect failed");
                    self.last_error = Some(err);
                    self.retry.failed();
                    if Instant::now() >= deadline {
                        return Err(self.failure());
                    }
                }
            }
        }
    }

    /// The error to report while no connection is open: the last failure again, so every
    /// fetch during an outage says why.
    fn failure(&self) -> BusError {
        match &self.last_error {
            Some(BusError::Setup { bus, what, reason }) => BusError::Setup {
                bus,
                what: what.clone(),
                reason: reason.clone(),
            },
            Some(BusError::Unavailable { reason, .. }) => unavailable(reason),
            Some(other) => unavailable(other),
            None => unavailable("the connection to the broker was lost"),
        }
    }
}

#[async_trait]
impl Subscription for RabbitSubscription {
    /// Waits up to `wait` for the first delivery, then takes whatever else is already buffered,
    /// up to `max`, without waiting further. While reconnecting it may overrun `wait` by at most
    /// one attempt's minimum budget (1 s) when `wait` is shorter than that.
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        let deadline = Instant::now() + wait;
        if max == 0 {
            return Ok(Vec::new());
        }
        loop {
            let live = match self.live.as_mut() {
                Some(live) => live,
                None => {
                    self.reconnect(deadline).await?;
                    continue;
                }
            };
            let Collected { deliveries, broken } = live.collect(max, deadline).await;
            let Some(reason) = broken else {
                let limit = self.config.confirm_timeout;
                return Ok(deliveries
                    .into_iter()
                    .map(|delivery| from_lapin(delivery, limit))
                    .collect());
            };
            tracing::warn!(consumer = %self.topology.queue, %reason, "rabbitmq: consumer lost its connection");
            self.spare = self.live.take().map(|live| live.link).filter(Link::alive);
            self.last_error = Some(unavailable(&reason));
            // Deliveries from a dead channel are back in the queue already; only a cancelled
            // consumer on a live channel leaves deliveries that can still be settled.
            let settleable: Vec<Delivery> = deliveries
                .into_iter()
                .filter(|delivery| delivery.acker.usable())
                .map(|delivery| from_lapin(delivery, self.config.confirm_timeout))
                .collect();
            if !settleable.is_empty() {
                return Ok(settleable);
            }
            if Instant::now() >= deadline {
                return Err(self.failure());
            }
        }
    }

    /// Cancels the broker-side consumer (`basic.cancel`), keeping the channel open so the
    /// deliveries handed out can still be settled.
    async fn stop(&mut self) {
        let Some(live) = self.live.as_ref() else {
            return;
        };
        let cancelling = async {
            live.link
                .channel
                .basic_cancel(live.consumer.tag(), BasicCancelOptions::default())
                .await
                .map_err(|err| declare_failed("the consumer's cancel", &err))
        };
        let limit = self.config.connect_timeout;
        if let Err(error) = within(limit, "cancelling the consumer", cancelling).await {
            tracing::debug!(consumer = %self.topology.queue, %error, "rabbitmq: cancelling the consumer failed");
        }
    }
}

impl Live {
    /// Connects (or reuses `spare`), declares the topology, sets the prefetch and starts a
    /// manual-ack consumer.
    async fn open(
        url: &str,
        config: &RabbitConfig,
        topology: &Topology,
        spare: Option<Link>,
    ) -> Result<Live, BusError> {
        let link = match spare {
            Some(link) => link,
            None => {
                let name = format!("herald consumer {}", topology.queue);
                Link::open(url, &name, config.connect_timeout, config.heartbeat).await?
            }
        };
        topology.declare(&link.channel).await?;
        link.channel
            .basic_qos(topology.prefetch, BasicQosOptions { global: false })
            .await
            .map_err(|err| declare_failed("the prefetch (basic.qos)", &err))?;
        let options = BasicConsumeOptions {
            no_ack: false,
            ..BasicConsumeOptions::default()
        };
        let consumer = link
            .channel
            .basic_consume(
                topology.queue.clone(),
                "".into(),
                options,
                FieldTable::default(),
            )
            .await
            .map_err(|err| {
                declare_failed(format_args!("a consumer on `{}`", topology.queue), &err)
            })?;
        Ok(Live { link, consumer })
    }

    /// Waits until `deadline` for one delivery, checking the link every [`HEALTH_CHECK`], then
    /// takes what else is ready, up to `max`.
    async fn collect(&mut self, max: usize, deadline: Instant) -> Collected {
        let mut deliveries = Vec::new();
        let broken = |deliveries, reason: String| Collected {
            deliveries,
            broken: Some(reason),
        };
        while deliveries.is_empty() {
            if !self.link.alive() {
                return broken(deliveries, "the connection or channel closed".to_owned());
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let slice_end = deadline.min(now + HEALTH_CHECK);
            match tokio::time::timeout_at(slice_end, self.consumer.next()).await {
                Err(_) => {}
                Ok(Some(Ok(delivery))) => deliveries.push(delivery),
                Ok(Some(Err(err))) => return broken(deliveries, err.to_string()),
                Ok(None) => return broken(deliveries, cancelled()),
            }
        }
        while !deliveries.is_empty() && deliveries.len() < max {
            match self.consumer.next().now_or_never() {
                None => break,
                Some(Some(Ok(delivery))) => deliveries.push(delivery),
                Some(Some(Err(err))) => return broken(deliveries, err.to_string()),
                Some(None) => return broken(deliveries, cancelled()),
            }
        }
        Collected {
            deliveries,
            broken: None,
        }
    }
}

fn cancelled() -> String {
    "the consumer was cancelled (queue deleted or connection lost)".to_owned()
}

/// Exponential backoff between reconnection attempts, kept across fetches so a caller that
/// fetches in a tight loop does not hammer a broker that is down.
struct Backoff {
    first: Duration,
    max: Duration,
    current: Duration,
    next_attempt: Option<Instant>,
}

impl Backoff {
    fn new(config: &RabbitConfig) -> Backoff {
        Backoff {
            first: config.reconnect_delay,
            max: config.max_reconnect_delay,
            current: config.reconnect_delay,
            next_attempt: None,
        }
    }

    fn failed(&mut self) {
        self.next_attempt = Some(Instant::now() + self.current);
        self.current = (self.current * 2).min(self.max);
    }

    fn succeeded(&mut self) {
        self.current = self.first;
        self.next_attempt = None;
    }
}

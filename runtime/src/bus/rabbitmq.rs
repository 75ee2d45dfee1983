//! The RabbitMQ bus: one durable topic exchange per catalog, one durable quorum queue per
//! consumer.
//!
//! - **Publishing** sends each envelope's bytes to the exchange with routing key
//!   `{type}.{key}` (both encoded by [`routing::token`]), persistent, `message_id` = the
//!   envelope id, `mandatory`, on a channel in confirm mode, and returns once the broker
//!   confirmed it. [`Bus::publish_all`] keeps up to [`RabbitConfig::confirms_in_flight`]
//!   confirms outstanding and checks them in order.
//! - **Unroutable events.** A topic exchange with no queue bound for an event type drops it:
//!   that is the normal state before any consumer subscribed, so by default such an event is
//!   confirmed like any other (and logged at debug level). Set
//!   [`RabbitConfig::reject_unroutable`] to get [`BusError::NotConfirmed`] instead.
//! - **Subscribing** declares a durable quorum queue named after the consumer, bound with
//!   `{type}.#` per wanted type (`#` for all), with `x-delivery-limit` from `max_deliver`
//!   (RabbitMQ 3.x has no default limit) and its dead letters kept in the queue
//!   `{exchange}.{consumer}.dead` (through the direct exchange `{exchange}.dead`), then consumes with
//!   manual acks and `basic.qos` = `prefetch`; see [`RabbitSubscription`].
//! - **Broker loss.** Both sides check their connection before use and open a new one when it
//!   died; a publish while the broker is down fails with [`BusError::Unavailable`], never
//!   succeeds silently, and the next publish starts on a new connection. Heartbeats every
//!   [`RabbitConfig::heartbeat`] (10 s) make a connection that fell silent count as dead after
//!   two intervals, instead of the two minutes RabbitMQ's own 60 s proposal would allow.
//! - **What RabbitMQ 3.10 cannot do.** It has no delayed requeue (`nak`'s delay is ignored) and
//!   no per-delivery ack deadline (`ack_wait` is not applied: an unacked delivery comes back when
//!   its channel closes, or after the server's `consumer_timeout`, 30 minutes by default).

mod delivery;
mod link;
pub mod routing;
mod subscription;
mod topology;

use std::collections::VecDeque;
use std::time::Duration;

use async_trait::async_trait;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::ShortString;
use lapin::{BasicProperties, Channel, Confirmation, ExchangeKind, PublisherConfirm};
use tokio::sync::Mutex;

use self::link::{BUS, Link, declare_failed, setup, short, unavailable, within};
pub use self::subscription::RabbitSubscription;
use self::topology::{Topology, declare_exchange};
use crate::bus::{Bus, BusError, Subscription, SubscriptionSpec};
use crate::envelope::Envelope;

/// The content type of structured-mode CloudEvents in JSON.
const CLOUDEVENTS_JSON: &str = "application/cloudevents+json";
/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

/// How herald uses a RabbitMQ broker.
#[derive(Debug, Clone)]
pub struct RabbitConfig {
    /// The durable topic exchange events are published to; dead letters go to
    /// `{exchange}.dead`.
    pub exchange: String,
    /// How many publisher confirms `publish_all` leaves outstanding before waiting.
    pub confirms_in_flight: usize,
    /// Whether an event no queue is bound for is an error rather than a confirmed publish.
    pub reject_unroutable: bool,
    /// How long opening a connection (with its declarations) may take.
    pub connect_timeout: Duration,
    /// How long to wait for the broker to confirm one publish, or to take one ack or nak.
    pub confirm_timeout: Duration,
    /// The first wait between reconnection attempts of a subscription; it doubles per failure.
    pub reconnect_delay: Duration,
    /// The longest wait between reconnection attempts.
    pub max_reconnect_delay: Duration,
    /// The AMQP heartbeat asked of the broker, unless the URL sets `heartbeat`: a connection
    /// that falls silent is given up after two intervals, and reopened.
    pub heartbeat: Duration,
}

impl RabbitConfig {
    /// The defaults for `catalog`: exchange `herald.{catalog}`, 256 confirms in flight,
    /// unroutable events accepted, 5 s to connect, 30 s per confirm, reconnecting after
    /// 100 ms doubling up to 5 s, heartbeats every 10 s.
    pub fn new(catalog: &str) -> RabbitConfig {
        RabbitConfig {
            exchange: format!("herald.{catalog}"),
            confirms_in_flight: 256,
            reject_unroutable: false,
            connect_timeout: Duration::from_secs(5),
            confirm_timeout: Duration::from_secs(30),
            reconnect_delay: Duration::from_millis(100),
            max_reconnect_delay: Duration::from_secs(5),
            heartbeat: Duration::from_secs(10),
        }
    }
}

/// A [`Bus`] on RabbitMQ.
pub struct RabbitBus {
    url: String,
    config: RabbitConfig,
    exchange: ShortString,
    /// The publishing connection, replaced when it dies or a publish on it failed. The lock is
    /// held only to check or replace it; publishes run on clones of its channel.
    publisher: Mutex<Publisher>,
}

/// The current publishing link, numbered so that a failed publish drops the link it ran on and
/// not a newer one another task opened meanwhile.
struct Publisher {
    link: Option<Link>,
    generation: u64,
}

impl std::fmt::Debug for RabbitBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it carries the password.
        f.debug_struct("RabbitBus")
            .field("exchange", &self.config.exchange)
            .finish_non_exhaustive()
    }
}

impl RabbitBus {
    /// Connects to the broker at `url` (`amqp://user:pass@host:5672/%2f`) and declares the
    /// exchange.
    pub async fn connect(url: &str, config: RabbitConfig) -> Result<RabbitBus, BusError> {
        let exchange = short("exchange", &config.exchange).map_err(|r| setup("exchange", r))?;
        let link = open_publisher(url, &config, &exchange).await?;
        Ok(RabbitBus {
            url: url.to_owned(),
            config,
            exchange,
            publisher: Mutex::new(Publisher {
                link: Some(link),
                generation: 0,
            }),
        })
    }

    /// The configuration the bus runs with.
    pub fn config(&self) -> &RabbitConfig {
        &self.config
    }

    /// The publishing channel and its link's generation, reconnecting first when the
    /// connection died or was dropped.
    async fn channel(&self) -> Result<(Channel, u64), BusError> {
        let mut publisher = self.publisher.lock().await;
        if let Some(link) = publisher.link.as_ref()
            && link.alive()
        {
            return Ok((link.channel.clone(), publisher.generation));
        }
        publisher.link = None;
        let link = open_publisher(&self.url, &self.config, &self.exchange).await?;
        let channel = link.channel.clone();
        publisher.link = Some(link);
        publisher.generation += 1;
        Ok((channel, publisher.generation))
    }

    /// Drops the link of `generation` after a publish on it failed. A timeout or a lost
    /// connection may leave a socket that lapin still calls open until heartbeats notice;
    /// retrying on it would fail the same way. After a broker's refusal a new connection is
    /// not needed, but costs only milliseconds, and refusals are rare.
    async fn forget(&self, generation: u64) {
        let mut publisher = self.publisher.lock().await;
        if publisher.generation == generation {
            publisher.link = None;
        }
    }

    /// Sends one envelope; the returned future resolves to the broker's confirmation.
    async fn send(
        &self,
        channel: &Channel,
        envelope: &Envelope,
    ) -> Result<PublisherConfirm, BusError> {
        let not_confirmed = |reason: String| BusError::NotConfirmed {
            bus: BUS,
            event_id: envelope.id.clone(),
            reason,
        };
        let routing_key = routing::routing_key(&envelope.event_type, envelope.key())
            .map_err(|err| not_confirmed(err.to_string()))?;
        let routing_key = short("routing key", &routing_key).map_err(not_confirmed)?;
        let message_id = short("message id", &envelope.id).map_err(not_confirmed)?;
        let properties = BasicProperties::default()
            .with_delivery_mode(PERSISTENT)
            .with_message_id(message_id)
            .with_content_type(CLOUDEVENTS_JSON.into());
        let options = BasicPublishOptions {
            mandatory: true,
            immediate: false,
        };
        let payload = envelope.to_vec();
        let sending = channel.basic_publish(
            self.exchange.clone(),
            routing_key,
            options,
            &payload,
            properties,
        );
        // A broker under a resource alarm blocks publishers; never wait on it forever.
        match tokio::time::timeout(self.config.confirm_timeout, sending).await {
            Ok(sent) => sent.map_err(|err| publish_failed(&envelope.id, &err)),
            Err(_) => Err(not_confirmed(format!(
                "the broker did not take it within {} ms (is it blocking publishers?)",
                self.config.confirm_timeout.as_millis()
            ))),
        }
    }

    /// Waits for one confirmation and judges it.
    async fn settle(&self, event_id: &str, confirm: PublisherConfirm) -> Result<(), BusError> {
        let not_confirmed = |reason: String| BusError::NotConfirmed {
            bus: BUS,
            event_id: event_id.to_owned(),
            reason,
        };
        let confirmation = tokio::time::timeout(self.config.confirm_timeout, confirm)
            .await
            .map_err(|_| {
                not_confirmed(format!(
                    "no confirmation within {} ms",
                    self.config.confirm_timeout.as_millis()
                ))
            })?
            .map_err(|err| publish_failed(event_id, &err))?;
        match confirmation {
            Confirmation::Ack(None) => Ok(()),
            Confirmation::Ack(Some(returned)) => {
                let routing_key = returned.delivery.routing_key.as_str();
                if self.config.reject_unroutable {
                    return Err(not_confirmed(format!(
                        "unroutable: no queue is bound for routing key `{routing_key}`"
                    )));
                }
                tracing::debug!(
                    event_id,
                    routing_key,
                    "rabbitmq: no queue is bound for the event"
                );
                Ok(())
            }
            Confirmation::Nack(_) => Err(not_confirmed("the broker nacked it".to_owned())),
            Confirmation::NotRequested => Err(not_confirmed(
                "the channel is not in confirm mode".to_owned(),
            )),
        }
    }

    /// Publishes `envelopes` on `channel` with up to `confirms_in_flight` confirms outstanding.
    async fn publish_on(&self, channel: &Channel, envelopes: &[Envelope]) -> Result<(), BusError> {
        let window = self.config.confirms_in_flight.max(1);
        let mut in_flight = VecDeque::with_capacity(window.min(envelopes.len()));
        for envelope in envelopes {
            if in_flight.len() >= window
                && let Some((event_id, confirm)) = in_flight.pop_front()
            {
                self.settle(event_id, confirm).await?;
            }
            in_flight.push_back((envelope.id.as_str(), self.send(channel, envelope).await?));
        }
        while let Some((event_id, confirm)) = in_flight.pop_front() {
            self.settle(event_id, confirm).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Bus for RabbitBus {
    fn name(&self) -> &'static str {
        BUS
    }

    async fn publish(&self, envelope: &Envelope) -> Result<(), BusError> {
        self.publish_all(std::slice::from_ref(envelope)).await
    }

    async fn publish_all(&self, envelopes: &[Envelope]) -> Result<(), BusError> {
        let (channel, generation) = self.channel().await?;
        let result = self.publish_on(&channel, envelopes).await;
        if result.is_err() {
            self.forget(generation).await;
        }
        result
    }

    async fn subscribe(&self, spec: &SubscriptionSpec) -> Result<Box<dyn Subscription>, BusError> {
        let topology = Topology::new(&self.config.exchange, spec)?;
        let subscription =
            RabbitSubscription::open(&self.url, self.config.clone(), topology).await?;
        Ok(Box::new(subscription))
    }
}

/// A publishing connection: confirm mode on, exchange declared.
async fn open_publisher(
    url: &str,
    config: &RabbitConfig,
    exchange: &ShortString,
) -> Result<Link, BusError> {
    let name = format!("herald publisher {exchange}");
    let opening = async {
        let link = Link::open(url, &name, config.connect_timeout, config.heartbeat).await?;
        link.channel
            .confirm_select(ConfirmSelectOptions { nowait: false })
            .await
            .map_err(|err| declare_failed("publisher confirms", &err))?;
        declare_exchange(&link.channel, exchange, ExchangeKind::Topic).await?;
        Ok(link)
    };
    within(config.connect_timeout, "connecting the publisher", opening).await
}

/// A failed publish or confirmation: a broker refusal is `NotConfirmed`, a lost connection
/// `Unavailable` (either way the event may or may not have arrived; a retry republishes it).
fn publish_failed(event_id: &str, err: &lapin::Error) -> BusError {
    if err.is_amqp_soft_error() {
        BusError::NotConfirmed {
            bus: BUS,
            event_id: event_id.to_owned(),
            reason: err.to_string(),
        }
    } else {
        unavailable(format_args!("publishing event {event_id}: {err}"))
    }
}

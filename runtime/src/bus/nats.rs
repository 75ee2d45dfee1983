//! The NATS JetStream bus (server 2.9 and later).
//!
//! One stream per catalog holds every event, on subjects `{prefix}.{event_type}.{key}` (both
//! parts escaped by [`subject::token`]), so the stream keeps per-key order and a consumer can
//! filter by type on the server. Each publish carries `Nats-Msg-Id` = the envelope id, so a
//! republish inside the stream's duplicate window is stored once, and waits for the PubAck.
//! Subscriptions are durable pull consumers with explicit acks and a finite `max_deliver`.
//!
//! async-nats reconnects the connection by itself; this adapter adds what a pull consumer needs
//! on top: a fetch is bounded by its own deadline (a pull request lost with the server would
//! otherwise hang), reports [`BusError::Unavailable`] while the server is away, and simply pulls
//! again once it is back (the durable consumer lives on the server).

mod subject;
mod subscription;

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::{self, stream};
use async_trait::async_trait;

use crate::bus::{Bus, BusError, Subscription, SubscriptionSpec};
use crate::envelope::Envelope;

pub use subject::token as subject_token;
pub use subscription::NatsSubscription;

/// The adapter's name in logs and errors.
const BUS: &str = "nats";

/// How many PubAcks `publish_all` keeps in flight: throughput plateaus from 64 on (runtime
/// anchors §4.2), and 256 leaves headroom without holding many unconfirmed events.
const MAX_PUBLISHES_IN_FLIGHT: usize = 256;

/// Where the stream keeps its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatsStorage {
    /// On disk: survives a server restart. herald's default.
    File,
    /// In memory: lost when the server stops; for tests and throwaway environments.
    Memory,
}

/// How the bus maps a catalog onto JetStream.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// The stream holding the catalog's events, e.g. `HERALD_WEBSHOP`.
    pub stream: String,
    /// The subject prefix of the catalog's events, e.g. `herald.webshop`; the stream takes
    /// `{prefix}.>`, so prefixes of two catalogs on one server must not overlap.
    pub subject_prefix: String,
    /// How long the server remembers envelope ids to drop republished events.
    pub duplicate_window: Duration,
    /// Where the stream keeps its messages (fixed when the stream is created).
    pub storage: NatsStorage,
    /// How long to wait for the server's answer to an API request or a publish.
    pub request_timeout: Duration,
    /// How often the client pings the server. A connection whose pings go unanswered (a
    /// network path that fell silent) is dropped and reopened after about three intervals;
    /// the client's own default, 60 s, would leave a consumer stalled for three minutes.
    pub ping_interval: Duration,
}

impl NatsConfig {
    /// The conventional names for `catalog`: stream `HERALD_<CATALOG>`, subjects
    /// `herald.<catalog>.>`, a 2 minute duplicate window (the server's default), file storage
    /// a 5 s request timeout and a ping every 10 s. Characters outside `[A-Za-z0-9_-]` become
    /// `_`.
    pub fn new(catalog: &str) -> NatsConfig {
        let part = subject::catalog_part(catalog);
        NatsConfig {
            stream: format!("HERALD_{}", part.to_ascii_uppercase()),
            subject_prefix: format!("herald.{}", part.to_ascii_lowercase()),
            duplicate_window: Duration::from_secs(120),
            storage: NatsStorage::File,
            request_timeout: Duration::from_secs(5),
            ping_interval: Duration::from_secs(10),
        }
    }
}

/// A bus on a NATS JetStream stream.
pub struct NatsBus {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    config: NatsConfig,
}

impl NatsBus {
    /// Connects to `url` and creates the catalog's stream, or brings an existing one's subjects
    /// and duplicate window in line with `config`.
    pub async fn connect(url: &str, config: NatsConfig) -> Result<NatsBus, BusError> {
        let client = async_nats::ConnectOptions::new()
            .name("herald")
            .ping_interval(config.ping_interval)
            .event_callback(|event| async move {
                tracing::info!(bus = BUS, %event, "connection event");
            })
            .connect(url)
            .await
            .map_err(|err| BusError::Unavailable {
                bus: BUS,
                reason: err.to_string(),
            })?;
        let jetstream = jetstream::ContextBuilder::new()
            .timeout(config.request_timeout)
            .build(client.clone());
        let bus = NatsBus {
            client,
            jetstream,
            config,
        };
        bus.ensure_stream().await?;
        Ok(bus)
    }

    /// The configuration the bus runs with.
    pub fn config(&self) -> &NatsConfig {
        &self.config
    }

    async fn ensure_stream(&self) -> Result<(), BusError> {
        let setup = |reason: String| BusError::Setup {
            bus: BUS,
            what: format!("stream {}", self.config.stream),
            reason,
        };
        let wanted = stream::Config {
            name: self.config.stream.clone(),
            subjects: vec![subject::all_filter(&self.config.subject_prefix)],
            duplicate_window: self.config.duplicate_window,
            storage: match self.config.storage {
                NatsStorage::File => stream::StorageType::File,
                NatsStorage::Memory => stream::StorageType::Memory,
            },
            ..Default::default()
        };
        let existing = self
            .jetstream
            .get_or_create_stream(wanted.clone())
            .await
            .map_err(|err| setup(err.to_string()))?
            .cached_info()
            .config
            .clone();
        if existing.storage != wanted.storage {
            return Err(setup(format!(
                "it exists with {:?} storage, {:?} was asked for, and JetStream cannot change \
                 the storage of a stream",
                existing.storage, wanted.storage
            )));
        }
        if existing.subjects != wanted.subjects
            || existing.duplicate_window != wanted.duplicate_window
        {
            let updated = stream::Config {
                subjects: wanted.subjects,
                duplicate_window: wanted.duplicate_window,
                ..existing
            };
            self.jetstream
                .update_stream(updated)
                .await
                .map_err(|err| setup(err.to_string()))?;
        }
        Ok(())
    }

    fn is_connected(&self) -> bool {
        self.client.connection_state() == State::Connected
    }

    /// Sends one publish and returns the future of its PubAck. Refuses at once while the
    /// connection is down: the client would buffer the message and the caller could not tell
    /// when, or whether, it reached the server.
    async fn send(&self, envelope: &Envelope) -> Result<PublishAckFuture, BusError> {
        if !self.is_connected() {
            return Err(BusError::Unavailable {
                bus: BUS,
                reason: format!("not connected, event {} was not sent", envelope.id),
            });
        }
        let subject = subject::event_subject(
            &self.config.subject_prefix,
            &envelope.event_type,
            envelope.key(),
        );
        let message = PublishMessage::build()
            .payload(envelope.to_vec().into())
            .message_id(&envelope.id);
        self.jetstream
            .send_publish(subject, message)
            .await
            .map_err(|err| self.publish_error(&envelope.id, err.to_string()))
    }

    /// Waits for a PubAck. A duplicate (`duplicate: true`) is a success: the stream already
    /// holds the event.
    async fn confirm(&self, event_id: &str, ack: PublishAckFuture) -> Result<(), BusError> {
        ack.await
            .map(|_| ())
            .map_err(|err| self.publish_error(event_id, err.to_string()))
    }

    /// A lost connection is `Unavailable` (retry later); anything else the server's refusal.
    fn publish_error(&self, event_id: &str, reason: String) -> BusError {
        if self.is_connected() {
            BusError::NotConfirmed {
                bus: BUS,
                event_id: event_id.to_owned(),
                reason,
            }
        } else {
            BusError::Unavailable {
                bus: BUS,
                reason: format!("event {event_id}: {reason}"),
            }
        }
    }
}

#[async_trait]
impl Bus for NatsBus {
    fn name(&self) -> &'static str {
        BUS
    }

    async fn publish(&self, envelope: &Envelope) -> Result<(), BusError> {
        let ack = self.send(envelope).await?;
        self.confirm(&envelope.id, ack).await
    }

    /// Sends in order with up to [`MAX_PUBLISHES_IN_FLIGHT`] PubAcks outstanding. One
    /// connection carries every publish, so the stream stores them in the order given.
    async fn publish_all(&self, envelopes: &[Envelope]) -> Result<(), BusError> {
        let mut in_flight: VecDeque<(&str, PublishAckFuture)> = VecDeque::new();
        for envelope in envelopes {
            if in_flight.len() >= MAX_PUBLISHES_IN_FLIGHT {
                if let Some((event_id, ack)) = in_flight.pop_front() {
                    self.confirm(event_id, ack).await?;
                }
            }
            let ack = self.send(envelope).await?;
            in_flight.push_back((&envelope.id, ack));
        }
        while let Some((event_id, ack)) = in_flight.pop_front() {
            self.confirm(event_id, ack).await?;
        }
        Ok(())
    }

    async fn subscribe(&self, spec: &SubscriptionSpec) -> Result<Box<dyn Subscription>, BusError> {
        let subscription = NatsSubscription::open(
            self.client.clone(),
            self.jetstream.clone(),
            &self.config,
            spec,
        )
        .await?;
        Ok(Box::new(subscription))
    }
}

//! A durable pull consumer behind the [`Subscription`] contract.
//!
//! NATS 2.9 gives a consumer one filter subject. With exactly one wanted event type the server
//! filters (`{prefix}.{type}.>`); with several, the consumer takes `{prefix}.>` and this side
//! acks and skips deliveries of other types, reading the type from the subject the publisher
//! derived from the envelope's `type`. Skipped deliveries are settled, so they never come back.

use std::collections::HashSet;
use std::time::Duration;

use async_nats::connection::State;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::context::ConsumerInfoErrorKind;
use async_nats::jetstream::{self, AckKind};
use async_trait::async_trait;
use futures_util::FutureExt;
use futures_util::StreamExt;
use tokio::time::{Instant, timeout, timeout_at};

use super::{BUS, NatsConfig, subject};
use crate::bus::{Acker, BusError, Delivery, Subscription, SubscriptionSpec};

/// How far past its `wait` a fetch may run to open (or reopen) the message stream.
const STREAM_OPEN_MARGIN: Duration = Duration::from_millis(500);

/// How long each of the stream's pull requests lasts before the stream renews it.
const STREAM_EXPIRES: Duration = Duration::from_secs(10);

/// The server's idle heartbeat on the stream's pull requests: two missed ones end the stream
/// (the server is gone or the consumer was deleted), and the next fetch reopens it.
const STREAM_HEARTBEAT: Duration = Duration::from_secs(2);

/// The most messages per pull request.
const MAX_BATCH: usize = 256;

/// How often a fetch looks whether a lost connection is back.
const RECONNECT_POLL: Duration = Duration::from_millis(50);

/// How long an ack may wait for room in the client's outgoing buffer.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// An open durable pull consumer.
pub struct NatsSubscription {
    client: async_nats::Client,
    jetstream: jetstream::Context,
    stream: String,
    consumer_config: pull::Config,
    /// The long-lived pull stream; `None` before the first fetch and after an error.
    messages: Option<pull::Stream>,
    /// Whether a stream was opened before: every later one starts with a takeover.
    taken_over: bool,
    /// Messages per pull request of the stream (at most the consumer's ack-pending limit).
    batch: usize,
    prefix: String,
    /// Type tokens to deliver when the server cannot filter (several types); `None` delivers
    /// everything the server sends.
    wanted_types: Option<HashSet<String>>,
}

/// Prepares the durable consumer for a new subscriber, which takes over from the previous one.
///
/// JetStream redelivers a delivery the previous subscriber left unacked (it crashed, or was
/// stopped with events in flight) only after `ack_wait`, and meanwhile hands out *later* events,
/// including later events of the same key: per-key order would break across every restart. So
/// when the consumer has deliveries above its ack floor, it is recreated to start right after
/// the floor: everything not yet acked comes again, in stream order, before anything new
/// (deliveries acked out of order above the floor come again too; the inbox skips them). This
/// is what a single subscriber per durable name expects, and what herald's consumer loop is.
/// Without outstanding deliveries the consumer is kept, with the start position it has.
async fn take_over(
    jetstream: &jetstream::Context,
    stream: &str,
    mut wanted: pull::Config,
) -> Result<pull::Config, String> {
    let Some(name) = wanted.durable_name.clone() else {
        return Ok(wanted);
    };
    let stream = jetstream
        .get_stream(stream)
        .await
        .map_err(|err| err.to_string())?;
    let info = match stream.consumer_info(&name).await {
        Ok(info) => info,
        Err(err) if err.kind() == ConsumerInfoErrorKind::NotFound => return Ok(wanted),
        Err(err) => return Err(err.to_string()),
    };
    let floor = info.ack_floor.stream_sequence;
    if info.delivered.stream_sequence > floor {
        stream
            .delete_consumer(&name)
            .await
            .map_err(|err| err.to_string())?;
        wanted.deliver_policy = DeliverPolicy::ByStartSequence {
            start_sequence: floor + 1,
        };
    } else {
        // The server refuses to change a consumer's start position in an update.
        wanted.deliver_policy = info.config.deliver_policy;
    }
    Ok(wanted)
}

impl NatsSubscription {
    /// Creates (or updates and resumes) the durable consumer `spec.consumer`.
    pub(super) async fn open(
        client: async_nats::Client,
        jetstream: jetstream::Context,
        config: &NatsConfig,
        spec: &SubscriptionSpec,
    ) -> Result<NatsSubscription, BusError> {
        let prefix = config.subject_prefix.clone();
        let (filter_subject, wanted_types) = match spec.event_types.as_slice() {
            [] => (subject::all_filter(&prefix), None),
            [only] => (subject::type_filter(&prefix, only), None),
            several => (
                subject::all_filter(&prefix),
                Some(several.iter().map(|t| subject::token(t)).collect()),
            ),
        };
        let consumer_config = pull::Config {
            durable_name: Some(subject::durable_name(&spec.consumer)),
            deliver_policy: DeliverPolicy::All,
            ack_policy: AckPolicy::Explicit,
            ack_wait: spec.ack_wait,
            // 0 would mean "forever" to the server; a cap is the point of the setting.
            max_deliver: i64::from(spec.max_deliver.max(1)),
            max_ack_pending: i64::try_from(spec.prefetch.max(1)).unwrap_or(i64::MAX),
            filter_subject,
            ..Default::default()
        };
        let consumer_config = take_over(&jetstream, &config.stream, consumer_config)
            .await
            .map_err(|reason| BusError::Setup {
                bus: BUS,
                what: format!("consumer {}", spec.consumer),
                reason,
            })?;
        let subscription = NatsSubscription {
            client,
            jetstream,
            stream: config.stream.clone(),
            consumer_config,
            messages: None,
            // The takeover above already ran for the first stream.
            taken_over: false,
            batch: spec.prefetch.clamp(1, MAX_BATCH),
            prefix,
            wanted_types,
        };
        subscription
            .create_consumer()
            .await
            .map_err(|reason| BusError::Setup {
                bus: BUS,
                what: format!("consumer {}", spec.consumer),
                reason,
            })?;
        Ok(subscription)
    }

    /// Creates the consumer, or updates it when it exists (NATS 2.9 treats a create of an
    /// existing durable as an update and keeps its position).
    async fn create_consumer(&self) -> Result<PullConsumer, String> {
        self.jetstream
            .create_consumer_on_stream(self.consumer_config.clone(), &self.stream)
            .await
            .map_err(|err| err.to_string())
    }

    fn is_connected(&self) -> bool {
        self.client.connection_state() == State::Connected
    }

    fn unavailable(reason: impl Into<String>) -> BusError {
        BusError::Unavailable {
            bus: BUS,
            reason: reason.into(),
        }
    }

    /// Waits until the connection is up, or reports `Unavailable` at `deadline`.
    async fn wait_for_connection(&self, deadline: Instant) -> Result<(), BusError> {
        while !self.is_connected() {
            if Instant::now() >= deadline {
                return Err(Self::unavailable("not connected to the server"));
            }
            tokio::time::sleep_until(deadline.min(Instant::now() + RECONNECT_POLL)).await;
        }
        Ok(())
    }

    /// The open message stream, created (after a takeover, see [`take_over`]) when there is
    /// none: at start, and after an error dropped the previous one.
    async fn messages(&mut self, deadline: Instant) -> Result<&mut pull::Stream, BusError> {
        if self.messages.is_none() {
            let opened = timeout_at(deadline, self.open_messages())
                .await
                .map_err(|_| Self::unavailable("the consumer could not be restored in time"))?
                .map_err(|reason| {
                    Self::unavailable(format!("cannot restore the consumer: {reason}"))
                })?;
            self.messages = Some(opened);
        }
        self.messages
            .as_mut()
            .ok_or_else(|| Self::unavailable("no message stream"))
    }

    async fn open_messages(&mut self) -> Result<pull::Stream, String> {
        if self.taken_over {
            self.consumer_config =
                take_over(&self.jetstream, &self.stream, self.consumer_config.clone()).await?;
        }
        self.taken_over = true;
        let consumer = self.create_consumer().await?;
        consumer
            .stream()
            .max_messages_per_batch(self.batch)
            .expires(STREAM_EXPIRES)
            .heartbeat(STREAM_HEARTBEAT)
            .messages()
            .await
            .map_err(|err| err.to_string())
    }

    /// Turns a message into a delivery, or acks and drops it when its type is not wanted.
    async fn accept(&self, message: jetstream::Message) -> Option<Delivery> {
        if let Some(wanted) = &self.wanted_types {
            let type_token = subject::type_token_of(&self.prefix, message.subject.as_str());
            if !type_token.is_some_and(|t| wanted.contains(t)) {
                if let Err(err) = message.ack().await {
                    tracing::debug!(bus = BUS, %err, "cannot ack a skipped delivery");
                }
                return None;
            }
        }
        let (attempt, pending) = match message.info() {
            Ok(info) => (
                u32::try_from(info.delivered.max(1)).unwrap_or(u32::MAX),
                Some(info.pending),
            ),
            Err(_) => (1, None),
        };
        let (message, acker) = message.split();
        Some(Delivery {
            payload: message.payload.to_vec(),
            attempt,
            pending,
            acker: Box::new(NatsAcker { acker }),
        })
    }
}

#[async_trait]
impl Subscription for NatsSubscription {
    /// Waits up to `wait` for the first delivery, then takes whatever else the stream already
    /// holds, up to `max`.
    ///
    /// Deliveries come from one long-lived pull stream rather than a pull request per fetch: a
    /// request abandoned at the caller's deadline still receives what the server sends it, and
    /// those deliveries would only come back after `ack_wait`, behind later events of the same
    /// key. After any stream error the stream is dropped and the next one starts with a
    /// takeover, so whatever it held comes again in order.
    async fn fetch(&mut self, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        let deadline = Instant::now() + wait;
        let mut out = Vec::new();
        if max == 0 {
            return Ok(out);
        }
        self.wait_for_connection(deadline).await?;
        while out.len() < max {
            let stream = match self.messages(deadline + STREAM_OPEN_MARGIN).await {
                Ok(stream) => stream,
                Err(error) if out.is_empty() => return Err(error),
                Err(_) => return Ok(out),
            };
            let next = if out.is_empty() {
                match timeout_at(deadline, stream.next()).await {
                    Ok(next) => next,
                    Err(_) => break,
                }
            } else {
                match stream.next().now_or_never() {
                    Some(next) => next,
                    None => break,
                }
            };
            match next {
                Some(Ok(message)) => {
                    if let Some(delivery) = self.accept(message).await {
                        out.push(delivery);
                    }
                }
                Some(Err(error)) => {
                    tracing::debug!(bus = BUS, %error, "message stream failed; reopening");
                    self.messages = None;
                    if !out.is_empty() {
                        break;
                    }
                    if !self.is_connected() {
                        return Err(Self::unavailable(error.to_string()));
                    }
                    tokio::time::sleep_until(deadline.min(Instant::now() + RECONNECT_POLL)).await;
                    if Instant::now() >= deadline {
                        break;
                    }
                }
                None => {
                    self.messages = None;
                    if !out.is_empty() || Instant::now() >= deadline {
                        break;
                    }
                }
            }
        }
        if out.is_empty() && !self.is_connected() {
            return Err(Self::unavailable("not connected to the server"));
        }
        Ok(out)
    }
}

/// Settles one JetStream delivery with a plain (fire-and-forget) ack: the inbox makes a
/// redelivery after a lost ack harmless, and `double_ack` costs 9-13x the throughput.
struct NatsAcker {
    acker: jetstream::message::Acker,
}

impl NatsAcker {
    async fn send(&self, kind: AckKind) -> Result<(), BusError> {
        let ack_error = |reason: String| BusError::Ack { bus: BUS, reason };
        timeout(ACK_TIMEOUT, self.acker.ack_with(kind))
            .await
            .map_err(|_| ack_error("the client's send buffer stayed full".to_owned()))?
            .map_err(|err| ack_error(err.to_string()))
    }
}

#[async_trait]
impl Acker for NatsAcker {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        self.send(AckKind::Ack).await
    }

    async fn nak(self: Box<Self>, delay: Duration) -> Result<(), BusError> {
        self.send(AckKind::Nak(Some(delay))).await
    }
}

//! What herald declares on the broker: the catalog's topic exchange, and per durable consumer a
//! quorum queue with its bindings and a dead-letter queue.
//!
//! ```text
//! publisher ──▶ {exchange} (topic) ──{type}.# / #──▶ {exchange}.{consumer} (quorum, x-delivery-limit)
//!                                                          │ over the limit
//!                                                          ▼
//!               {exchange}.dead (direct) ──{exchange}.{consumer}.dead──▶ {exchange}.{consumer}.dead (quorum)
//! ```
//!
//! The dead-letter exchange is `direct`, keyed by the dead queue's name, so each consumer's dead
//! letters land only in its own `{exchange}.{consumer}.dead` (a fanout would copy them to every consumer's).
//! Declarations are idempotent: re-subscribing with the same name finds the same queue and
//! resumes. Queue arguments cannot change after the first declaration (the broker answers
//! PRECONDITION_FAILED, reported as [`BusError::Setup`]), and bindings are only ever added: a
//! consumer that drops an event type keeps receiving it until the binding is removed by hand.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};

use super::link::{declare_failed, setup, short};
use super::routing::binding_key;
use crate::bus::{BusError, SubscriptionSpec};

/// The names and arguments of one durable consumer's queues.
#[derive(Debug, Clone)]
pub(super) struct Topology {
    exchange: ShortString,
    dead_exchange: ShortString,
    /// The consumer's queue, `{exchange}.{consumer}`.
    pub(super) queue: ShortString,
    dead_queue: ShortString,
    bindings: Vec<ShortString>,
    delivery_limit: i64,
    /// `basic.qos` prefetch, at least 1 (0 would mean unlimited to AMQP).
    pub(super) prefetch: u16,
}

impl Topology {
    /// The topology of `spec`'s consumer on `exchange`.
    pub(super) fn new(exchange: &str, spec: &SubscriptionSpec) -> Result<Topology, BusError> {
        let name =
            |what: &str, value: &str| short(what, value).map_err(|reason| setup(what, reason));
        let mut bindings = Vec::new();
        if spec.event_types.is_empty() {
            bindings.push(ShortString::from("#"));
        }
        for event_type in &spec.event_types {
            bindings.push(name("binding", &binding_key(event_type))?);
        }
        Ok(Topology {
            exchange: name("exchange", exchange)?,
            dead_exchange: name("dead-letter exchange", &format!("{exchange}.dead"))?,
            // Queue names are global to the vhost: scoped by the catalog's exchange, so two
            // catalogs can each have a consumer called `billing`.
            queue: name("queue", &format!("{exchange}.{}", spec.consumer))?,
            dead_queue: name(
                "dead-letter queue",
                &format!("{exchange}.{}.dead", spec.consumer),
            )?,
            bindings,
            // A quorum queue dead-letters a message once it has been returned more than the
            // limit: with limit n it is delivered n + 1 times, so max_deliver deliveries is a
            // limit of max_deliver - 1.
            delivery_limit: i64::from(spec.max_deliver.saturating_sub(1)),
            prefetch: u16::try_from(spec.prefetch.max(1)).unwrap_or(u16::MAX),
        })
    }

    /// Declares the exchanges, both queues and the bindings.
    pub(super) async fn declare(&self, channel: &Channel) -> Result<(), BusError> {
        declare_exchange(channel, &self.exchange, ExchangeKind::Topic).await?;
        declare_exchange(channel, &self.dead_exchange, ExchangeKind::Direct).await?;

        let mut dead_arguments = FieldTable::default();
        dead_arguments.insert("x-queue-type".into(), text("quorum"));
        declare_queue(channel, &self.dead_queue, dead_arguments).await?;
        bind(
            channel,
            &self.dead_queue,
            &self.dead_exchange,
            &self.dead_queue,
        )
        .await?;

        declare_queue(channel, &self.queue, self.queue_arguments()).await?;
        for binding in &self.bindings {
            bind(channel, &self.queue, &self.exchange, binding).await?;
        }
        Ok(())
    }

    /// A quorum queue with a delivery limit (RabbitMQ 3.x has none by default) whose dead
    /// letters go to `{consumer}.dead` at least once: the broker keeps a dead letter until the
    /// dead queue confirms it (which needs `reject-publish` overflow) instead of dropping it.
    fn queue_arguments(&self) -> FieldTable {
        let mut arguments = FieldTable::default();
        arguments.insert("x-queue-type".into(), text("quorum"));
        arguments.insert(
            "x-delivery-limit".into(),
            AMQPValue::LongLongInt(self.delivery_limit),
        );
        arguments.insert(
            "x-dead-letter-exchange".into(),
            text(self.dead_exchange.as_str()),
        );
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            text(self.dead_queue.as_str()),
        );
        arguments.insert("x-dead-letter-strategy".into(), text("at-least-once"));
        arguments.insert("x-overflow".into(), text("reject-publish"));
        arguments
    }
}

/// Declares a durable exchange of `kind`.
pub(super) async fn declare_exchange(
    channel: &Channel,
    exchange: &ShortString,
    kind: ExchangeKind,
) -> Result<(), BusError> {
    let options = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(exchange.clone(), kind, options, FieldTable::default())
        .await
        .map_err(|err| declare_failed(format_args!("exchange `{exchange}`"), &err))
}

async fn declare_queue(
    channel: &Channel,
    queue: &ShortString,
    arguments: FieldTable,
) -> Result<(), BusError> {
    let options = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(queue.clone(), options, arguments)
        .await
        .map(|_| ())
        .map_err(|err| declare_failed(format_args!("queue `{queue}`"), &err))
}

async fn bind(
    channel: &Channel,
    queue: &ShortString,
    exchange: &ShortString,
    key: &ShortString,
) -> Result<(), BusError> {
    channel
        .queue_bind(
            queue.clone(),
            exchange.clone(),
            key.clone(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|err| {
            declare_failed(
                format_args!("binding `{key}` of queue `{queue}` to `{exchange}`"),
                &err,
            )
        })
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

//! Turning a lapin delivery into a herald [`Delivery`], and settling it.

use std::time::Duration;

use async_trait::async_trait;
use lapin::BasicProperties;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::types::AMQPValue;

use super::link::BUS;
use crate::bus::{Acker, BusError, Delivery};

/// The header in which quorum queues count earlier returns of a message.
const DELIVERY_COUNT: &str = "x-delivery-count";

/// A herald delivery from a lapin one, settled within `settle_limit`.
pub(super) fn from_lapin(delivery: lapin::message::Delivery, settle_limit: Duration) -> Delivery {
    Delivery {
        attempt: attempt(&delivery.properties, delivery.redelivered),
        // AMQP does not tell a consumer how deep its queue is on each delivery.
        pending: None,
        payload: delivery.data,
        acker: Box::new(RabbitAcker {
            inner: delivery.acker,
            limit: settle_limit,
        }),
    }
}

/// The delivery's attempt: quorum queues put `x-delivery-count` (earlier returns) on every
/// redelivery, so the attempt is that count + 1. Without the header, a message flagged
/// `redelivered` is at least its second attempt.
pub(super) fn attempt(properties: &BasicProperties, redelivered: bool) -> u32 {
    let count = properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get(DELIVERY_COUNT))
        .and_then(integer);
    match count {
        Some(count) => u32::try_from(count.saturating_add(1)).unwrap_or(u32::MAX),
        None if redelivered => 2,
        None => 1,
    }
}

/// A non-negative integer header of any AMQP integer width.
fn integer(value: &AMQPValue) -> Option<u64> {
    match value {
        AMQPValue::ShortShortInt(v) => u64::try_from(*v).ok(),
        AMQPValue::ShortShortUInt(v) => Some(u64::from(*v)),
        AMQPValue::ShortInt(v) => u64::try_from(*v).ok(),
        AMQPValue::ShortUInt(v) => Some(u64::from(*v)),
        AMQPValue::LongInt(v) => u64::try_from(*v).ok(),
        AMQPValue::LongUInt(v) => Some(u64::from(*v)),
        AMQPValue::LongLongInt(v) => u64::try_from(*v).ok(),
        _ => None,
    }
}

/// Settles one delivery on the channel it came from.
///
/// A delivery belongs to its channel: once that channel is gone (broker restart, lost
/// connection) the broker has already put the message back, and settling it fails with
/// [`BusError::Ack`]. A settlement the connection never answers gives up after `limit`: a lane
/// waiting on it would hold its keys, and its credits, forever.
struct RabbitAcker {
    inner: lapin::Acker,
    limit: Duration,
}

impl RabbitAcker {
    async fn settled(
        &self,
        settling: impl Future<Output = lapin::Result<bool>>,
    ) -> Result<(), BusError> {
        let Ok(result) = tokio::time::timeout(self.limit, settling).await else {
            return Err(BusError::Ack {
                bus: BUS,
                reason: format!(
                    "the broker did not take the settlement within {} ms; it delivers the event again",
                    self.limit.as_millis()
                ),
            });
        };
        match result {
            Ok(true) => Ok(()),
            Ok(false) => Err(BusError::Ack {
                bus: BUS,
                reason: "the channel of this delivery is closed; the broker delivers it again"
                    .to_owned(),
            }),
            Err(err) => Err(BusError::Ack {
                bus: BUS,
                reason: err.to_string(),
            }),
        }
    }
}

#[async_trait]
impl Acker for RabbitAcker {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        self.settled(self.inner.ack(BasicAckOptions { multiple: false }))
            .await
    }

    /// Requeues at once: RabbitMQ has no delayed requeue, so `delay` is not honoured (the trait
    /// allows this). The message goes back to the head of the queue with its delivery count
    /// raised, and the queue's delivery limit still bounds how often that happens.
    async fn nak(self: Box<Self>, _delay: Duration) -> Result<(), BusError> {
        let options = BasicNackOptions {
            multiple: false,
            requeue: true,
        };
        self.settled(self.inner.nack(options)).await
    }
}

#[cfg(test)]
mod tests {
    use lapin::types::FieldTable;

    use super::*;

    fn with_count(value: AMQPValue) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert(DELIVERY_COUNT.into(), value);
        BasicProperties::default().with_headers(headers)
    }

    #[test]
    fn a_first_delivery_is_attempt_one() {
        assert_eq!(attempt(&BasicProperties::default(), false), 1);
    }

    #[test]
    fn the_delivery_count_header_gives_the_attempt() {
        assert_eq!(attempt(&with_count(AMQPValue::LongLongInt(1)), true), 2);
        assert_eq!(attempt(&with_count(AMQPValue::LongInt(4)), true), 5);
        assert_eq!(attempt(&with_count(AMQPValue::ShortShortUInt(0)), false), 1);
    }

    #[test]
    fn a_redelivery_without_the_header_is_attempt_two() {
        assert_eq!(attempt(&BasicProperties::default(), true), 2);
        assert_eq!(
            attempt(&with_count(AMQPValue::LongString("x".into())), true),
            2
        );
    }
}

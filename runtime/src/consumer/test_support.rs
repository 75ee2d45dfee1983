//! What the consumer's unit tests share: deliveries whose settling does nothing.

use std::time::Duration;

use async_trait::async_trait;

use crate::bus::{Acker, BusError, Delivery};

/// An acker whose ack and nak succeed and do nothing.
struct Unsettled;

#[async_trait]
impl Acker for Unsettled {
    async fn ack(self: Box<Self>) -> Result<(), BusError> {
        Ok(())
    }
    async fn nak(self: Box<Self>, _delay: Duration) -> Result<(), BusError> {
        Ok(())
    }
}

/// A delivery of `payload` at `attempt`, settled by nothing.
pub(crate) fn delivery(payload: Vec<u8>, attempt: u32) -> Delivery {
    Delivery {
        payload,
        attempt,
        pending: None,
        acker: Box::new(Unsettled),
    }
}

//! Typed publishing: straight to the bus, or into the outbox of the caller's transaction (the
//! safe default when the event describes a change the same transaction makes).

use std::sync::Arc;

use crate::bus::{Bus, BusError};
use crate::envelope::{Envelope, EnvelopeError};
use crate::event::Event;
use crate::store::{StoreError, Transaction};
use crate::trace::TraceParent;

/// Why an event was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The event did not serialize.
    #[error(transparent)]
    Envelope(#[from] EnvelopeError),
    /// The bus refused or was unreachable.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// Writing the outbox row failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Publishes typed events as one source (a service).
#[derive(Clone)]
pub struct Producer {
    source: String,
    bus: Arc<dyn Bus>,
}

impl Producer {
    /// A producer stamping `source` on its events.
    pub fn new(source: impl Into<String>, bus: Arc<dyn Bus>) -> Producer {
        Producer {
            source: source.into(),
            bus,
        }
    }

    /// The envelope this producer would publish for `event` (continuing `trace` if given).
    pub fn envelope<E: Event>(
        &self,
        event: &E,
        trace: Option<&TraceParent>,
    ) -> Result<Envelope, EnvelopeError> {
        Envelope::wrap(&self.source, event, trace)
    }

    /// Publishes now and waits for the bus's confirmation. Use [`Producer::publish_in`] when
    /// the event reports a change in a database transaction: publishing outside it can lose
    /// the event (crash after commit) or announce a change that rolled back.
    pub async fn publish<E: Event>(
        &self,
        event: &E,
        trace: Option<&TraceParent>,
    ) -> Result<Envelope, PublishError> {
        let envelope = self.envelope(event, trace)?;
        self.bus.publish(&envelope).await?;
        Ok(envelope)
    }

    /// Writes the event into `tx`'s outbox: it is published after, and only if, `tx` commits.
    pub async fn publish_in<E: Event>(
        &self,
        tx: &mut dyn Transaction,
        event: &E,
        trace: Option<&TraceParent>,
    ) -> Result<Envelope, PublishError> {
        let envelope = self.envelope(event, trace)?;
        tx.outbox_push(&envelope).await?;
        Ok(envelope)
    }
}

//! What a consumer runs for each event: a [`Handler`], usually generated (`herald generate`)
//! or derived (`#[derive(Handlers)]`), dispatching by event type and version.

use async_trait::async_trait;

use crate::envelope::{Envelope, EnvelopeError};
use crate::event::Event;
use crate::store::Transaction;

/// A boxed error from handler code.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How a handler failed, which decides what the consumer does next.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth retrying (a busy database, a timeout): retried with backoff, then dead-lettered
    /// once the attempts run out.
    #[error("{0}")]
    Retry(BoxError),
    /// Never going to work (undecodable, invalid, an unknown newer version): dead-lettered at
    /// once, without retries.
    #[error("{0}")]
    Reject(String),
}

impl HandlerError {
    /// A retryable failure from any error.
    pub fn retry(error: impl Into<BoxError>) -> HandlerError {
        HandlerError::Retry(error.into())
    }

    /// A permanent failure with a reason.
    pub fn reject(reason: impl Into<String>) -> HandlerError {
        HandlerError::Reject(reason.into())
    }
}

impl From<crate::store::StoreError> for HandlerError {
    fn from(error: crate::store::StoreError) -> HandlerError {
        HandlerError::Retry(Box::new(error))
    }
}

impl From<EnvelopeError> for HandlerError {
    fn from(error: EnvelopeError) -> HandlerError {
        HandlerError::Reject(error.to_string())
    }
}

/// Handles the events of one consumer, inside the consumer's transaction. The consumer has
/// already claimed the event in the inbox within `tx`; whatever the handler writes through
/// `tx` commits with that claim, or not at all.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// The event types (CloudEvents `type`) this handler consumes: the subscription's filter.
    fn event_types(&self) -> Vec<String>;

    /// Checks an envelope before any attempt (e.g. against the payload's JSON Schema). An
    /// error dead-letters the event at once with that reason.
    fn validate(&self, envelope: &Envelope) -> Result<(), String> {
        let _ = envelope;
        Ok(())
    }

    /// Applies one event.
    async fn handle(
        &self,
        envelope: &Envelope,
        tx: &mut dyn Transaction,
    ) -> Result<(), HandlerError>;
}

/// A type an envelope decodes into: one event version ([`Event`]), or a generated enum over
/// all versions of an event that decodes any of them and upcasts to the latest.
pub trait Consumable: Sized + Send + 'static {
    /// The event's catalog name.
    const NAME: &'static str;
    /// Whether this type reads `version` of the event.
    fn accepts(version: u32) -> bool;
    /// Decodes the envelope's payload.
    fn decode(envelope: &Envelope) -> Result<Self, EnvelopeError>;
}

impl<E: Event> Consumable for E {
    const NAME: &'static str = E::NAME;

    fn accepts(version: u32) -> bool {
        version == E::VERSION
    }

    fn decode(envelope: &Envelope) -> Result<E, EnvelopeError> {
        envelope.decode::<E>()
    }
}

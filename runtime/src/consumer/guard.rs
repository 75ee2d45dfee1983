//! Calling the user's handler so that its panics become failures: a panic left to unwind would
//! end the lane it ran in and strand every event routed to that lane unacked.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;

use super::{Handler, HandlerError};
use crate::envelope::Envelope;

/// `handler.validate(envelope)`; a panic is an invalid event, with the panic's message.
pub(crate) fn validate(handler: &dyn Handler, envelope: &Envelope) -> Result<(), String> {
    std::panic::catch_unwind(AssertUnwindSafe(|| handler.validate(envelope)))
        .unwrap_or_else(|panic| Err(panicked("validate", &*panic)))
}

/// Runs `handling` (the handler's `handle`); a panic is a retryable failure with the panic's
/// message, so it is retried, then dead-lettered, like any other failed attempt.
pub(crate) async fn handle(
    handling: impl Future<Output = Result<(), HandlerError>>,
) -> Result<(), HandlerError> {
    AssertUnwindSafe(handling)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| Err(HandlerError::retry(panicked("handler", &*panic))))
}

/// The message of a caught panic in `what`.
fn panicked(what: &str, panic: &(dyn Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    format!("the {what} panicked: {message}")
}

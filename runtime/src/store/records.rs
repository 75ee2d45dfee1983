//! Turning the columns of herald's tables back into records, the same way on every store.

use super::{DeadLetter, DeadLetterStatus, OutboxRecord, StoreError};
use crate::envelope::Envelope;

/// An outbox row from its id and stored envelope bytes.
pub(crate) fn outbox_record(id: i64, envelope: &[u8]) -> Result<OutboxRecord, StoreError> {
    let envelope = Envelope::from_slice(envelope).map_err(|err| StoreError::Type {
        column: "herald_outbox.envelope".to_owned(),
        expected: "a CloudEvents envelope",
        found: format!("bytes that do not decode (row {id}: {err})"),
    })?;
    Ok(OutboxRecord { id, envelope })
}

/// The columns of one `herald_dead_letters` row, as the drivers return them.
pub(crate) struct DeadLetterColumns {
    pub id: i64,
    pub consumer: String,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    pub subject: String,
    pub envelope: Vec<u8>,
    pub reason: String,
    pub attempts: i64,
    pub status: String,
    pub created_at: i64,
}

impl DeadLetterColumns {
    /// The dead letter, after checking the columns the database cannot constrain by type.
    pub(crate) fn into_dead_letter(self) -> Result<DeadLetter, StoreError> {
        let attempts = u32::try_from(self.attempts).map_err(|_| StoreError::Type {
            column: "herald_dead_letters.attempts".to_owned(),
            expected: "an attempt count (0 to 4294967295)",
            found: self.attempts.to_string(),
        })?;
        let status = DeadLetterStatus::parse(&self.status).ok_or_else(|| StoreError::Type {
            column: "herald_dead_letters.status".to_owned(),
            expected: "`failed` or `parked`",
            found: format!("{:?}", self.status),
        })?;
        Ok(DeadLetter {
            id: self.id,
            consumer: self.consumer,
            event_id: self.event_id,
            event_type: self.event_type,
            subject: self.subject,
            envelope: self.envelope,
            reason: self.reason,
            attempts,
            status,
            created_at: self.created_at,
        })
    }
}

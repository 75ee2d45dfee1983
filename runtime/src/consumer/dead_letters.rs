//! Replaying and skipping dead letters: the only ways a blocked key flows again.

use super::{ConsumerError, HandlerError, Shared, guard};
use crate::envelope::Envelope;
use crate::store::DeadLetterStatus;

/// What a replay did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replay {
    /// Dead letters applied (or found already applied) and removed.
    pub applied: usize,
    /// Dead letters still held for the key (0: the key flows again).
    pub remaining: usize,
}

/// Applies the dead letters of `key` oldest first, each in its own transaction with its inbox
/// claim, after deleting `skip` if given. Stops at the first failure, which stays with its new
/// reason and one more attempt.
pub(crate) async fn replay(
    shared: &Shared,
    key: &str,
    skip: Option<i64>,
) -> Result<Replay, ConsumerError> {
    let consumer = shared.config.name.as_str();
    if let Some(id) = skip {
        let mut tx = shared.store.begin().await?;
        let letters = tx.dead_letters_for_key(consumer, key).await?;
        let skipped = letters.iter().find(|letter| letter.id == id);
        match skipped.and_then(|letter| letter.event_id.clone()) {
            // Skipping an event means never applying it: every copy of it held for the key
            // goes (a redelivery parked behind it), and its inbox record makes a copy still on
            // its way a duplicate.
            Some(event_id) => {
                for copy in letters
                    .iter()
                    .filter(|letter| letter.event_id.as_deref() == Some(event_id.as_str()))
                {
                    tx.dead_letter_delete(consumer, copy.id).await?;
                }
                tx.inbox_claim(consumer, &event_id).await?;
            }
            None => {
                tx.dead_letter_delete(consumer, id).await?;
            }
        }
        tx.commit().await?;
    }
    let mut applied = 0;
    loop {
        let mut tx = shared.store.begin().await?;
        let letters = tx.dead_letters_for_key(consumer, key).await?;
        let Some(head) = letters.first() else {
            tx.rollback().await?;
            shared.unblock(key);
            return Ok(Replay {
                applied,
                remaining: 0,
            });
        };
        let result = match Envelope::from_slice(&head.envelope) {
            Err(error) => Err(format!("undecodable envelope: {error}")),
            Ok(envelope) => match guard::validate(shared.handler.as_ref(), &envelope) {
                Err(reason) => Err(format!("invalid {}: {reason}", envelope.describe())),
                Ok(()) => {
                    if tx.inbox_claim(consumer, &envelope.id).await? {
                        guard::handle(shared.handler.handle(&envelope, tx.as_mut()))
                            .await
                            .map_err(|error: HandlerError| error.to_string())
                    } else {
                        Ok(())
                    }
                }
            },
        };
        match result {
            Ok(()) => {
                tx.dead_letter_delete(consumer, head.id).await?;
                tx.commit().await?;
                shared.metrics.add_processed(1);
                applied += 1;
            }
            Err(reason) => {
                let (id, remaining) = (head.id, letters.len());
                tx.rollback().await?;
                let mut tx = shared.store.begin().await?;
                tx.dead_letter_update(consumer, id, &reason, DeadLetterStatus::Failed)
                    .await?;
                tx.commit().await?;
                shared.block(key);
                return Ok(Replay { applied, remaining });
            }
        }
    }
}

//! herald's own statements on its tables, run on a pooled connection (inside a transaction or
//! as single-statement autocommits), each prepared once per connection.

use std::collections::HashSet;

use deadpool_postgres::Object;
use tokio_postgres::types::ToSql;

use super::error::query_error;
use crate::envelope::Envelope;
use crate::store::records::{DeadLetterColumns, outbox_record};
use crate::store::{DeadLetter, DeadLetterStatus, NewDeadLetter, OutboxRecord, StoreError};

/// PostgreSQL limits are `BIGINT`; a `usize` limit beyond that means "no limit".
fn limit(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Prepares (once per connection) and runs a statement; the rows it changed.
async fn execute(
    client: &Object,
    operation: &str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, StoreError> {
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(|err| query_error(operation, err))?;
    client
        .execute(&statement, params)
        .await
        .map_err(|err| query_error(operation, err))
}

/// Prepares (once per connection) and runs a query; its rows.
async fn query(
    client: &Object,
    operation: &str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<tokio_postgres::Row>, StoreError> {
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(|err| query_error(operation, err))?;
    client
        .query(&statement, params)
        .await
        .map_err(|err| query_error(operation, err))
}

/// Inserts the inbox record; `false` when it was there already.
pub(super) async fn inbox_claim(
    client: &Object,
    consumer: &str,
    event_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let inserted = execute(
        client,
        "inbox claim",
        "INSERT INTO herald_inbox (consumer, event_id, processed_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
        &[&consumer, &event_id, &now],
    )
    .await?;
    Ok(inserted == 1)
}

/// Whether `consumer`'s inbox holds `event_id`.
pub(super) async fn inbox_contains(
    client: &Object,
    consumer: &str,
    event_id: &str,
) -> Result<bool, StoreError> {
    let rows = query(
        client,
        "inbox lookup",
        "SELECT 1 FROM herald_inbox WHERE consumer = $1 AND event_id = $2",
        &[&consumer, &event_id],
    )
    .await?;
    Ok(!rows.is_empty())
}

/// Appends an envelope to the outbox.
pub(super) async fn outbox_push(
    client: &Object,
    envelope: &Envelope,
    now: i64,
) -> Result<(), StoreError> {
    execute(
        client,
        "outbox push",
        "INSERT INTO herald_outbox (event_id, event_type, subject, envelope, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &envelope.id,
            &envelope.event_type,
            &envelope.key(),
            &envelope.to_vec(),
            &now,
        ],
    )
    .await?;
    Ok(())
}

/// The relay's query: the partial index on pending rows gives them in id order.
pub const OUTBOX_PENDING_SQL: &str = "SELECT id, envelope FROM herald_outbox \
     WHERE relayed_at IS NULL ORDER BY id LIMIT $1";

/// The oldest rows not yet relayed.
pub(super) async fn outbox_pending(
    client: &Object,
    max: usize,
) -> Result<Vec<OutboxRecord>, StoreError> {
    const OPERATION: &str = "outbox pending";
    let rows = query(client, OPERATION, OUTBOX_PENDING_SQL, &[&limit(max)]).await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get(0).map_err(|err| query_error(OPERATION, err))?;
            let envelope: &[u8] = row.try_get(1).map_err(|err| query_error(OPERATION, err))?;
            outbox_record(id, envelope)
        })
        .collect()
}

/// Marks rows relayed at `now`, in one statement.
pub(super) async fn outbox_mark_relayed(
    client: &Object,
    ids: &[i64],
    now: i64,
) -> Result<(), StoreError> {
    execute(
        client,
        "outbox mark relayed",
        "UPDATE herald_outbox SET relayed_at = $1 WHERE id = ANY($2) AND relayed_at IS NULL",
        &[&now, &ids],
    )
    .await?;
    Ok(())
}

/// Deletes at most `batch` inbox records processed before `before`, oldest first.
pub(super) async fn purge_inbox(
    client: &Object,
    before: i64,
    batch: usize,
) -> Result<u64, StoreError> {
    execute(
        client,
        "purge inbox",
        "DELETE FROM herald_inbox WHERE (consumer, event_id) IN ( \
             SELECT consumer, event_id FROM herald_inbox \
             WHERE processed_at < $1 ORDER BY processed_at LIMIT $2)",
        &[&before, &limit(batch)],
    )
    .await
}

/// Deletes at most `batch` outbox rows relayed before `before`, oldest first.
pub(super) async fn purge_outbox(
    client: &Object,
    before: i64,
    batch: usize,
) -> Result<u64, StoreError> {
    execute(
        client,
        "purge outbox",
        "DELETE FROM herald_outbox WHERE id IN ( \
             SELECT id FROM herald_outbox \
             WHERE relayed_at < $1 ORDER BY relayed_at LIMIT $2)",
        &[&before, &limit(batch)],
    )
    .await
}

/// Writes a dead letter and returns its id.
pub(super) async fn dead_letter_push(
    client: &Object,
    letter: &NewDeadLetter<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    const OPERATION: &str = "dead letter push";
    let rows = query(
        client,
        OPERATION,
        "INSERT INTO herald_dead_letters \
         (consumer, event_id, event_type, subject, envelope, reason, attempts, status, \
          created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        &[
            &letter.consumer,
            &letter.event_id,
            &letter.event_type,
            &letter.subject,
            &letter.envelope,
            &letter.reason,
            &i64::from(letter.attempts),
            &letter.status.as_str(),
            &now,
        ],
    )
    .await?;
    let row = rows.first().ok_or_else(|| StoreError::Query {
        store: super::NAME,
        operation: OPERATION.to_owned(),
        reason: "the insert returned no id".to_owned(),
    })?;
    row.try_get(0).map_err(|err| query_error(OPERATION, err))
}

/// A consumer's dead letters, oldest first.
pub(super) async fn dead_letters(
    client: &Object,
    consumer: &str,
) -> Result<Vec<DeadLetter>, StoreError> {
    read_dead_letters(
        client,
        "dead letters",
        "SELECT id, consumer, event_id, event_type, subject, envelope, reason, attempts, \
         status, created_at FROM herald_dead_letters WHERE consumer = $1 ORDER BY id",
        &[&consumer],
    )
    .await
}

/// A consumer's dead letters for one key, oldest first.
pub(super) async fn dead_letters_for_key(
    client: &Object,
    consumer: &str,
    key: &str,
) -> Result<Vec<DeadLetter>, StoreError> {
    read_dead_letters(
        client,
        "dead letters for key",
        "SELECT id, consumer, event_id, event_type, subject, envelope, reason, attempts, \
         status, created_at FROM herald_dead_letters \
         WHERE consumer = $1 AND subject = $2 ORDER BY id",
        &[&consumer, &key],
    )
    .await
}

async fn read_dead_letters(
    client: &Object,
    operation: &str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<DeadLetter>, StoreError> {
    let rows = query(client, operation, sql, params).await?;
    rows.iter()
        .map(|row| {
            let columns = dead_letter_columns(row).map_err(|err| query_error(operation, err))?;
            columns.into_dead_letter()
        })
        .collect()
}

fn dead_letter_columns(
    row: &tokio_postgres::Row,
) -> Result<DeadLetterColumns, tokio_postgres::Error> {
    Ok(DeadLetterColumns {
        id: row.try_get(0)?,
        consumer: row.try_get(1)?,
        event_id: row.try_get(2)?,
        event_type: row.try_get(3)?,
        subject: row.try_get(4)?,
        envelope: row.try_get(5)?,
        reason: row.try_get(6)?,
        attempts: row.try_get(7)?,
        status: row.try_get(8)?,
        created_at: row.try_get(9)?,
    })
}

/// Deletes one dead letter; `false` when it was not there.
pub(super) async fn dead_letter_delete(
    client: &Object,
    consumer: &str,
    id: i64,
) -> Result<bool, StoreError> {
    let deleted = execute(
        client,
        "dead letter delete",
        "DELETE FROM herald_dead_letters WHERE consumer = $1 AND id = $2",
        &[&consumer, &id],
    )
    .await?;
    Ok(deleted == 1)
}

/// Counts one more attempt on a dead letter and records why it failed; nothing happens when
/// the letter is gone (deleted meanwhile).
pub(super) async fn dead_letter_update(
    client: &Object,
    consumer: &str,
    id: i64,
    reason: &str,
    status: DeadLetterStatus,
) -> Result<(), StoreError> {
    execute(
        client,
        "dead letter update",
        "UPDATE herald_dead_letters SET attempts = attempts + 1, reason = $3, status = $4 \
         WHERE consumer = $1 AND id = $2",
        &[&consumer, &id, &reason, &status.as_str()],
    )
    .await?;
    Ok(())
}

/// The keys `consumer` holds dead letters for.
pub(super) async fn blocked_keys(
    client: &Object,
    consumer: &str,
) -> Result<HashSet<String>, StoreError> {
    const OPERATION: &str = "blocked keys";
    let rows = query(
        client,
        OPERATION,
        "SELECT DISTINCT subject FROM herald_dead_letters WHERE consumer = $1",
        &[&consumer],
    )
    .await?;
    rows.iter()
        .map(|row| row.try_get(0).map_err(|err| query_error(OPERATION, err)))
        .collect()
}

//! herald's own statements on its tables, run on a connection the caller has locked (inside a
//! transaction or as single-statement autocommits).

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, params};

use super::error::query_error;
use crate::envelope::Envelope;
use crate::store::records::{DeadLetterColumns, outbox_record};
use crate::store::{DeadLetter, DeadLetterStatus, NewDeadLetter, OutboxRecord, StoreError};

/// SQLite limits are `i64`; a `usize` limit beyond that means "no limit".
fn limit(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Inserts the inbox record; `false` when it was there already.
pub(super) fn inbox_claim(
    connection: &Connection,
    consumer: &str,
    event_id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    const OPERATION: &str = "inbox claim";
    let mut statement = connection
        .prepare_cached(
            "INSERT INTO herald_inbox (consumer, event_id, processed_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT DO NOTHING",
        )
        .map_err(|err| query_error(OPERATION, err))?;
    let inserted = statement
        .execute(params![consumer, event_id, now])
        .map_err(|err| query_error(OPERATION, err))?;
    Ok(inserted == 1)
}

/// Whether `consumer`'s inbox holds `event_id`.
pub(super) fn inbox_contains(
    connection: &Connection,
    consumer: &str,
    event_id: &str,
) -> Result<bool, StoreError> {
    const OPERATION: &str = "inbox lookup";
    let mut statement = connection
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM herald_inbox WHERE consumer = ?1 AND event_id = ?2)",
        )
        .map_err(|err| query_error(OPERATION, err))?;
    statement
        .query_row(params![consumer, event_id], |row| row.get(0))
        .map_err(|err| query_error(OPERATION, err))
}

/// Inserts the inbox records of `event_ids` in one statement (the ids travel as one JSON
/// array); `claimed[i]` tells whether `event_ids[i]` was new, a repeated id counting for its
/// first occurrence only. One statement instead of one per event: a consumer's batch pays
/// SQLite's per-statement work and the statement cache's lookup once.
pub(super) fn inbox_claim_many(
    connection: &Connection,
    consumer: &str,
    event_ids: &[&str],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    const OPERATION: &str = "inbox claim (batch)";
    let mut claimed = vec![false; event_ids.len()];
    match event_ids {
        [] => return Ok(claimed),
        [event_id] => {
            claimed[0] = inbox_claim(connection, consumer, event_id, now)?;
            return Ok(claimed);
        }
        _ => {}
    }
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(event_ids.len());
    for (index, event_id) in event_ids.iter().enumerate() {
        first.entry(event_id).or_insert(index);
    }
    let ids = serde_json::to_string(event_ids).map_err(|err| StoreError::Query {
        store: super::NAME,
        operation: OPERATION.to_owned(),
        reason: err.to_string(),
    })?;
    // `WHERE true` tells SQLite's parser the upsert's `ON` is not a join's.
    let mut statement = connection
        .prepare_cached(
            "INSERT INTO herald_inbox (consumer, event_id, processed_at) \
             SELECT ?1, value, ?2 FROM json_each(?3) WHERE true \
             ON CONFLICT DO NOTHING RETURNING event_id",
        )
        .map_err(|err| query_error(OPERATION, err))?;
    let mut rows = statement
        .query(params![consumer, now, ids])
        .map_err(|err| query_error(OPERATION, err))?;
    while let Some(row) = rows.next().map_err(|err| query_error(OPERATION, err))? {
        let inserted = row
            .get_ref(0)
            .and_then(|value| Ok(value.as_str()?))
            .map_err(|err| query_error(OPERATION, err))?;
        if let Some(&index) = first.get(inserted) {
            claimed[index] = true;
        }
    }
    Ok(claimed)
}

/// Appends an envelope to the outbox.
pub(super) fn outbox_push(
    connection: &Connection,
    envelope: &Envelope,
    now: i64,
) -> Result<(), StoreError> {
    const OPERATION: &str = "outbox push";
    let mut statement = connection
        .prepare_cached(
            "INSERT INTO herald_outbox (event_id, event_type, subject, envelope, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(|err| query_error(OPERATION, err))?;
    statement
        .execute(params![
            envelope.id,
            envelope.event_type,
            envelope.key(),
            envelope.to_vec(),
            now
        ])
        .map_err(|err| query_error(OPERATION, err))?;
    Ok(())
}

/// The oldest rows not yet relayed, read through the partial index of pending rows.
pub(super) fn outbox_pending(
    connection: &Connection,
    max: usize,
) -> Result<Vec<OutboxRecord>, StoreError> {
    const OPERATION: &str = "outbox pending";
    let mut statement = connection
        .prepare_cached(OUTBOX_PENDING_SQL)
        .map_err(|err| query_error(OPERATION, err))?;
    let rows = statement
        .query_map(params![limit(max)], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .map_err(|err| query_error(OPERATION, err))?;
    let mut records = Vec::new();
    for row in rows {
        let (id, envelope) = row.map_err(|err| query_error(OPERATION, err))?;
        records.push(outbox_record(id, &envelope)?);
    }
    Ok(records)
}

/// The relay's query; `INDEXED BY` makes the partial index a guarantee rather than a planner
/// choice (SQLite fails the statement instead of silently scanning the table).
pub const OUTBOX_PENDING_SQL: &str = "SELECT id, envelope \
     FROM herald_outbox INDEXED BY herald_outbox_pending \
     WHERE relayed_at IS NULL ORDER BY id LIMIT ?1";

/// Marks rows relayed at `now` (the caller wraps this in a transaction).
pub(super) fn outbox_mark_relayed(
    connection: &Connection,
    ids: &[i64],
    now: i64,
) -> Result<(), StoreError> {
    const OPERATION: &str = "outbox mark relayed";
    let mut statement = connection
        .prepare_cached(
            "UPDATE herald_outbox SET relayed_at = ?1 WHERE id = ?2 AND relayed_at IS NULL",
        )
        .map_err(|err| query_error(OPERATION, err))?;
    for id in ids {
        statement
            .execute(params![now, id])
            .map_err(|err| query_error(OPERATION, err))?;
    }
    Ok(())
}

/// Deletes at most `batch` inbox records processed before `before`, oldest first.
pub(super) fn purge_inbox(
    connection: &Connection,
    before: i64,
    batch: usize,
) -> Result<u64, StoreError> {
    purge(
        connection,
        "purge inbox",
        "DELETE FROM herald_inbox WHERE (consumer, event_id) IN ( \
             SELECT consumer, event_id FROM herald_inbox \
             WHERE processed_at < ?1 ORDER BY processed_at LIMIT ?2)",
        before,
        batch,
    )
}

/// Deletes at most `batch` outbox rows relayed before `before`, oldest first.
pub(super) fn purge_outbox(
    connection: &Connection,
    before: i64,
    batch: usize,
) -> Result<u64, StoreError> {
    purge(
        connection,
        "purge outbox",
        "DELETE FROM herald_outbox WHERE id IN ( \
             SELECT id FROM herald_outbox \
             WHERE relayed_at < ?1 ORDER BY relayed_at LIMIT ?2)",
        before,
        batch,
    )
}

fn purge(
    connection: &Connection,
    operation: &str,
    sql: &str,
    before: i64,
    batch: usize,
) -> Result<u64, StoreError> {
    let mut statement = connection
        .prepare_cached(sql)
        .map_err(|err| query_error(operation, err))?;
    let deleted = statement
        .execute(params![before, limit(batch)])
        .map_err(|err| query_error(operation, err))?;
    Ok(deleted as u64)
}

/// Writes a dead letter and returns its id.
pub(super) fn dead_letter_push(
    connection: &Connection,
    letter: &NewDeadLetter<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    const OPERATION: &str = "dead letter push";
    let mut statement = connection
        .prepare_cached(
            "INSERT INTO herald_dead_letters \
             (consumer, event_id, event_type, subject, envelope, reason, attempts, status, \
              created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        )
        .map_err(|err| query_error(OPERATION, err))?;
    statement
        .query_row(
            params![
                letter.consumer,
                letter.event_id,
                letter.event_type,
                letter.subject,
                letter.envelope,
                letter.reason,
                letter.attempts,
                letter.status.as_str(),
                now
            ],
            |row| row.get(0),
        )
        .map_err(|err| query_error(OPERATION, err))
}

const DEAD_LETTER_COLUMNS: &str = "id, consumer, event_id, event_type, subject, envelope, \
     reason, attempts, status, created_at";

/// A consumer's dead letters, oldest first.
pub(super) fn dead_letters(
    connection: &Connection,
    consumer: &str,
) -> Result<Vec<DeadLetter>, StoreError> {
    read_dead_letters(
        connection,
        "dead letters",
        &format!(
            "SELECT {DEAD_LETTER_COLUMNS} FROM herald_dead_letters \
             WHERE consumer = ?1 ORDER BY id"
        ),
        &[&consumer],
    )
}

/// A consumer's dead letters for one key, oldest first.
pub(super) fn dead_letters_for_key(
    connection: &Connection,
    consumer: &str,
    key: &str,
) -> Result<Vec<DeadLetter>, StoreError> {
    read_dead_letters(
        connection,
        "dead letters for key",
        &format!(
            "SELECT {DEAD_LETTER_COLUMNS} FROM herald_dead_letters \
             WHERE consumer = ?1 AND subject = ?2 ORDER BY id"
        ),
        &[&consumer, &key],
    )
}

fn read_dead_letters(
    connection: &Connection,
    operation: &str,
    sql: &str,
    parameters: &[&dyn rusqlite::ToSql],
) -> Result<Vec<DeadLetter>, StoreError> {
    let mut statement = connection
        .prepare_cached(sql)
        .map_err(|err| query_error(operation, err))?;
    let rows = statement
        .query_map(parameters, |row| {
            Ok(DeadLetterColumns {
                id: row.get(0)?,
                consumer: row.get(1)?,
                event_id: row.get(2)?,
                event_type: row.get(3)?,
                subject: row.get(4)?,
                envelope: row.get(5)?,
                reason: row.get(6)?,
                attempts: row.get(7)?,
                status: row.get(8)?,
                created_at: row.get(9)?,
            })
        })
        .map_err(|err| query_error(operation, err))?;
    let mut letters = Vec::new();
    for row in rows {
        let columns = row.map_err(|err| query_error(operation, err))?;
        letters.push(columns.into_dead_letter()?);
    }
    Ok(letters)
}

/// Deletes one dead letter; `false` when it was not there.
pub(super) fn dead_letter_delete(
    connection: &Connection,
    consumer: &str,
    id: i64,
) -> Result<bool, StoreError> {
    const OPERATION: &str = "dead letter delete";
    let mut statement = connection
        .prepare_cached("DELETE FROM herald_dead_letters WHERE consumer = ?1 AND id = ?2")
        .map_err(|err| query_error(OPERATION, err))?;
    let deleted = statement
        .execute(params![consumer, id])
        .map_err(|err| query_error(OPERATION, err))?;
    Ok(deleted == 1)
}

/// Counts one more attempt on a dead letter and records why it failed; nothing happens when
/// the letter is gone (deleted meanwhile).
pub(super) fn dead_letter_update(
    connection: &Connection,
    consumer: &str,
    id: i64,
    reason: &str,
    status: DeadLetterStatus,
) -> Result<(), StoreError> {
    const OPERATION: &str = "dead letter update";
    let mut statement = connection
        .prepare_cached(
            "UPDATE herald_dead_letters SET attempts = attempts + 1, reason = ?3, status = ?4 \
             WHERE consumer = ?1 AND id = ?2",
        )
        .map_err(|err| query_error(OPERATION, err))?;
    statement
        .execute(params![consumer, id, reason, status.as_str()])
        .map_err(|err| query_error(OPERATION, err))?;
    Ok(())
}

/// The keys `consumer` holds dead letters for.
pub(super) fn blocked_keys(
    connection: &Connection,
    consumer: &str,
) -> Result<HashSet<String>, StoreError> {
    const OPERATION: &str = "blocked keys";
    let mut statement = connection
        .prepare_cached("SELECT DISTINCT subject FROM herald_dead_letters WHERE consumer = ?1")
        .map_err(|err| query_error(OPERATION, err))?;
    let rows = statement
        .query_map(params![consumer], |row| row.get::<_, String>(0))
        .map_err(|err| query_error(OPERATION, err))?;
    rows.map(|row| row.map_err(|err| query_error(OPERATION, err)))
        .collect()
}

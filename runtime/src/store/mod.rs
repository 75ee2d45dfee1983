//! Stores keep a consumer's effects, its inbox, its producer outbox and its dead letters in one
//! database, so that one transaction covers "the handler's writes + this event is done" and
//! "the business change + the events it causes".
//!
//! herald's own tables (created by [`Store::migrate`]), the same on SQLite and PostgreSQL:
//!
//! - `herald_inbox(consumer, event_id, processed_at)`: primary key `(consumer, event_id)`;
//!   claiming an event inserts here in the handler's transaction, so a redelivered event finds
//!   its row and has no second effect.
//! - `herald_outbox(id, event_id, event_type, subject, envelope, created_at, relayed_at)`:
//!   rows written in the producer's transaction, relayed in `id` order (so in order per key) by
//!   the relay; the pending rows are found through a partial index on `relayed_at IS NULL`, so
//!   millions of relayed rows do not slow the relay down.
//! - `herald_dead_letters(id, consumer, event_id, event_type, subject, envelope, reason,
//!   attempts, status, created_at)`: events a consumer gave up on (`failed`) and the later
//!   events of the same key held behind them (`parked`).
//!
//! Times are Unix milliseconds (`BIGINT`) in both dialects. Purges delete in bounded batches
//! through indexed keys: no table-wide delete, no long lock.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::envelope::Envelope;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod records;
mod value;

#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use value::{FromSqlValue, Row, SqlValue};

/// Which SQL the store speaks: placeholders are `?1, ?2…` on SQLite and `$1, $2…` on
/// PostgreSQL, and DDL differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.35 or later.
    Sqlite,
    /// PostgreSQL 12 or later.
    Postgres,
}

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or opened.
    #[error("{store}: cannot reach the database: {reason}")]
    Unavailable {
        /// Which store.
        store: &'static str,
        /// The driver's error.
        reason: String,
    },
    /// A statement failed.
    #[error("{store}: {operation} failed: {reason}")]
    Query {
        /// Which store.
        store: &'static str,
        /// What was being done (a short phrase or the SQL).
        operation: String,
        /// The driver's error.
        reason: String,
    },
    /// A column held a value of another type than asked for.
    #[error("column `{column}`: expected {expected}, found {found}")]
    Type {
        /// The column.
        column: String,
        /// The Rust type asked for.
        expected: &'static str,
        /// The SQL value found.
        found: String,
    },
}

/// One outbox row waiting to be relayed.
#[derive(Debug, Clone)]
pub struct OutboxRecord {
    /// The row id: the relay order.
    pub id: i64,
    /// The envelope as written.
    pub envelope: Envelope,
}

/// A dead letter: an event a consumer gave up on, or one held behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Row id: order within a key.
    pub id: i64,
    /// The consumer it belongs to.
    pub consumer: String,
    /// The envelope id, when the bytes parsed.
    pub event_id: Option<String>,
    /// The event type, when the bytes parsed.
    pub event_type: Option<String>,
    /// The event key; the empty string for events without one or that did not parse.
    pub subject: String,
    /// The delivery's bytes as they arrived.
    pub envelope: Vec<u8>,
    /// Why it is here.
    pub reason: String,
    /// Handler attempts made.
    pub attempts: u32,
    /// `failed` or `parked`.
    pub status: DeadLetterStatus,
    /// When it was written (Unix ms).
    pub created_at: i64,
}

/// Why a dead letter is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetterStatus {
    /// The consumer gave up on it: undecodable, invalid, or out of attempts.
    Failed,
    /// It waits behind an earlier dead letter of the same key, to keep the key's order.
    Parked,
}

impl DeadLetterStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterStatus::Failed => "failed",
            DeadLetterStatus::Parked => "parked",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Option<DeadLetterStatus> {
        match text {
            "failed" => Some(DeadLetterStatus::Failed),
            "parked" => Some(DeadLetterStatus::Parked),
            _ => None,
        }
    }
}

/// A dead letter to write.
#[derive(Debug, Clone)]
pub struct NewDeadLetter<'a> {
    /// The consumer giving up.
    pub consumer: &'a str,
    /// The envelope id, when the bytes parsed.
    pub event_id: Option<&'a str>,
    /// The event type, when the bytes parsed.
    pub event_type: Option<&'a str>,
    /// The event key ("" when none).
    pub subject: &'a str,
    /// The delivery's bytes.
    pub envelope: &'a [u8],
    /// Why.
    pub reason: &'a str,
    /// Attempts made.
    pub attempts: u32,
    /// Failed or parked.
    pub status: DeadLetterStatus,
}

/// A database holding herald's tables and the application's own.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A short name for logs and errors (`sqlite`, `postgres`).
    fn name(&self) -> &'static str;

    /// The SQL dialect, for code that writes its own statements.
    fn dialect(&self) -> Dialect;

    /// How many consumer lanes suit this store when the consumer's config does not say
    /// ([`crate::ConsumerConfig::concurrency`]): about as many as it runs transactions at once.
    /// A lane spends most of its time inside a transaction, so lanes beyond that only wait
    /// for the store, and split each fetch into smaller batches.
    fn suggested_concurrency(&self) -> usize {
        8
    }

    /// Creates herald's tables and indexes when missing; safe to call on every start.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Opens a transaction. Dropping it without [`Transaction::commit`] rolls it back.
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;

    /// Up to `limit` outbox rows not yet relayed, oldest first.
    async fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxRecord>, StoreError>;

    /// Marks outbox rows relayed (they stay until purged).
    async fn outbox_mark_relayed(&self, ids: &[i64]) -> Result<(), StoreError>;

    /// Deletes at most `batch` inbox records processed before `before`; returns how many.
    async fn purge_inbox(&self, before: SystemTime, batch: usize) -> Result<u64, StoreError>;

    /// Deletes at most `batch` outbox rows relayed before `before`; returns how many.
    async fn purge_outbox(&self, before: SystemTime, batch: usize) -> Result<u64, StoreError>;

    /// A consumer's dead letters, oldest first.
    async fn dead_letters(&self, consumer: &str) -> Result<Vec<DeadLetter>, StoreError>;

    /// The keys a consumer holds dead letters for (their later events must wait).
    async fn blocked_keys(&self, consumer: &str) -> Result<HashSet<String>, StoreError>;
}

/// An open transaction: the application's statements plus herald's inbox, outbox and dead
/// letters, committed together.
#[async_trait]
pub trait Transaction: Send {
    /// The SQL dialect of the statements this transaction takes.
    fn dialect(&self) -> Dialect;

    /// Runs a statement with positional parameters; returns the rows it changed.
    async fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError>;

    /// Runs a query with positional parameters; returns its rows.
    async fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError>;

    /// Records that `consumer` processed `event_id`; `false` when it already had (a duplicate:
    /// the caller skips the handler).
    async fn inbox_claim(&mut self, consumer: &str, event_id: &str) -> Result<bool, StoreError>;

    /// Whether `consumer` processed `event_id` already, without claiming it: an event about to
    /// be dead-lettered for too many deliveries is only a duplicate when it was applied.
    async fn inbox_contains(&mut self, consumer: &str, event_id: &str) -> Result<bool, StoreError>;

    /// Claims several events at once: `claimed[i]` is what [`Transaction::inbox_claim`] of
    /// `event_ids[i]` would return after the claims before it (an id given twice is claimed by
    /// its first occurrence only). The consumer claims a batch's events with this; a store
    /// overrides it to do so in one statement.
    async fn inbox_claim_many(
        &mut self,
        consumer: &str,
        event_ids: &[&str],
    ) -> Result<Vec<bool>, StoreError> {
        let mut claimed = Vec::with_capacity(event_ids.len());
        for event_id in event_ids {
            claimed.push(self.inbox_claim(consumer, event_id).await?);
        }
        Ok(claimed)
    }

    /// Adds an event to the outbox; the relay publishes it after this transaction commits.
    async fn outbox_push(&mut self, envelope: &Envelope) -> Result<(), StoreError>;

    /// Writes a dead letter; returns its id.
    async fn dead_letter_push(&mut self, letter: &NewDeadLetter<'_>) -> Result<i64, StoreError>;

    /// A consumer's dead letters for one key, oldest first.
    async fn dead_letters_for_key(
        &mut self,
        consumer: &str,
        key: &str,
    ) -> Result<Vec<DeadLetter>, StoreError>;

    /// Deletes a dead letter (after a successful retry, or to skip it); `false` when absent.
    async fn dead_letter_delete(&mut self, consumer: &str, id: i64) -> Result<bool, StoreError>;

    /// Records one more failed attempt and a new reason on a dead letter.
    async fn dead_letter_update(
        &mut self,
        consumer: &str,
        id: i64,
        reason: &str,
        status: DeadLetterStatus,
    ) -> Result<(), StoreError>;

    /// Commits.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Rolls back.
    async fn rollback(self: Box<Self>) -> Result<(), StoreError>;
}

/// How long processed inbox records and relayed outbox rows are kept, and how purges run.
#[derive(Debug, Clone)]
pub struct Retention {
    /// Inbox records older than this are purged. It must exceed the longest redelivery
    /// horizon (attempts × backoff, plus manual replays): an event redelivered after its record
    /// was purged is applied again.
    pub inbox: Duration,
    /// Relayed outbox rows older than this are purged.
    pub outbox: Duration,
    /// Rows per delete statement.
    pub batch: usize,
    /// Pause between batches, so purging never starves the application.
    pub pause: Duration,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            inbox: Duration::from_secs(7 * 24 * 3600),
            outbox: Duration::from_secs(24 * 3600),
            batch: 1000,
            pause: Duration::from_millis(50),
        }
    }
}

/// What one purge pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Inbox records deleted.
    pub inbox: u64,
    /// Outbox rows deleted.
    pub outbox: u64,
}

/// Purges everything past retention, one bounded batch at a time, pausing between batches.
pub async fn purge(store: &dyn Store, retention: &Retention) -> Result<Purged, StoreError> {
    let now = SystemTime::now();
    let mut purged = Purged::default();
    let inbox_before = now.checked_sub(retention.inbox).unwrap_or(UNIX_EPOCH);
    let outbox_before = now.checked_sub(retention.outbox).unwrap_or(UNIX_EPOCH);
    loop {
        let inbox = store.purge_inbox(inbox_before, retention.batch).await?;
        let outbox = store.purge_outbox(outbox_before, retention.batch).await?;
        purged.inbox += inbox;
        purged.outbox += outbox;
        if inbox < retention.batch as u64 && outbox < retention.batch as u64 {
            return Ok(purged);
        }
        tokio::time::sleep(retention.pause).await;
    }
}

/// Unix milliseconds: how herald's tables store time.
pub fn unix_millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

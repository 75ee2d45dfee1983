//! herald's tables in SQLite's dialect (see the table layout in [`crate::store`]).
//!
//! - The inbox is `WITHOUT ROWID`: its primary key is the only lookup, so the rows live in the
//!   key's b-tree and a claim writes one b-tree instead of two.
//! - Outbox and dead-letter ids are `AUTOINCREMENT`, so an id is never reused after a purge
//!   and the relay order stays the insert order.
//! - `herald_outbox_pending` indexes only the rows not yet relayed: the relay's query reads it
//!   (`INDEXED BY`), however many relayed rows wait for their purge.
//! - `herald_outbox_relayed` and `herald_inbox_processed_at` let purges find their oldest rows
//!   by range instead of scanning.

/// Creates whatever is missing; every statement is idempotent.
pub(super) const MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS herald_inbox (
    consumer     TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    processed_at INTEGER NOT NULL,
    PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS herald_inbox_processed_at ON herald_inbox (processed_at);

CREATE TABLE IF NOT EXISTS herald_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id   TEXT    NOT NULL,
    event_type TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    envelope   BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    relayed_at INTEGER
);
CREATE INDEX IF NOT EXISTS herald_outbox_pending ON herald_outbox (id)
    WHERE relayed_at IS NULL;
CREATE INDEX IF NOT EXISTS herald_outbox_relayed ON herald_outbox (relayed_at)
    WHERE relayed_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS herald_dead_letters (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    consumer   TEXT    NOT NULL,
    event_id   TEXT,
    event_type TEXT,
    subject    TEXT    NOT NULL,
    envelope   BLOB    NOT NULL,
    reason     TEXT    NOT NULL,
    attempts   INTEGER NOT NULL CHECK (attempts >= 0),
    status     TEXT    NOT NULL CHECK (status IN ('failed', 'parked')),
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS herald_dead_letters_key
    ON herald_dead_letters (consumer, subject, id);
";

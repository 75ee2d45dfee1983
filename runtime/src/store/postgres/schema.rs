//! herald's tables in PostgreSQL's dialect (see the table layout in [`crate::store`]).
//!
//! - `herald_outbox_pending` indexes only the rows not yet relayed, so the relay's query stays
//!   an index range scan however many relayed rows wait for their purge.
//! - `herald_outbox_relayed` and `herald_inbox_processed_at` let purges find their oldest rows
//!   by range instead of scanning.

/// The first key of the advisory lock `migrate` holds (the second is the schema's hash):
/// "herald" in ASCII, so it is recognisable in `pg_locks`.
const MIGRATE_LOCK: i32 = 0x6865_7261;

/// The migration of `schema` (a checked identifier): the lock, then idempotent DDL.
pub(super) fn migration(schema: &str) -> String {
    format!(
        "
SELECT pg_advisory_xact_lock({MIGRATE_LOCK}, hashtext('{schema}'));
CREATE SCHEMA IF NOT EXISTS {schema};

CREATE TABLE IF NOT EXISTS {schema}.herald_inbox (
    consumer     TEXT   NOT NULL,
    event_id     TEXT   NOT NULL,
    processed_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS herald_inbox_processed_at
    ON {schema}.herald_inbox (processed_at);

CREATE TABLE IF NOT EXISTS {schema}.herald_outbox (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id   TEXT   NOT NULL,
    event_type TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    envelope   BYTEA  NOT NULL,
    created_at BIGINT NOT NULL,
    relayed_at BIGINT
);
CREATE INDEX IF NOT EXISTS herald_outbox_pending
    ON {schema}.herald_outbox (id) WHERE relayed_at IS NULL;
CREATE INDEX IF NOT EXISTS herald_outbox_relayed
    ON {schema}.herald_outbox (relayed_at) WHERE relayed_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS {schema}.herald_dead_letters (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer   TEXT   NOT NULL,
    event_id   TEXT,
    event_type TEXT,
    subject    TEXT   NOT NULL,
    envelope   BYTEA  NOT NULL,
    reason     TEXT   NOT NULL,
    attempts   BIGINT NOT NULL CHECK (attempts >= 0),
    status     TEXT   NOT NULL CHECK (status IN ('failed', 'parked')),
    created_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS herald_dead_letters_key
    ON {schema}.herald_dead_letters (consumer, subject, id);
"
    )
}

//! The SQLite side of a persistent [`MemoryBus`](super::MemoryBus): the tables, loading them at
//! start, and the writes (appending to the log, registering a consumer, recording acks,
//! compacting, forgetting a consumer).
//!
//! A consumer's progress is kept as a *floor* plus the acked offsets at or above it: every
//! offset below the floor is settled for that consumer (acked, filtered out by its event types,
//! or given up at `max_deliver`), so the acks table only holds the ragged edge left by
//! out-of-order acks (lanes ack independently) and stays small however long the log grows.
//!
//! Compaction deletes the log rows below every consumer's floor in bounded offset ranges (the
//! offset is the rowid, so a range is a short b-tree walk) and records the new base offset in
//! `herald_bus_meta` in the same transaction: offsets are never reused or renumbered, and a
//! restart reads only the rows from the base on.
//!
//! Every function here runs on a connection the caller has locked and wraps its writes in one
//! `BEGIN IMMEDIATE` transaction, so a failure leaves the tables as they were.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// The bus's tables, created when missing. `bus_offset` is the log position, dense from the
/// base offset (`herald_bus_meta`'s `base_offset`, 0 when absent) on; `published_at` (Unix
/// milliseconds) lets the dedupe window survive a restart.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS herald_bus_log (
    bus_offset   INTEGER PRIMARY KEY,
    event_id     TEXT,
    event_type   TEXT NOT NULL,
    payload      BLOB NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS herald_bus_consumers (
    consumer    TEXT PRIMARY KEY,
    acked_floor INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS herald_bus_acks (
    consumer  TEXT NOT NULL,
    bus_offset INTEGER NOT NULL,
    PRIMARY KEY (consumer, bus_offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS herald_bus_meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
";

/// The `herald_bus_meta` key of the offset of the oldest retained log row.
const BASE_OFFSET: &str = "base_offset";

/// Why loading or writing the bus's tables failed.
#[derive(Debug, thiserror::Error)]
pub(super) enum PersistError {
    /// SQLite refused a statement.
    #[error("{operation}: {source}")]
    Sqlite {
        /// What was being done.
        operation: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The stored log is not dense from its base offset (edited by hand, or written by
    /// something else).
    #[error("herald_bus_log has offset {found} where {expected} was expected")]
    Gap {
        /// The offset the dense log needs next.
        expected: u64,
        /// The offset found there.
        found: i64,
    },
}

fn sqlite(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> PersistError {
    move |source| PersistError::Sqlite { operation, source }
}

/// One log entry as stored.
pub(super) struct LogRow {
    /// The envelope id; `None` for raw injected bytes, which take no part in dedupe.
    pub(super) event_id: Option<String>,
    pub(super) event_type: String,
    pub(super) payload: Arc<[u8]>,
    /// Unix milliseconds.
    pub(super) published_at: i64,
}

/// One consumer's stored progress.
#[derive(Default)]
pub(super) struct Progress {
    /// Every offset below is settled.
    pub(super) floor: usize,
    /// Acked offsets at or above the floor.
    pub(super) acked: BTreeSet<usize>,
}

/// Everything a persistent bus starts from.
pub(super) struct Loaded {
    /// The offset of the first row of `log` (the rows below were compacted away).
    pub(super) base: usize,
    /// The retained log, in offset order (offset = `base` + index).
    pub(super) log: Vec<LogRow>,
    pub(super) consumers: HashMap<String, Progress>,
}

/// Creates the tables when missing and reads the retained part of them.
pub(super) fn load(connection: &Connection) -> Result<Loaded, PersistError> {
    let tx = rusqlite::Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(sqlite("begin"))?;
    tx.execute_batch(SCHEMA).map_err(sqlite("create tables"))?;
    let base: i64 = tx
        .query_row(
            "SELECT value FROM herald_bus_meta WHERE key = ?1",
            [BASE_OFFSET],
            |row| row.get(0),
        )
        .optional()
        .map_err(sqlite("read the base offset"))?
        .unwrap_or(0);
    let base = usize::try_from(base).unwrap_or(0);
    let mut log = Vec::new();
    {
        let mut select = tx
            .prepare(
                "SELECT bus_offset, event_id, event_type, payload, published_at
                 FROM herald_bus_log WHERE bus_offset >= ?1 ORDER BY bus_offset",
            )
            .map_err(sqlite("read the log"))?;
        let mut rows = select
            .query([base as i64])
            .map_err(sqlite("read the log"))?;
        while let Some(row) = rows.next().map_err(sqlite("read the log"))? {
            let offset: i64 = row.get(0).map_err(sqlite("read the log"))?;
            let expected = base + log.len();
            if usize::try_from(offset).ok() != Some(expected) {
                return Err(PersistError::Gap {
                    expected: expected as u64,
                    found: offset,
                });
            }
            let payload: Vec<u8> = row.get(3).map_err(sqlite("read the log"))?;
            log.push(LogRow {
                event_id: row.get(1).map_err(sqlite("read the log"))?,
                event_type: row.get(2).map_err(sqlite("read the log"))?,
                payload: payload.into(),
                published_at: row.get(4).map_err(sqlite("read the log"))?,
            });
        }
    }
    let mut consumers: HashMap<String, Progress> = HashMap::new();
    {
        let mut select = tx
            .prepare("SELECT consumer, acked_floor FROM herald_bus_consumers")
            .map_err(sqlite("read the consumers"))?;
        let mut rows = select.query([]).map_err(sqlite("read the consumers"))?;
        while let Some(row) = rows.next().map_err(sqlite("read the consumers"))? {
            let floor: i64 = row.get(1).map_err(sqlite("read the consumers"))?;
            consumers.insert(
                row.get(0).map_err(sqlite("read the consumers"))?,
                Progress {
                    floor: usize::try_from(floor).unwrap_or(0),
                    acked: BTreeSet::new(),
                },
            );
        }
        let mut select = tx
            .prepare("SELECT consumer, bus_offset FROM herald_bus_acks")
            .map_err(sqlite("read the acks"))?;
        let mut rows = select.query([]).map_err(sqlite("read the acks"))?;
        while let Some(row) = rows.next().map_err(sqlite("read the acks"))? {
            let consumer: String = row.get(0).map_err(sqlite("read the acks"))?;
            let offset: i64 = row.get(1).map_err(sqlite("read the acks"))?;
            if let Ok(offset) = usize::try_from(offset) {
                consumers.entry(consumer).or_default().acked.insert(offset);
            }
        }
    }
    tx.commit().map_err(sqlite("commit the bus tables"))?;
    for progress in consumers.values_mut() {
        // An ack below the floor is settled twice over; it only waits for the next cleanup.
        progress.acked = progress.acked.split_off(&progress.floor);
    }
    Ok(Loaded {
        base,
        log,
        consumers,
    })
}

/// Appends `rows` at offsets `first..`, in one transaction.
pub(super) fn append<'a>(
    connection: &Connection,
    first: usize,
    rows: impl IntoIterator<Item = &'a LogRow>,
) -> Result<(), PersistError> {
    let tx = rusqlite::Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(sqlite("begin a publish"))?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO herald_bus_log (bus_offset, event_id, event_type, payload, published_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sqlite("append to the log"))?;
        for (offset, row) in (first..).zip(rows) {
            insert
                .execute(params![
                    offset as i64,
                    row.event_id,
                    row.event_type,
                    &*row.payload,
                    row.published_at
                ])
                .map_err(sqlite("append to the log"))?;
        }
    }
    tx.commit().map_err(sqlite("commit a publish"))
}

/// Records acked offsets and moves floors up, in one transaction: `acks` are (consumer,
/// offset) pairs at or above that consumer's floor in `floors`; acks below a new floor are
/// deleted, as the floor now covers them.
pub(super) fn save_acks(
    connection: &Connection,
    acks: &[(Arc<str>, usize)],
    floors: &[(Arc<str>, usize)],
) -> Result<(), PersistError> {
    let tx = rusqlite::Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(sqlite("begin an ack"))?;
    raise_floors(&tx, floors)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT OR IGNORE INTO herald_bus_acks (consumer, bus_offset) VALUES (?1, ?2)",
            )
            .map_err(sqlite("record an ack"))?;
        for (consumer, offset) in acks {
            insert
                .execute(params![&**consumer, *offset as i64])
                .map_err(sqlite("record an ack"))?;
        }
    }
    tx.commit().map_err(sqlite("commit acks"))
}

/// Moves each consumer's stored floor up to the one given (never down), deleting the acks the
/// new floor covers. Runs inside the caller's transaction.
fn raise_floors(connection: &Connection, floors: &[(Arc<str>, usize)]) -> Result<(), PersistError> {
    {
        let mut floor_of = connection
            .prepare_cached("SELECT acked_floor FROM herald_bus_consumers WHERE consumer = ?1")
            .map_err(sqlite("read a floor"))?;
        let mut set_floor = connection
            .prepare_cached(
                "INSERT INTO herald_bus_consumers (consumer, acked_floor) VALUES (?1, ?2)
                 ON CONFLICT (consumer) DO UPDATE SET acked_floor = excluded.acked_floor
                 WHERE excluded.acked_floor > herald_bus_consumers.acked_floor",
            )
            .map_err(sqlite("move a floor"))?;
        let mut below_floor = connection
            .prepare_cached("DELETE FROM herald_bus_acks WHERE consumer = ?1 AND bus_offset < ?2")
            .map_err(sqlite("clean up acks"))?;
        for (consumer, floor) in floors {
            let stored: Option<i64> = floor_of
                .query_row([&**consumer], |row| row.get(0))
                .optional()
                .map_err(sqlite("read a floor"))?;
            if stored.is_some_and(|stored| stored >= *floor as i64) {
                continue;
            }
            set_floor
                .execute(params![&**consumer, *floor as i64])
                .map_err(sqlite("move a floor"))?;
            below_floor
                .execute(params![&**consumer, *floor as i64])
                .map_err(sqlite("clean up acks"))?;
        }
    }
    Ok(())
}

/// Records a consumer seen for the first time, with everything below `floor` settled for it
/// (nothing it could still receive), so compaction keeps its events across restarts even
/// before its first ack. A consumer already stored keeps its progress.
pub(super) fn register_consumer(
    connection: &Connection,
    consumer: &str,
    floor: usize,
) -> Result<(), PersistError> {
    connection
        .prepare_cached(
            "INSERT INTO herald_bus_consumers (consumer, acked_floor) VALUES (?1, ?2)
             ON CONFLICT (consumer) DO NOTHING",
        )
        .and_then(|mut insert| insert.execute(params![consumer, floor as i64]))
        .map_err(sqlite("register a consumer"))?;
    Ok(())
}

/// One compaction step, in one transaction: moves the given floors up, deletes the log rows at
/// offsets `base..cutoff` (every consumer's floor is at `cutoff` or above) and records `cutoff`
/// as the new base offset.
pub(super) fn compact(
    connection: &Connection,
    floors: &[(Arc<str>, usize)],
    base: usize,
    cutoff: usize,
) -> Result<(), PersistError> {
    let tx = rusqlite::Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(sqlite("begin a compaction"))?;
    raise_floors(&tx, floors)?;
    if cutoff > base {
        tx.prepare_cached("DELETE FROM herald_bus_log WHERE bus_offset >= ?1 AND bus_offset < ?2")
            .and_then(|mut delete| delete.execute(params![base as i64, cutoff as i64]))
            .map_err(sqlite("drop settled events"))?;
        tx.prepare_cached(
            "INSERT INTO herald_bus_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .and_then(|mut set| set.execute(params![BASE_OFFSET, cutoff as i64]))
        .map_err(sqlite("move the base offset"))?;
    }
    tx.commit().map_err(sqlite("commit a compaction"))
}

/// Forgets a consumer: its floor and its acks, in one transaction.
pub(super) fn delete_consumer(connection: &Connection, consumer: &str) -> Result<(), PersistError> {
    let tx = rusqlite::Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(sqlite("begin forgetting a consumer"))?;
    tx.execute(
        "DELETE FROM herald_bus_acks WHERE consumer = ?1",
        [consumer],
    )
    .map_err(sqlite("forget a consumer's acks"))?;
    tx.execute(
        "DELETE FROM herald_bus_consumers WHERE consumer = ?1",
        [consumer],
    )
    .map_err(sqlite("forget a consumer"))?;
    tx.commit().map_err(sqlite("commit forgetting a consumer"))
}

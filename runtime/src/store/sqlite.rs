//! SQLite store: the embedded default.
//!
//! One connection, in WAL mode, guarded by a tokio mutex. SQLite has a single writer per
//! database, so a pool would only queue writers inside SQLite instead of here; a transaction
//! holds the mutex's owned guard from `BEGIN IMMEDIATE` to commit or rollback, which makes
//! transactions from many tasks run one after the other without `SQLITE_BUSY` between them.
//!
//! SQLite calls run inline on the async worker thread rather than through `spawn_blocking`:
//! with WAL and cached statements a statement takes microseconds, far less than the thread hop
//! `spawn_blocking` would add to each one. The exception is waiting for *another process's* write
//! lock, which is bounded by [`SqliteOptions::busy_timeout`].
//!
//! Durability: [`Synchronous::Normal`] (the default) syncs the WAL at checkpoints, not at every
//! commit. A committed transaction survives the application crashing, but the last commits
//! before an operating-system crash or power loss may be lost (the database stays consistent).
//! [`Synchronous::Full`] syncs every commit and survives power loss, at about 3–4× the cost per
//! single-event transaction and under 2× for batches of 100 or more.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, MutexGuard};

use super::{DeadLetter, Dialect, OutboxRecord, Store, StoreError, Transaction, unix_millis};

mod error;
mod herald;
mod schema;
mod transaction;
mod values;

pub use herald::OUTBOX_PENDING_SQL;
pub use transaction::SqliteTransaction;

use error::{query_error, unavailable};

/// The store's name in errors and logs.
const NAME: &str = "sqlite";

/// When SQLite syncs the write-ahead log to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Sync at WAL checkpoints: survives application crashes; may lose the last commits on
    /// power loss.
    #[default]
    Normal,
    /// Sync at every commit: survives power loss, slower per transaction.
    Full,
}

impl Synchronous {
    fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// How to open a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Durability of commits (see the module docs for the trade-off).
    pub synchronous: Synchronous,
    /// How long to wait for another process's write lock before failing with "database is
    /// locked".
    pub busy_timeout: Duration,
    /// How many prepared statements to keep per connection: herald's own plus the
    /// application's, so each SQL text is compiled once.
    pub statement_cache: usize,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            statement_cache: 128,
        }
    }
}

/// A SQLite database holding herald's tables and the application's own.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (creating when missing) the database file at `path`, in WAL mode with foreign
    /// keys on. Fails with [`StoreError::Unavailable`] when the file cannot be opened or is not
    /// a database.
    pub fn open(path: impl AsRef<Path>, options: SqliteOptions) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let connection = Connection::open_with_flags(path, flags)
            .map_err(|err| unavailable(format!("cannot open {}: {err}", path.display())))?;
        let journal_mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|err| unavailable(format!("cannot read {}: {err}", path.display())))?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(unavailable(format!(
                "{} cannot use write-ahead logging (journal mode stays {journal_mode})",
                path.display()
            )));
        }
        SqliteStore::configure(connection, &options)
    }

    /// A private in-memory database (for tests): same schema and semantics, no file, no WAL.
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let connection = Connection::open_in_memory()
            .map_err(|err| unavailable(format!("cannot open an in-memory database: {err}")))?;
        SqliteStore::configure(connection, &SqliteOptions::default())
    }

    fn configure(
        connection: Connection,
        options: &SqliteOptions,
    ) -> Result<SqliteStore, StoreError> {
        connection
            .busy_timeout(options.busy_timeout)
            .map_err(|err| unavailable(format!("cannot set the busy timeout: {err}")))?;
        let pragmas = format!(
            "PRAGMA synchronous = {}; PRAGMA foreign_keys = ON;",
            options.synchronous.pragma_value()
        );
        connection
            .execute_batch(&pragmas)
            .map_err(|err| unavailable(format!("cannot configure the connection: {err}")))?;
        connection.set_prepared_statement_cache_capacity(options.statement_cache);
        Ok(SqliteStore {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Opens a transaction, typed (the [`Store::begin`] box erases the type).
    pub async fn begin_sqlite(&self) -> Result<SqliteTransaction, StoreError> {
        SqliteTransaction::begin(self.connection.clone().lock_owned().await)
    }

    /// Locks the connection for a statement outside any transaction.
    async fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let connection = self.connection.lock().await;
        if !connection.is_autocommit() {
            // See `SqliteTransaction::begin`: never run inside an abandoned transaction.
            connection
                .execute_batch("ROLLBACK")
                .map_err(|err| query_error("rollback of an abandoned transaction", err))?;
        }
        Ok(connection)
    }

    /// Runs `work` on the locked connection, outside any transaction (`work` opens its own):
    /// how the persistent in-process bus shares this database.
    #[cfg(feature = "memory")]
    pub(crate) async fn with_connection<T>(
        &self,
        work: impl FnOnce(&Connection) -> T,
    ) -> Result<T, StoreError> {
        let connection = self.lock().await?;
        Ok(work(&connection))
    }

    /// Runs `work` in one immediate transaction of its own (for herald's multi-statement
    /// maintenance calls).
    async fn in_transaction<T>(
        &self,
        operation: &str,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let transaction = self.begin_sqlite().await?;
        let result = work(transaction.connection())?;
        transaction.finish(&format!("{operation} (commit)"))?;
        Ok(result)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn name(&self) -> &'static str {
        NAME
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    /// Two: transactions run one at a time, so a second lane only overlaps its decoding and
    /// validation with the first one's writes; more lanes measured slower (BENCHMARKS.md).
    fn suggested_concurrency(&self) -> usize {
        2
    }

    /// Creates the tables inside one `BEGIN IMMEDIATE` transaction: a second process calling
    /// this at the same time waits for the write lock (busy timeout), then finds them.
    async fn migrate(&self) -> Result<(), StoreError> {
        self.in_transaction("migrate", |connection| {
            connection
                .execute_batch(schema::MIGRATION)
                .map_err(|err| query_error("migrate", err))
        })
        .await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        Ok(Box::new(self.begin_sqlite().await?))
    }

    async fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxRecord>, StoreError> {
        let connection = self.lock().await?;
        herald::outbox_pending(&connection, limit)
    }

    async fn outbox_mark_relayed(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = unix_millis(SystemTime::now());
        self.in_transaction("outbox mark relayed", |connection| {
            herald::outbox_mark_relayed(connection, ids, now)
        })
        .await
    }

    async fn purge_inbox(&self, before: SystemTime, batch: usize) -> Result<u64, StoreError> {
        let connection = self.lock().await?;
        herald::purge_inbox(&connection, unix_millis(before), batch)
    }

    async fn purge_outbox(&self, before: SystemTime, batch: usize) -> Result<u64, StoreError> {
        let connection = self.lock().await?;
        herald::purge_outbox(&connection, unix_millis(before), batch)
    }

    async fn dead_letters(&self, consumer: &str) -> Result<Vec<DeadLetter>, StoreError> {
        let connection = self.lock().await?;
        herald::dead_letters(&connection, consumer)
    }

    async fn blocked_keys(&self, consumer: &str) -> Result<HashSet<String>, StoreError> {
        let connection = self.lock().await?;
        herald::blocked_keys(&connection, consumer)
    }
}

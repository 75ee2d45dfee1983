//! PostgreSQL store: for services that run on more than one machine.
//!
//! A small pool of connections (deadpool), each with its own cache of prepared statements, so
//! every SQL text is parsed and planned once per connection. Transactions run in parallel, one
//! per pooled connection; a transaction dropped without commit is rolled back before its
//! connection is pooled again, or its connection is closed (which makes the server roll back):
//! a pooled connection is never left inside a transaction.
//!
//! The store works in one schema ([`PostgresOptions::schema`]): every connection's
//! `search_path` is that schema, so herald's tables and the application's unqualified statements
//! both live there, and [`Store::migrate`] creates the schema when it is missing.
//!
//! Outbox ids come from an identity column, allocated when a row is inserted: rows of one key
//! are relayed in insert order as long as the transactions writing that key are serialised
//! (they usually are, through the lock on the business row they change).

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

use super::{DeadLetter, Dialect, OutboxRecord, Store, StoreError, Transaction, unix_millis};

mod error;
mod herald;
mod schema;
mod transaction;
mod values;

pub use herald::OUTBOX_PENDING_SQL;
pub use transaction::PostgresTransaction;

use error::{pool_error, unavailable};

/// The store's name in errors and logs.
const NAME: &str = "postgres";

/// How to connect to PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// The most connections open at once: the most transactions running in parallel.
    pub pool_size: usize,
    /// The schema holding herald's tables (and the application's, through `search_path`): a
    /// lowercase identifier (`[a-z_][a-z0-9_]*`, at most 63 bytes).
    pub schema: String,
    /// How long to wait for a new connection before reporting the database unavailable.
    pub connect_timeout: Duration,
    /// How long a caller waits for a free pooled connection before failing.
    pub wait_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> PostgresOptions {
        PostgresOptions {
            pool_size: 4,
            schema: "public".to_owned(),
            connect_timeout: Duration::from_secs(10),
            wait_timeout: Duration::from_secs(30),
        }
    }
}

/// A PostgreSQL database holding herald's tables and the application's own.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    schema: String,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user@host:port/database`): builds the pool and opens one
    /// connection to check the database can be reached ([`StoreError::Unavailable`] when not).
    pub async fn connect(url: &str, options: PostgresOptions) -> Result<PostgresStore, StoreError> {
        check_schema_name(&options.schema)?;
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|err| unavailable(format!("invalid connection URL: {err}")))?;
        let search_path = format!("-c search_path={}", options.schema);
        let session_options = match config.get_options() {
            Some(given) if !given.is_empty() => format!("{given} {search_path}"),
            _ => search_path,
        };
        config.options(session_options);
        config.connect_timeout(options.connect_timeout);
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(options.connect_timeout))
            .build()
            .map_err(|err| unavailable(format!("cannot build the connection pool: {err}")))?;
        let store = PostgresStore {
            pool,
            schema: options.schema,
        };
        drop(store.client().await?);
        Ok(store)
    }

    /// The schema this store works in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Opens a transaction, typed (the [`Store::begin`] box erases the type).
    pub async fn begin_postgres(&self) -> Result<PostgresTransaction, StoreError> {
        PostgresTransaction::begin(self.client().await?).await
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Rejects schema names that would need quoting, so the name can go into `search_path` and
/// DDL as it is.
fn check_schema_name(schema: &str) -> Result<(), StoreError> {
    let mut chars = schema.chars();
    let valid = schema.len() <= 63
        && chars
            .next()
            .is_some_and(|first| first.is_ascii_lowercase() || first == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(unavailable(format!(
            "schema name {schema:?} is not a lowercase identifier ([a-z_][a-z0-9_]*, at most \
             63 bytes)"
        )))
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn name(&self) -> &'static str {
        NAME
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    /// Two lanes per pooled connection: while one lane's transaction waits on the network,
    /// the other prepares its batch.
    fn suggested_concurrency(&self) -> usize {
        self.pool.status().max_size.saturating_mul(2).max(1)
    }

    /// Creates the schema, tables and indexes in one transaction under an advisory lock on the
    /// schema's name: a second process migrating at the same moment waits, then finds them
    /// (concurrent `CREATE … IF NOT EXISTS` alone can fail on PostgreSQL's catalog).
    async fn migrate(&self) -> Result<(), StoreError> {
        let transaction = self.begin_postgres().await?;
        transaction
            .batch("migrate", &schema::migration(&self.schema))
            .await?;
        transaction.finish("migrate (commit)").await
    }

    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        Ok(Box::new(self.begin_postgres().await?))
    }

    async fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxRecord>, StoreError> {
        herald::outbox_pending(&self.client().await?, limit).await
    }

    async fn outbox_mark_relayed(&self, ids: &[i64]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let now = unix_millis(SystemTime::now());
        herald::outbox_mark_relayed(&self.client().await?, ids, now).await
    }

    async fn purge_inbox(&self, before: SystemTime, batch: usize) -> Result<u64, StoreError> {
        herald::purge_inbox(&self.client().await?, unix_millis(before), batch).await
    }

    async fn purge_outbox(&self, before: SystemTime, batch: usize) -> Result<u64, StoreError> {
        herald::purge_outbox(&self.client().await?, unix_millis(before), batch).await
    }

    async fn dead_letters(&self, consumer: &str) -> Result<Vec<DeadLetter>, StoreError> {
        herald::dead_letters(&self.client().await?, consumer).await
    }

    async fn blocked_keys(&self, consumer: &str) -> Result<HashSet<String>, StoreError> {
        herald::blocked_keys(&self.client().await?, consumer).await
    }
}

#[cfg(test)]
mod tests {
    use super::check_schema_name;

    #[test]
    fn schema_names_must_need_no_quoting() {
        for good in ["public", "herald_test_0af3", "_x"] {
            assert!(check_schema_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "Public",
            "1abc",
            "a-b",
            "a b",
            "x;drop",
            &"a".repeat(64),
        ] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }
}

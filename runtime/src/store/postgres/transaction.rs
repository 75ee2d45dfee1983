//! A PostgreSQL transaction on one pooled connection, and the guard that keeps a connection
//! inside a transaction out of the pool.

use std::time::SystemTime;

use async_trait::async_trait;
use deadpool_postgres::Object;

use super::error::{query_error, statement};
use super::{herald, values};
use crate::envelope::Envelope;
use crate::store::{
    DeadLetter, DeadLetterStatus, Dialect, NewDeadLetter, Row, SqlValue, StoreError, Transaction,
    unix_millis,
};

/// A pooled connection that may be inside a transaction. Dropped without [`release`], it is
/// taken out of the pool and closed, and the server rolls its transaction back; only a
/// connection known to be idle goes back to the pool.
///
/// [`release`]: PooledClient::release
pub(super) struct PooledClient(Option<Object>);

impl PooledClient {
    fn client(&self) -> Result<&Object, StoreError> {
        self.0.as_ref().ok_or_else(|| ended("transaction"))
    }

    /// Returns the connection to the pool: call only when it is outside any transaction.
    fn release(mut self) {
        drop(self.0.take());
    }
}

impl Drop for PooledClient {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(Object::take(object));
        }
    }
}

/// An open PostgreSQL transaction; dropping it rolls back.
pub struct PostgresTransaction {
    connection: Option<PooledClient>,
}

impl std::fmt::Debug for PostgresTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTransaction")
            .field("open", &self.connection.is_some())
            .finish()
    }
}

impl PostgresTransaction {
    /// Starts a transaction on `client`.
    pub(super) async fn begin(client: Object) -> Result<PostgresTransaction, StoreError> {
        let connection = PooledClient(Some(client));
        // From here on a failure drops `connection`, closing it rather than pooling it.
        connection
            .client()?
            .batch_execute("BEGIN")
            .await
            .map_err(|err| query_error("begin", err))?;
        Ok(PostgresTransaction {
            connection: Some(connection),
        })
    }

    fn client(&self) -> Result<&Object, StoreError> {
        match &self.connection {
            Some(connection) => connection.client(),
            None => Err(ended("transaction")),
        }
    }

    /// Runs several statements of herald's own (no parameters) in this transaction.
    pub(super) async fn batch(&self, operation: &str, sql: &str) -> Result<(), StoreError> {
        self.client()?
            .batch_execute(sql)
            .await
            .map_err(|err| query_error(operation, err))
    }

    /// Commits; `operation` names the commit in errors. On success the connection goes back
    /// to the pool; on failure it is closed.
    pub(super) async fn finish(mut self, operation: &str) -> Result<(), StoreError> {
        self.end("COMMIT", operation).await
    }

    async fn end(&mut self, sql: &str, operation: &str) -> Result<(), StoreError> {
        let Some(connection) = self.connection.take() else {
            return Err(ended(operation));
        };
        connection
            .client()?
            .batch_execute(sql)
            .await
            .map_err(|err| query_error(operation, err))?;
        connection.release();
        Ok(())
    }
}

/// A statement on a transaction that committed or rolled back already (only reachable
/// through herald's own helpers: the public API consumes the transaction when it ends).
fn ended(operation: &str) -> StoreError {
    StoreError::Query {
        store: super::NAME,
        operation: operation.to_owned(),
        reason: "the transaction has already ended".to_owned(),
    }
}

impl Drop for PostgresTransaction {
    /// Rolls back in a task of its own (`Drop` cannot wait). The connection stays with that
    /// task until the rollback is done, so nobody gets it from the pool mid-transaction; if
    /// there is no runtime, or the task never runs or fails, the guard closes the connection.
    fn drop(&mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let rolled_back = match connection.client() {
                Ok(client) => client.batch_execute("ROLLBACK").await.is_ok(),
                Err(_) => false,
            };
            if rolled_back {
                connection.release();
            }
        });
    }
}

#[async_trait]
impl Transaction for PostgresTransaction {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let client = self.client()?;
        let prepared = client
            .prepare_cached(sql)
            .await
            .map_err(|err| query_error(statement(sql), err))?;
        client
            .execute(&prepared, &values::params(params))
            .await
            .map_err(|err| query_error(statement(sql), err))
    }

    async fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        let client = self.client()?;
        let prepared = client
            .prepare_cached(sql)
            .await
            .map_err(|err| query_error(statement(sql), err))?;
        let rows = client
            .query(&prepared, &values::params(params))
            .await
            .map_err(|err| query_error(statement(sql), err))?;
        values::to_rows(&prepared, &rows)
    }

    async fn inbox_claim(&mut self, consumer: &str, event_id: &str) -> Result<bool, StoreError> {
        let now = unix_millis(SystemTime::now());
        herald::inbox_claim(self.client()?, consumer, event_id, now).await
    }

    async fn inbox_contains(&mut self, consumer: &str, event_id: &str) -> Result<bool, StoreError> {
        herald::inbox_contains(self.client()?, consumer, event_id).await
    }

    async fn outbox_push(&mut self, envelope: &Envelope) -> Result<(), StoreError> {
        let now = unix_millis(SystemTime::now());
        herald::outbox_push(self.client()?, envelope, now).await
    }

    async fn dead_letter_push(&mut self, letter: &NewDeadLetter<'_>) -> Result<i64, StoreError> {
        let now = unix_millis(SystemTime::now());
        herald::dead_letter_push(self.client()?, letter, now).await
    }

    async fn dead_letters_for_key(
        &mut self,
        consumer: &str,
        key: &str,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        herald::dead_letters_for_key(self.client()?, consumer, key).await
    }

    async fn dead_letter_delete(&mut self, consumer: &str, id: i64) -> Result<bool, StoreError> {
        herald::dead_letter_delete(self.client()?, consumer, id).await
    }

    async fn dead_letter_update(
        &mut self,
        consumer: &str,
        id: i64,
        reason: &str,
        status: DeadLetterStatus,
    ) -> Result<(), StoreError> {
        herald::dead_letter_update(self.client()?, consumer, id, reason, status).await
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        self.end("COMMIT", "commit").await
    }

    async fn rollback(mut self: Box<Self>) -> Result<(), StoreError> {
        self.end("ROLLBACK", "rollback").await
    }
}

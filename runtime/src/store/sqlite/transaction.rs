//! A SQLite transaction: the connection's owned lock, held from `BEGIN IMMEDIATE` to the end.

use std::time::SystemTime;

use async_trait::async_trait;
use rusqlite::Connection;
use tokio::sync::OwnedMutexGuard;

use super::error::{query_error, statement};
use super::{herald, values};
use crate::envelope::Envelope;
use crate::store::{
    DeadLetter, DeadLetterStatus, Dialect, NewDeadLetter, Row, SqlValue, StoreError, Transaction,
    unix_millis,
};

/// An open SQLite transaction. Other tasks wait for the connection until it commits, rolls
/// back or is dropped; dropping it rolls back.
///
/// Statements run inline (see the [module docs](super)); none of the `async` methods awaits
/// anything, so a transaction never sits half-done on a suspended future.
#[derive(Debug)]
pub struct SqliteTransaction {
    connection: OwnedMutexGuard<Connection>,
}

impl SqliteTransaction {
    /// Starts a write transaction on the locked connection. `IMMEDIATE` takes SQLite's write
    /// lock now, so a busy database fails (or waits) here rather than at the first write.
    pub(super) fn begin(
        connection: OwnedMutexGuard<Connection>,
    ) -> Result<SqliteTransaction, StoreError> {
        if !connection.is_autocommit() {
            // A transaction whose rollback failed on drop left the connection open: end it
            // before starting anew, so its writes never join this one.
            connection
                .execute_batch("ROLLBACK")
                .map_err(|err| query_error("rollback of an abandoned transaction", err))?;
        }
        connection
            .prepare_cached("BEGIN IMMEDIATE")
            .and_then(|mut begin| begin.execute([]))
            .map_err(|err| query_error("begin", err))?;
        Ok(SqliteTransaction { connection })
    }

    /// The locked connection, for statements that belong to this transaction.
    pub(super) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Commits; on failure the transaction is rolled back when `self` drops. `operation`
    /// names the commit in errors.
    pub(super) fn finish(self, operation: &str) -> Result<(), StoreError> {
        self.end("COMMIT", operation)
    }

    fn end(&self, sql: &'static str, operation: &str) -> Result<(), StoreError> {
        self.connection
            .prepare_cached(sql)
            .and_then(|mut end| end.execute([]))
            .map_err(|err| query_error(operation, err))?;
        Ok(())
    }
}

impl Drop for SqliteTransaction {
    fn drop(&mut self) {
        if self.connection.is_autocommit() {
            return;
        }
        if let Err(err) = self.connection.execute_batch("ROLLBACK") {
            // The next `begin` retries the rollback before it starts.
            tracing::warn!(store = "sqlite", error = %err, "rollback of a dropped transaction failed");
        }
    }
}

#[async_trait]
impl Transaction for SqliteTransaction {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, sql: &str, params: &[SqlValue]) -> Result<u64, StoreError> {
        let mut prepared = self
            .connection
            .prepare_cached(sql)
            .map_err(|err| query_error(statement(sql), err))?;
        let changed = prepared
            .execute(values::params(params))
            .map_err(|err| query_error(statement(sql), err))?;
        Ok(changed as u64)
    }

    async fn query(&mut self, sql: &str, params: &[SqlValue]) -> Result<Vec<Row>, StoreError> {
        let mut prepared = self
            .connection
            .prepare_cached(sql)
            .map_err(|err| query_error(statement(sql), err))?;
        values::collect_rows(&mut prepared, params, &|| statement(sql))
    }

    async fn inbox_claim(&mut self, consumer: &str, event_id: &str) -> Result<bool, StoreError> {
        herald::inbox_claim(
            &self.connection,
            consumer,
            event_id,
            unix_millis(SystemTime::now()),
        )
    }

    async fn inbox_contains(&mut self, consumer: &str, event_id: &str) -> Result<bool, StoreError> {
        herald::inbox_contains(&self.connection, consumer, event_id)
    }

    async fn inbox_claim_many(
        &mut self,
        consumer: &str,
        event_ids: &[&str],
    ) -> Result<Vec<bool>, StoreError> {
        herald::inbox_claim_many(
            &self.connection,
            consumer,
            event_ids,
            unix_millis(SystemTime::now()),
        )
    }

    async fn outbox_push(&mut self, envelope: &Envelope) -> Result<(), StoreError> {
        herald::outbox_push(&self.connection, envelope, unix_millis(SystemTime::now()))
    }

    async fn dead_letter_push(&mut self, letter: &NewDeadLetter<'_>) -> Result<i64, StoreError> {
        herald::dead_letter_push(&self.connection, letter, unix_millis(SystemTime::now()))
    }

    async fn dead_letters_for_key(
        &mut self,
        consumer: &str,
        key: &str,
    ) -> Result<Vec<DeadLetter>, StoreError> {
        herald::dead_letters_for_key(&self.connection, consumer, key)
    }

    async fn dead_letter_delete(&mut self, consumer: &str, id: i64) -> Result<bool, StoreError> {
        herald::dead_letter_delete(&self.connection, consumer, id)
    }

    async fn dead_letter_update(
        &mut self,
        consumer: &str,
        id: i64,
        reason: &str,
        status: DeadLetterStatus,
    ) -> Result<(), StoreError> {
        herald::dead_letter_update(&self.connection, consumer, id, reason, status)
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.finish("commit")
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.end("ROLLBACK", "rollback")
    }
}

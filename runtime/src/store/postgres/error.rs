//! How tokio-postgres' and the pool's errors become [`StoreError`]s.

use std::error::Error as _;

use deadpool_postgres::PoolError;

use super::NAME;
use crate::store::StoreError;

/// The database cannot be reached, or the store cannot be set up to reach it.
pub(super) fn unavailable(reason: String) -> StoreError {
    StoreError::Unavailable {
        store: NAME,
        reason,
    }
}

/// A statement failed; `operation` names herald's operation or quotes the application's SQL.
/// A lost connection is [`StoreError::Unavailable`]: retrying later may succeed.
pub(super) fn query_error(operation: impl Into<String>, err: tokio_postgres::Error) -> StoreError {
    let operation = operation.into();
    if err.as_db_error().is_none() && (err.is_closed() || is_io(&err)) {
        return unavailable(format!("{operation}: {}", describe(&err)));
    }
    StoreError::Query {
        store: NAME,
        operation,
        reason: describe(&err),
    }
}

/// No connection could be had from the pool.
pub(super) fn pool_error(err: PoolError) -> StoreError {
    match err {
        PoolError::Backend(err) => unavailable(describe(&err)),
        other => unavailable(format!("no connection from the pool: {other}")),
    }
}

/// The operation name for an application statement: the SQL itself.
pub(super) fn statement(sql: &str) -> String {
    format!("statement `{sql}`")
}

/// The server's message with its SQLSTATE, detail and hint, or the client error with its
/// causes (tokio-postgres' own `Display` names only the kind of error).
pub(super) fn describe(err: &tokio_postgres::Error) -> String {
    if let Some(db) = err.as_db_error() {
        let mut text = format!("{} ({}): {}", db.severity(), db.code().code(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; {detail}"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn is_io(err: &tokio_postgres::Error) -> bool {
    let mut source = err.source();
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

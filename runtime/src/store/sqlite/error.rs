//! How SQLite's errors become [`StoreError`]s.

use super::NAME;
use crate::store::StoreError;

/// The database file cannot be opened or is not a database.
pub(super) fn unavailable(reason: String) -> StoreError {
    StoreError::Unavailable {
        store: NAME,
        reason,
    }
}

/// A statement failed; `operation` names herald's operation or quotes the application's SQL.
/// Errors that mean the file itself is unusable (cannot open, not a database, I/O) are
/// [`StoreError::Unavailable`], like a refused connection on a server database.
pub(super) fn query_error(operation: impl Into<String>, err: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{CannotOpen, NotADatabase, SystemIoFailure};
    let operation = operation.into();
    let file_unusable = matches!(
        &err,
        rusqlite::Error::SqliteFailure(failure, _)
            if matches!(failure.code, CannotOpen | NotADatabase | SystemIoFailure)
    );
    if file_unusable {
        return unavailable(format!("{operation}: {err}"));
    }
    StoreError::Query {
        store: NAME,
        operation,
        reason: err.to_string(),
    }
}

/// The operation name for an application statement: the SQL itself.
pub(super) fn statement(sql: &str) -> String {
    format!("statement `{sql}`")
}

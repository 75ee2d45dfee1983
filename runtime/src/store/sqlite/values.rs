//! [`SqlValue`] parameters in and [`Row`]s out of SQLite.
//!
//! SQLite stores five kinds of values; booleans travel as integers 0/1 and JSON as its text,
//! and [`crate::store::FromSqlValue`] reads them back as `bool` and `serde_json::Value`.

use std::sync::Arc;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Statement, ToSql};

use super::error::query_error;
use crate::store::{Row, SqlValue, StoreError};

/// Binds a [`SqlValue`] without copying text or bytes.
pub(super) struct Param<'a>(pub &'a SqlValue);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            SqlValue::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            SqlValue::Integer(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            SqlValue::Real(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            SqlValue::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            SqlValue::Blob(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            SqlValue::Bool(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*v))),
            SqlValue::Json(v) => ToSqlOutput::Owned(Value::Text(v.to_string())),
        })
    }
}

/// The parameters of one statement, bindable by rusqlite.
pub(super) fn params(values: &[SqlValue]) -> impl rusqlite::Params + '_ {
    rusqlite::params_from_iter(values.iter().map(Param))
}

/// Runs a prepared query and collects its rows; `operation` names it in errors.
pub(super) fn collect_rows(
    statement: &mut Statement<'_>,
    values: &[SqlValue],
    operation: &dyn Fn() -> String,
) -> Result<Vec<Row>, StoreError> {
    let columns: Arc<[String]> = statement.column_names().map(str::to_owned).collect();
    let mut rows = statement
        .query(params(values))
        .map_err(|err| query_error(operation(), err))?;
    let mut collected = Vec::new();
    while let Some(row) = rows.next().map_err(|err| query_error(operation(), err))? {
        let mut values = Vec::with_capacity(columns.len());
        for (index, column) in columns.iter().enumerate() {
            let value = row
                .get_ref(index)
                .map_err(|err| query_error(operation(), err))?;
            values.push(to_sql_value(value, column)?);
        }
        collected.push(Row::new(columns.clone(), values));
    }
    Ok(collected)
}

fn to_sql_value(value: ValueRef<'_>, column: &str) -> Result<SqlValue, StoreError> {
    Ok(match value {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(v) => SqlValue::Integer(v),
        ValueRef::Real(v) => SqlValue::Real(v),
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => SqlValue::Text(text.to_owned()),
            Err(err) => {
                return Err(StoreError::Type {
                    column: column.to_owned(),
                    expected: "UTF-8 text",
                    found: format!("text with invalid UTF-8 ({err})"),
                });
            }
        },
        ValueRef::Blob(bytes) => SqlValue::Blob(bytes.to_vec()),
    })
}

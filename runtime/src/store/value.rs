//! Parameters and rows that mean the same on every store, so handlers and generated replica
//! code are written once.

use std::sync::Arc;

use super::StoreError;

/// A SQL parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// NULL.
    Null,
    /// An integer (`BIGINT` on PostgreSQL).
    Integer(i64),
    /// A float (`DOUBLE PRECISION` on PostgreSQL).
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes (`BYTEA` on PostgreSQL).
    Blob(Vec<u8>),
    /// A boolean (an integer 0/1 on SQLite).
    Bool(bool),
    /// JSON (`JSONB` on PostgreSQL, text on SQLite).
    Json(serde_json::Value),
}

impl SqlValue {
    /// A short description for type errors.
    pub fn kind(&self) -> &'static str {
        match self {
            SqlValue::Null => "NULL",
            SqlValue::Integer(_) => "an integer",
            SqlValue::Real(_) => "a float",
            SqlValue::Text(_) => "text",
            SqlValue::Blob(_) => "bytes",
            SqlValue::Bool(_) => "a boolean",
            SqlValue::Json(_) => "JSON",
        }
    }
}

macro_rules! into_sql_value {
    ($($ty:ty => |$v:ident| $make:expr),* $(,)?) => {
        $(impl From<$ty> for SqlValue {
            fn from($v: $ty) -> SqlValue { $make }
        })*
    };
}

into_sql_value! {
    i64 => |v| SqlValue::Integer(v),
    i32 => |v| SqlValue::Integer(v.into()),
    u32 => |v| SqlValue::Integer(v.into()),
    f64 => |v| SqlValue::Real(v),
    bool => |v| SqlValue::Bool(v),
    String => |v| SqlValue::Text(v),
    &str => |v| SqlValue::Text(v.to_owned()),
    Vec<u8> => |v| SqlValue::Blob(v),
    serde_json::Value => |v| SqlValue::Json(v),
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(value: Option<T>) -> SqlValue {
        value.map_or(SqlValue::Null, Into::into)
    }
}

/// One result row: column names shared by all rows of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<SqlValue>,
}

impl Row {
    /// A row of `values` under `columns` (stores build these).
    pub fn new(columns: Arc<[String]>, values: Vec<SqlValue>) -> Row {
        Row { columns, values }
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[SqlValue] {
        &self.values
    }

    /// The value of `column`, converted.
    pub fn get<T: FromSqlValue>(&self, column: &str) -> Result<T, StoreError> {
        let index = self
            .columns
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| StoreError::Type {
                column: column.to_owned(),
                expected: T::EXPECTED,
                found: "no such column".to_owned(),
            })?;
        self.get_at(index, column)
    }

    /// The value at `index`, converted (`column` names it in errors).
    pub fn get_at<T: FromSqlValue>(&self, index: usize, column: &str) -> Result<T, StoreError> {
        let value = self.values.get(index).unwrap_or(&SqlValue::Null);
        T::from_sql_value(value).ok_or_else(|| StoreError::Type {
            column: column.to_owned(),
            expected: T::EXPECTED,
            found: value.kind().to_owned(),
        })
    }
}

/// Conversion from a column value, across the stores' representations (SQLite has no
/// boolean or JSON type: integers and text stand in).
pub trait FromSqlValue: Sized {
    /// The type's name for errors.
    const EXPECTED: &'static str;
    /// Converts, or `None` when the value has another type.
    fn from_sql_value(value: &SqlValue) -> Option<Self>;
}

impl FromSqlValue for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_sql_value(value: &SqlValue) -> Option<i64> {
        match value {
            SqlValue::Integer(v) => Some(*v),
            SqlValue::Bool(v) => Some(i64::from(*v)),
            _ => None,
        }
    }
}

impl FromSqlValue for f64 {
    const EXPECTED: &'static str = "a float";
    fn from_sql_value(value: &SqlValue) -> Option<f64> {
        match value {
            SqlValue::Real(v) => Some(*v),
            // Integers convert as SQLite would (REAL affinity may store whole numbers as such).
            SqlValue::Integer(v) => Some(*v as f64),
            _ => None,
        }
    }
}

impl FromSqlValue for bool {
    const EXPECTED: &'static str = "a boolean";
    fn from_sql_value(value: &SqlValue) -> Option<bool> {
        match value {
            SqlValue::Bool(v) => Some(*v),
            SqlValue::Integer(0) => Some(false),
            SqlValue::Integer(1) => Some(true),
            _ => None,
        }
    }
}

impl FromSqlValue for String {
    const EXPECTED: &'static str = "text";
    fn from_sql_value(value: &SqlValue) -> Option<String> {
        match value {
            SqlValue::Text(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl FromSqlValue for Vec<u8> {
    const EXPECTED: &'static str = "bytes";
    fn from_sql_value(value: &SqlValue) -> Option<Vec<u8>> {
        match value {
            SqlValue::Blob(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl FromSqlValue for serde_json::Value {
    const EXPECTED: &'static str = "JSON";
    fn from_sql_value(value: &SqlValue) -> Option<serde_json::Value> {
        match value {
            SqlValue::Json(v) => Some(v.clone()),
            SqlValue::Text(text) => serde_json::from_str(text).ok(),
            _ => None,
        }
    }
}

impl<T: FromSqlValue> FromSqlValue for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn from_sql_value(value: &SqlValue) -> Option<Option<T>> {
        match value {
            SqlValue::Null => Some(None),
            other => T::from_sql_value(other).map(Some),
        }
    }
}

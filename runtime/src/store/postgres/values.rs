//! [`SqlValue`] parameters in and [`Row`]s out of PostgreSQL.
//!
//! The server decides each parameter's type from the statement; the value is encoded for
//! that type when it fits: NULL for any type, integers for `int2`/`int4`/`int8` when in range,
//! floats for `float4`/`float8`, text for text-like types (and `json`/`jsonb`, as SQLite keeps
//! JSON in text), JSON for `json`/`jsonb` (and text-like types, as its text). Anything else is
//! an error naming both sides, never a silent conversion.

use std::error::Error;
use std::sync::Arc;

use bytes::BytesMut;
use tokio_postgres::Statement;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use crate::store::{Row, SqlValue, StoreError};

type BoxError = Box<dyn Error + Sync + Send>;

impl ToSql for SqlValue {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            SqlValue::Null => Ok(IsNull::Yes),
            SqlValue::Integer(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => fit::<i32>(*v, ty)?.to_sql(ty, out),
                Type::INT2 => fit::<i16>(*v, ty)?.to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            SqlValue::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                Type::FLOAT4 => (*v as f32).to_sql(ty, out),
                _ => Err(mismatch(self, ty)),
            },
            SqlValue::Text(v) if <&str as ToSql>::accepts(ty) => v.as_str().to_sql(ty, out),
            SqlValue::Text(v) if is_json(ty) => json_text(v, ty, out),
            SqlValue::Blob(v) if *ty == Type::BYTEA => v.as_slice().to_sql(ty, out),
            SqlValue::Bool(v) if *ty == Type::BOOL => v.to_sql(ty, out),
            SqlValue::Json(v) if is_json(ty) => v.to_sql(ty, out),
            SqlValue::Json(v) if <&str as ToSql>::accepts(ty) => {
                v.to_string().as_str().to_sql(ty, out)
            }
            _ => Err(mismatch(self, ty)),
        }
    }

    /// Every type: [`SqlValue::Null`] fits any column, and the other variants check the type
    /// in [`ToSql::to_sql`], where the error can name it.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn fit<T: TryFrom<i64>>(value: i64, ty: &Type) -> Result<T, BoxError> {
    T::try_from(value)
        .map_err(|_| format!("the integer {value} does not fit a PostgreSQL {ty} parameter").into())
}

fn mismatch(value: &SqlValue, ty: &Type) -> BoxError {
    format!(
        "cannot pass {} as a PostgreSQL {ty} parameter",
        value.kind()
    )
    .into()
}

fn is_json(ty: &Type) -> bool {
    *ty == Type::JSON || *ty == Type::JSONB
}

/// JSON text as `json` (the text itself) or `jsonb` (format version 1, then the text); the
/// server checks it parses.
fn json_text(text: &str, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    if *ty == Type::JSONB {
        out.extend_from_slice(&[1]);
    }
    out.extend_from_slice(text.as_bytes());
    Ok(IsNull::No)
}

/// The parameters of one statement, as tokio-postgres takes them.
pub(super) fn params(values: &[SqlValue]) -> Vec<&(dyn ToSql + Sync)> {
    values
        .iter()
        .map(|value| value as &(dyn ToSql + Sync))
        .collect()
}

/// The rows of `statement`, with their values read by column type.
pub(super) fn to_rows(
    statement: &Statement,
    rows: &[tokio_postgres::Row],
) -> Result<Vec<Row>, StoreError> {
    let columns: Arc<[String]> = statement
        .columns()
        .iter()
        .map(|column| column.name().to_owned())
        .collect();
    rows.iter()
        .map(|row| {
            let values = (0..columns.len())
                .map(|index| column_value(row, index, &columns[index]))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Row::new(columns.clone(), values))
        })
        .collect()
}

/// The types herald reads, for the error on any other.
const READABLE: &str = "a column of a type herald reads (int2, int4, int8, float4, float8, text, \
     varchar, char, name, bytea, bool, json, jsonb)";

fn column_value(
    row: &tokio_postgres::Row,
    index: usize,
    name: &str,
) -> Result<SqlValue, StoreError> {
    let ty = row.columns()[index].type_();
    let decoding = |err: tokio_postgres::Error| StoreError::Type {
        column: name.to_owned(),
        expected: READABLE,
        found: format!(
            "{ty} that does not decode ({})",
            super::error::describe(&err)
        ),
    };
    let value = match *ty {
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)
            .map(|v| v.map(|v| SqlValue::Integer(v.into()))),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)
            .map(|v| v.map(|v| SqlValue::Integer(v.into()))),
        Type::INT8 => row
            .try_get::<_, Option<i64>>(index)
            .map(|v| v.map(SqlValue::Integer)),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(index)
            .map(|v| v.map(|v| SqlValue::Real(v.into()))),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(index)
            .map(|v| v.map(SqlValue::Real)),
        Type::BYTEA => row
            .try_get::<_, Option<Vec<u8>>>(index)
            .map(|v| v.map(SqlValue::Blob)),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)
            .map(|v| v.map(SqlValue::Bool)),
        Type::JSON | Type::JSONB => row
            .try_get::<_, Option<serde_json::Value>>(index)
            .map(|v| v.map(SqlValue::Json)),
        _ if <&str as tokio_postgres::types::FromSql>::accepts(ty) => row
            .try_get::<_, Option<String>>(index)
            .map(|v| v.map(SqlValue::Text)),
        _ => {
            return Err(StoreError::Type {
                column: name.to_owned(),
                expected: READABLE,
                found: format!("PostgreSQL type {ty}"),
            });
        }
    };
    Ok(value.map_err(decoding)?.unwrap_or(SqlValue::Null))
}

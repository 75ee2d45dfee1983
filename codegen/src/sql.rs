//! The SQL of replica stores, for SQLite and PostgreSQL. Identifiers are always quoted and
//! values always parameters (`?N` on SQLite, `$N` on PostgreSQL): event data never reaches
//! SQL text.
//!
//! Ordering: every row remembers the id of the last event that set its columns
//! (`herald_event_id`). herald's envelope ids are UUIDv7, whose text sorts by creation time,
//! so "the newer event wins" is a string comparison the database makes in the statement
//! itself, the same way on every replica, whatever order events arrive in. Columns an event
//! *sets* change only when the event is newer than the row's; a stale event leaves them.
//! Columns an event *adds to or subtracts from* change for every event exactly once: the
//! consumer claims each event id in the inbox in the same transaction, so a redelivery never
//! applies a delta twice, and since additions commute, the order deltas arrive in does not
//! matter. An update or delta for a row that does not exist yet is retried (the creating event
//! may still be on its way) instead of being dropped.

use herald_core::catalog::raw::{Action, ApplyRule, Column, ColumnType, Replica};
use herald_runtime_dialect::Dialect;

/// The two SQL dialects (kept here so codegen does not depend on the runtime crate).
mod herald_runtime_dialect {
    /// A SQL dialect.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Dialect {
        /// SQLite.
        Sqlite,
        /// PostgreSQL.
        Postgres,
    }
}

/// The same statement in both dialects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// SQLite text.
    pub sqlite: String,
    /// PostgreSQL text.
    pub postgres: String,
}

fn both(build: impl Fn(Dialect) -> String) -> Statement {
    Statement {
        sqlite: build(Dialect::Sqlite),
        postgres: build(Dialect::Postgres),
    }
}

/// `"name"`, with embedded quotes doubled.
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn param(dialect: Dialect, at: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("?{at}"),
        Dialect::Postgres => format!("${at}"),
    }
}

fn column_type(dialect: Dialect, column: &Column) -> &'static str {
    match (dialect, column.column_type) {
        (_, ColumnType::String) => "TEXT",
        (Dialect::Sqlite, ColumnType::Integer | ColumnType::Boolean) => "INTEGER",
        (Dialect::Postgres, ColumnType::Integer) => "BIGINT",
        (Dialect::Sqlite, ColumnType::Number) => "REAL",
        (Dialect::Postgres, ColumnType::Number) => "DOUBLE PRECISION",
        (Dialect::Postgres, ColumnType::Boolean) => "BOOLEAN",
        // RFC 3339 text as the event carries it: the runtime's parameters have no timestamp
        // type, and text keeps the producer's offset.
        (_, ColumnType::Timestamp) => "TEXT",
        (Dialect::Sqlite, ColumnType::Json) => "TEXT",
        (Dialect::Postgres, ColumnType::Json) => "JSONB",
    }
}

fn false_literal(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "0",
        Dialect::Postgres => "FALSE",
    }
}

fn true_literal(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "1",
        Dialect::Postgres => "TRUE",
    }
}

/// `CREATE TABLE IF NOT EXISTS` with herald's bookkeeping columns.
pub fn migration(table: &str, replica: &Replica) -> Statement {
    both(|dialect| {
        let mut lines: Vec<String> = replica
            .columns
            .iter()
            .map(|(name, column)| {
                let null = if name == &replica.key {
                    " NOT NULL PRIMARY KEY"
                } else if column.nullable {
                    ""
                } else {
                    " NOT NULL"
                };
                format!("    {} {}{null}", quote(name), column_type(dialect, column))
            })
            .collect();
        let collate = match dialect {
            Dialect::Sqlite => "",
            // Byte order, so UUIDv7 text compares by time whatever the database's locale.
            Dialect::Postgres => " COLLATE \"C\"",
        };
        lines.push(format!("    \"herald_event_id\" TEXT{collate} NOT NULL"));
        lines.push(format!(
            "    \"herald_version\" {} NOT NULL",
            match dialect {
                Dialect::Sqlite => "INTEGER",
                Dialect::Postgres => "BIGINT",
            }
        ));
        lines.push(format!(
            "    \"herald_deleted\" {} NOT NULL DEFAULT {}",
            match dialect {
                Dialect::Sqlite => "INTEGER",
                Dialect::Postgres => "BOOLEAN",
            },
            false_literal(dialect)
        ));
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n{}\n);\n",
            quote(table),
            lines.join(",\n")
        )
    })
}

fn selected_columns(replica: &Replica) -> String {
    replica
        .columns
        .keys()
        .map(|name| quote(name))
        .chain(["\"herald_version\"".to_string()])
        .collect::<Vec<_>>()
        .join(", ")
}

/// The query helpers: get by key, list (first page / after a key), count, superseded.
pub fn queries(table: &str, replica: &Replica) -> Vec<(&'static str, Statement)> {
    let columns = selected_columns(replica);
    let key = quote(&replica.key);
    let table = quote(table);
    let live = |dialect| format!("{} = {}", "\"herald_deleted\"", false_literal(dialect));
    vec![
        (
            "GET",
            both(|d| {
                format!(
                    "SELECT {columns} FROM {table} WHERE {key} = {} AND {}",
                    param(d, 1),
                    live(d)
                )
            }),
        ),
        (
            "LIST",
            both(|d| {
                format!(
                    "SELECT {columns} FROM {table} WHERE {} ORDER BY {key} LIMIT {}",
                    live(d),
                    param(d, 1)
                )
            }),
        ),
        (
            "LIST_AFTER",
            both(|d| {
                format!(
                    "SELECT {columns} FROM {table} WHERE {key} > {} AND {} ORDER BY {key} LIMIT {}",
                    param(d, 1),
                    live(d),
                    param(d, 2)
                )
            }),
        ),
        (
            "COUNT",
            both(|d| format!("SELECT COUNT(*) FROM {table} WHERE {}", live(d))),
        ),
        (
            "SUPERSEDED",
            both(|d| {
                format!(
                    "SELECT 1 FROM {table} WHERE {key} = {} AND \"herald_event_id\" >= {}",
                    param(d, 1),
                    param(d, 2)
                )
            }),
        ),
    ]
}

/// A column an apply rule writes, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Set to a value (newest event wins).
    Set(String),
    /// Incremented by a value (every event once).
    Add(String),
    /// Decremented by a value (every event once).
    Subtract(String),
}

impl Write {
    fn column(&self) -> &str {
        match self {
            Write::Set(column) | Write::Add(column) | Write::Subtract(column) => column,
        }
    }
}

/// The columns a rule writes, in parameter order (parameters 3, 4, …; 1 is the key, 2 the
/// event id).
pub fn writes(rule: &ApplyRule) -> Vec<Write> {
    let mut writes: Vec<Write> = rule.set.keys().cloned().map(Write::Set).collect();
    writes.extend(rule.add.keys().cloned().map(Write::Add));
    writes.extend(rule.subtract.keys().cloned().map(Write::Subtract));
    writes
}

/// Whether the statement of `rule` reads the event id (parameter 2): every action but an
/// `update` that only adds and subtracts, since deltas are not ordered by the id. PostgreSQL
/// refuses a parameter the statement never uses (it cannot infer its type), so such a rule's
/// writes start at parameter 2.
pub fn uses_event_id(rule: &ApplyRule) -> bool {
    !(rule.action == Action::Update && rule.set.is_empty())
}

/// The statement applying `rule`. Parameters: 1 key, 2 event id (when [`uses_event_id`]), then
/// one per [`writes`].
pub fn apply(table: &str, replica: &Replica, rule: &ApplyRule) -> Statement {
    let writes = writes(rule);
    both(|d| match rule.action {
        Action::Insert | Action::Upsert => upsert(d, table, replica, rule.action, &writes),
        Action::Update => update(d, table, replica, &writes),
        Action::Delete => delete(d, table, replica),
    })
}

fn newer(dialect: Dialect, row: &str) -> String {
    format!("{row}\"herald_event_id\" < {}", param(dialect, 2))
}

fn upsert(d: Dialect, table: &str, replica: &Replica, action: Action, writes: &[Write]) -> String {
    let t = quote(table);
    let mut columns = vec![quote(&replica.key)];
    let mut values = vec![param(d, 1)];
    for (at, write) in writes.iter().enumerate() {
        columns.push(quote(write.column()));
        let value = param(d, at + 3);
        values.push(match write {
            Write::Subtract(_) => format!("0 - {value}"),
            _ => value,
        });
    }
    columns.extend([
        "\"herald_event_id\"".to_string(),
        "\"herald_version\"".to_string(),
        "\"herald_deleted\"".to_string(),
    ]);
    values.extend([param(d, 2), "1".to_string(), false_literal(d).to_string()]);
    let insert = format!(
        "INSERT INTO {t} ({}) VALUES ({})",
        columns.join(", "),
        values.join(", ")
    );
    if action == Action::Insert {
        return format!("{insert} ON CONFLICT ({}) DO NOTHING", quote(&replica.key));
    }
    let has_deltas = writes.iter().any(|w| !matches!(w, Write::Set(_)));
    let is_newer = format!("{t}.\"herald_event_id\" < excluded.\"herald_event_id\"");
    let guarded = |column: &str| {
        if has_deltas {
            format!("{column} = CASE WHEN {is_newer} THEN excluded.{column} ELSE {t}.{column} END")
        } else {
            format!("{column} = excluded.{column}")
        }
    };
    let mut updates: Vec<String> = writes
        .iter()
        .map(|write| {
            let column = quote(write.column());
            match write {
                Write::Set(_) => guarded(&column),
                Write::Add(_) | Write::Subtract(_) => {
                    format!("{column} = {t}.{column} + excluded.{column}")
                }
            }
        })
        .collect();
    updates.push(guarded("\"herald_deleted\""));
    updates.push(guarded("\"herald_event_id\""));
    updates.push(format!("\"herald_version\" = {t}.\"herald_version\" + 1"));
    let guard = if has_deltas {
        String::new()
    } else {
        format!(" WHERE {is_newer}")
    };
    format!(
        "{insert} ON CONFLICT ({}) DO UPDATE SET {}{guard}",
        quote(&replica.key),
        updates.join(", ")
    )
}

fn update(d: Dialect, table: &str, replica: &Replica, writes: &[Write]) -> String {
    let has_deltas = writes.iter().any(|w| !matches!(w, Write::Set(_)));
    let is_newer = newer(d, "");
    let guarded = |column: &str, value: &str| {
        if has_deltas {
            format!("{column} = CASE WHEN {is_newer} THEN {value} ELSE {column} END")
        } else {
            format!("{column} = {value}")
        }
    };
    let has_sets = writes.iter().any(|w| matches!(w, Write::Set(_)));
    let first_write = if has_sets { 3 } else { 2 };
    let mut updates: Vec<String> = writes
        .iter()
        .enumerate()
        .map(|(at, write)| {
            let column = quote(write.column());
            let value = param(d, at + first_write);
            match write {
                Write::Set(_) => guarded(&column, &value),
                Write::Add(_) => format!("{column} = {column} + {value}"),
                Write::Subtract(_) => format!("{column} = {column} - {value}"),
            }
        })
        .collect();
    if has_sets {
        updates.push(guarded("\"herald_event_id\"", &param(d, 2)));
    }
    updates.push("\"herald_version\" = \"herald_version\" + 1".to_string());
    let mut condition = format!("{} = {}", quote(&replica.key), param(d, 1));
    if !has_deltas {
        condition.push_str(&format!(" AND {is_newer}"));
    }
    format!(
        "UPDATE {} SET {} WHERE {condition}",
        quote(table),
        updates.join(", ")
    )
}

fn delete(d: Dialect, table: &str, replica: &Replica) -> String {
    format!(
        "UPDATE {} SET \"herald_deleted\" = {}, \"herald_event_id\" = {}, \"herald_version\" = \"herald_version\" + 1 WHERE {} = {} AND {}",
        quote(table),
        true_literal(d),
        param(d, 2),
        quote(&replica.key),
        param(d, 1),
        newer(d, "")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(yaml: &str) -> Replica {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn identifiers_are_quoted_and_quotes_doubled() {
        assert_eq!(quote("order"), "\"order\"");
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn update_with_a_delta_applies_the_delta_always_and_the_set_only_when_newer() {
        let replica = replica(
            "key: id\ncolumns: {id: {type: string}, stock: {type: integer}, at: {type: timestamp, nullable: true}}\napply:\n  X: {action: update, key: /id, add: {stock: /d}, set: {at: /t}}\n",
        );
        let rule = &replica.apply["X"];
        let statement = apply("products", &replica, rule);
        assert_eq!(
            statement.sqlite,
            "UPDATE \"products\" SET \"at\" = CASE WHEN \"herald_event_id\" < ?2 THEN ?3 ELSE \"at\" END, \"stock\" = \"stock\" + ?4, \"herald_event_id\" = CASE WHEN \"herald_event_id\" < ?2 THEN ?2 ELSE \"herald_event_id\" END, \"herald_version\" = \"herald_version\" + 1 WHERE \"id\" = ?1"
        );
        assert!(statement.postgres.contains("$4") && !statement.postgres.contains('?'));
    }

    #[test]
    fn set_only_upsert_is_guarded_by_the_event_id() {
        let replica = replica(
            "key: id\ncolumns: {id: {type: string}, name: {type: string}}\napply:\n  X: {action: upsert, key: /id, set: {name: /n}}\n",
        );
        let statement = apply("t", &replica, &replica.apply["X"]);
        assert!(
            statement
                .sqlite
                .ends_with("WHERE \"t\".\"herald_event_id\" < excluded.\"herald_event_id\""),
            "{}",
            statement.sqlite
        );
    }
}

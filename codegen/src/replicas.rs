//! The module of one replica store: migrations, the row struct, query helpers and one apply
//! function per event the catalog's `apply:` lists (see `sql` for how order and deltas are
//! handled).

use std::collections::BTreeSet;

use heck::ToSnakeCase;
use herald_core::catalog::raw::{Action, ColumnType, Replica, SetValue};
use serde_json::{Value, json};

use crate::defaults::string_literal;
use crate::doc::doc_attrs;
use crate::ir::{Ty, TypeRef, render_imports};
use crate::paths::{Step, Types};
use crate::sql::{self, Write};

/// A replica to generate, with the latest version struct of each event it applies.
pub struct ReplicaInput<'a> {
    /// The owning service.
    pub service: &'a str,
    /// The table name.
    pub table: &'a str,
    /// The catalog's definition.
    pub replica: &'a Replica,
    /// The module path.
    pub module: Vec<String>,
    /// `(event name, latest struct)` for each applied event.
    pub events: Vec<(String, TypeRef)>,
}

/// The apply function of a replica for an event, as the consumer calls it.
pub fn apply_fn_name(event: &str) -> String {
    format!("apply_{}", herald_core::names::field_name(event))
}

/// The template context, or the reason a rule cannot be generated.
pub fn replica_context(input: &ReplicaInput<'_>, types: &Types<'_>) -> Result<Value, String> {
    let mut imports = BTreeSet::from(["support".to_string()]);
    let replica = input.replica;
    let columns: Vec<Value> = replica
        .columns
        .iter()
        .map(|(name, column)| {
            let ty = match column.column_type {
                ColumnType::String | ColumnType::Timestamp => "String",
                ColumnType::Integer => "i64",
                ColumnType::Number => "f64",
                ColumnType::Boolean => "bool",
                ColumnType::Json => "serde_json::Value",
            };
            let ty = if column.nullable && name != &replica.key {
                format!("Option<{ty}>")
            } else {
                ty.to_string()
            };
            let doc = column
                .description
                .clone()
                .unwrap_or_else(|| format!("The `{name}` column."));
            json!({
                "ident": herald_core::names::field_name(name), "name": string_literal(name),
                "ty": ty, "doc": doc_attrs(&[doc]),
            })
        })
        .collect();
    let key_column = replica.columns.get(&replica.key);
    let key_param_ty = match key_column.map(|column| column.column_type) {
        Some(ColumnType::Integer) => "i64",
        _ => "&str",
    };
    let mut statements: Vec<Value> = sql::queries(input.table, replica)
        .into_iter()
        .map(|(name, statement)| {
            json!({"const_name": name, "sqlite": string_literal(&statement.sqlite), "postgres": string_literal(&statement.postgres)})
        })
        .collect();
    let mut applies = Vec::new();
    let mut needs_exists = false;
    for (event, latest) in &input.events {
        let Some(rule) = replica.apply.get(event) else {
            continue;
        };
        let const_name = format!("APPLY_{}", event.to_snake_case().to_uppercase());
        let statement = sql::apply(input.table, replica, rule);
        statements.push(json!({
            "const_name": const_name, "sqlite": string_literal(&statement.sqlite),
            "postgres": string_literal(&statement.postgres),
        }));
        let root = Ty::Named(latest.clone());
        let (base, element_ty, each) = match &rule.each {
            Some(pointer) => {
                let steps = types.walk(&root, pointer).ok_or_else(|| {
                    format!("`each: {pointer}` does not reach a property of {event}")
                })?;
                let path = crate::paths::plain_path("event", &steps)
                    .ok_or_else(|| format!("`each: {pointer}` passes an optional property"))?;
                let (iterable, element) = match steps.last().map(|step| &step.ty) {
                    Some(Ty::Vec(inner)) => (format!("&{path}"), (**inner).clone()),
                    Some(Ty::Option(inner)) => match &**inner {
                        Ty::Vec(element) => {
                            (format!("{path}.iter().flatten()"), (**element).clone())
                        }
                        _ => return Err(format!("`each: {pointer}` is not an array")),
                    },
                    _ => return Err(format!("`each: {pointer}` is not an array")),
                };
                ("element", element, Some(iterable))
            }
            None => ("event", root.clone(), None),
        };
        let value = |pointer: &str| -> Result<String, String> {
            let steps = types
                .walk(&element_ty, pointer)
                .ok_or_else(|| format!("`{pointer}` does not reach a property of {event}"))?;
            Ok(value_expression(base, &steps, &mut 0, false))
        };
        let key = value(&rule.key)?;
        let mut params = vec![key];
        if sql::uses_event_id(rule) {
            params.push("herald_runtime::SqlValue::Text(envelope.id.clone())".into());
        }
        for write in sql::writes(rule) {
            let expression = match &write {
                Write::Set(column) => match &rule.set[column] {
                    SetValue::Pointer(pointer) => {
                        let is_json = replica
                            .columns
                            .get(column)
                            .is_some_and(|c| c.column_type == ColumnType::Json);
                        let steps = types.walk(&element_ty, pointer).ok_or_else(|| {
                            format!("`{pointer}` does not reach a property of {event}")
                        })?;
                        value_expression(base, &steps, &mut 0, is_json)
                    }
                    SetValue::Const { value } => const_expression(value),
                },
                Write::Add(column) => value(&rule.add[column])?,
                Write::Subtract(column) => value(&rule.subtract[column])?,
            };
            params.push(expression);
        }
        let missing_row_retries = rule.action == Action::Update;
        // An update with deltas has no newer-than guard: it changes nothing only when the row
        // is missing. A guarded (set-only) update also changes nothing when it is stale, which
        // the row's event id tells. Asking "does the row exist?" instead would race with the
        // creating event committing in between and drop this one.
        let guarded = missing_row_retries
            && sql::uses_event_id(rule)
            && rule.add.is_empty()
            && rule.subtract.is_empty();
        needs_exists |= guarded;
        let early = if guarded {
            "changed == 0 && !superseded(tx, key, &envelope.id).await?"
        } else {
            "changed == 0"
        };
        let body = if missing_row_retries {
            format!(
                "let key = {};\nlet params = [key{}, {}];\nlet changed = tx.execute({const_name}.text(tx.dialect()), &params).await?;\nif {early} {{\n    return Err(herald_runtime::HandlerError::retry({}.to_owned()));\n}}\n",
                params[0],
                if guarded { ".clone()" } else { "" },
                params[1..].join(", "),
                string_literal(&format!(
                    "no `{}` row for this {event} yet; retrying until the event creating it arrives",
                    input.table
                ))
            )
        } else {
            format!(
                "let params = [{}];\ntx.execute({const_name}.text(tx.dialect()), &params).await?;\n",
                params.join(", ")
            )
        };
        let doc = match rule.action {
            Action::Upsert | Action::Insert => {
                "Creates the row, or updates its set columns when this event is newer than the last one applied to it; deltas apply once per event."
            }
            Action::Update => {
                "Changes an existing row: set columns only when this event is newer than the last one applied, deltas once per event. A row that does not exist yet makes the event retry."
            }
            Action::Delete => {
                "Marks the row deleted when this event is newer than the last one applied to it."
            }
        };
        applies.push(json!({
            "event": event, "action": format!("{:?}", rule.action).to_lowercase(),
            "fn_name": apply_fn_name(event),
            "event_ty": Ty::Named(latest.clone()).render(&input.module, &mut imports),
            "iterable": each, "body": body, "doc": doc_attrs(&[doc.to_string()]),
            // Every apply function takes the envelope (the consumer calls them alike); a
            // delta-only update does not read its id.
            "envelope_param": if sql::uses_event_id(rule) { "envelope" } else { "_envelope" },
        }));
    }
    if !needs_exists {
        statements.retain(|statement| statement["const_name"] != "SUPERSEDED");
    }
    Ok(json!({
        "module_doc": string_literal(&format!(
            " The `{}` replica of `{}`: {}",
            input.table,
            input.service,
            replica.description.clone().unwrap_or_default()
        )),
        "imports": render_imports(&input.module, &imports),
        "table": input.table,
        "row": format!("{}Row", herald_core::names::type_name(input.table)),
        "columns": columns,
        "key_param_ty": key_param_ty,
        "sqlite_migration": string_literal(&sql::migration(input.table, replica).sqlite),
        "postgres_migration": string_literal(&sql::migration(input.table, replica).postgres),
        "statements": statements,
        "applies": applies,
        "needs_exists": needs_exists,
    }))
}

/// The `SqlValue` of the field at `steps` below `base`, matching through optional fields
/// (an absent value is `NULL`).
fn value_expression(base: &str, steps: &[Step], depth: &mut usize, json: bool) -> String {
    let optional_before_last = steps
        .iter()
        .take(steps.len().saturating_sub(1))
        .position(|step| step.ty.is_option());
    match optional_before_last {
        None => {
            let path = std::iter::once(base.to_string())
                .chain(steps.iter().map(|step| step.ident.clone()))
                .collect::<Vec<_>>()
                .join(".");
            if json {
                format!("support::json_sql_value(&{path})?")
            } else {
                format!("support::ToSqlValue::to_sql_value(&{path})?")
            }
        }
        Some(at) => {
            let path = std::iter::once(base.to_string())
                .chain(steps[..=at].iter().map(|step| step.ident.clone()))
                .collect::<Vec<_>>()
                .join(".");
            *depth += 1;
            let inner = format!("inner{depth}");
            let rest = value_expression(&inner, &steps[at + 1..], depth, json);
            format!(
                "match &{path} {{ Some({inner}) => {rest}, None => herald_runtime::SqlValue::Null }}"
            )
        }
    }
}

fn const_expression(value: &Value) -> String {
    match value {
        Value::Null => "herald_runtime::SqlValue::Null".into(),
        Value::Bool(flag) => format!("herald_runtime::SqlValue::Bool({flag})"),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => format!("herald_runtime::SqlValue::Integer({integer})"),
            None => format!(
                "herald_runtime::SqlValue::Real({:?})",
                number.as_f64().unwrap_or(0.0)
            ),
        },
        Value::String(text) => {
            format!(
                "herald_runtime::SqlValue::Text({}.to_owned())",
                string_literal(text)
            )
        }
        other => format!(
            "herald_runtime::SqlValue::Text({}.to_owned())",
            string_literal(&other.to_string())
        ),
    }
}

//! Replicas: the key is a column, every rule's event exists and is consumed by the service,
//! every column written exists and receives a value of its type, and every pointer reaches a
//! field of the event's latest payload (consumers see events upcast to the latest version).

use crate::catalog::Catalog;
use crate::catalog::own_schemas::did_you_mean;
use crate::catalog::raw::{Action, ApplyRule, ColumnType, Replica, SetValue};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::schema::navigate::{Reached, items_of, reach};
use crate::schema::refs::NodeRef;
use crate::source::{FileId, pointer_join};

struct Context<'a> {
    catalog: &'a Catalog,
    file: FileId,
    diagnostics: &'a mut Diagnostics,
}

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    let Some((file, manifest)) = &catalog.manifest else {
        return;
    };
    let event_names: Vec<String> = catalog.events.keys().cloned().collect();
    let mut context = Context {
        catalog,
        file: *file,
        diagnostics,
    };
    for (service_name, service) in &manifest.services {
        for (table, replica) in &service.replicas {
            let pointer = pointer_join(
                &pointer_join(&pointer_join("/services", service_name), "replicas"),
                table,
            );
            let columns: Vec<String> = replica.columns.keys().cloned().collect();
            if !replica.columns.contains_key(&replica.key) {
                context.push(
                    Diagnostic::new(
                        "replica::key-column",
                        format!("the key `{}` is not a column of `{table}`", replica.key),
                    )
                    .at_value(
                        &catalog.sources,
                        *file,
                        &format!("{pointer}/key"),
                        "not a column",
                    ),
                    did_you_mean(&replica.key, &columns),
                );
            }
            for (event, rule) in &replica.apply {
                let rule_pointer = pointer_join(&format!("{pointer}/apply"), event);
                if catalog.unloadable_events.contains(event) {
                    continue;
                }
                if !catalog.events.contains_key(event) {
                    let diagnostic = super::services::unknown_event(
                        catalog,
                        *file,
                        &rule_pointer,
                        event,
                        &event_names,
                    );
                    context.diagnostics.push(diagnostic);
                    continue;
                }
                if !service.consumes.contains(event) {
                    context.diagnostics.push(
                        Diagnostic::new(
                            "replica::event-not-consumed",
                            format!("`{service_name}` applies `{event}` to `{table}` but does not consume it"),
                        )
                        .at_key(&catalog.sources, *file, &rule_pointer, "applied here")
                        .with_help(format!("add `{event}` to `services.{service_name}.consumes`")),
                    );
                }
                context.check_rule(replica, event, rule, &rule_pointer);
            }
        }
    }
}

impl Context<'_> {
    fn push(&mut self, diagnostic: Diagnostic, close: Option<&str>) {
        let diagnostic = match close {
            Some(close) => diagnostic.with_help(format!("did you mean `{close}`?")),
            None => diagnostic,
        };
        self.diagnostics.push(diagnostic);
    }

    fn check_rule(&mut self, replica: &Replica, event: &str, rule: &ApplyRule, rule_pointer: &str) {
        let columns: Vec<String> = replica.columns.keys().cloned().collect();
        let writes = rule
            .set
            .keys()
            .map(|column| ("set", column))
            .chain(rule.add.keys().map(|column| ("add", column)))
            .chain(rule.subtract.keys().map(|column| ("subtract", column)));
        for (list, column) in writes {
            let at = pointer_join(&format!("{rule_pointer}/{list}"), column);
            match replica.columns.get(column) {
                None => self.push(
                    Diagnostic::new(
                        "replica::unknown-column",
                        format!("`{column}` is not a column of this replica"),
                    )
                    .at_key(
                        &self.catalog.sources,
                        self.file,
                        &at,
                        "unknown column",
                    ),
                    did_you_mean(column, &columns),
                ),
                Some(definition)
                    if list != "set"
                        && !matches!(
                            definition.column_type,
                            ColumnType::Integer | ColumnType::Number
                        ) =>
                {
                    self.diagnostics.push(
                        Diagnostic::new(
                            "replica::invalid-rule",
                            format!(
                                "`{list}` needs a numeric column, but `{column}` is a {} column",
                                definition.column_type.name()
                            ),
                        )
                        .at_key(
                            &self.catalog.sources,
                            self.file,
                            &at,
                            "not numeric",
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        if rule.action == Action::Delete
            && !(rule.set.is_empty() && rule.add.is_empty() && rule.subtract.is_empty())
        {
            self.diagnostics.push(
                Diagnostic::new(
                    "replica::invalid-rule",
                    "a `delete` rule cannot also set columns",
                )
                .at_value(
                    &self.catalog.sources,
                    self.file,
                    &format!("{rule_pointer}/action"),
                    "delete",
                ),
            );
        }
        let Some(latest) = self.catalog.latest(event) else {
            return;
        };
        let docs = self.catalog.schemas.reachable_docs(&latest.catalog_path);
        if self.catalog.schemas.has_broken_refs_in(&docs) {
            return;
        }
        let mut base = vec![latest.payload_node()];
        if let Some(each) = &rule.each {
            let Some(reached) = self.field(event, &base, each, &format!("{rule_pointer}/each"))
            else {
                return;
            };
            if reached
                .types
                .as_ref()
                .is_some_and(|types| !types.iter().any(|kind| kind == "array"))
            {
                self.diagnostics.push(
                    Diagnostic::new(
                        "replica::type-mismatch",
                        format!("`each: {each}` must name an array"),
                    )
                    .at_value(
                        &self.catalog.sources,
                        self.file,
                        &format!("{rule_pointer}/each"),
                        "not an array",
                    ),
                );
                return;
            }
            base = items_of(&self.catalog.schemas, &reached.nodes);
        }
        if let Some(reached) = self.field(event, &base, &rule.key, &format!("{rule_pointer}/key"))
            && let Some(column) = replica.columns.get(&replica.key)
        {
            self.check_type(
                column.column_type,
                &reached,
                &format!("{rule_pointer}/key"),
                &replica.key,
            );
        }
        for (column, value) in &rule.set {
            if let SetValue::Pointer(pointer) = value {
                let at = pointer_join(&format!("{rule_pointer}/set"), column);
                if let Some(reached) = self.field(event, &base, pointer, &at)
                    && let Some(definition) = replica.columns.get(column)
                {
                    self.check_type(definition.column_type, &reached, &at, column);
                }
            }
        }
        for (list, entries) in [("add", &rule.add), ("subtract", &rule.subtract)] {
            for (column, pointer) in entries {
                let at = pointer_join(&format!("{rule_pointer}/{list}"), column);
                if let Some(reached) = self.field(event, &base, pointer, &at)
                    && let Some(definition) = replica.columns.get(column)
                {
                    self.check_type(definition.column_type, &reached, &at, column);
                }
            }
        }
    }

    fn field(&mut self, event: &str, base: &[NodeRef], pointer: &str, at: &str) -> Option<Reached> {
        match reach(&self.catalog.schemas, base, pointer) {
            Ok(reached) => Some(reached),
            Err(unreached) => {
                let close = did_you_mean(&unreached.missing, &unreached.known).map(str::to_string);
                self.push(
                    Diagnostic::new(
                        "replica::unknown-field",
                        format!(
                            "`{event}` (latest version) has no field `{pointer}`: no `{}`",
                            unreached.missing
                        ),
                    )
                    .at_value(
                        &self.catalog.sources,
                        self.file,
                        at,
                        "read from the event",
                    ),
                    close.as_deref(),
                );
                None
            }
        }
    }

    fn check_type(&mut self, column: ColumnType, reached: &Reached, at: &str, name: &str) {
        let Some(types) = &reached.types else {
            return;
        };
        let fits = |kind: &str| match column {
            ColumnType::String | ColumnType::Timestamp => kind == "string",
            ColumnType::Integer => kind == "integer",
            ColumnType::Number => kind == "number" || kind == "integer",
            ColumnType::Boolean => kind == "boolean",
            ColumnType::Json => true,
        };
        let wrong: Vec<&str> = types
            .iter()
            .map(String::as_str)
            .filter(|kind| *kind != "null" && !fits(kind))
            .collect();
        if !wrong.is_empty() {
            self.diagnostics.push(
                Diagnostic::new(
                    "replica::type-mismatch",
                    format!(
                        "column `{name}` is {} but the event's value may be {}",
                        column.name(),
                        wrong.join(" or ")
                    ),
                )
                .at_value(&self.catalog.sources, self.file, at, "this value"),
            );
        }
    }
}

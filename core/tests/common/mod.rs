//! Helpers shared by the compatibility engine's test files: schemas written to temporary files
//! and compared with `herald diff`'s entry points, validators built directly with the
//! `jsonschema` crate (independently of the engine's own), and an independent model of
//! herald's tolerant semantics for checking witnesses and instances.

#![allow(dead_code)]

use std::collections::HashSet;

use herald_core::compat::diff::diff;
use herald_core::compat::input::{SchemaFile, load_schema_file};
use herald_core::compat::options::{Mode, Semantics};
use herald_core::compat::report::{Report, ReportedChange};
use serde_json::{Map, Value};

/// Two schemas written to `old.json` and `new.json` in a temporary directory, and loaded.
pub struct Pair {
    /// Keeps the files alive.
    pub dir: tempfile::TempDir,
    /// The old schema as written.
    pub old_value: Value,
    /// The new schema as written.
    pub new_value: Value,
    /// The old schema, loaded.
    pub old: SchemaFile,
    /// The new schema, loaded.
    pub new: SchemaFile,
}

impl Pair {
    /// Writes and loads `old` and `new`.
    pub fn new(old: &Value, new: &Value) -> Pair {
        Pair::try_new(old, new).unwrap_or_else(|error| panic!("{error}"))
    }

    /// Writes and loads `old` and `new`; `Err` when either does not load.
    pub fn try_new(old: &Value, new: &Value) -> Result<Pair, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let load = |name: &str, value: &Value| {
            let path = dir.path().join(name);
            std::fs::write(
                &path,
                serde_json::to_string_pretty(value).expect("serialize"),
            )
            .expect("write schema");
            load_schema_file(&path)
                .map_err(|error| format!("{name} does not load: {error:?}\n{value:#}"))
        };
        let old_file = load("old.json", old)?;
        let new_file = load("new.json", new)?;
        Ok(Pair {
            old_value: old.clone(),
            new_value: new.clone(),
            old: old_file,
            new: new_file,
            dir,
        })
    }

    /// `herald diff old.json new.json --mode mode --semantics semantics`.
    pub fn diff(&self, mode: Mode, semantics: Semantics) -> Report {
        diff(&self.old, &self.new, mode, semantics)
    }

    /// The temporary directory as shown in reports.
    pub fn dir_display(&self) -> String {
        self.dir.path().display().to_string()
    }
}

/// A validator for `schema` built with the `jsonschema` crate as herald configures it
/// (`format` is an annotation).
pub fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(false)
        .build(schema)
        .unwrap_or_else(|error| panic!("schema does not compile: {error}\n{schema:#}"))
}

/// Whether the `jsonschema` crate compiles `schema`.
pub fn compiles(schema: &Value) -> bool {
    jsonschema::options()
        .should_validate_formats(false)
        .build(schema)
        .is_ok()
}

/// Whether `instance` is valid under `schema`.
pub fn valid(schema: &Value, instance: &Value) -> bool {
    validator(schema).is_valid(instance)
}

/// The writer's and the reader's schema of a change.
pub fn writer_reader<'a>(
    change: &ReportedChange,
    old: &'a Value,
    new: &'a Value,
) -> (&'a Value, &'a Value) {
    if change.direction == "backward" {
        (old, new)
    } else {
        (new, old)
    }
}

/// Checks that a proven breaking change's witness shows the break: valid under the writer's
/// schema and rejected by the reader's (under tolerant semantics: the writer's document has
/// only declared properties, and the reader's view of it is rejected). Returns why not.
pub fn witness_problem(
    change: &ReportedChange,
    old: &Value,
    new: &Value,
    semantics: Semantics,
) -> Option<String> {
    let Some(witness) = &change.witness else {
        return Some(format!("`{}` has no witness", change.rule));
    };
    let (writer, reader) = writer_reader(change, old, new);
    if !valid(writer, witness) {
        return Some(format!(
            "`{}`: witness {witness} is not valid under the writer's schema",
            change.rule
        ));
    }
    match semantics {
        Semantics::Strict => {
            if valid(reader, witness) {
                return Some(format!(
                    "`{}`: witness {witness} is valid under the reader's schema",
                    change.rule
                ));
            }
        }
        Semantics::Tolerant => {
            if !Tolerant::new(writer).only_declared(witness) {
                return Some(format!(
                    "`{}`: witness {witness} has properties the writer does not declare",
                    change.rule
                ));
            }
            let read = Tolerant::new(reader).view(witness);
            if valid(reader, &read) {
                return Some(format!(
                    "`{}`: the reader's tolerant view {read} of witness {witness} is valid",
                    change.rule
                ));
            }
        }
    }
    None
}

/// Whether properties named in `anyOf`/`oneOf`/`then`/`else` branches count as declared.
pub const BRANCHES_DECLARE: bool = false;

/// herald's tolerant semantics, modelled independently of the engine: a property is declared
/// at a place when a schema that surely applies there (the schema itself and what `$ref` and
/// `allOf` lead to) names it in `properties`, matches it with `patternProperties`, or has an
/// `additionalProperties` schema (not a boolean). Producers write only declared properties;
/// consumers drop undeclared ones and fill the `default`s of those schemas' `properties`.
/// Array positions are read with `prefixItems` (array-form `items` before 2020-12) and
/// `items` (`additionalItems`); an item no schema describes is free-form (written and read
/// whole), as in the engine's witness check.
///
/// Properties named only inside `anyOf`/`oneOf`/`if` branches are not declared here, as in the
/// engine's witness check (`compat::witness`); the engine's rules, which split branches, count
/// them as declared. Set [`BRANCHES_DECLARE`] to read them as declared.
pub struct Tolerant<'a> {
    root: &'a Value,
}

impl<'a> Tolerant<'a> {
    /// The semantics of the schema `root`.
    pub fn new(root: &'a Value) -> Self {
        Tolerant { root }
    }

    /// Whether `document` has only declared properties, at every level.
    pub fn only_declared(&self, document: &Value) -> bool {
        self.only_declared_at(&[self.root], document)
    }

    /// What a tolerant consumer validates: undeclared properties dropped, defaults filled.
    pub fn view(&self, document: &Value) -> Value {
        self.view_at(&[self.root], document)
    }

    fn only_declared_at(&self, schemas: &[&'a Value], document: &Value) -> bool {
        match document {
            Value::Object(object) => {
                object
                    .iter()
                    .all(|(name, value)| match self.declared(schemas, name) {
                        Some(inner) => self.only_declared_at(&inner, value),
                        None => false,
                    })
            }
            Value::Array(items) => items.iter().enumerate().all(|(at, item)| {
                let inner = self.items(schemas, at);
                inner.is_empty() || self.only_declared_at(&inner, item)
            }),
            _ => true,
        }
    }

    fn view_at(&self, schemas: &[&'a Value], document: &Value) -> Value {
        match document {
            Value::Object(object) => {
                let mut read = Map::new();
                for (name, value) in object {
                    if let Some(inner) = self.declared(schemas, name) {
                        read.insert(name.clone(), self.view_at(&inner, value));
                    }
                }
                for schema in self.in_place(schemas, false) {
                    if let Some(Value::Object(properties)) = schema.get("properties") {
                        for (name, property) in properties {
                            if let Some(default) = property.get("default")
                                && !read.contains_key(name)
                            {
                                read.insert(name.clone(), default.clone());
                            }
                        }
                    }
                }
                Value::Object(read)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(at, item)| {
                        let inner = self.items(schemas, at);
                        if inner.is_empty() {
                            item.clone()
                        } else {
                            self.view_at(&inner, item)
                        }
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The schemas applying in place at `schemas`: themselves and what `$ref` and `allOf`
    /// (and with `branches`, `anyOf`, `oneOf`, `then`, `else`) lead to.
    fn in_place(&self, schemas: &[&'a Value], branches: bool) -> Vec<&'a Value> {
        let mut out: Vec<&'a Value> = Vec::new();
        let mut stack: Vec<&'a Value> = schemas.to_vec();
        while let Some(schema) = stack.pop() {
            if out.iter().any(|seen| std::ptr::eq(*seen, schema)) || out.len() > 256 {
                continue;
            }
            out.push(schema);
            if let Some(Value::String(reference)) = schema.get("$ref")
                && let Some(pointer) = reference.strip_prefix('#')
                && let Some(target) = self.root.pointer(pointer)
            {
                stack.push(target);
            }
            let mut keywords = vec!["allOf"];
            if branches {
                keywords.extend(["anyOf", "oneOf"]);
            }
            for keyword in keywords {
                if let Some(Value::Array(list)) = schema.get(keyword) {
                    stack.extend(list.iter());
                }
            }
            if branches {
                for keyword in ["then", "else"] {
                    if let Some(inner) = schema.get(keyword) {
                        stack.push(inner);
                    }
                }
            }
        }
        out
    }

    /// The schemas that declare property `name`, or `None` when none does.
    fn declared(&self, schemas: &[&'a Value], name: &str) -> Option<Vec<&'a Value>> {
        let places = self.in_place(schemas, BRANCHES_DECLARE);
        let mut found = Vec::new();
        let mut additional = Vec::new();
        for schema in &places {
            let mut matched = false;
            if let Some(property) = schema
                .get("properties")
                .and_then(|properties| properties.get(name))
            {
                found.push(property);
                matched = true;
            }
            if let Some(Value::Object(patterns)) = schema.get("patternProperties") {
                for (pattern, property) in patterns {
                    if pattern_matches(pattern, name) {
                        found.push(property);
                        matched = true;
                    }
                }
            }
            if !matched
                && let Some(extra) = schema
                    .get("additionalProperties")
                    .filter(|extra| extra.is_object())
            {
                additional.push(extra);
            }
        }
        if found.is_empty() {
            found = additional;
        }
        (!found.is_empty()).then_some(found)
    }

    /// The schemas of array position `at` (none: the item is free-form).
    fn items(&self, schemas: &[&'a Value], at: usize) -> Vec<&'a Value> {
        let mut out = Vec::new();
        for schema in self.in_place(schemas, BRANCHES_DECLARE) {
            let draft2020 = schema_uri(self.root).is_none_or(|uri| uri.contains("2020-12"));
            let (prefix, rest) = if draft2020 {
                (schema.get("prefixItems"), schema.get("items"))
            } else if let Some(Value::Array(_)) = schema.get("items") {
                (schema.get("items"), schema.get("additionalItems"))
            } else {
                (None, schema.get("items"))
            };
            match prefix.and_then(Value::as_array) {
                Some(prefix) if at < prefix.len() => out.push(&prefix[at]),
                _ => out.extend(rest.filter(|rest| !rest.is_array())),
            }
        }
        // `true` says nothing about the item, as when no schema applies.
        out.retain(|schema| **schema != Value::Bool(true));
        out
    }
}

fn schema_uri(root: &Value) -> Option<&str> {
    root.get("$schema").and_then(Value::as_str)
}

/// Whether the ECMA-262 `pattern` matches `text`, as the `jsonschema` crate decides it.
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    thread_local! {
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Option<jsonschema::Validator>>> = Default::default();
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let compiled = cache.entry(pattern.to_string()).or_insert_with(|| {
            jsonschema::validator_for(&serde_json::json!({ "pattern": pattern })).ok()
        });
        compiled
            .as_ref()
            .is_some_and(|validator| validator.is_valid(&Value::String(text.to_string())))
    })
}

/// The rule IDs of the breaking changes of `report`, sorted and deduplicated.
pub fn breaking_rules(report: &Report) -> Vec<&'static str> {
    let mut rules: Vec<&'static str> = report.breaking().map(|change| change.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    rules
}

/// The rule IDs of the compatible changes of `report`.
pub fn info_rules(report: &Report) -> HashSet<&'static str> {
    report
        .changes
        .iter()
        .filter(|change| !change.breaking)
        .map(|change| change.rule)
        .collect()
}

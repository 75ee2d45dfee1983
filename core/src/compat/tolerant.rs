//! herald's tolerant reading of a document, in one place for the engine and the witness check.
//!
//! A *place* is a location in the document together with the schemas that surely apply there:
//! for the root, the root schema; for a property, every schema of the parent place that
//! declares it; for an array item, every item schema of the parent place at that position.
//! Each place is closed over `$ref` and `allOf` (not over `anyOf`/`oneOf`/`if`, whose branches
//! may not apply). A property is declared at a place when a schema there names it in
//! `properties`, matches it with `patternProperties`, or has an `additionalProperties` schema
//! (not a boolean). Producers write only declared properties; consumers drop the undeclared
//! ones and fill the `default`s of the place's `properties`. An array item no schema describes
//! is free-form: written and read whole.
//!
//! Every keyword of the reader's schema at a place — including those inside `not`, `if` and
//! the branches of `anyOf`/`oneOf` — is evaluated on that reading, which is why the engine
//! tracks places rather than reading each schema node on its own.

use serde_json::{Map, Value};

use super::conj::{Conj, expand};
use super::side::Side;
use crate::schema::Draft;
use crate::schema::refs::NodeRef;

/// The schemas applying in place at `place`: themselves, and what `$ref` and `allOf` lead to.
pub fn in_place(side: &Side<'_>, place: &[NodeRef]) -> Vec<NodeRef> {
    expand(side, &Conj::of(place.iter().cloned()))
        .nodes()
        .cloned()
        .collect()
}

/// The schemas declaring property `name` at `place`, or `None` when none does (the reader
/// drops it; the writer never writes it).
pub fn declared(side: &Side<'_>, place: &[NodeRef], name: &str) -> Option<Vec<NodeRef>> {
    let mut found = Vec::new();
    let mut additional = Vec::new();
    for node in in_place(side, place) {
        let value = side.value(&node);
        let mut matched = false;
        if value
            .get("properties")
            .and_then(|properties| properties.get(name))
            .is_some()
        {
            found.push(side.child(&node, &["properties", name]));
            matched = true;
        }
        if let Some(Value::Object(patterns)) = value.get("patternProperties") {
            for pattern in patterns.keys() {
                if side
                    .regex(pattern)
                    .is_some_and(|regex| regex.is_match(name))
                {
                    found.push(side.child(&node, &["patternProperties", pattern]));
                    matched = true;
                }
            }
        }
        if !matched
            && value
                .get("additionalProperties")
                .is_some_and(Value::is_object)
        {
            additional.push(side.child(&node, &["additionalProperties"]));
        }
    }
    if found.is_empty() {
        found = additional;
    }
    (!found.is_empty()).then_some(found)
}

/// Whether names beyond those listed in `properties` may be declared at `place` (a pattern
/// or an `additionalProperties` schema declares them).
pub fn declares_unlisted(side: &Side<'_>, place: &[NodeRef]) -> bool {
    in_place(side, place).iter().any(|node| {
        let value = side.value(node);
        value
            .get("patternProperties")
            .and_then(Value::as_object)
            .is_some_and(|patterns| !patterns.is_empty())
            || value
                .get("additionalProperties")
                .is_some_and(Value::is_object)
    })
}

/// The names listed in `properties` at `place`.
pub fn listed(side: &Side<'_>, place: &[NodeRef]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for node in in_place(side, place) {
        if let Some(Value::Object(properties)) = side.value(&node).get("properties") {
            for name in properties.keys() {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
    }
    names
}

/// The `default`s a reader fills at `place`, by property name (the first one met wins, as
/// in [`view`]).
pub fn defaults(side: &Side<'_>, place: &[NodeRef]) -> Map<String, Value> {
    let mut filled = Map::new();
    for node in in_place(side, place) {
        if let Some(Value::Object(properties)) = side.value(&node).get("properties") {
            for (name, property) in properties {
                if let Some(default) = property.get("default")
                    && !filled.contains_key(name)
                {
                    filled.insert(name.clone(), default.clone());
                }
            }
        }
    }
    filled
}

/// The schemas of array position `at` at `place`; empty when the item is free-form.
pub fn items(side: &Side<'_>, place: &[NodeRef], at: usize) -> Vec<NodeRef> {
    let mut out = Vec::new();
    for node in in_place(side, place) {
        let value = side.value(&node);
        let (prefix_keyword, rest_keyword) = if side.draft(&node) >= Draft::Draft202012 {
            ("prefixItems", "items")
        } else if value.get("items").is_some_and(Value::is_array) {
            ("items", "additionalItems")
        } else {
            ("", "items")
        };
        match value.get(prefix_keyword).and_then(Value::as_array) {
            Some(prefix) if at < prefix.len() => {
                out.push(side.child(&node, &[prefix_keyword, &at.to_string()]));
            }
            _ => {
                if value.get(rest_keyword).is_some_and(|rest| !rest.is_array()) {
                    out.push(side.child(&node, &[rest_keyword]));
                }
            }
        }
    }
    // `true` says nothing about the item, as when no schema applies.
    out.retain(|node| !matches!(side.value(node), Value::Bool(true)));
    out
}

/// The longest tuple prefix (`prefixItems`, array-form `items`) at `place`.
pub fn prefix_len(side: &Side<'_>, place: &[NodeRef]) -> usize {
    in_place(side, place)
        .iter()
        .filter_map(|node| {
            let value = side.value(node);
            let keyword = if side.draft(node) >= Draft::Draft202012 {
                "prefixItems"
            } else {
                "items"
            };
            value.get(keyword).and_then(Value::as_array).map(Vec::len)
        })
        .max()
        .unwrap_or(0)
}

/// Whether `document` has only properties declared at `place`, at every level.
pub fn only_declared(side: &Side<'_>, place: &[NodeRef], document: &Value) -> bool {
    match document {
        Value::Object(object) => {
            object
                .iter()
                .all(|(name, value)| match declared(side, place, name) {
                    Some(inner) => only_declared(side, &inner, value),
                    None => false,
                })
        }
        Value::Array(list) => list.iter().enumerate().all(|(at, item)| {
            let inner = items(side, place, at);
            inner.is_empty() || only_declared(side, &inner, item)
        }),
        _ => true,
    }
}

/// What a tolerant reader at `place` validates: undeclared properties dropped, defaults filled.
pub fn view(side: &Side<'_>, place: &[NodeRef], document: &Value) -> Value {
    match document {
        Value::Object(object) => {
            let mut read = Map::new();
            for (name, value) in object {
                if let Some(inner) = declared(side, place, name) {
                    read.insert(name.clone(), view(side, &inner, value));
                }
            }
            for (name, default) in defaults(side, place) {
                read.entry(name).or_insert(default);
            }
            Value::Object(read)
        }
        Value::Array(list) => Value::Array(
            list.iter()
                .enumerate()
                .map(|(at, item)| {
                    let inner = items(side, place, at);
                    if inner.is_empty() {
                        item.clone()
                    } else {
                        view(side, &inner, item)
                    }
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

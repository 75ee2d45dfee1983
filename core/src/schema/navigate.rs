//! Follows an instance JSON pointer (`/total/amount`) through a schema: across `$ref`,
//! `allOf`, `anyOf`/`oneOf` branches and `items`, telling whether the value exists and whether
//! it is always present.

use serde_json::Value;

use super::refs::{NodeRef, SchemaStore};
use crate::source::escape_token;

/// What a pointer reaches in a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// Every schema node that constrains the value (conjuncts and branches).
    pub nodes: Vec<NodeRef>,
    /// Whether every document that matches the schema has a value there.
    pub always_present: bool,
    /// The JSON types the value may have (`None`: unconstrained).
    pub types: Option<Vec<String>>,
}

/// Where a pointer leaves the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreached {
    /// The part of the pointer that exists.
    pub reached: String,
    /// The token that does not.
    pub missing: String,
    /// The properties declared where it stopped (for "did you mean").
    pub known: Vec<String>,
}

/// Follows `pointer` from `roots` (several when starting at the items of an array).
pub fn reach(store: &SchemaStore, roots: &[NodeRef], pointer: &str) -> Result<Reached, Unreached> {
    let mut nodes: Vec<NodeRef> = roots.iter().flat_map(|root| expand(store, root)).collect();
    let mut always_present = true;
    let mut reached = String::new();
    for raw in pointer.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let mut next = Vec::new();
        let mut required = false;
        let mut known = Vec::new();
        for node in &nodes {
            let Some(Value::Object(schema)) = store.node(node) else {
                continue;
            };
            if let Some(Value::Object(properties)) = schema.get("properties") {
                known.extend(properties.keys().cloned());
                if properties.contains_key(&token) {
                    next.push(NodeRef {
                        doc: node.doc.clone(),
                        pointer: format!("{}/properties/{}", node.pointer, escape_token(&token)),
                    });
                }
            }
            if schema
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|names| names.iter().any(|name| name.as_str() == Some(&token)))
            {
                required = true;
            }
            if let Ok(index) = token.parse::<u64>()
                && schema.get("items").is_some_and(|items| !items.is_array())
            {
                next.push(NodeRef {
                    doc: node.doc.clone(),
                    pointer: format!("{}/items", node.pointer),
                });
                if schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) > index {
                    required = true;
                }
            }
        }
        if next.is_empty() {
            known.sort();
            known.dedup();
            return Err(Unreached {
                reached,
                missing: token,
                known,
            });
        }
        always_present &= required;
        reached = format!("{reached}/{raw}");
        nodes = next.iter().flat_map(|node| expand(store, node)).collect();
    }
    let types = types_of(store, &nodes);
    Ok(Reached {
        nodes,
        always_present,
        types,
    })
}

/// The schema nodes of the items of the array that `nodes` describe.
pub fn items_of(store: &SchemaStore, nodes: &[NodeRef]) -> Vec<NodeRef> {
    nodes
        .iter()
        .filter(|node| {
            store
                .node(node)
                .and_then(|schema| schema.get("items"))
                .is_some_and(|items| !items.is_array())
        })
        .flat_map(|node| {
            expand(
                store,
                &NodeRef {
                    doc: node.doc.clone(),
                    pointer: format!("{}/items", node.pointer),
                },
            )
        })
        .collect()
}

/// A node and every node applied in place with it (`$ref`, `allOf`, `anyOf`, `oneOf`).
pub fn expand(store: &SchemaStore, node: &NodeRef) -> Vec<NodeRef> {
    let mut out = Vec::new();
    let mut stack = vec![node.clone()];
    while let Some(node) = stack.pop() {
        if out.contains(&node) || out.len() > 256 {
            continue;
        }
        if let Some(target) = store.target(&node) {
            stack.push(target.clone());
        }
        if let Some(Value::Object(schema)) = store.node(&node) {
            for keyword in ["allOf", "anyOf", "oneOf"] {
                if let Some(Value::Array(parts)) = schema.get(keyword) {
                    for at in 0..parts.len() {
                        stack.push(NodeRef {
                            doc: node.doc.clone(),
                            pointer: format!("{}/{keyword}/{at}", node.pointer),
                        });
                    }
                }
            }
        }
        out.push(node);
    }
    out
}

fn types_of(store: &SchemaStore, nodes: &[NodeRef]) -> Option<Vec<String>> {
    let mut result: Option<Vec<String>> = None;
    for node in nodes {
        let declared: Vec<String> = match store.node(node).and_then(|schema| schema.get("type")) {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => continue,
        };
        result = Some(match result {
            None => declared,
            Some(previous) => previous
                .into_iter()
                .filter(|kind| {
                    declared.contains(kind)
                        || (kind == "integer" && declared.contains(&"number".to_string()))
                })
                .collect(),
        });
    }
    result
}

//! Finds recursive `$ref`s that can never terminate.
//!
//! Two shapes: a cycle through in-place applicators (`$ref`, `allOf`, `not`, ...), which makes
//! a validator loop on the same instance for ever; and recursion that every instance must take
//! (a required property whose schema refers back to its parent, with no way out), which no
//! finite document can satisfy.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::refs::{NodeRef, SchemaStore};
use super::walk::{Application, direct_subschemas};

/// A `$ref` that closes a non-terminating recursion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndlessRecursion {
    /// The node holding the `$ref`.
    pub at: NodeRef,
    /// Why it never terminates.
    pub reason: String,
}

/// Checks every schema reachable from `roots`.
pub fn find_endless_recursion(store: &SchemaStore, roots: &[NodeRef]) -> Vec<EndlessRecursion> {
    // Without a `$ref` there is no recursion.
    let roots: Vec<NodeRef> = roots
        .iter()
        .filter(|root| store.has_refs(&root.doc))
        .cloned()
        .collect();
    let graph = Graph::build(store, &roots);
    let mut found = graph.in_place_cycles();
    let finite = graph.finitely_satisfiable(store);
    for (holder, target) in &graph.refs {
        if found.iter().any(|problem| &problem.at == holder) {
            continue;
        }
        if !finite.contains(target) && graph.reaches(target, holder) {
            found.push(EndlessRecursion {
                at: holder.clone(),
                reason: format!(
                    "`{}` requires itself again at every level, so no finite document matches it",
                    display(target)
                ),
            });
        }
    }
    found.sort_by(|a, b| a.at.cmp(&b.at));
    found
}

fn display(node: &NodeRef) -> String {
    if node.pointer.is_empty() {
        format!("{}#", node.doc)
    } else {
        format!("{}#{}", node.doc, node.pointer)
    }
}

struct Graph {
    nodes: Vec<NodeRef>,
    edges: HashMap<NodeRef, Vec<(NodeRef, Application)>>,
    refs: Vec<(NodeRef, NodeRef)>,
}

impl Graph {
    fn build(store: &SchemaStore, roots: &[NodeRef]) -> Self {
        let mut graph = Graph {
            nodes: Vec::new(),
            edges: HashMap::new(),
            refs: Vec::new(),
        };
        let mut seen = HashSet::new();
        let mut stack: Vec<NodeRef> = roots.to_vec();
        while let Some(node) = stack.pop() {
            if !seen.insert(node.clone()) {
                continue;
            }
            let Some(schema) = store.node(&node) else {
                continue;
            };
            let mut out = Vec::new();
            direct_subschemas(schema, &node.pointer, |pointer, _, application| {
                out.push((
                    NodeRef {
                        doc: node.doc.clone(),
                        pointer,
                    },
                    application,
                ));
            });
            if let Some(target) = store.target(&node) {
                out.push((target.clone(), Application::InPlace));
                graph.refs.push((node.clone(), target.clone()));
            }
            stack.extend(out.iter().map(|(child, _)| child.clone()));
            graph.nodes.push(node.clone());
            graph.edges.insert(node, out);
        }
        graph.nodes.sort();
        graph.refs.sort();
        graph
    }

    /// `$ref`s that close a cycle of in-place applications.
    fn in_place_cycles(&self) -> Vec<EndlessRecursion> {
        let mut found = Vec::new();
        for (holder, target) in &self.refs {
            if self.reaches_in_place(target, holder) {
                found.push(EndlessRecursion {
                    at: holder.clone(),
                    reason: format!(
                        "`{}` refers back to itself without descending into the document, so validation never ends",
                        display(target)
                    ),
                });
            }
        }
        found
    }

    fn reaches_in_place(&self, from: &NodeRef, to: &NodeRef) -> bool {
        self.search(from, to, |application| application == Application::InPlace)
    }

    fn reaches(&self, from: &NodeRef, to: &NodeRef) -> bool {
        self.search(from, to, |application| {
            application != Application::Definition
        })
    }

    fn search(&self, from: &NodeRef, to: &NodeRef, follow: impl Fn(Application) -> bool) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![from];
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            if !seen.insert(node) {
                continue;
            }
            for (child, application) in self.edges.get(node).into_iter().flatten() {
                if follow(*application) {
                    stack.push(child);
                }
            }
        }
        false
    }

    /// The nodes some finite document satisfies, as a least fixpoint. The test is optimistic
    /// about everything but recursion (it ignores `not`, bounds and conflicting keywords), so
    /// it only ever calls a node unsatisfiable because of required recursion or `false`.
    fn finitely_satisfiable(&self, store: &SchemaStore) -> HashSet<NodeRef> {
        let mut finite: HashSet<NodeRef> = HashSet::new();
        loop {
            let mut changed = false;
            for node in &self.nodes {
                if finite.contains(node) {
                    continue;
                }
                let Some(schema) = store.node(node) else {
                    finite.insert(node.clone());
                    changed = true;
                    continue;
                };
                if node_is_finite(node, schema, store, &finite) {
                    finite.insert(node.clone());
                    changed = true;
                }
            }
            if !changed {
                return finite;
            }
        }
    }
}

fn node_is_finite(
    node: &NodeRef,
    schema: &Value,
    store: &SchemaStore,
    finite: &HashSet<NodeRef>,
) -> bool {
    let object = match schema {
        Value::Bool(accepts) => return *accepts,
        Value::Object(object) => object,
        _ => return true,
    };
    let child = |pointer: String| NodeRef {
        doc: node.doc.clone(),
        pointer,
    };
    let holds = |keyword: &str| format!("{}/{}", node.pointer, keyword);
    if store
        .target(node)
        .is_some_and(|target| !finite.contains(target))
    {
        return false;
    }
    if let Some(Value::Array(all)) = object.get("allOf")
        && (0..all.len()).any(|at| !finite.contains(&child(format!("{}/{at}", holds("allOf")))))
    {
        return false;
    }
    for keyword in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = object.get(keyword)
            && !(0..options.len())
                .any(|at| finite.contains(&child(format!("{}/{at}", holds(keyword)))))
        {
            return false;
        }
    }
    if object.contains_key("enum") || object.contains_key("const") {
        return true;
    }
    let types: Vec<&str> = match object.get("type") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => return true,
    };
    types.iter().any(|kind| match *kind {
        "object" => object_is_finite(node, object, finite),
        "array" => array_is_finite(node, object, finite),
        _ => true,
    })
}

fn object_is_finite(
    node: &NodeRef,
    object: &serde_json::Map<String, Value>,
    finite: &HashSet<NodeRef>,
) -> bool {
    let Some(Value::Array(required)) = object.get("required") else {
        return true;
    };
    let properties = object.get("properties").and_then(Value::as_object);
    required.iter().filter_map(Value::as_str).all(|name| {
        match properties.and_then(|properties| properties.get(name)) {
            Some(_) => finite.contains(&NodeRef {
                doc: node.doc.clone(),
                pointer: format!(
                    "{}/properties/{}",
                    node.pointer,
                    crate::source::escape_token(name)
                ),
            }),
            None => true,
        }
    })
}

fn array_is_finite(
    node: &NodeRef,
    object: &serde_json::Map<String, Value>,
    finite: &HashSet<NodeRef>,
) -> bool {
    let min_items = object.get("minItems").and_then(Value::as_u64).unwrap_or(0);
    if min_items == 0 {
        return true;
    }
    let item = |pointer: String| {
        finite.contains(&NodeRef {
            doc: node.doc.clone(),
            pointer,
        })
    };
    match object
        .get("prefixItems")
        .or_else(|| object.get("items").filter(|items| items.is_array()))
    {
        Some(Value::Array(prefix)) => (0..prefix
            .len()
            .min(usize::try_from(min_items).unwrap_or(usize::MAX)))
            .all(|at| {
                let keyword = if object.contains_key("prefixItems") {
                    "prefixItems"
                } else {
                    "items"
                };
                item(format!("{}/{keyword}/{at}", node.pointer))
            }),
        _ => match object.get("items") {
            Some(items) if !items.is_array() => item(format!("{}/items", node.pointer)),
            _ => true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::refs::SchemaDoc;
    use crate::source::FileId;
    use serde_json::json;

    fn check(schema: Value) -> Vec<EndlessRecursion> {
        let mut store = SchemaStore::default();
        store.add(
            "s.yaml",
            SchemaDoc {
                file: FileId(0),
                root: String::new(),
                value: schema,
            },
        );
        let mut loader = crate::catalog::load::Loader {
            root: std::path::PathBuf::from("."),
            sources: crate::source::SourceMap::default(),
            diagnostics: crate::diagnostics::Diagnostics::default(),
        };
        store.resolve_all(&mut loader);
        find_endless_recursion(
            &store,
            &[NodeRef {
                doc: "s.yaml".into(),
                pointer: String::new(),
            }],
        )
    }

    #[test]
    fn pure_ref_cycle_never_terminates() {
        let found =
            check(json!({"$ref": "#/$defs/a", "$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}}));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].at.pointer, "/$defs/a/allOf/0");
    }

    #[test]
    fn required_recursion_never_terminates() {
        let found = check(json!({
            "type": "object",
            "required": ["next"],
            "properties": {"next": {"$ref": "#"}}
        }));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].at.pointer, "/properties/next");
    }

    #[test]
    fn optional_recursion_is_fine() {
        assert!(
            check(json!({
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}
            }))
            .is_empty()
        );
        assert!(
            check(json!({
                "type": "object",
                "required": ["next"],
                "properties": {"next": {"anyOf": [{"type": "null"}, {"$ref": "#"}]}}
            }))
            .is_empty()
        );
    }
}

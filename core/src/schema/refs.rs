//! Resolves `$ref`s inside the catalog: into the same schema, into shared files (loaded on
//! first use), or to an `$id` declared in the catalog. Never outside the catalog root and never
//! over the network.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::draft::is_bundled_meta_schema;
use super::walk::all_subschemas;
use crate::catalog::load::Loader;
use crate::catalog::own_schemas::did_you_mean;
use crate::diagnostics::Diagnostic;
use crate::source::FileId;

/// The URI scheme of catalog files inside compiled validators: `herald:///common/money.yaml`.
pub const CATALOG_SCHEME: &str = "herald:///";

/// A schema document: a payload schema, or a shared file's whole content.
#[derive(Debug, Clone)]
pub struct SchemaDoc {
    /// The file it comes from.
    pub file: FileId,
    /// Where the document sits in that file (`/payload` for event versions, `` for shared files).
    pub root: String,
    /// The document.
    pub value: Value,
}

/// A schema node: a document and a JSON pointer inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    /// The document's catalog path.
    pub doc: String,
    /// The pointer inside the document.
    pub pointer: String,
}

/// Every schema document of a catalog and where each `$ref` leads.
#[derive(Debug, Default)]
pub struct SchemaStore {
    // Fx hashing: the compatibility engine looks nodes and their targets up on every step.
    docs: IndexMap<String, SchemaDoc, rustc_hash::FxBuildHasher>,
    ids: HashMap<String, String>,
    targets: rustc_hash::FxHashMap<NodeRef, NodeRef>,
    broken: HashSet<NodeRef>,
    failed_files: HashSet<String>,
    docs_with_refs: HashSet<String>,
    doc_edges: HashMap<String, HashSet<String>>,
}

impl SchemaStore {
    /// Adds a document under its catalog path (an event version file's path for payloads).
    pub fn add(&mut self, catalog_path: &str, doc: SchemaDoc) {
        if let Some(Value::String(id)) = doc.value.get("$id")
            && has_scheme(id)
        {
            self.ids
                .insert(strip_fragment(id).to_string(), catalog_path.to_string());
        }
        self.docs.insert(catalog_path.to_string(), doc);
    }

    /// The document at a catalog path.
    pub fn doc(&self, catalog_path: &str) -> Option<&SchemaDoc> {
        self.docs.get(catalog_path)
    }

    /// The schema value of a node.
    pub fn node(&self, node: &NodeRef) -> Option<&Value> {
        resolve_pointer(&self.docs.get(&node.doc)?.value, &node.pointer)
    }

    /// Where the `$ref` of `node` leads, when it resolved.
    pub fn target(&self, node: &NodeRef) -> Option<&NodeRef> {
        self.targets.get(node)
    }

    /// Whether the `$ref` of `node` failed to resolve.
    pub fn is_broken(&self, node: &NodeRef) -> bool {
        self.broken.contains(node)
    }

    /// Whether `doc` has any `$ref` (resolved or not).
    pub fn has_refs(&self, doc: &str) -> bool {
        self.docs_with_refs.contains(doc)
    }

    /// The documents reachable from `doc` through `$ref`s, `doc` included.
    pub fn reachable_docs(&self, doc: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![doc.to_string()];
        while let Some(doc) = stack.pop() {
            if !seen.insert(doc.clone()) {
                continue;
            }
            for to in self.doc_edges.get(&doc).into_iter().flatten() {
                if !seen.contains(to) {
                    stack.push(to.clone());
                }
            }
        }
        seen
    }

    /// Whether any `$ref` inside one of `docs` failed to resolve.
    pub fn has_broken_refs_in(&self, docs: &HashSet<String>) -> bool {
        self.broken.iter().any(|node| docs.contains(&node.doc))
    }

    /// Every document, as (catalog path, document).
    pub fn docs(&self) -> impl Iterator<Item = (&str, &SchemaDoc)> {
        self.docs.iter().map(|(path, doc)| (path.as_str(), doc))
    }

    /// The documents by the URI a compiled validator asks for them with.
    pub fn by_uri(&self) -> HashMap<String, Value> {
        let mut map: HashMap<String, Value> = self
            .docs
            .iter()
            .map(|(path, doc)| (format!("{CATALOG_SCHEME}{path}"), doc.value.clone()))
            .collect();
        for (id, path) in &self.ids {
            if let Some(doc) = self.docs.get(path) {
                map.insert(id.clone(), doc.value.clone());
            }
        }
        map
    }

    /// The base URI a compiled validator should use for a document.
    pub fn base_uri(&self, catalog_path: &str) -> String {
        format!("{CATALOG_SCHEME}{catalog_path}")
    }

    /// Resolves every `$ref` reachable from the documents already added, loading shared
    /// files as they are referenced and reporting each `$ref` that cannot be resolved.
    pub fn resolve_all(&mut self, loader: &mut Loader) {
        let mut queue: Vec<String> = self.docs.keys().cloned().collect();
        let mut done = HashSet::new();
        while let Some(doc_path) = queue.pop() {
            if !done.insert(doc_path.clone()) {
                continue;
            }
            let Some(doc) = self.docs.get(&doc_path).cloned() else {
                continue;
            };
            let mut refs = Vec::new();
            all_subschemas(&doc.value, "", &mut |pointer, schema| {
                if let Some(Value::String(reference)) = schema.get("$ref") {
                    refs.push((pointer.to_string(), reference.clone()));
                }
            });
            if !refs.is_empty() {
                self.docs_with_refs.insert(doc_path.clone());
            }
            for (pointer, reference) in refs {
                let holder = NodeRef {
                    doc: doc_path.clone(),
                    pointer: pointer.clone(),
                };
                match self.resolve(loader, &doc_path, &doc, &reference) {
                    Ok(Some(target)) => {
                        if !done.contains(&target.doc) {
                            queue.push(target.doc.clone());
                        }
                        self.doc_edges
                            .entry(holder.doc.clone())
                            .or_default()
                            .insert(target.doc.clone());
                        self.targets.insert(holder, target);
                    }
                    Ok(None) => {}
                    Err(problem) => {
                        self.broken.insert(holder);
                        if let Some(diagnostic) = problem {
                            let at = format!("{}{}/$ref", doc.root, pointer);
                            loader.diagnostics.push(diagnostic.at_value(
                                &loader.sources,
                                doc.file,
                                &at,
                                "this reference",
                            ));
                        }
                    }
                }
            }
        }
    }

    /// `Ok(None)`: a bundled meta-schema, nothing to follow. `Err(None)`: broken, but the
    /// cause was already reported (the target file did not parse).
    fn resolve(
        &mut self,
        loader: &mut Loader,
        from_path: &str,
        from: &SchemaDoc,
        reference: &str,
    ) -> Result<Option<NodeRef>, Option<Diagnostic>> {
        let (address, fragment) = match reference.split_once('#') {
            Some((address, fragment)) => (address, fragment),
            None => (reference, ""),
        };
        let doc_path = if address.is_empty() {
            from_path.to_string()
        } else if has_scheme(address) {
            if is_bundled_meta_schema(address) {
                return Ok(None);
            }
            if let Some(path) = self.ids.get(address) {
                path.clone()
            } else if let Some(base) = from.value.get("$id").and_then(Value::as_str)
                && has_scheme(base)
                && let Some(path) = self.ids.get(strip_fragment(base))
                && address == strip_fragment(base)
            {
                path.clone()
            } else if address.starts_with("http://") || address.starts_with("https://") {
                return Err(Some(
                    Diagnostic::new("ref::remote", format!("`{reference}` is on the network"))
                        .with_help("copy the schema into the catalog and refer to it by path, e.g. `/common/money.yaml#/$defs/Money`")
                        .with_note("herald never fetches schemas: CI must not depend on another server"),
                ));
            } else {
                return Err(Some(Diagnostic::new(
                    "ref::unresolved",
                    format!("`{reference}` names no schema in the catalog"),
                )));
            }
        } else {
            let Some(path) = resolve_path(from_path, address) else {
                return Err(Some(
                    Diagnostic::new(
                        "ref::escapes-catalog",
                        format!("`{reference}` points outside the catalog root"),
                    )
                    .with_note("a `$ref` may only name files inside the catalog directory"),
                ));
            };
            path
        };
        if !self.docs.contains_key(&doc_path) {
            self.load_shared(loader, &doc_path, reference)?;
        }
        let doc = &self.docs[&doc_path];
        let pointer = resolve_fragment(&doc.value, fragment).map_err(|why| {
            Some(Diagnostic::new(
                "ref::unresolved",
                format!("`{reference}`: {why}"),
            ))
        })?;
        Ok(Some(NodeRef {
            doc: doc_path,
            pointer,
        }))
    }

    fn load_shared(
        &mut self,
        loader: &mut Loader,
        doc_path: &str,
        reference: &str,
    ) -> Result<(), Option<Diagnostic>> {
        if self.failed_files.contains(doc_path) {
            return Err(None);
        }
        if !loader.root.join(doc_path).is_file() {
            self.failed_files.insert(doc_path.to_string());
            return Err(Some(Diagnostic::new(
                "ref::unresolved",
                format!("`{reference}`: no file `{doc_path}` in the catalog"),
            )));
        }
        let parsed = loader.read(doc_path);
        match parsed.value {
            Some(value) => {
                self.add(
                    doc_path,
                    SchemaDoc {
                        file: parsed.file,
                        root: String::new(),
                        value,
                    },
                );
                Ok(())
            }
            None => {
                self.failed_files.insert(doc_path.to_string());
                Err(None)
            }
        }
    }
}

/// Resolves a relative file reference against the referring file's catalog path; a leading
/// `/` starts at the catalog root. `None` when the result would leave the catalog.
pub fn resolve_path(from: &str, reference: &str) -> Option<String> {
    let reference = percent_decode(reference);
    let mut segments: Vec<&str> = if reference.starts_with('/') {
        Vec::new()
    } else {
        let mut parent: Vec<&str> = from.split('/').collect();
        parent.pop();
        parent
    };
    for segment in reference.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            other => segments.push(other),
        }
    }
    if segments.is_empty() {
        return None;
    }
    Some(segments.join("/"))
}

/// Turns a fragment (`/a/b` or an anchor name) into a JSON pointer inside `doc`.
fn resolve_fragment(doc: &Value, fragment: &str) -> Result<String, String> {
    let decoded = percent_decode(fragment);
    if decoded.is_empty() {
        return Ok(String::new());
    }
    if decoded.starts_with('/') {
        if doc.pointer(&decoded).is_some() {
            return Ok(decoded);
        }
        return Err(missing_pointer_message(doc, &decoded));
    }
    let mut found = None;
    all_subschemas(doc, "", &mut |pointer, schema| {
        let anchor = schema.get("$anchor").and_then(Value::as_str);
        let legacy = schema
            .get("$id")
            .or_else(|| schema.get("id"))
            .and_then(Value::as_str)
            .and_then(|id| id.strip_prefix('#'));
        if found.is_none() && (anchor == Some(&decoded) || legacy == Some(&decoded)) {
            found = Some(pointer.to_string());
        }
    });
    found.ok_or_else(|| format!("no `$anchor: {decoded}` in the target schema"))
}

fn missing_pointer_message(doc: &Value, pointer: &str) -> String {
    let mut reached = String::new();
    let mut node = doc;
    for token in pointer.split('/').skip(1) {
        let unescaped = token.replace("~1", "/").replace("~0", "~");
        let next = match node {
            Value::Object(map) => map.get(&unescaped),
            Value::Array(items) => unescaped.parse::<usize>().ok().and_then(|at| items.get(at)),
            _ => None,
        };
        match next {
            Some(next) => {
                node = next;
                reached = format!("{reached}/{token}");
            }
            None => {
                let keys: Vec<String> = node
                    .as_object()
                    .map(|map| map.keys().cloned().collect())
                    .unwrap_or_default();
                let hint = did_you_mean(&unescaped, &keys)
                    .map(|close| format!(" (did you mean `{close}`?)"))
                    .unwrap_or_default();
                let place = if reached.is_empty() {
                    "the document root".to_string()
                } else {
                    format!("`{reached}`")
                };
                return format!("no `{unescaped}` under {place}{hint}");
            }
        }
    }
    format!("`{pointer}` does not exist")
}

fn has_scheme(reference: &str) -> bool {
    let Some((scheme, _)) = reference.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn strip_fragment(uri: &str) -> &str {
    uri.split('#').next().unwrap_or(uri)
}

/// Decodes `%XX` escapes (URI fragments and paths); invalid escapes stay as written.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%'
            && let Some(hex) = text.get(at + 1..at + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            at += 3;
            continue;
        }
        out.push(bytes[at]);
        at += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_relative_and_root_paths() {
        let from = "events/order_placed/v1.yaml";
        assert_eq!(
            resolve_path(from, "money.yaml").as_deref(),
            Some("events/order_placed/money.yaml")
        );
        assert_eq!(
            resolve_path(from, "../../common/money.yaml").as_deref(),
            Some("common/money.yaml")
        );
        assert_eq!(
            resolve_path(from, "/common/money.yaml").as_deref(),
            Some("common/money.yaml")
        );
        assert_eq!(resolve_path(from, "../../../etc/passwd"), None);
        assert_eq!(resolve_path(from, "/../x.yaml"), None);
    }

    #[test]
    fn resolves_pointers_and_anchors() {
        let doc = json!({"$defs": {"Money": {"$anchor": "money"}}});
        assert_eq!(
            resolve_fragment(&doc, "/$defs/Money").as_deref(),
            Ok("/$defs/Money")
        );
        assert_eq!(
            resolve_fragment(&doc, "money").as_deref(),
            Ok("/$defs/Money")
        );
        let missing = resolve_fragment(&doc, "/$defs/Mony").unwrap_err();
        assert!(missing.contains("did you mean `Money`"), "{missing}");
    }

    #[test]
    fn recognises_schemes() {
        assert!(has_scheme("https://x"));
        assert!(has_scheme("urn:x"));
        assert!(!has_scheme("common/money.yaml"));
        assert!(!has_scheme("/a:b"));
    }
}

/// `Value::pointer` without its two allocating `replace`s per token when a token has no `~`
/// escape (nearly always): a hot path of the compatibility engine.
fn resolve_pointer<'v>(value: &'v Value, pointer: &str) -> Option<&'v Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut current = value;
    for token in rest.split('/') {
        let unescaped;
        let token = if token.contains('~') {
            unescaped = token.replace("~1", "/").replace("~0", "~");
            unescaped.as_str()
        } else {
            token
        };
        current = match current {
            Value::Object(object) => object.get(token)?,
            Value::Array(items) => items.get(array_index(token)?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// An array index as JSON Pointer spells it (no sign, no leading zero).
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() > 1) {
        return None;
    }
    token.parse().ok()
}

#[cfg(test)]
mod pointer_tests {
    use super::resolve_pointer;
    use serde_json::json;

    #[test]
    fn resolves_as_serde_json_does() {
        let value = json!({"a/b": {"~c": [10, 20]}, "": 1, "x": {"01": 2}});
        for pointer in [
            "",
            "/a~1b",
            "/a~1b/~0c/1",
            "/",
            "/x/01",
            "/a~1b/~0c/01",
            "/a~1b/~0c/+1",
            "/nope",
            "x",
        ] {
            assert_eq!(
                resolve_pointer(&value, pointer),
                value.pointer(pointer),
                "{pointer}"
            );
        }
    }
}

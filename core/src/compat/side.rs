//! One side of a comparison (the producer's schema or the consumer's): its documents, the
//! draft of each, and caches of compiled validators and patterns for its nodes.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::{Value, json};

use super::strings::Pattern;
use crate::schema::compile::CatalogRetriever;
use crate::schema::draft::{self, Draft};
use crate::schema::refs::{NodeRef, SchemaStore};

/// What a sample is cached by: the conjunction's nodes, its types, and whether it is full.
pub(crate) type SampleKey = (Vec<NodeRef>, u8, bool);

/// A schema with everything needed to reason about it.
pub struct Side<'a> {
    /// The documents.
    pub store: &'a SchemaStore,
    /// The root schema compared.
    pub root: NodeRef,
    root_draft: Draft,
    retriever: CatalogRetriever,
    validators: RefCell<HashMap<NodeRef, Option<Arc<Validator>>>>,
    /// The side's documents crawled once for `$ref` resolution: a node's validator extends it
    /// instead of retrieving and crawling every document again (most of a compile's cost).
    registry: OnceCell<Option<jsonschema::Registry<'static>>>,
    patterns: RefCell<HashMap<String, Option<Rc<Pattern>>>>,
    regexes: RefCell<HashMap<String, Option<Rc<regex::Regex>>>>,
    /// Samples already built, by (nodes, types, full variant): every witness of a comparison
    /// samples the same surroundings again.
    pub(crate) samples: RefCell<HashMap<SampleKey, Option<Value>>>,
}

impl<'a> Side<'a> {
    /// A side rooted at `root`.
    pub fn new(store: &'a SchemaStore, root: NodeRef) -> Self {
        Self::with_retriever(store, root, CatalogRetriever::new(store))
    }

    /// A side rooted at `root` sharing a retriever built once for `store` (building one
    /// copies every document, so a catalog check builds it once).
    pub fn with_retriever(
        store: &'a SchemaStore,
        root: NodeRef,
        retriever: CatalogRetriever,
    ) -> Self {
        let root_draft = store
            .doc(&root.doc)
            .and_then(|doc| draft::detect(&doc.value).ok())
            .unwrap_or(Draft::Draft202012);
        Side {
            store,
            root,
            root_draft,
            retriever,
            validators: RefCell::new(HashMap::new()),
            registry: OnceCell::new(),
            patterns: RefCell::new(HashMap::new()),
            regexes: RefCell::new(HashMap::new()),
            samples: RefCell::new(HashMap::new()),
        }
    }

    /// The schema value of a node (`true` when it cannot be found, which resolution prevents).
    pub fn value(&self, node: &NodeRef) -> &Value {
        static TRUE: Value = Value::Bool(true);
        self.store.node(node).unwrap_or(&TRUE)
    }

    /// The draft a node is read with: its document's `$schema`, else the root's.
    pub fn draft(&self, node: &NodeRef) -> Draft {
        self.store
            .doc(&node.doc)
            .and_then(|doc| doc.value.get("$schema"))
            .and_then(Value::as_str)
            .and_then(draft::from_uri)
            .unwrap_or(self.root_draft)
    }

    /// Where a node's `$ref` leads.
    pub fn target(&self, node: &NodeRef) -> Option<&NodeRef> {
        self.store.target(node)
    }

    /// A child node.
    pub fn child(&self, node: &NodeRef, tokens: &[&str]) -> NodeRef {
        let mut pointer = node.pointer.clone();
        for token in tokens {
            pointer = crate::source::pointer_join(&pointer, token);
        }
        NodeRef {
            doc: node.doc.clone(),
            pointer,
        }
    }

    /// The compiled validator of a node (None when it does not compile).
    pub fn validator(&self, node: &NodeRef) -> Option<Arc<Validator>> {
        if let Some(found) = self.validators.borrow().get(node) {
            return found.clone();
        }
        let uri = format!(
            "{}#{}",
            self.store.base_uri(&node.doc),
            encode_fragment(&node.pointer)
        );
        let options = jsonschema::options()
            .with_draft(self.draft(node).to_jsonschema())
            .with_retriever(self.retriever.clone())
            .should_validate_formats(false);
        let options = match self.registry() {
            Some(registry) => options.with_registry(registry),
            None => options,
        };
        let compiled = options.build(&json!({ "$ref": uri })).ok().map(Arc::new);
        self.validators
            .borrow_mut()
            .insert(node.clone(), compiled.clone());
        compiled
    }

    /// The root document and everything it reaches, crawled once (None when that fails; each
    /// validator then retrieves for itself, as before).
    fn registry(&self) -> Option<&jsonschema::Registry<'static>> {
        self.registry
            .get_or_init(|| {
                let doc = self.store.doc(&self.root.doc)?;
                let draft = self.root_draft.to_jsonschema();
                jsonschema::Registry::new()
                    .retriever(self.retriever.clone())
                    .draft(draft)
                    .add(
                        self.store.base_uri(&self.root.doc),
                        draft.create_resource(doc.value.clone()),
                    )
                    .ok()?
                    .prepare()
                    .ok()
            })
            .as_ref()
    }

    /// Whether `instance` is valid under `node`; `None` when the node does not compile.
    pub fn accepts(&self, node: &NodeRef, instance: &Value) -> Option<bool> {
        self.validator(node)
            .map(|validator| validator.is_valid(instance))
    }

    /// A compiled `pattern` for the automata (None when the engine cannot read it).
    pub fn pattern(&self, text: &str) -> Option<Rc<Pattern>> {
        if let Some(found) = self.patterns.borrow().get(text) {
            return found.clone();
        }
        let compiled = Pattern::new(text).ok().map(Rc::new);
        self.patterns
            .borrow_mut()
            .insert(text.to_string(), compiled.clone());
        compiled
    }

    /// A compiled regex for matching property names (None when it does not compile).
    pub fn regex(&self, text: &str) -> Option<Rc<regex::Regex>> {
        if let Some(found) = self.regexes.borrow().get(text) {
            return found.clone();
        }
        let compiled = jsonschema_regex::to_rust_regex(text)
            .ok()
            .and_then(|translated| regex::Regex::new(&translated).ok())
            .map(Rc::new);
        self.regexes
            .borrow_mut()
            .insert(text.to_string(), compiled.clone());
        compiled
    }
}

/// Percent-encodes a JSON pointer for use as a URI fragment.
fn encode_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'/' | b'-'
                    | b'.'
                    | b'_'
                    | b'~'
                    | b'$'
                    | b'!'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

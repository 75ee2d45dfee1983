//! Compiles payload schemas into `jsonschema` validators that resolve `$ref`s only from the
//! catalog's own documents.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;

use super::draft::Draft;
use super::refs::SchemaStore;

/// Serves catalog documents to `jsonschema` by URI and refuses everything else: herald never
/// fetches schemas over the network.
#[derive(Clone)]
pub struct CatalogRetriever {
    documents: Arc<HashMap<String, Value>>,
}

impl CatalogRetriever {
    /// A retriever over every document of `store`.
    pub fn new(store: &SchemaStore) -> Self {
        CatalogRetriever {
            documents: Arc::new(store.by_uri()),
        }
    }
}

impl Retrieve for CatalogRetriever {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let address = text.split('#').next().unwrap_or(text);
        self.documents.get(address).cloned().ok_or_else(|| {
            format!("`{address}` is not a schema in the catalog, and herald does not fetch schemas")
                .into()
        })
    }
}

/// Compiles the schema document at `catalog_path`.
pub fn compile(
    store: &SchemaStore,
    retriever: &CatalogRetriever,
    catalog_path: &str,
    draft: Draft,
) -> Result<Validator, String> {
    let doc = store
        .doc(catalog_path)
        .ok_or_else(|| format!("no schema document `{catalog_path}`"))?;
    jsonschema::options()
        .with_draft(draft.to_jsonschema())
        .with_base_uri(store.base_uri(catalog_path))
        .with_retriever(retriever.clone())
        .build(&doc.value)
        .map_err(|error| error.to_string())
}

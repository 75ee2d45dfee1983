//! The JSON Schemas the generated code validates payloads against: each event version's
//! payload document, embedded as JSON text, and every document those payloads reach through
//! `$ref` (shared files, `$id`s), embedded once in `support` and served to the validator by
//! URI. The generated validator resolves `$ref`s from these documents only, with the same base
//! URIs `herald validate` compiles with, so it accepts exactly what `herald validate` accepts and
//! never fetches anything.

use std::collections::{BTreeMap, BTreeSet};

use herald_core::catalog::{Catalog, EventVersion};
use herald_core::schema::draft::{Draft, detect};
use serde_json::{Value, json};

use crate::defaults::string_literal;

/// What the event module needs to compile one version's validator.
pub fn version_schema(catalog: &Catalog, version: &EventVersion) -> Value {
    let document = catalog
        .schemas
        .doc(&version.catalog_path)
        .map_or(&version.raw.payload, |doc| &doc.value);
    let draft = detect(&version.raw.payload).unwrap_or(Draft::Draft202012);
    json!({
        "schema_document": raw_string_literal(&document.to_string()),
        "schema_base_uri": string_literal(&catalog.schemas.base_uri(&version.catalog_path)),
        "schema_draft": draft_variant(draft),
    })
}

/// The documents `versions` reach through `$ref` (their own payload documents excluded unless
/// another payload refers to them), as `(URI literal, JSON text literal)` pairs sorted by URI:
/// every catalog path under herald's URI scheme, and a document's absolute `$id` too.
pub fn referenced_documents<'a>(
    catalog: &Catalog,
    versions: impl IntoIterator<Item = &'a EventVersion>,
) -> Vec<Value> {
    let mut reached = BTreeSet::new();
    for version in versions {
        let path = &version.catalog_path;
        if !catalog.schemas.has_refs(path) {
            continue;
        }
        for doc in catalog.schemas.reachable_docs(path) {
            if &doc != path {
                reached.insert(doc);
            }
        }
    }
    let mut by_uri = BTreeMap::new();
    for path in reached {
        let Some(doc) = catalog.schemas.doc(&path) else {
            continue;
        };
        let text = doc.value.to_string();
        if let Some(Value::String(id)) = doc.value.get("$id")
            && id.contains(':')
        {
            let id = id.split('#').next().unwrap_or(id);
            by_uri.insert(id.to_string(), text.clone());
        }
        by_uri.insert(catalog.schemas.base_uri(&path), text);
    }
    by_uri
        .into_iter()
        .map(|(uri, text)| json!({"uri": string_literal(&uri), "document": raw_string_literal(&text)}))
        .collect()
}

/// A raw string literal (`r#"…"#`, with as many `#` as the text needs), so embedded JSON
/// reads as JSON rather than as a wall of escaped quotes.
fn raw_string_literal(text: &str) -> String {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let fence = "#".repeat(hashes);
    format!("r{fence}\"{text}\"{fence}")
}

/// The `jsonschema::Draft` variant of a draft.
fn draft_variant(draft: Draft) -> &'static str {
    match draft {
        Draft::Draft4 => "Draft4",
        Draft::Draft6 => "Draft6",
        Draft::Draft7 => "Draft7",
        Draft::Draft201909 => "Draft201909",
        Draft::Draft202012 => "Draft202012",
    }
}

#[cfg(test)]
mod tests {
    use super::raw_string_literal;

    #[test]
    fn raw_literals_take_enough_hashes_to_hold_their_text() {
        assert_eq!(raw_string_literal(r#"{"a":1}"#), r##"r#"{"a":1}"#"##);
        assert_eq!(
            raw_string_literal(r##"say "#hi""##),
            r###"r##"say "#hi""##"###
        );
        for text in [r#"{"a":1}"#, r##"say "#hi""##, "plain"] {
            let parsed: syn::LitStr = syn::parse_str(&raw_string_literal(text)).unwrap();
            assert_eq!(parsed.value(), text);
        }
    }
}

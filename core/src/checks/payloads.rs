//! Payload schemas: a supported draft, valid against the draft's meta-schema, no endless
//! recursion, and compilable. Produces the validators the other checks and `--events` use.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;

use super::{Validators, describe_path};
use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::schema::compile::{CatalogRetriever, compile};
use crate::schema::draft;
use crate::schema::recursion::find_endless_recursion;
use crate::schema::refs::SchemaDoc;

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Diagnostics) -> Validators {
    let mut invalid_docs: HashSet<String> = HashSet::new();
    // Shared documents are checked against their meta-schema here. Payloads are checked when
    // they are compiled (the `jsonschema` crate validates a schema against its meta-schema as
    // it compiles it), and checked again for detailed diagnostics only when that fails, so a
    // valid payload is meta-validated once, not twice.
    let payload_docs: HashSet<&str> = catalog
        .events
        .values()
        .flatten()
        .map(|version| version.catalog_path.as_str())
        .collect();
    let docs: Vec<(&str, &SchemaDoc)> = catalog
        .schemas
        .docs()
        .filter(|(path, _)| !payload_docs.contains(path))
        .collect();
    let problems = crate::parallel::map(&docs, |(_, doc)| meta_check(catalog, doc));
    for ((path, _), found) in docs.iter().zip(problems) {
        if !found.is_empty() {
            invalid_docs.insert(path.to_string());
            diagnostics.extend(found);
        }
    }
    let roots: Vec<_> = catalog
        .events
        .values()
        .flatten()
        .map(|version| version.payload_node())
        .collect();
    let mut endless_docs: HashSet<String> = HashSet::new();
    for problem in find_endless_recursion(&catalog.schemas, &roots) {
        endless_docs.insert(problem.at.doc.clone());
        if let Some(doc) = catalog.schemas.doc(&problem.at.doc) {
            let at = format!("{}{}/$ref", doc.root, problem.at.pointer);
            diagnostics.push(
                Diagnostic::new(
                    "ref::infinite-recursion",
                    "recursive `$ref` that can never terminate",
                )
                .at_value(&catalog.sources, doc.file, &at, "recursion closes here")
                .with_note(problem.reason),
            );
        }
    }
    let retriever = CatalogRetriever::new(&catalog.schemas);
    let mut uncompiled: Vec<&SchemaDoc> = Vec::new();
    let compilable: Vec<_> = catalog
        .events
        .values()
        .flatten()
        .filter(|version| {
            let reachable = catalog.schemas.reachable_docs(&version.catalog_path);
            let compilable = !catalog.schemas.has_broken_refs_in(&reachable)
                && !reachable
                    .iter()
                    .any(|doc| invalid_docs.contains(doc) || endless_docs.contains(doc))
                && draft::detect(&version.raw.payload).is_ok()
                && matches!(version.raw.payload, Value::Object(_) | Value::Bool(_));
            if !compilable {
                // Not compiled: its meta-schema problems are still worth reporting.
                if let Some(doc) = catalog.schemas.doc(&version.catalog_path) {
                    uncompiled.push(doc);
                }
            }
            compilable
        })
        .filter_map(|version| {
            draft::detect(&version.raw.payload)
                .ok()
                .map(|draft| (version, draft))
        })
        .collect();
    for found in crate::parallel::map(&uncompiled, |doc| meta_check(catalog, doc)) {
        diagnostics.extend(found);
    }
    // Compiling is the slow part of validation and each payload is independent: use every core.
    let compiled = crate::parallel::map(&compilable, |(version, draft)| {
        compile(&catalog.schemas, &retriever, &version.catalog_path, *draft)
    });
    let mut validators = Validators::new();
    for ((version, _), outcome) in compilable.iter().zip(compiled) {
        match outcome {
            Ok(validator) => {
                validators.insert(
                    (version.raw.event.clone(), version.raw.version),
                    Arc::new(validator),
                );
            }
            Err(error) => {
                let detailed = catalog
                    .schemas
                    .doc(&version.catalog_path)
                    .map(|doc| meta_check(catalog, doc))
                    .unwrap_or_default();
                if detailed.is_empty() {
                    diagnostics.push(
                        Diagnostic::new(
                            "schema::invalid",
                            format!("the payload schema does not compile: {error}"),
                        )
                        .at_key(
                            &catalog.sources,
                            version.file,
                            "/payload",
                            "this schema",
                        ),
                    );
                } else {
                    diagnostics.extend(detailed);
                }
            }
        }
    }
    validators
}

/// Checks a document against its draft's meta-schema; no diagnostics means usable.
fn meta_check(catalog: &Catalog, doc: &SchemaDoc) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let draft = match draft::detect(&doc.value) {
        Ok(draft) => draft,
        Err(uri) => {
            diagnostics.push(
                Diagnostic::new("schema::unknown-draft", format!("unknown `$schema`: {uri}"))
                    .at_value(&catalog.sources, doc.file, &format!("{}/$schema", doc.root), "this draft")
                    .with_help("use draft-04, -06, -07, 2019-09 or 2020-12 (the default when `$schema` is absent)"),
            );
            return diagnostics;
        }
    };
    if !matches!(doc.value, Value::Object(_) | Value::Bool(_)) {
        diagnostics.push(
            Diagnostic::new("schema::invalid", "a schema must be an object or a boolean").at_value(
                &catalog.sources,
                doc.file,
                &doc.root,
                "not a schema",
            ),
        );
        return diagnostics;
    }
    let validator = draft.meta_validator();
    for error in validator.iter_errors(&doc.value) {
        let path = error.instance_path().as_str().to_string();
        diagnostics.push(
            Diagnostic::new(
                "schema::invalid",
                format!(
                    "invalid {} schema at {}: {error}",
                    draft.name(),
                    describe_path(&path)
                ),
            )
            .at_value(
                &catalog.sources,
                doc.file,
                &format!("{}{path}", doc.root),
                "here",
            ),
        );
    }
    diagnostics
}

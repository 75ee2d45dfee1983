//! Checks catalog files against herald's own JSON Schemas (`schemas/*.schema.json`), the same
//! schemas editors use for completion, so the editor and `herald validate` never disagree.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::diagnostics::Diagnostic;
use crate::source::{FileId, SourceMap};

/// Which of herald's own files a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnSchema {
    /// `herald.yaml`.
    Manifest,
    /// An event version file.
    EventVersion,
}

const MANIFEST_SCHEMA: &str = include_str!("../../../schemas/herald.schema.json");
const EVENT_SCHEMA: &str = include_str!("../../../schemas/event.schema.json");

struct Compiled {
    schema: Value,
    validator: Validator,
}

fn compiled(kind: OwnSchema) -> Result<&'static Compiled, String> {
    static MANIFEST: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static EVENT: OnceLock<Result<Compiled, String>> = OnceLock::new();
    let (cell, text) = match kind {
        OwnSchema::Manifest => (&MANIFEST, MANIFEST_SCHEMA),
        OwnSchema::EventVersion => (&EVENT, EVENT_SCHEMA),
    };
    cell.get_or_init(|| {
        let schema: Value = serde_json::from_str(text).map_err(|error| error.to_string())?;
        let validator = jsonschema::options()
            .build(&schema)
            .map_err(|error| error.to_string())?;
        Ok(Compiled { schema, validator })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Checks `value` (the content of `file`) against herald's schema for `kind`.
pub fn check(kind: OwnSchema, value: &Value, sources: &SourceMap, file: FileId) -> Vec<Diagnostic> {
    let compiled = match compiled(kind) {
        Ok(compiled) => compiled,
        Err(error) => {
            return vec![
                Diagnostic::new(
                    "catalog::schema",
                    format!("herald's own schema for this file does not compile: {error}"),
                )
                .at_value(sources, file, "", ""),
            ];
        }
    };
    compiled
        .validator
        .iter_errors(value)
        .map(|error| to_diagnostic(&error, &compiled.schema, sources, file))
        .collect()
}

fn to_diagnostic(
    error: &ValidationError<'_>,
    schema: &Value,
    sources: &SourceMap,
    file: FileId,
) -> Diagnostic {
    let pointer = error.instance_path().as_str().to_string();
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = allowed_keys(error, schema);
            let key = unexpected.first().cloned().unwrap_or_default();
            let key_pointer = crate::source::pointer_join(&pointer, &key);
            let mut diagnostic = Diagnostic::new(
                "catalog::unknown-key",
                format!("unknown key `{key}`"),
            )
            .at_key(sources, file, &key_pointer, "not a key herald knows here");
            match did_you_mean(&key, &allowed) {
                Some(suggestion) => {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                }
                None if !allowed.is_empty() => {
                    diagnostic =
                        diagnostic.with_note(format!("allowed keys: {}", allowed.join(", ")));
                }
                None => {}
            }
            diagnostic
        }
        ValidationErrorKind::Required { .. } => Diagnostic::new(
            "catalog::schema",
            error.to_string(),
        )
        .at_key(sources, file, &pointer, "in this object"),
        _ => Diagnostic::new("catalog::schema", error.to_string())
            .at_value(sources, file, &pointer, ""),
    }
}

/// The keys the schema object that rejected a key declares under `properties`.
fn allowed_keys(error: &ValidationError<'_>, schema: &Value) -> Vec<String> {
    let location = error
        .absolute_keyword_location()
        .and_then(|uri| uri.fragment().map(|fragment| fragment.as_str().to_string()))
        .unwrap_or_else(|| error.schema_path().as_str().to_string());
    let decoded = crate::schema::refs::percent_decode(&location);
    let parent = decoded
        .strip_suffix("/additionalProperties")
        .unwrap_or(&decoded);
    schema
        .pointer(parent)
        .and_then(|node| node.get("properties"))
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_schemas_compile() {
        assert!(compiled(OwnSchema::Manifest).is_ok());
        assert!(compiled(OwnSchema::EventVersion).is_ok());
    }

    #[test]
    fn suggests_close_key() {
        let candidates = vec!["produces".to_string(), "consumes".to_string()];
        assert_eq!(did_you_mean("produce", &candidates), Some("produces"));
        assert_eq!(did_you_mean("zzz", &candidates), None);
    }
}

//! `--format sarif`: a SARIF 2.1.0 log, for code scanning (GitHub's, or any SARIF viewer).
//!
//! One run; its driver lists every rule the report uses, and each change is one result: level
//! `error` when it breaks, `note` when it is compatible, and `warning` with an external
//! suppression when herald.yaml ignores it.

use serde_json::{Map, Value, json};

use super::{Kind, kind, witness_inline};
use crate::compat::report::{Location, Report, ReportedChange};
use crate::compat::rules::rule_info;

/// The schema every log names.
const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The driver's `informationUri`: the package's repository, else the workspace's (herald-core
/// does not inherit `repository`, and SARIF requires a URI here when the property is present).
const INFORMATION_URI: &str = if env!("CARGO_PKG_REPOSITORY").is_empty() {
    "https://example.invalid/herald"
} else {
    env!("CARGO_PKG_REPOSITORY")
};

/// Renders the report as a SARIF 2.1.0 log (pretty-printed JSON).
pub fn render_sarif(report: &Report) -> String {
    let mut rule_ids: Vec<&'static str> = Vec::new();
    for change in &report.changes {
        if !rule_ids.contains(&change.rule) {
            rule_ids.push(change.rule);
        }
    }
    let rules: Vec<Value> = rule_ids.iter().map(|id| descriptor(id)).collect();
    let results: Vec<Value> = report
        .changes
        .iter()
        .map(|change| {
            let index = rule_ids
                .iter()
                .position(|id| *id == change.rule)
                .unwrap_or_default();
            result(change, index)
        })
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "herald",
                    "informationUri": INFORMATION_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "compatible": report.compatible,
                "mode": report.mode,
                "semantics": report.semantics,
            },
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

/// The reporting descriptor of a rule.
fn descriptor(id: &str) -> Value {
    match rule_info(id) {
        Some(rule) => json!({
            "id": rule.id,
            "shortDescription": { "text": rule.summary },
            "fullDescription": { "text": rule.explanation },
            "defaultConfiguration": { "level": if rule.breaking { "error" } else { "note" } },
        }),
        None => json!({
            "id": id,
            "shortDescription": { "text": id },
        }),
    }
}

/// One result.
fn result(change: &ReportedChange, rule_index: usize) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(change.rule));
    result.insert("ruleIndex".into(), json!(rule_index));
    let level = match kind(change) {
        Kind::Breaking => "error",
        Kind::Ignored => "warning",
        Kind::Info => "note",
    };
    result.insert("level".into(), json!(level));

    let mut text = String::new();
    if let Some(subject) = &change.subject {
        text.push_str(&format!("{subject}: "));
    }
    text.push_str(&change.message);
    if let Some(witness) = witness_inline(change) {
        text.push_str(&format!(" (witness: {witness})"));
    }
    result.insert("message".into(), json!({ "text": text }));

    let new = change
        .new_location
        .as_ref()
        .map(|location| (location, change.new_path.as_deref(), "new schema"));
    let old = change
        .old_location
        .as_ref()
        .map(|location| (location, change.old_path.as_deref(), "old schema"));
    let (main, other) = match (new, old) {
        (Some(new), old) => (Some(new), old),
        (None, old) => (old, None),
    };
    if let Some((location, pointer, side)) = main {
        result.insert(
            "locations".into(),
            json!([physical(location, pointer, side, None)]),
        );
    }
    if let Some((location, pointer, side)) = other {
        result.insert(
            "relatedLocations".into(),
            json!([physical(location, pointer, side, Some(0))]),
        );
    }

    if let Some(reason) = &change.ignored {
        result.insert(
            "suppressions".into(),
            json!([{ "kind": "external", "status": "accepted", "justification": reason }]),
        );
    }

    let mut properties = Map::new();
    if let Some(witness) = &change.witness {
        properties.insert("witness".into(), witness.clone());
    }
    properties.insert("instancePath".into(), json!(change.instance_path));
    properties.insert("direction".into(), json!(change.direction));
    if let Some(subject) = &change.subject {
        properties.insert("subject".into(), json!(subject));
    }
    properties.insert("proven".into(), json!(change.proven));
    if let Some(path) = &change.old_path {
        properties.insert("oldPath".into(), json!(path));
    }
    if let Some(path) = &change.new_path {
        properties.insert("newPath".into(), json!(path));
    }
    result.insert("properties".into(), Value::Object(properties));
    Value::Object(result)
}

/// A location object: the file and its region, with the side and pointer as its message.
fn physical(location: &Location, pointer: Option<&str>, side: &str, id: Option<usize>) -> Value {
    let mut object = Map::new();
    if let Some(id) = id {
        object.insert("id".into(), json!(id));
    }
    object.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": { "uri": file_uri(&location.file) },
            "region": { "startLine": location.line.max(1), "startColumn": location.column.max(1) },
        }),
    );
    let text = match pointer {
        Some(pointer) => format!("{side}: {pointer}"),
        None => side.to_string(),
    };
    object.insert("message".into(), json!({ "text": text }));
    Value::Object(object)
}

/// A file as shown to users, as a URI reference: relative paths stay relative (with `/`
/// separators), absolute ones become `file://` URIs; anything outside the URI alphabet is
/// percent-encoded.
fn file_uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let path = path.trim_start_matches("./");
    let bytes = path.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if path.starts_with('/') {
        format!("file://{}", encode(path, true))
    } else if drive {
        format!("file:///{}", encode(path, true))
    } else {
        encode(path, false)
    }
}

/// Percent-encodes everything but unreserved characters, sub-delimiters, `/` and `@` (and `:`
/// when `colon`: in a relative reference a colon in the first segment would read as a scheme).
fn encode(path: &str, colon: bool) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&byte)
            || (colon && byte == b':');
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::file_uri;

    #[test]
    fn file_uris() {
        assert_eq!(
            file_uri("events/order placed/v1.json"),
            "events/order%20placed/v1.json"
        );
        assert_eq!(file_uri("./a/b.yaml"), "a/b.yaml");
        assert_eq!(file_uri("a\\b.json"), "a/b.json");
        assert_eq!(file_uri("/abs/é.json"), "file:///abs/%C3%A9.json");
        assert_eq!(file_uri("C:\\x\\y.json"), "file:///C:/x/y.json");
        assert_eq!(file_uri("odd:name%.json"), "odd%3Aname%25.json");
    }
}

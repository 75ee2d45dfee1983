//! Shared set-up and checks for the fuzz targets in `fuzz_targets/`.
//!
//! Each target writes the fuzzer's bytes into a catalog directory (created once per process and
//! overwritten on every input), runs `herald_core::validate_catalog` on it and checks what
//! `herald validate` relies on: no panic, every diagnostic has a label, every label's span lies
//! inside its file's text on char boundaries, and both renderers work. A broken invariant is a
//! panic, which libFuzzer reports as a crash.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use herald_core::diagnostics::{TextOptions, render_json, render_text};
use herald_core::source::{PointerIndex, escape_token};
use serde_json::Value;

/// A small event version file that is valid on its own.
pub const VALID_EVENT: &str = "\
event: Ping
version: 1
description: Something pinged.
owner: pinger
key: /id
payload:
  type: object
  required: [id]
  properties:
    id: { type: string }
";

/// The webshop's shared definitions, so `$ref: "/common/money.yaml#/$defs/Money"` in an input
/// resolves.
pub const MONEY: &str = include_str!("../../examples/webshop/common/money.yaml");

/// A manifest that goes with [`VALID_EVENT`].
pub const VALID_MANIFEST: &str = "\
catalog: fuzz
services:
  pinger:
    produces: [Ping]
";

/// The catalog directory of this process (libFuzzer runs inputs one after another).
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("create a temporary directory"))
        .path()
}

/// Empties the scratch catalog and writes `files` (catalog path, bytes) into it.
pub fn catalog_with(files: &[(&str, &[u8])]) -> PathBuf {
    let root = scratch().join("catalog");
    let _ = fs::remove_dir_all(&root);
    for (catalog_path, bytes) in files {
        let path = root.join(catalog_path);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("create directories");
        fs::write(path, bytes).expect("write a catalog file");
    }
    root
}

/// Validates the catalog at `root` and checks spans and rendering.
pub fn validate_and_check(root: &Path) {
    let Ok(validation) = herald_core::validate_catalog(root) else {
        return;
    };
    let sources = &validation.catalog.sources;
    for diagnostic in &validation.diagnostics {
        assert!(
            !diagnostic.labels.is_empty(),
            "diagnostic without a label: {diagnostic:?}"
        );
        for label in &diagnostic.labels {
            let text = &sources.get(label.file).text;
            assert_span(text, &label.span, diagnostic.code);
        }
    }
    let _ = render_text(
        sources,
        &validation.diagnostics,
        TextOptions {
            color: false,
            ..TextOptions::default()
        },
    );
    let _ = render_text(
        sources,
        &validation.diagnostics,
        TextOptions {
            color: true,
            ..TextOptions::default()
        },
    );
    let _ = render_json(sources, &validation.diagnostics).to_string();
}

/// Builds the pointer index of `text` and checks every span it gives for the pointers of the
/// parsed text (and the duplicate keys it found).
pub fn check_pointer_index(text: &str) {
    let index = PointerIndex::build(text);
    for (_, span) in index.duplicates() {
        assert_span(text, span, "duplicate key");
    }
    let mut pointers = vec![String::new()];
    if let Ok(value) = herald_core::yaml::parse(text) {
        pointers_of(&value, "", &mut pointers);
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        pointers_of(&value, "", &mut pointers);
    }
    for pointer in &pointers {
        if let Some(span) = index.value_span(pointer) {
            assert_span(text, &span, "value");
        }
        if let Some(span) = index.key_span(pointer) {
            assert_span(text, &span, "key");
        }
    }
}

fn pointers_of(value: &Value, prefix: &str, out: &mut Vec<String>) {
    out.push(prefix.to_string());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers_of(child, &format!("{prefix}/{}", escape_token(key)), out);
            }
        }
        Value::Array(items) => {
            for (at, child) in items.iter().enumerate() {
                pointers_of(child, &format!("{prefix}/{at}"), out);
            }
        }
        _ => {}
    }
}

fn assert_span(text: &str, span: &std::ops::Range<usize>, what: &str) {
    assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "bad span {span:?} for {what} in a text of {} bytes: {text:?}",
        text.len()
    );
}

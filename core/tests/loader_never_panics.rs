//! `herald validate` must never panic, whatever the input.
//!
//! Property tests that feed arbitrary bytes, YAML-ish token soup and randomly mutated copies of
//! the webshop example to the loader, and check that
//!
//! - `validate_catalog` returns instead of panicking;
//! - every diagnostic has a label, and every label's span lies inside its file's text, on char
//!   boundaries;
//! - rendering the diagnostics as text (with and without colour) and as JSON does not panic.
//!
//! The case count is fixed (64 per property) so the file stays fast in debug builds;
//! `PROPTEST_CASES=4000 cargo test -p herald-core --test loader_never_panics` runs more.
//! Failing inputs are persisted by proptest in `loader_never_panics.proptest-regressions` next
//! to this file (integration tests have no `lib.rs`, so proptest falls back to the source
//! file's directory and says so on stderr) and replayed first on every run; commit it.
//! The cargo-fuzz targets in `fuzz/` cover the same ground without a time budget.

use std::fs;
use std::path::{Path, PathBuf};

use herald_core::diagnostics::{Severity, TextOptions, render_json, render_text};
use herald_core::source::{PointerIndex, escape_token};
use herald_core::{Validation, validate_catalog};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The webshop example, which validates clean.
fn webshop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/webshop")
}

/// Every file of the webshop example as (catalog path, bytes), sorted.
fn webshop_files() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).expect("read webshop dir") {
            let entry = entry.expect("dir entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if entry.file_type().expect("file type").is_dir() {
                walk(&entry.path(), &path, out);
            } else {
                out.push((path, fs::read(entry.path()).expect("read webshop file")));
            }
        }
    }
    let mut files = Vec::new();
    walk(&webshop(), "", &mut files);
    files.sort();
    files
}

fn webshop_text(catalog_path: &str) -> String {
    fs::read_to_string(webshop().join(catalog_path)).expect("read webshop file")
}

/// A small event version file that is valid on its own.
const VALID_EVENT: &str = "\
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

/// A manifest that goes with [`VALID_EVENT`].
const VALID_MANIFEST: &str = "\
catalog: fuzz
services:
  pinger:
    produces: [Ping]
";

/// Writes `files` (catalog path, bytes) into a fresh temporary directory.
fn write_catalog(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (catalog_path, bytes) in files {
        let path = dir.path().join(catalog_path);
        fs::create_dir_all(path.parent().expect("parent")).expect("create dirs");
        fs::write(path, bytes).expect("write file");
    }
    dir
}

// ---------------------------------------------------------------------------------------------
// The checks every property shares
// ---------------------------------------------------------------------------------------------

/// Validates the catalog at `root` and checks the outcome. `validate_catalog` panicking fails
/// the test case by itself (proptest catches the panic and shrinks the input).
fn validate_and_check(root: &Path) -> Result<Option<Validation>, TestCaseError> {
    match validate_catalog(root) {
        Ok(validation) => {
            check_validation(&validation)?;
            Ok(Some(validation))
        }
        Err(error) => {
            // An unusable catalog still has a message.
            prop_assert!(!error.to_string().is_empty());
            Ok(None)
        }
    }
}

/// Every diagnostic has a label, every label lies inside its file on char boundaries, and the
/// renderers do not panic.
fn check_validation(validation: &Validation) -> Result<(), TestCaseError> {
    let sources = &validation.catalog.sources;
    for diagnostic in &validation.diagnostics {
        prop_assert!(
            !diagnostic.labels.is_empty(),
            "diagnostic without a label: {diagnostic:?}"
        );
        for label in &diagnostic.labels {
            let text = &sources.get(label.file).text;
            let span = &label.span;
            prop_assert!(
                span.start <= span.end
                    && span.end <= text.len()
                    && text.is_char_boundary(span.start)
                    && text.is_char_boundary(span.end),
                "bad span {span:?} in {} (len {}) for {} `{}`\ntext: {text:?}",
                sources.get(label.file).catalog_path,
                text.len(),
                diagnostic.code,
                diagnostic.message,
            );
        }
        // Used by every renderer; must not panic either.
        let _ = diagnostic.location(sources);
    }
    let plain = render_text(
        sources,
        &validation.diagnostics,
        TextOptions {
            color: false,
            ..TextOptions::default()
        },
    );
    prop_assert!(!plain.is_empty());
    let _ = render_text(
        sources,
        &validation.diagnostics,
        TextOptions {
            color: true,
            ..TextOptions::default()
        },
    );
    let json = render_json(sources, &validation.diagnostics);
    prop_assert_eq!(
        json["errors"].as_u64(),
        Some(validation.diagnostics.count(Severity::Error) as u64)
    );
    prop_assert!(serde_json::to_string(&json).is_ok());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Input strategies
// ---------------------------------------------------------------------------------------------

/// Tokens that YAML and JSON parsers, herald's schemas and the pointer index care about,
/// including multi-byte characters (char vs byte offsets) and line-break oddities.
const TOKENS: &[&str] = &[
    "\n",
    "\n",
    "\n",
    " ",
    " ",
    "  ",
    "    ",
    "\t",
    "\r\n",
    "\r",
    "- ",
    "-",
    ": ",
    ":",
    "? ",
    ",",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "#",
    "# c\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "!!str ",
    "!!binary ",
    "!t ",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "|\n",
    ">-\n",
    "|2+\n",
    "\\",
    "\\u00e9",
    "\0",
    "\u{feff}",
    "\u{85}",
    "\u{2028}",
    "é",
    "日本",
    "😀",
    "a",
    "b",
    "x",
    "0",
    "1",
    "2",
    "-1",
    "1.5e300",
    "1e999",
    ".nan",
    ".inf",
    "0x1F",
    "~",
    "null",
    "true",
    "no",
    "event",
    "version",
    "description",
    "owner",
    "key",
    "payload",
    "examples",
    "name",
    "compatibility",
    "deprecated",
    "catalog",
    "services",
    "produces",
    "consumes",
    "replicas",
    "columns",
    "apply",
    "action",
    "set",
    "add",
    "subtract",
    "each",
    "const",
    "events_dir",
    "type",
    "object",
    "string",
    "integer",
    "array",
    "properties",
    "required",
    "items",
    "$ref",
    "$defs",
    "$schema",
    "$id",
    "$anchor",
    "enum",
    "allOf",
    "oneOf",
    "not",
    "if",
    "then",
    "pattern",
    "format",
    "additionalProperties",
    "minimum",
    "Ping",
    "pinger",
    "/id",
    "/",
    "#/$defs/x",
    "/common/money.yaml#/$defs/Money",
    "../x.yaml",
    "http://example.com/s",
    "https://json-schema.org/draft/2020-12/schema",
    "http://json-schema.org/draft-04/schema#",
    "upsert",
    "update",
    "delete",
    "insert",
    "backward",
    "full",
    "none",
    "timestamp",
];

/// Strings built from [`TOKENS`] and random characters: far likelier than random bytes to get
/// past the parsers and into the checks.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => prop::sample::select(TOKENS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..120).prop_map(|pieces| pieces.concat())
}

/// One edit of a text at the character level.
#[derive(Debug, Clone)]
enum CharEdit {
    Insert(Index, String),
    Delete(Index, usize),
    Truncate(Index),
}

fn char_edit() -> impl Strategy<Value = CharEdit> {
    let insert = prop_oneof![
        3 => prop::sample::select(TOKENS).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
        1 => "\\PC{0,6}",
    ];
    prop_oneof![
        6 => (any::<Index>(), insert).prop_map(|(at, text)| CharEdit::Insert(at, text)),
        3 => (any::<Index>(), 1usize..8).prop_map(|(at, len)| CharEdit::Delete(at, len)),
        1 => any::<Index>().prop_map(CharEdit::Truncate),
    ]
}

fn apply_char_edit(text: &str, edit: &CharEdit) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |index: &Index| index.index(chars.len() + 1);
    match edit {
        CharEdit::Insert(index, inserted) => {
            let at = at(index);
            let mut out: String = chars[..at].iter().collect();
            out.push_str(inserted);
            out.extend(&chars[at..]);
            out
        }
        CharEdit::Delete(index, len) => {
            let at = at(index);
            let end = (at + len).min(chars.len());
            chars[..at].iter().chain(&chars[end..]).collect()
        }
        CharEdit::Truncate(index) => chars[..at(index)].iter().collect(),
    }
}

/// A real file with a few character-level edits.
fn edited(original: String) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(char_edit(), 1..6).prop_map(move |edits| {
        edits
            .iter()
            .fold(original.clone(), |text, edit| apply_char_edit(&text, edit))
            .into_bytes()
    })
}

/// Bytes for a manifest: raw bytes, token soup, or the webshop manifest with edits.
fn manifest_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..512),
        3 => yamlish().prop_map(String::into_bytes),
        3 => edited(webshop_text("herald.yaml")),
        1 => edited(VALID_MANIFEST.to_string()),
    ]
}

/// Bytes for a YAML event file: raw bytes, token soup, or a real event file with edits.
fn event_yaml_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..512),
        3 => yamlish().prop_map(String::into_bytes),
        2 => edited(webshop_text("events/order_placed/v2.yaml")),
        1 => edited(VALID_EVENT.to_string()),
    ]
}

/// The valid event as JSON text.
fn valid_event_json() -> String {
    let value = herald_core::yaml::parse(VALID_EVENT).expect("valid event parses");
    serde_json::to_string_pretty(&value).expect("serialise")
}

/// Bytes for a JSON event file: raw bytes, token soup, or the valid event in JSON with edits.
fn event_json_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..512),
        2 => yamlish().prop_map(String::into_bytes),
        3 => edited(valid_event_json()),
    ]
}

// ---------------------------------------------------------------------------------------------
// Mutations of the webshop catalog (line- and YAML-aware)
// ---------------------------------------------------------------------------------------------

/// One random change to one YAML file of a catalog. Indices pick the file and the place in it,
/// so the same mutation applies to any catalog (and shrinks well).
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(Index, Index),
    DuplicateLine(Index, Index),
    SwapLines(Index, Index, Index),
    InsertChars(Index, CharEdit),
    Truncate(Index, Index),
    /// Indent (positive) or dedent (negative) a line by this many spaces.
    Reindent(Index, Index, i8),
    /// Replace the scalar after `key:` on a line with this text.
    ReplaceScalar(Index, Index, String),
    /// Replace the target of a `$ref` (anywhere in the catalog).
    ReplaceRef(Index, String),
    /// Delete a `key:` line together with the block indented below it.
    DropKey(Index, Index),
}

/// `$ref` targets worth trying: broken pointers, escapes from the root, the network, cycles,
/// the manifest, other event files, anchors, junk.
const REF_TARGETS: &[&str] = &[
    "\"/common/money.yaml#/$defs/Money\"",
    "\"/common/money.yaml#/$defs/Nope\"",
    "\"/common/money.yaml\"",
    "\"/common/money.yaml#\"",
    "\"/common/money.yaml#/$defs/Money/properties/amount\"",
    "\"../../common/money.yaml#/$defs/Money\"",
    "\"../../../../../etc/passwd\"",
    "\"/../outside.yaml\"",
    "\"/common/missing.yaml#/x\"",
    "\"/herald.yaml#/services\"",
    "\"/events/order_placed/v1.yaml#/payload\"",
    "\"/events/order_placed/v2.yaml#/payload/properties/total\"",
    "\"/README.md\"",
    "\"/events.ndjson\"",
    "\"/common\"",
    "\"#\"",
    "\"#/properties\"",
    "\"#/properties/total\"",
    "\"#/$defs/~2\"",
    "\"#/$defs/%ZZ\"",
    "\"#anchor\"",
    "\"#/0/1/2\"",
    "\"http://example.com/schema.json\"",
    "\"https://json-schema.org/draft/2020-12/schema\"",
    "\"urn:uuid:deadbeef-1234-0000-0000-4bf92f3577b3\"",
    "\"file:///etc/passwd\"",
    "\"//host/path\"",
    "\"\"",
    "\"é/😀.yaml#/日本\"",
    "\"%%%\"",
    "[a, b]",
    "{ $ref: x }",
    "12",
    "null",
];

fn scalar_replacement() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "\\PC{0,12}",
        1 => "[a-zA-Z_/#~$.-]{0,12}",
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| format!("{n:?}")),
        1 => prop::sample::select(vec![
            "0", "-1", "1.5", "1e400", "true", "null", "~", "[]", "{}", "''", "\"\"", "[1, [2]]",
            "{ a: 1 }", "&anchor x", "*nowhere", "!!int 3", "|", ">", "- x", "\"unterminated",
            "99999999999999999999999999", ".nan", "/", "/nope", "/0", "#/x", "Ping",
        ]).prop_map(str::to_string),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = any::<Index>;
    prop_oneof![
        3 => (index(), index()).prop_map(|(f, l)| Mutation::DeleteLine(f, l)),
        2 => (index(), index()).prop_map(|(f, l)| Mutation::DuplicateLine(f, l)),
        2 => (index(), index(), index()).prop_map(|(f, a, b)| Mutation::SwapLines(f, a, b)),
        2 => (index(), char_edit()).prop_map(|(f, e)| Mutation::InsertChars(f, e)),
        1 => (index(), index()).prop_map(|(f, at)| Mutation::Truncate(f, at)),
        2 => (index(), index(), prop_oneof![-4i8..=-1, 1i8..=4])
            .prop_map(|(f, l, by)| Mutation::Reindent(f, l, by)),
        4 => (index(), index(), scalar_replacement())
            .prop_map(|(f, s, with)| Mutation::ReplaceScalar(f, s, with)),
        2 => (
            index(),
            prop_oneof![
                4 => prop::sample::select(REF_TARGETS).prop_map(str::to_string),
                1 => scalar_replacement(),
            ]
        )
            .prop_map(|(r, with)| Mutation::ReplaceRef(r, with)),
        3 => (index(), index()).prop_map(|(f, k)| Mutation::DropKey(f, k)),
    ]
}

fn is_mutable(catalog_path: &str) -> bool {
    catalog_path.ends_with(".yaml")
}

/// Lines of `text`, each with its line break, so joining them gives `text` back.
fn lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_string).collect()
}

/// Where a `key:` is followed by a scalar on the same line: (line, byte offset of the value).
fn scalar_sites(lines: &[String]) -> Vec<(usize, usize)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(at, line)| {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                return None;
            }
            let colon = line.find(": ")?;
            let value = line[colon + 2..].trim();
            (!value.is_empty()).then_some((at, colon + 2))
        })
        .collect()
}

/// Lines that hold a mapping key (`key:` possibly after `- `).
fn key_lines(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            !trimmed.starts_with('#')
                && trimmed.split_once(':').is_some_and(|(key, rest)| {
                    !key.is_empty() && (rest.is_empty() || rest.starts_with([' ', '\n']))
                })
        })
        .map(|(at, _)| at)
        .collect()
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn apply_mutation(files: &mut [(String, Vec<u8>)], mutation: &Mutation) {
    let mutable: Vec<usize> = (0..files.len())
        .filter(|&at| is_mutable(&files[at].0))
        .collect();
    let pick = |index: &Index| mutable[index.index(mutable.len())];
    let text_of = |files: &[(String, Vec<u8>)], at: usize| {
        String::from_utf8(files[at].1.clone())
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    };
    match mutation {
        Mutation::ReplaceRef(which, with) => {
            let sites: Vec<(usize, usize)> = mutable
                .iter()
                .flat_map(|&file| {
                    lines(&text_of(files, file))
                        .iter()
                        .enumerate()
                        .filter(|(_, line)| line.contains("$ref:"))
                        .map(|(line, _)| (file, line))
                        .collect::<Vec<_>>()
                })
                .collect();
            if sites.is_empty() {
                return;
            }
            let (file, line) = sites[which.index(sites.len())];
            let mut all = lines(&text_of(files, file));
            let old = &all[line];
            let cut = old.find("$ref:").expect("site has $ref") + "$ref:".len();
            // Keep a trailing `}` of a flow mapping so the rest of the line still parses.
            let tail = if old[cut..].trim_end().ends_with('}') {
                " }"
            } else {
                ""
            };
            all[line] = format!("{} {with}{tail}\n", &old[..cut]);
            files[file].1 = all.concat().into_bytes();
        }
        Mutation::InsertChars(file, edit) => {
            let file = pick(file);
            files[file].1 = apply_char_edit(&text_of(files, file), edit).into_bytes();
        }
        Mutation::Truncate(file, at) => {
            let file = pick(file);
            let bytes = &mut files[file].1;
            // Byte-level, so it may cut a multi-byte character in half: invalid UTF-8 too.
            let at = at.index(bytes.len() + 1);
            bytes.truncate(at);
        }
        Mutation::DeleteLine(file, line)
        | Mutation::DuplicateLine(file, line)
        | Mutation::Reindent(file, line, _)
        | Mutation::ReplaceScalar(file, line, _)
        | Mutation::DropKey(file, line)
        | Mutation::SwapLines(file, line, _) => {
            let file = pick(file);
            let mut all = lines(&text_of(files, file));
            if all.is_empty() {
                return;
            }
            let line_at = line.index(all.len());
            match mutation {
                Mutation::DeleteLine(..) => {
                    all.remove(line_at);
                }
                Mutation::DuplicateLine(..) => {
                    let copy = all[line_at].clone();
                    all.insert(line_at, copy);
                }
                Mutation::SwapLines(_, _, other) => {
                    let other = other.index(all.len());
                    all.swap(line_at, other);
                }
                Mutation::Reindent(_, _, by) => {
                    let old = &all[line_at];
                    all[line_at] = if *by > 0 {
                        format!("{}{old}", " ".repeat(*by as usize))
                    } else {
                        let remove = indent_of(old).min(by.unsigned_abs() as usize);
                        old[remove..].to_string()
                    };
                }
                Mutation::ReplaceScalar(_, site, with) => {
                    let sites = scalar_sites(&all);
                    if sites.is_empty() {
                        return;
                    }
                    let (at, value_start) = sites[site.index(sites.len())];
                    all[at] = format!("{}{with}\n", &all[at][..value_start]);
                }
                Mutation::DropKey(_, key) => {
                    let keys = key_lines(&all);
                    if keys.is_empty() {
                        return;
                    }
                    let start = keys[key.index(keys.len())];
                    let indent = indent_of(&all[start]);
                    let mut end = start + 1;
                    while end < all.len()
                        && (all[end].trim().is_empty() || indent_of(&all[end]) > indent)
                    {
                        end += 1;
                    }
                    all.drain(start..end);
                }
                _ => unreachable!(),
            }
            files[file].1 = all.concat().into_bytes();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pointer index helpers
// ---------------------------------------------------------------------------------------------

/// Every JSON pointer of a value (containers and leaves).
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

/// Pointers to ask the index about: those of the parsed value (YAML or JSON), the duplicate
/// keys it reports, and short paths made of the text's words and small indices (which also
/// reach what the index holds for texts that stop parsing half-way).
fn candidate_pointers(text: &str, index: &PointerIndex) -> Vec<String> {
    let mut pointers = vec![
        String::new(),
        "/".to_string(),
        "/\u{0}complex-key".to_string(),
    ];
    if let Ok(value) = herald_core::yaml::parse(text) {
        pointers_of(&value, "", &mut pointers);
    }
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        pointers_of(&value, "", &mut pointers);
    }
    pointers.extend(
        index
            .duplicates()
            .iter()
            .map(|(pointer, _)| pointer.clone()),
    );
    let mut words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || ":,[]{}\"'".contains(c))
        .filter(|word| !word.is_empty())
        .take(24)
        .map(escape_token)
        .collect();
    words.extend((0..3).map(|n| n.to_string()));
    words.push("\u{0}complex-key".to_string());
    words.sort();
    words.dedup();
    for a in &words {
        pointers.push(format!("/{a}"));
        for b in &words {
            pointers.push(format!("/{a}/{b}"));
        }
    }
    pointers
}

fn check_span(text: &str, span: std::ops::Range<usize>, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        span.start <= span.end
            && span.end <= text.len()
            && text.is_char_boundary(span.start)
            && text.is_char_boundary(span.end),
        "bad {what} span {span:?} (text len {}): {text:?}",
        text.len()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// 64 cases per property unless `PROPTEST_CASES` asks for another number.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    /// (a) Anything as `herald.yaml`, next to one valid event file.
    #[test]
    fn arbitrary_manifest_never_panics(bytes in manifest_bytes()) {
        let dir = write_catalog(&[
            ("herald.yaml".to_string(), bytes),
            ("events/ping/v1.yaml".to_string(), VALID_EVENT.as_bytes().to_vec()),
        ]);
        validate_and_check(dir.path())?;
    }

    /// (b) Anything as a YAML event file.
    #[test]
    fn arbitrary_yaml_event_never_panics(bytes in event_yaml_bytes()) {
        let dir = write_catalog(&[
            ("herald.yaml".to_string(), VALID_MANIFEST.as_bytes().to_vec()),
            ("events/ping/v1.yaml".to_string(), VALID_EVENT.as_bytes().to_vec()),
            ("events/x/v1.yaml".to_string(), bytes),
        ]);
        let validation = validate_and_check(dir.path())?;
        prop_assert!(validation.is_some(), "a catalog with a valid manifest is usable");
    }

    /// (b) Anything as a JSON event file.
    #[test]
    fn arbitrary_json_event_never_panics(bytes in event_json_bytes()) {
        let dir = write_catalog(&[
            ("herald.yaml".to_string(), VALID_MANIFEST.as_bytes().to_vec()),
            ("events/ping/v1.yaml".to_string(), VALID_EVENT.as_bytes().to_vec()),
            ("events/x/v1.json".to_string(), bytes),
        ]);
        let validation = validate_and_check(dir.path())?;
        prop_assert!(validation.is_some(), "a catalog with a valid manifest is usable");
    }

    /// (c) Randomly mutated copies of the webshop catalog.
    #[test]
    fn mutated_webshop_never_panics(mutations in prop::collection::vec(mutation(), 1..5)) {
        let mut files = webshop_files();
        for mutation in &mutations {
            apply_mutation(&mut files, mutation);
        }
        let dir = write_catalog(&files);
        validate_and_check(dir.path())?;
    }

    /// (c, control) The unmutated webshop copy validates without errors wherever it sits,
    /// whatever its directory is called.
    #[test]
    fn unmutated_webshop_is_clean(name in "[a-zA-Z0-9 ._é日😀-]{1,12}") {
        prop_assume!(name != "." && name != "..");
        let outer = tempfile::tempdir().expect("temp dir");
        let root = outer.path().join(&name);
        for (catalog_path, bytes) in webshop_files() {
            let path = root.join(catalog_path);
            fs::create_dir_all(path.parent().expect("parent")).expect("create dirs");
            fs::write(path, bytes).expect("write file");
        }
        let validation = validate_and_check(&root)?.expect("webshop is usable");
        prop_assert!(
            !validation.diagnostics.has_errors(),
            "{}",
            render_text(&validation.catalog.sources, &validation.diagnostics, TextOptions::default())
        );
    }

    /// (d) The pointer index on any text: spans in bounds, on char boundaries.
    #[test]
    fn pointer_index_spans_are_in_bounds(text in prop_oneof![
        2 => "\\PC{0,200}",
        3 => yamlish(),
        2 => edited(webshop_text("events/order_placed/v2.yaml"))
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        1 => edited(valid_event_json())
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]) {
        let index = PointerIndex::build(&text);
        for (pointer, span) in index.duplicates() {
            check_span(&text, span.clone(), &format!("duplicate {pointer:?}"))?;
        }
        for pointer in candidate_pointers(&text, &index) {
            if let Some(span) = index.value_span(&pointer) {
                check_span(&text, span, &format!("value {pointer:?}"))?;
            }
            if let Some(span) = index.key_span(&pointer) {
                check_span(&text, span, &format!("key {pointer:?}"))?;
            }
        }
    }
}

/// The mutation machinery itself: each kind of mutation changes something, so the mutated
/// property does not silently test the unmutated catalog.
#[test]
fn mutations_change_the_catalog() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let original = webshop_files();
    let mut runner = TestRunner::deterministic();
    let mut changed = 0;
    for _ in 0..200 {
        let mutation = mutation().new_tree(&mut runner).expect("tree").current();
        let mut files = original.clone();
        apply_mutation(&mut files, &mutation);
        if files != original {
            changed += 1;
        }
    }
    assert!(
        changed > 150,
        "only {changed} of 200 mutations changed the catalog"
    );
}

/// Found by `arbitrary_manifest_never_panics`: serde_yaml reads two BOMs as the string
/// "\u{feff}", the pointer index has nothing for it, and the fallback span was `0..1`, inside
/// the first (three-byte) character.
#[test]
fn syntax_error_inside_a_multibyte_character_keeps_spans_on_boundaries() {
    // Found by `arbitrary_json_event_never_panics`: serde_json reported the end of input
    // inside the three-byte `ⷀ`.
    let manifest = (
        "herald.yaml".to_string(),
        "catalog: fuzz\nservices: {}\n".as_bytes().to_vec(),
    );
    let event = (
        "events/x/v1.json".to_string(),
        vec![123, 10, 32, 32, 34, 226, 183, 128],
    );
    let dir = write_catalog(&[manifest, event]);
    let validation = validate_catalog(dir.path()).expect("usable");
    assert!(validation.diagnostics.has_errors());
    check_validation(&validation).expect("spans on char boundaries");
}

#[test]
fn fallback_span_of_text_starting_with_multibyte_char() {
    let event = (
        "events/ping/v1.yaml".to_string(),
        VALID_EVENT.as_bytes().to_vec(),
    );
    let dir = write_catalog(&[
        ("herald.yaml".to_string(), "\u{feff}\u{feff}".into()),
        event,
    ]);
    let validation = validate_catalog(dir.path()).expect("usable");
    assert!(validation.diagnostics.has_errors());
    check_validation(&validation).expect("spans on char boundaries");
}

//! End-to-end tests of `herald diff`, `herald check` and `herald explain`: the real binary run
//! on the schema pairs under `tests/fixtures/compat/diff/` and the catalogs under
//! `tests/fixtures/compat/check/`, on the webshop example, and on a throw-away git repository
//! for `check --against REF`.
//!
//! Every run happens in the repository root with relative paths (the git tests run in their
//! temporary repository, also with relative paths), so the file names in the output are
//! stable. Outputs are snapshotted in `tests/snapshots/`; after a deliberate change of herald's
//! output, regenerate them with `INSTA_UPDATE=always cargo test -p herald --test compat_cli`
//! and read the diff.
//!
//! Besides the exit codes and the snapshots, every `--format json` report is checked for its
//! shape, and every witness is checked with the `jsonschema` crate: valid under the schema
//! that writes it, invalid under the schema that reads it.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{command_line, exit_code, stderr, stdout, transcript};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use herald_core::compat::rules::{RULES, rule_info};
use serde_json::Value;

/// The schema pairs of `herald diff`, relative to the repository root.
const DIFF: &str = "tests/fixtures/compat/diff";
/// The catalogs of `herald check`, relative to the repository root.
const CHECK: &str = "tests/fixtures/compat/check";

/// Exit code: compatible.
const OK: i32 = 0;
/// Exit code: breaking.
const BREAKING: i32 = 1;
/// Exit code: unusable input.
const UNUSABLE: i32 = 2;

// ---------------------------------------------------------------------------------------------
// Running herald.

/// The repository root: every command runs here unless told otherwise.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root")
}

/// Runs `herald <args>` in `dir`.
fn herald_in(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("herald")
        .expect("the herald binary is built")
        .current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .env("COLUMNS", "100")
        .output()
        .expect("herald runs")
}

/// Runs `herald <args>` in the repository root.
fn herald(args: &[&str]) -> Output {
    herald_in(&repo_root(), args)
}

/// Snapshots a run under `name`, with the command as the snapshot's description.
fn snapshot(name: &str, args: &[&str], output: &Output) {
    insta::with_settings!({
        description => command_line(args),
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name.to_string(), transcript(args, output));
    });
}

/// Asserts the exit code, showing the whole run when it is wrong.
fn assert_exit(args: &[&str], output: &Output, expected: i32) {
    assert_eq!(
        exit_code(output),
        expected,
        "wrong exit code:\n{}",
        transcript(args, output)
    );
}

/// Parses `--format json` output.
fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", stdout(output)))
}

// ---------------------------------------------------------------------------------------------
// The JSON report.

/// The keys every change object has.
const CHANGE_KEYS: &[&str] = &[
    "rule", "severity", "breaking", "message", "old_path", "new_path",
];

/// Checks the shape of a `--format json` report and returns its changes. Every change names a
/// known rule whose kind agrees with `breaking`; every breaking change of a schema comparison
/// (not of a baseline check) carries a witness; `compatible` agrees with the changes.
fn assert_report(report: &Value, mode: &str, semantics: &str) -> Vec<Value> {
    let object = report.as_object().expect("the report is a JSON object");
    let keys: BTreeSet<&str> = object.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["compatible", "mode", "semantics", "changes"]),
        "top-level keys of {report:#}"
    );
    assert!(
        report["compatible"].is_boolean(),
        "`compatible` is a boolean"
    );
    assert_eq!(report["mode"], mode, "`mode`");
    assert_eq!(report["semantics"], semantics, "`semantics`");
    let changes = report["changes"]
        .as_array()
        .expect("`changes` is an array")
        .clone();
    for change in &changes {
        for key in CHANGE_KEYS {
            assert!(change.get(key).is_some(), "no `{key}` in {change:#}");
        }
        let rule = change["rule"].as_str().expect("`rule` is a string");
        let info = rule_info(rule).unwrap_or_else(|| panic!("unknown rule `{rule}`"));
        let breaking = change["breaking"]
            .as_bool()
            .expect("`breaking` is a boolean");
        assert_eq!(
            breaking, info.breaking,
            "`breaking` of {rule} disagrees with the rule set"
        );
        assert_eq!(
            change["severity"],
            if breaking { "error" } else { "info" },
            "`severity` of {change:#}"
        );
        assert!(
            change["message"]
                .as_str()
                .is_some_and(|text| !text.is_empty()),
            "`message` of {change:#}"
        );
        for key in ["old_path", "new_path"] {
            assert!(
                change[key].is_null() || change[key].as_str().is_some_and(|p| p.starts_with('#')),
                "`{key}` is null or a `#` pointer in {change:#}"
            );
        }
        assert!(
            !change["old_path"].is_null() || !change["new_path"].is_null(),
            "a change is located in at least one schema: {change:#}"
        );
        let direction = change["direction"].as_str().expect("`direction`");
        assert!(
            ["backward", "forward", "baseline"].contains(&direction),
            "`direction` {direction}"
        );
        if breaking && direction != "baseline" {
            assert!(
                change.get("witness").is_some(),
                "breaking change without a witness: {change:#}"
            );
        }
    }
    let failing = changes
        .iter()
        .any(|change| change["breaking"] == true && change.get("ignored").is_none());
    assert_eq!(
        report["compatible"], !failing,
        "`compatible` vs the changes"
    );
    changes
}

/// The rules of the breaking (not ignored) changes.
fn breaking_rules(changes: &[Value]) -> BTreeSet<String> {
    changes
        .iter()
        .filter(|change| change["breaking"] == true && change.get("ignored").is_none())
        .map(|change| change["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The rules of the compatible changes.
fn info_rules(changes: &[Value]) -> BTreeSet<String> {
    changes
        .iter()
        .filter(|change| change["breaking"] == false)
        .map(|change| change["rule"].as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| (*item).to_string()).collect()
}

/// Every location of a report points into a file that exists (relative to `base`), at a line
/// and column that exist in it.
fn assert_locations_exist(base: &Path, changes: &[Value]) {
    for change in changes {
        for key in ["old_location", "new_location"] {
            let Some(location) = change.get(key).filter(|value| !value.is_null()) else {
                continue;
            };
            let file = location["file"].as_str().expect("`file`");
            let text = std::fs::read_to_string(base.join(file))
                .unwrap_or_else(|error| panic!("{key} names {file}: {error}\n{change:#}"));
            let lines: Vec<&str> = text.split('\n').collect();
            let line = location["line"].as_u64().expect("`line`") as usize;
            let column = location["column"].as_u64().expect("`column`") as usize;
            assert!(
                line >= 1 && line <= lines.len(),
                "{file}:{line}: the file has {} lines",
                lines.len()
            );
            let width = lines[line - 1].chars().count();
            assert!(
                column >= 1 && column <= width + 1,
                "{file}:{line}:{column}: the line has {width} characters"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Witnesses, checked independently of herald with the `jsonschema` crate.

/// Reads a schema file (JSON or YAML) as JSON.
fn read_document(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    herald_core::yaml::parse(&text)
        .unwrap_or_else(|error| panic!("{}: {}", path.display(), error.message))
}

/// Serves `file://` references from the disk; nothing else.
struct FileRetriever;

impl jsonschema::Retrieve for FileRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let address = text.split('#').next().unwrap_or(text);
        let path = address
            .strip_prefix("file://")
            .ok_or_else(|| format!("not a file: {address}"))?;
        Ok(read_document(Path::new(path)))
    }
}

/// A validator for a schema file or the `payload` of an event version file, with `$ref`s
/// resolved next to the file.
fn validator(path: &Path) -> jsonschema::Validator {
    let path = path.canonicalize().expect("schema file exists");
    let document = read_document(&path);
    let schema = if document.get("event").is_some() && document.get("payload").is_some() {
        document["payload"].clone()
    } else {
        document
    };
    jsonschema::options()
        .with_base_uri(format!("file://{}", path.display()))
        .with_retriever(FileRetriever)
        .build(&schema)
        .unwrap_or_else(|error| panic!("{} does not compile: {error}", path.display()))
}

/// Every witness is valid under the writer's schema and invalid under the reader's:
/// backward, OLD writes and NEW reads; forward, the reverse. Returns how many were checked.
fn assert_witnesses(changes: &[Value], old: &Path, new: &Path) -> usize {
    let old_validator = validator(old);
    let new_validator = validator(new);
    let mut checked = 0;
    for change in changes {
        let Some(witness) = change.get("witness") else {
            continue;
        };
        let (writer, reader, writer_name, reader_name) = match change["direction"].as_str() {
            Some("backward") => (&old_validator, &new_validator, old, new),
            Some("forward") => (&new_validator, &old_validator, new, old),
            other => panic!("a witness on a change of direction {other:?}"),
        };
        assert!(
            writer.is_valid(witness),
            "witness {witness} is not valid under the writer {}: {change:#}",
            writer_name.display()
        );
        assert!(
            !reader.is_valid(witness),
            "witness {witness} is valid under the reader {}: {change:#}",
            reader_name.display()
        );
        checked += 1;
    }
    checked
}

/// The event version files of a catalog, by (event, version).
fn version_files(catalog: &Path) -> BTreeMap<(String, u64), PathBuf> {
    let mut files = BTreeMap::new();
    let events = catalog.join("events");
    for event_dir in std::fs::read_dir(&events).expect("events directory") {
        for file in std::fs::read_dir(event_dir.unwrap().path()).expect("event directory") {
            let path = file.unwrap().path();
            let document = read_document(&path);
            let name = document["event"].as_str().expect("`event`").to_string();
            let version = document["version"].as_u64().expect("`version`");
            files.insert((name, version), path);
        }
    }
    files
}

/// The witnesses of a `herald check` report, checked against the version files named by each
/// change's subject (`OrderPlaced v1 → v2`). Returns how many were checked.
fn assert_check_witnesses(catalog: &Path, changes: &[Value]) -> usize {
    let files = version_files(catalog);
    let mut checked = 0;
    for change in changes
        .iter()
        .filter(|change| change.get("witness").is_some())
    {
        let subject = change["subject"]
            .as_str()
            .expect("a `subject` in check reports");
        let (event, versions) = subject.split_once(' ').expect("`Event vA → vB`");
        let (old, new) = versions.split_once(" → ").expect("`vA → vB`");
        let file = |version: &str| {
            let number: u64 = version.trim_start_matches('v').parse().expect("version");
            files[&(event.to_string(), number)].clone()
        };
        checked += assert_witnesses(std::slice::from_ref(change), &file(old), &file(new));
    }
    checked
}

// ---------------------------------------------------------------------------------------------
// `herald diff`: compatible and breaking pairs.

/// One `herald diff` run: its fixture, options and what it must find.
struct DiffCase {
    /// The snapshot name.
    name: &'static str,
    old: &'static str,
    new: &'static str,
    mode: &'static str,
    semantics: &'static str,
    exit: i32,
    /// The rules of the breaking changes, exactly.
    breaking: &'static [&'static str],
    /// The rules of the compatible changes, exactly.
    info: &'static [&'static str],
}

/// Runs a case in text and JSON, checks both, snapshots both and checks the witnesses.
fn check_diff(case: &DiffCase) -> Vec<Value> {
    let old = format!("{DIFF}/{}", case.old);
    let new = format!("{DIFF}/{}", case.new);
    for path in [&old, &new] {
        assert!(
            repo_root().join(path).is_file(),
            "fixture {path} is missing"
        );
    }
    let options = ["--mode", case.mode, "--semantics", case.semantics];
    let mut text_args = vec!["diff", old.as_str(), new.as_str()];
    text_args.extend(options);
    text_args.extend(["--color", "never"]);
    let mut json_args = vec!["diff", old.as_str(), new.as_str()];
    json_args.extend(options);
    json_args.extend(["--format", "json"]);

    let text = herald(&text_args);
    let json_run = herald(&json_args);
    snapshot(&format!("diff-{}.text", case.name), &text_args, &text);
    snapshot(&format!("diff-{}.json", case.name), &json_args, &json_run);

    assert_exit(&text_args, &text, case.exit);
    assert_exit(&json_args, &json_run, case.exit);
    assert_eq!(stderr(&text), "", "{}: nothing on stderr (text)", case.name);
    assert_eq!(
        stderr(&json_run),
        "",
        "{}: nothing on stderr (json)",
        case.name
    );
    let out = stdout(&text);
    assert!(
        !out.contains('\u{1b}'),
        "--color never printed escape codes"
    );

    let report = json(&json_run);
    let changes = assert_report(&report, case.mode, case.semantics);
    assert_eq!(
        breaking_rules(&changes),
        set(case.breaking),
        "{}: breaking rules",
        case.name
    );
    assert_eq!(
        info_rules(&changes),
        set(case.info),
        "{}: info rules",
        case.name
    );
    assert_locations_exist(&repo_root(), &changes);

    // The text output names the same changes and ends with the verdict.
    for change in &changes {
        let rule = change["rule"].as_str().unwrap();
        assert!(
            out.contains(&format!("[{rule}] ")),
            "{rule} missing from:\n{out}"
        );
    }
    let last = out.lines().last().expect("a summary line");
    if case.exit == OK {
        assert!(last.starts_with("compatible ("), "summary: {last}");
    } else {
        assert!(last.contains("breaking change"), "summary: {last}");
    }

    if case.semantics == "strict" {
        let checked = assert_witnesses(&changes, &repo_root().join(&old), &repo_root().join(&new));
        let breaking = changes.iter().filter(|c| c["breaking"] == true).count();
        assert_eq!(
            checked, breaking,
            "{}: every break has a witness",
            case.name
        );
    }
    changes
}

#[test]
fn diff_optional_property_added_to_closed_model_is_compatible() {
    let changes = check_diff(&DiffCase {
        name: "optional-added",
        old: "optional-added/old.json",
        new: "optional-added/new.json",
        mode: "backward",
        semantics: "strict",
        exit: OK,
        breaking: &[],
        info: &["property-added"],
    });
    assert_eq!(changes.len(), 1, "{changes:#?}");
}

#[test]
fn diff_optional_property_added_to_closed_model_breaks_forward_under_full() {
    // OLD is closed: an OLD consumer rejects the `note` a NEW producer writes.
    check_diff(&DiffCase {
        name: "optional-added-full",
        old: "optional-added/old.json",
        new: "optional-added/new.json",
        mode: "full",
        semantics: "strict",
        exit: BREAKING,
        breaking: &["property-removed-from-closed-model"],
        info: &["property-added"],
    });
}

#[test]
fn diff_required_property_added_breaks() {
    // Two herald event version files (YAML): their `payload`s are compared.
    let changes = check_diff(&DiffCase {
        name: "required-added",
        old: "required-added/v1.yaml",
        new: "required-added/v2.yaml",
        mode: "backward",
        semantics: "strict",
        exit: BREAKING,
        breaking: &["required-property-added"],
        info: &[],
    });
    let change = &changes[0];
    assert_eq!(change["direction"], "backward");
    assert_eq!(change["instance_path"], "/coupon");
    assert_eq!(change["witness"], serde_json::json!({"order_id": ""}));
    // Pointers into event version files start at the payload.
    assert!(
        change["new_path"]
            .as_str()
            .unwrap()
            .starts_with("#/payload"),
        "{change:#}"
    );
    assert_eq!(
        change["new_location"]["file"],
        format!("{DIFF}/required-added/v2.yaml")
    );
}

#[test]
fn diff_property_added_to_open_model_breaks_only_under_strict() {
    let strict = check_diff(&DiffCase {
        name: "open-model-strict",
        old: "open-model/old.yaml",
        new: "open-model/new.yaml",
        mode: "backward",
        semantics: "strict",
        exit: BREAKING,
        breaking: &["property-added-to-open-model"],
        info: &[],
    });
    assert_eq!(strict[0]["instance_path"], "/extra");
    check_diff(&DiffCase {
        name: "open-model-tolerant",
        old: "open-model/old.yaml",
        new: "open-model/new.yaml",
        mode: "backward",
        semantics: "tolerant",
        exit: OK,
        breaking: &[],
        info: &["property-added"],
    });
}

#[test]
fn diff_enum_value_added_breaks_forward_only() {
    // OLD is a herald event version file in JSON, NEW a bare JSON Schema.
    check_diff(&DiffCase {
        name: "forward-only-backward",
        old: "forward-only/v1.json",
        new: "forward-only/new.json",
        mode: "backward",
        semantics: "strict",
        exit: OK,
        breaking: &[],
        info: &["enum-value-added"],
    });
    for (name, mode) in [
        ("forward-only-forward", "forward"),
        ("forward-only-full", "full"),
    ] {
        let changes = check_diff(&DiffCase {
            name,
            old: "forward-only/v1.json",
            new: "forward-only/new.json",
            mode,
            semantics: "strict",
            exit: BREAKING,
            breaking: &["enum-value-removed"],
            // Backward, the new value is a compatible addition (full mode reports it).
            info: if mode == "full" {
                &["enum-value-added"]
            } else {
                &[]
            },
        });
        let breaking: Vec<&Value> = changes.iter().filter(|c| c["breaking"] == true).collect();
        assert_eq!(breaking.len(), 1, "{mode}: {changes:#?}");
        assert_eq!(breaking[0]["direction"], "forward", "{mode}");
        assert_eq!(
            breaking[0]["witness"],
            serde_json::json!({"order_id": "", "status": "shipped"}),
            "{mode}"
        );
        assert_eq!(
            breaking[0]["old_location"],
            serde_json::json!({"file": format!("{DIFF}/forward-only/v1.json"), "line": 13, "column": 17}),
            "{mode}: the old side points into the event file's payload"
        );
    }
}

#[test]
fn diff_follows_refs_to_sibling_files() {
    let changes = check_diff(&DiffCase {
        name: "sibling-ref",
        old: "sibling-ref/old.yaml",
        new: "sibling-ref/new.yaml",
        mode: "backward",
        semantics: "strict",
        exit: BREAKING,
        breaking: &["max-length-decreased"],
        info: &[],
    });
    let change = &changes[0];
    assert_eq!(change["instance_path"], "/total/currency");
    // The change is located in the referenced files, not in the files given.
    assert_eq!(
        change["old_location"],
        serde_json::json!({"file": format!("{DIFF}/sibling-ref/money-v1.yaml"), "line": 8, "column": 17})
    );
    assert_eq!(
        change["new_location"],
        serde_json::json!({"file": format!("{DIFF}/sibling-ref/money-v2.yaml"), "line": 8, "column": 17})
    );
    assert_eq!(change["old_path"], "#/$defs/Money/properties/currency");
}

#[test]
fn diff_of_a_file_with_itself_is_compatible_and_empty() {
    let path = format!("{DIFF}/required-added/v2.yaml");
    for mode in ["backward", "forward", "full", "full-transitive", "none"] {
        let args = ["diff", &path, &path, "--mode", mode, "--format", "json"];
        let output = herald(&args);
        assert_exit(&args, &output, OK);
        let changes = assert_report(&json(&output), &mode.replace('-', "_"), "strict");
        assert_eq!(changes, Vec::<Value>::new(), "{mode}");
    }
}

#[test]
fn diff_colour() {
    let old = format!("{DIFF}/required-added/v1.yaml");
    let new = format!("{DIFF}/required-added/v2.yaml");
    let always = herald(&["diff", &old, &new, "--color", "always"]);
    assert_eq!(exit_code(&always), BREAKING);
    assert!(stdout(&always).contains("\u{1b}["), "{}", stdout(&always));
    // Not a terminal: `auto` means no colour.
    let auto = herald(&["diff", &old, &new]);
    assert_eq!(exit_code(&auto), BREAKING);
    assert!(!stdout(&auto).contains('\u{1b}'), "{}", stdout(&auto));
    assert_eq!(
        stdout(&auto),
        stdout(&herald(&["diff", &old, &new, "--color", "never"]))
    );
}

// ---------------------------------------------------------------------------------------------
// `herald diff`: every output format, once, on a breaking pair.

#[test]
fn diff_every_format_on_a_breaking_change() {
    let old = format!("{DIFF}/required-added/v1.yaml");
    let new = format!("{DIFF}/required-added/v2.yaml");
    for format in ["github", "sarif", "junit", "markdown"] {
        let args = ["diff", old.as_str(), new.as_str(), "--format", format];
        let output = herald(&args);
        snapshot(&format!("diff-required-added.{format}"), &args, &output);
        assert_exit(&args, &output, BREAKING);
        assert_eq!(stderr(&output), "", "{format}: nothing on stderr");
        let out = stdout(&output);
        match format {
            "github" => {
                let first = out.lines().next().unwrap();
                assert!(
                    first.starts_with(&format!("::error file={new},line=9,col=13,")),
                    "{first}"
                );
                assert!(first.contains("required-property-added"), "{first}");
                assert!(first.contains(r#"{"order_id":""}"#), "witness: {first}");
            }
            "sarif" => {
                let log: Value = serde_json::from_str(&out).expect("SARIF is JSON");
                assert_eq!(log["version"], "2.1.0");
                let result = &log["runs"][0]["results"][0];
                assert_eq!(result["ruleId"], "required-property-added");
                assert_eq!(result["level"], "error");
                assert_eq!(
                    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                    new
                );
                assert_eq!(
                    result["properties"]["witness"],
                    serde_json::json!({"order_id": ""})
                );
                assert_eq!(log["runs"][0]["results"].as_array().map(Vec::len), Some(1));
            }
            "junit" => {
                assert!(out.starts_with("<?xml"), "{out}");
                assert!(out.contains(r#"tests="1" failures="1""#), "{out}");
                assert!(
                    out.contains(r#"<failure message="`coupon` is required by the reader"#),
                    "{out}"
                );
            }
            "markdown" => {
                assert!(out.contains("1 breaking change"), "{out}");
                assert!(out.contains("`required-property-added`"), "{out}");
                assert!(out.contains("\"order_id\": \"\""), "witness: {out}");
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn diff_formats_of_a_compatible_change() {
    let old = format!("{DIFF}/optional-added/old.json");
    let new = format!("{DIFF}/optional-added/new.json");
    for format in ["text", "json", "github", "sarif", "junit", "markdown"] {
        let args = ["diff", old.as_str(), new.as_str(), "--format", format];
        let output = herald(&args);
        assert_exit(&args, &output, OK);
        let out = stdout(&output);
        assert!(!out.contains("::error"), "{format}: {out}");
        assert!(!out.contains("<failure"), "{format}: {out}");
        if format == "sarif" {
            let log: Value = serde_json::from_str(&out).expect("SARIF is JSON");
            for result in log["runs"][0]["results"].as_array().into_iter().flatten() {
                assert_ne!(result["level"], "error", "{result:#}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// `herald diff`: unusable input, exit 2 and the reason on stderr.

/// Runs `herald diff OLD NEW` (text and JSON): exit 2, nothing on stdout for text, the first
/// stderr line names the unusable file, and stderr holds `fragments`.
fn check_diff_unusable(name: &str, old: &str, new: &str, fragments: &[&str]) {
    let text_args = ["diff", old, new, "--color", "never"];
    let output = herald(&text_args);
    snapshot(&format!("diff-{name}.text"), &text_args, &output);
    assert_exit(&text_args, &output, UNUSABLE);
    assert_eq!(stdout(&output), "", "{name}: nothing on stdout");
    let err = stderr(&output);
    assert!(err.starts_with("error: "), "{name}: {err}");
    for fragment in fragments {
        assert!(
            err.contains(fragment),
            "{name}: `{fragment}` missing from stderr:\n{err}"
        );
    }
    assert!(!err.contains("panicked"), "{name}: {err}");
    for format in ["json", "sarif"] {
        let args = ["diff", old, new, "--format", format];
        let output = herald(&args);
        assert_exit(&args, &output, UNUSABLE);
        assert!(stderr(&output).starts_with("error: "), "{name} ({format})");
    }
}

#[test]
fn diff_missing_file_is_unusable() {
    let missing = format!("{DIFF}/unreadable/missing.json");
    let ok = format!("{DIFF}/unreadable/ok.json");
    assert!(!repo_root().join(&missing).exists());
    check_diff_unusable(
        "missing-new",
        &ok,
        &missing,
        &[&format!("error: {missing}: cannot read the file")],
    );
    check_diff_unusable(
        "missing-old",
        &missing,
        &ok,
        &[&format!("error: {missing}: cannot read the file")],
    );
}

#[test]
fn diff_directory_is_unusable() {
    let directory = format!("{DIFF}/unreadable");
    let ok = format!("{DIFF}/unreadable/ok.json");
    check_diff_unusable(
        "directory",
        &ok,
        &directory,
        &[&format!("error: {directory}: cannot read the file")],
    );
}

#[test]
fn diff_file_that_is_not_utf8_is_unusable() {
    let latin1 = format!("{DIFF}/unreadable/latin1.json");
    check_diff_unusable(
        "not-utf8",
        &format!("{DIFF}/unreadable/ok.json"),
        &latin1,
        &[
            &format!("error: {latin1}: the schema is not usable"),
            "error[io::unreadable]",
            &format!("┌─ {latin1}:1:40"),
        ],
    );
}

#[test]
fn diff_invalid_yaml_is_unusable_with_a_diagnostic() {
    let broken = format!("{DIFF}/invalid-yaml/broken.yaml");
    check_diff_unusable(
        "invalid-yaml",
        &format!("{DIFF}/invalid-yaml/ok.yaml"),
        &broken,
        &[
            &format!("error: {broken}: the schema is not usable"),
            "error[syntax::yaml]",
            &format!("┌─ {broken}:4:8"),
        ],
    );
    // The broken file as OLD: the same.
    let args = ["diff", broken.as_str(), broken.as_str()];
    assert_exit(&args, &herald(&args), UNUSABLE);
}

#[test]
fn diff_unknown_schema_draft_is_unusable() {
    let custom = format!("{DIFF}/unknown-draft/custom.json");
    check_diff_unusable(
        "unknown-draft",
        &format!("{DIFF}/unknown-draft/ok.json"),
        &custom,
        &[
            &format!("error: {custom}: the schema is not usable"),
            "error[schema::unknown-draft]",
            "https://example.com/schemas/my-draft",
            &format!("┌─ {custom}:2:14"),
        ],
    );
}

#[test]
fn diff_ref_escaping_the_directory_is_unusable() {
    // `../money.json` exists, but it is outside the directory of the schema file.
    assert!(
        repo_root()
            .join(DIFF)
            .join("ref-escapes/money.json")
            .is_file()
    );
    let escaping = format!("{DIFF}/ref-escapes/schemas/escaping.json");
    check_diff_unusable(
        "ref-escapes",
        &format!("{DIFF}/ref-escapes/schemas/ok.json"),
        &escaping,
        &[
            &format!("error: {escaping}: the schema is not usable"),
            "error[ref::escapes-catalog]",
            &format!("┌─ {escaping}:4:24"),
        ],
    );
}

#[test]
fn diff_bad_flags_are_unusable() {
    let old = format!("{DIFF}/optional-added/old.json");
    let new = format!("{DIFF}/optional-added/new.json");
    for args in [
        vec!["diff", old.as_str(), new.as_str(), "--mode", "sideways"],
        vec!["diff", old.as_str(), new.as_str(), "--semantics", "lenient"],
        vec!["diff", old.as_str(), new.as_str(), "--format", "xml"],
        vec!["diff", old.as_str()],
    ] {
        let output = herald(&args);
        assert_exit(&args, &output, UNUSABLE);
        assert_eq!(stdout(&output), "", "{args:?}");
        assert!(stderr(&output).contains("error:"), "{args:?}");
    }
}

/// `herald diff` on two versions of a real catalog event whose payload `$ref`s a shared file
/// by a catalog-root path (`/common/money.yaml`): the reference resolves against the schema
/// file's directory, not the catalog root, so the files are unusable (exit 2).
#[test]
fn diff_of_catalog_event_versions_with_shared_refs() {
    let args = [
        "diff",
        "examples/webshop/events/order_placed/v1.yaml",
        "examples/webshop/events/order_placed/v2.yaml",
        "--format",
        "json",
    ];
    let output = herald(&args);
    assert_exit(&args, &output, OK);
}

// ---------------------------------------------------------------------------------------------
// `herald check`.

/// Runs `herald check <args>` in text and JSON from the repository root, snapshots both when
/// `name` is given, and returns the JSON report's changes.
fn check_catalog(
    name: Option<&str>,
    args: &[&str],
    exit: i32,
    mode: &str,
    semantics: &str,
) -> (String, Vec<Value>) {
    let mut text_args = vec!["check"];
    text_args.extend(args);
    text_args.extend(["--color", "never"]);
    let mut json_args = vec!["check"];
    json_args.extend(args);
    json_args.extend(["--format", "json"]);
    let text = herald(&text_args);
    let json_run = herald(&json_args);
    if let Some(name) = name {
        snapshot(&format!("check-{name}.text"), &text_args, &text);
        snapshot(&format!("check-{name}.json"), &json_args, &json_run);
    }
    assert_exit(&text_args, &text, exit);
    assert_exit(&json_args, &json_run, exit);
    assert_eq!(stderr(&text), "", "nothing on stderr (text)");
    assert_eq!(stderr(&json_run), "", "nothing on stderr (json)");
    let changes = assert_report(&json(&json_run), mode, semantics);
    (stdout(&text), changes)
}

#[test]
fn check_webshop_is_compatible() {
    let (out, changes) = check_catalog(None, &["examples/webshop"], OK, "backward", "strict");
    assert!(breaking_rules(&changes).is_empty(), "{changes:#?}");
    assert_eq!(
        out.lines().last(),
        Some("compatible (backward, strict semantics)"),
        "{out}"
    );
    assert_locations_exist(&repo_root(), &changes);
    // Also from inside the catalog, with the default `.`.
    let args = ["check", "--color", "never"];
    let output = herald_in(&repo_root().join("examples/webshop"), &args);
    assert_exit(&args, &output, OK);
}

#[test]
fn check_breaking_version() {
    let catalog = format!("{CHECK}/breaking");
    let (out, changes) = check_catalog(
        Some("breaking"),
        &[&catalog],
        BREAKING,
        "backward",
        "strict",
    );
    assert_eq!(breaking_rules(&changes), set(&["required-property-added"]));
    assert_eq!(info_rules(&changes), set(&["property-added"]));
    let breaking = &changes[0];
    assert_eq!(breaking["subject"], "OrderPlaced v1 → v2");
    assert_eq!(breaking["instance_path"], "/coupon");
    assert_eq!(
        breaking["new_location"]["file"],
        format!("{catalog}/events/order_placed/v2.yaml")
    );
    assert!(
        out.contains("  event:    OrderPlaced v1 → v2 (backward)"),
        "{out}"
    );
    assert_locations_exist(&repo_root(), &changes);
    assert_eq!(
        assert_check_witnesses(&repo_root().join(&catalog), &changes),
        1
    );
    // Tolerant semantics: adding a required property without a default still breaks.
    let (_, changes) = check_catalog(
        None,
        &[&catalog, "--semantics", "tolerant"],
        BREAKING,
        "backward",
        "tolerant",
    );
    assert_eq!(breaking_rules(&changes), set(&["required-property-added"]));
}

#[test]
fn check_ignored_change_passes_and_shows_the_reason() {
    let catalog = format!("{CHECK}/ignored");
    let (out, changes) = check_catalog(Some("ignored"), &[&catalog], OK, "backward", "strict");
    assert!(breaking_rules(&changes).is_empty(), "{changes:#?}");
    let ignored: Vec<&Value> = changes
        .iter()
        .filter(|change| change.get("ignored").is_some())
        .collect();
    assert_eq!(ignored.len(), 1, "{changes:#?}");
    assert_eq!(ignored[0]["rule"], "required-property-added");
    assert_eq!(ignored[0]["breaking"], true);
    assert_eq!(
        ignored[0]["ignored"],
        "every producer of OrderPlaced v1 already sent a coupon"
    );
    assert!(ignored[0].get("witness").is_some());
    assert!(out.contains("ignored[required-property-added]"), "{out}");
    assert!(
        out.contains("  ignored:  every producer of OrderPlaced v1 already sent a coupon"),
        "{out}"
    );
    // The other formats show it too, and do not fail.
    for format in ["github", "markdown", "junit", "sarif"] {
        let args = ["check", catalog.as_str(), "--format", format];
        let output = herald(&args);
        assert_exit(&args, &output, OK);
        assert!(
            stdout(&output).contains("every producer of OrderPlaced v1 already sent a coupon"),
            "{format}: the reason is shown:\n{}",
            stdout(&output)
        );
        assert!(!stdout(&output).contains("::error"), "{format}");
    }
}

#[test]
fn check_against_a_directory() {
    let current = format!("{CHECK}/against-dir/current");
    let baseline = format!("{CHECK}/against-dir/baseline");
    // Each catalog is compatible on its own, and with itself.
    check_catalog(None, &[&current], OK, "backward", "strict");
    check_catalog(None, &[&baseline], OK, "backward", "strict");
    check_catalog(
        None,
        &[&current, "--against", &current],
        OK,
        "backward",
        "strict",
    );

    let (out, changes) = check_catalog(
        Some("against-dir"),
        &[&current, "--against", &baseline],
        BREAKING,
        "backward",
        "strict",
    );
    assert_eq!(
        breaking_rules(&changes),
        set(&[
            "published-version-edited",
            "event-removed",
            "version-removed",
            "consumer-removed",
            // Removing LegacyPing also removes its producer `orders`.
            "producer-removed",
        ])
    );
    let by_rule = |rule: &str| -> &Value {
        changes
            .iter()
            .find(|change| change["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule}"))
    };
    assert_eq!(
        by_rule("published-version-edited")["subject"],
        "OrderPlaced v1"
    );
    assert_eq!(
        by_rule("published-version-edited")["new_location"]["file"],
        format!("{current}/events/order_placed/v1.yaml")
    );
    assert_eq!(by_rule("event-removed")["subject"], "LegacyPing v1");
    assert_eq!(by_rule("version-removed")["subject"], "OrderCancelled v2");
    assert_eq!(
        by_rule("consumer-removed")["message"],
        "`billing` no longer consumes `OrderCancelled`"
    );
    assert_eq!(
        by_rule("producer-removed")["message"],
        "`orders` no longer produces `LegacyPing`"
    );
    for change in &changes {
        if change["breaking"] == true {
            assert_eq!(change["direction"], "baseline", "{change:#}");
        }
    }
    assert!(out.contains("5 breaking change"), "{out}");
}

/// The baseline's files are named `DIR:events/...` (the git notation), which is no path:
/// GitHub annotations and SARIF results then point at files that do not exist.
#[test]
fn check_against_a_directory_points_at_existing_files() {
    let current = format!("{CHECK}/against-dir/current");
    let baseline = format!("{CHECK}/against-dir/baseline");
    let args = [
        "check",
        current.as_str(),
        "--against",
        baseline.as_str(),
        "--format",
        "json",
    ];
    let output = herald(&args);
    assert_exit(&args, &output, BREAKING);
    let changes = assert_report(&json(&output), "backward", "strict");
    assert_locations_exist(&repo_root(), &changes);
}

#[test]
fn check_against_a_baseline_that_is_not_a_catalog_is_unusable() {
    let catalog = format!("{CHECK}/breaking");
    let args = ["check", catalog.as_str(), "--against", DIFF];
    let output = herald(&args);
    assert_exit(&args, &output, UNUSABLE);
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).starts_with(&format!("error: baseline {DIFF}: ")),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_catalog_with_validation_errors_is_unusable() {
    let catalog = format!("{CHECK}/invalid");
    let args = ["check", catalog.as_str(), "--color", "never"];
    let output = herald(&args);
    snapshot("check-invalid.text", &args, &output);
    assert_exit(&args, &output, UNUSABLE);
    assert_eq!(stdout(&output), "");
    let err = stderr(&output);
    for fragment in [
        "error[catalog::unknown-event]: no event `OrderShipped` in the catalog",
        &format!("┌─ {catalog}/herald.yaml:4:29"),
        "error[ref::unresolved]",
        &format!("┌─ {catalog}/events/order_placed/v1.yaml:11:20"),
    ] {
        assert!(err.contains(fragment), "`{fragment}` missing from:\n{err}");
    }
    assert_eq!(
        err.lines().last(),
        Some(
            "error: the catalog has errors; `herald validate` must pass before compatibility can be checked"
        )
    );
    for format in ["json", "github"] {
        let args = ["check", catalog.as_str(), "--format", format];
        assert_exit(&args, &herald(&args), UNUSABLE);
    }
    // Also with a baseline: validation comes first.
    let args = ["check", catalog.as_str(), "--against", &catalog];
    assert_exit(&args, &herald(&args), UNUSABLE);
}

#[test]
fn check_missing_catalog_is_unusable() {
    let missing = format!("{CHECK}/no-such-catalog");
    let args = ["check", missing.as_str()];
    let output = herald(&args);
    assert_exit(&args, &output, UNUSABLE);
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        format!("error: {missing}: no such directory\n")
    );
}

#[test]
fn check_full_transitive_compares_with_every_earlier_version() {
    // v1 → v2 drops `note` (a string), v2 → v3 brings it back as an integer. Under tolerant
    // semantics each step is compatible both ways; v1 → v3 is not. (Under strict semantics
    // inclusion is transitive, so only tolerant semantics can tell the modes apart.)
    let transitive = format!("{CHECK}/transitive-full-transitive");
    let (out, changes) = check_catalog(
        Some("transitive-full-transitive"),
        &[&transitive, "--semantics", "tolerant"],
        BREAKING,
        "full_transitive",
        "tolerant",
    );
    assert_eq!(breaking_rules(&changes), set(&["type-narrowed"]));
    let breaking: Vec<&Value> = changes.iter().filter(|c| c["breaking"] == true).collect();
    assert_eq!(breaking.len(), 2, "one per direction: {breaking:#?}");
    for change in &breaking {
        assert_eq!(change["subject"], "PriceChanged v1 → v3", "{change:#}");
        assert_eq!(change["instance_path"], "/note");
    }
    let directions: BTreeSet<&str> = breaking
        .iter()
        .map(|change| change["direction"].as_str().unwrap())
        .collect();
    assert_eq!(directions, BTreeSet::from(["backward", "forward"]));
    assert!(out.contains("PriceChanged v1 → v3 (backward)"), "{out}");
    assert_locations_exist(&repo_root(), &changes);

    let full = format!("{CHECK}/transitive-full");
    let (_, changes) = check_catalog(
        Some("transitive-full"),
        &[&full, "--semantics", "tolerant"],
        OK,
        "full",
        "tolerant",
    );
    assert!(
        changes
            .iter()
            .all(|change| change["subject"] != "PriceChanged v1 → v3"),
        "`full` compares only neighbours: {changes:#?}"
    );

    // Under strict semantics both fail, at v1 → v2 already (closed models).
    let (_, changes) = check_catalog(None, &[&full], BREAKING, "full", "strict");
    assert_eq!(
        breaking_rules(&changes),
        set(&["property-removed-from-closed-model"])
    );
    assert_eq!(
        assert_check_witnesses(&repo_root().join(&full), &changes),
        2
    );
    let (_, changes) = check_catalog(None, &[&transitive], BREAKING, "full_transitive", "strict");
    assert_eq!(
        assert_check_witnesses(&repo_root().join(&transitive), &changes),
        4
    );
}

// ---------------------------------------------------------------------------------------------
// `herald check --against REF`, on a throw-away git repository.

/// Runs git in `dir` with a fixed identity and no user configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=herald tests",
            "-c",
            "user.email=tests@herald.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("git output is UTF-8")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, `.git` included, for proving that herald leaves a
/// repository alone.
fn tree_state(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, into);
            } else {
                into.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut state = BTreeMap::new();
    walk(dir, dir, &mut state);
    state
}

/// A git repository with the fixture catalog `against-dir/baseline` committed at `catalog/`.
fn repository_with_catalog() -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("temporary directory");
    git(repo.path(), &["init", "--quiet"]);
    copy_dir(
        &repo_root().join(CHECK).join("against-dir/baseline"),
        &repo.path().join("catalog"),
    );
    git(repo.path(), &["add", "--all"]);
    git(
        repo.path(),
        &["commit", "--quiet", "--message", "the catalog"],
    );
    repo
}

#[test]
fn check_against_a_git_ref() {
    let repo = repository_with_catalog();
    let dir = repo.path();

    // Unchanged: compatible with HEAD.
    let args = ["check", "catalog", "--against", "HEAD", "--format", "json"];
    let output = herald_in(dir, &args);
    assert_exit(&args, &output, OK);
    assert!(breaking_rules(&assert_report(&json(&output), "backward", "strict")).is_empty());

    // Edit a published version, without committing.
    let edited = dir.join("catalog/events/order_placed/v1.yaml");
    let text = std::fs::read_to_string(&edited).unwrap();
    let changed = text.replace(
        "order_id: { type: string }",
        "order_id: { type: string, minLength: 1 }",
    );
    assert_ne!(text, changed);
    std::fs::write(&edited, changed).unwrap();

    let status = git(dir, &["status", "--porcelain", "--untracked-files=all"]);
    assert_eq!(status, " M catalog/events/order_placed/v1.yaml\n");
    let before = tree_state(dir);

    let text_args = ["check", "catalog", "--against", "HEAD", "--color", "never"];
    let text = herald_in(dir, &text_args);
    snapshot("check-against-git.text", &text_args, &text);
    assert_exit(&text_args, &text, BREAKING);
    assert_eq!(stderr(&text), "");
    let json_args = ["check", "catalog", "--against", "HEAD", "--format", "json"];
    let output = herald_in(dir, &json_args);
    assert_exit(&json_args, &output, BREAKING);
    let changes = assert_report(&json(&output), "backward", "strict");
    assert_eq!(breaking_rules(&changes), set(&["published-version-edited"]));
    let change = changes
        .iter()
        .find(|change| change["rule"] == "published-version-edited")
        .unwrap();
    assert_eq!(change["subject"], "OrderPlaced v1");
    assert_eq!(
        change["new_location"]["file"],
        "catalog/events/order_placed/v1.yaml"
    );
    assert!(
        change["message"]
            .as_str()
            .unwrap()
            .contains("published in HEAD"),
        "{change:#}"
    );

    // herald touched neither the work tree nor the repository.
    assert_eq!(before, tree_state(dir), "herald changed files");
    assert_eq!(
        git(dir, &["status", "--porcelain", "--untracked-files=all"]),
        status,
        "`git status` changed"
    );

    // From inside the catalog, with the default `.`, and against a tag: the same finding.
    git(dir, &["tag", "v1"]);
    let before = tree_state(dir);
    for (cwd, args) in [
        (
            dir.join("catalog"),
            vec!["check", "--against", "HEAD", "--format", "json"],
        ),
        (
            dir.to_path_buf(),
            vec!["check", "catalog", "--against", "v1", "--format", "json"],
        ),
    ] {
        let output = herald_in(&cwd, &args);
        assert_exit(&args, &output, BREAKING);
        let changes = assert_report(&json(&output), "backward", "strict");
        assert_eq!(
            breaking_rules(&changes),
            set(&["published-version-edited"]),
            "{args:?}"
        );
    }
    assert_eq!(before, tree_state(dir), "herald changed files");
    assert_eq!(
        git(dir, &["status", "--porcelain", "--untracked-files=all"]),
        status,
        "`git status` changed"
    );
    assert_eq!(git(dir, &["stash", "list"]), "");
}

#[test]
fn check_against_a_git_ref_at_the_repository_root() {
    let repo = tempfile::tempdir().expect("temporary directory");
    let dir = repo.path();
    git(dir, &["init", "--quiet"]);
    copy_dir(&repo_root().join(CHECK).join("against-dir/baseline"), dir);
    git(dir, &["add", "--all"]);
    git(dir, &["commit", "--quiet", "--message", "the catalog"]);
    std::fs::remove_file(dir.join("events/order_cancelled/v2.yaml")).unwrap();
    let args = ["check", ".", "--against", "HEAD", "--format", "json"];
    let output = herald_in(dir, &args);
    assert_exit(&args, &output, BREAKING);
    let changes = assert_report(&json(&output), "backward", "strict");
    assert_eq!(breaking_rules(&changes), set(&["version-removed"]));
}

#[test]
fn check_against_a_git_ref_that_does_not_exist_is_unusable() {
    let repo = repository_with_catalog();
    let dir = repo.path();
    let before = tree_state(dir);
    for (reference, message) in [
        (
            "no-such-ref",
            "error: baseline `no-such-ref` is neither a directory nor a git ref of this repository\n",
        ),
        (
            // The repository has one commit.
            "HEAD~5",
            "error: baseline `HEAD~5` is neither a directory nor a git ref of this repository\n",
        ),
    ] {
        let args = [
            "check",
            "catalog",
            "--against",
            reference,
            "--color",
            "never",
        ];
        let output = herald_in(dir, &args);
        assert_exit(&args, &output, UNUSABLE);
        assert_eq!(stdout(&output), "", "{reference}");
        assert_eq!(stderr(&output), message, "{reference}");
    }
    assert_eq!(before, tree_state(dir), "herald changed the repository");
}

#[test]
fn check_against_a_git_ref_without_the_catalog_is_unusable() {
    // The catalog exists in the work tree but not at HEAD.
    let repo = repository_with_catalog();
    let dir = repo.path();
    copy_dir(
        &repo_root().join(CHECK).join("breaking"),
        &dir.join("other"),
    );
    let args = ["check", "other", "--against", "HEAD"];
    let output = herald_in(dir, &args);
    assert_exit(&args, &output, UNUSABLE);
    assert!(
        stderr(&output).starts_with("error: baseline `HEAD`"),
        "{}",
        stderr(&output)
    );
}

// ---------------------------------------------------------------------------------------------
// `herald explain`.

#[test]
fn explain_a_rule() {
    let args = ["explain", "required-property-added"];
    let output = herald(&args);
    snapshot("explain-required-property-added", &args, &output);
    assert_exit(&args, &output, OK);
    assert_eq!(stderr(&output), "");
    let out = stdout(&output);
    let rule = rule_info("required-property-added").unwrap();
    assert!(
        out.starts_with("required-property-added  (breaking)\n"),
        "{out}"
    );
    assert!(out.contains(rule.summary), "{out}");
    assert!(out.contains(rule.explanation), "{out}");
    assert!(
        out.contains("opposite change: required-property-removed"),
        "{out}"
    );
}

#[test]
fn explain_every_rule() {
    for rule in RULES {
        let args = ["explain", rule.id];
        let output = herald(&args);
        assert_exit(&args, &output, OK);
        let out = stdout(&output);
        assert!(out.starts_with(&format!("{}  (", rule.id)), "{out}");
        assert!(out.contains(rule.summary), "{}: {out}", rule.id);
    }
}

#[test]
fn explain_a_diagnostic_code() {
    let args = ["explain", "catalog::unknown-event"];
    let output = herald(&args);
    snapshot("explain-catalog-unknown-event", &args, &output);
    assert_exit(&args, &output, OK);
    assert_eq!(stderr(&output), "");
    assert!(
        stdout(&output).starts_with("catalog::unknown-event"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output)
            .contains("A service or replica names an event the catalog does not define."),
        "{}",
        stdout(&output)
    );
}

#[test]
fn explain_unknown_is_unusable() {
    let args = ["explain", "nope"];
    let output = herald(&args);
    snapshot("explain-nope", &args, &output);
    assert_exit(&args, &output, UNUSABLE);
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "error: no rule or diagnostic code `nope`; `herald explain --list` shows the rules\n"
    );
    // Neither a rule nor `--list`: clap's usage error.
    let args = ["explain"];
    let output = herald(&args);
    assert_exit(&args, &output, UNUSABLE);
    assert_eq!(stdout(&output), "");
}

#[test]
fn explain_list_shows_every_rule() {
    let args = ["explain", "--list"];
    let output = herald(&args);
    snapshot("explain-list", &args, &output);
    assert_exit(&args, &output, OK);
    assert_eq!(stderr(&output), "");
    let out = stdout(&output);
    let listed: BTreeMap<&str, &str> = out
        .lines()
        .map(|line| {
            let mut words = line.split_whitespace();
            (words.next().unwrap(), words.next().unwrap())
        })
        .collect();
    assert_eq!(listed.len(), out.lines().count(), "a rule is listed twice");
    assert_eq!(listed.len(), RULES.len(), "{out}");
    for rule in RULES {
        let kind = listed
            .get(rule.id)
            .unwrap_or_else(|| panic!("`{}` missing from --list:\n{out}", rule.id));
        assert_eq!(
            *kind,
            if rule.breaking { "breaking" } else { "info" },
            "{}",
            rule.id
        );
        assert!(out.contains(rule.summary), "{}", rule.id);
    }
}

// ---------------------------------------------------------------------------------------------
// Housekeeping.

#[test]
fn every_fixture_directory_is_tested() {
    for (root, tested) in [
        (
            DIFF,
            &[
                "optional-added",
                "required-added",
                "open-model",
                "forward-only",
                "sibling-ref",
                "unreadable",
                "invalid-yaml",
                "unknown-draft",
                "ref-escapes",
            ][..],
        ),
        (
            CHECK,
            &[
                "breaking",
                "ignored",
                "against-dir",
                "invalid",
                "transitive-full-transitive",
                "transitive-full",
            ][..],
        ),
    ] {
        for entry in std::fs::read_dir(repo_root().join(root)).expect("fixtures directory") {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                tested.contains(&name.as_str()),
                "{root}/{name} is not used by any test"
            );
        }
    }
}

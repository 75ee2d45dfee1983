//! End-to-end tests of `herald validate`: the real binary run on the catalogs under
//! `tests/fixtures/validate/` (one small broken catalog per diagnostic code, a few unusable
//! inputs and one catalog with every problem at once), on the webshop example, and with
//! `--events`.
//!
//! Every run happens in the repository root with relative paths, so the file names in the
//! output are stable. Both outputs (`--color never` text and `--format json`) are snapshotted
//! in `tests/snapshots/`; after a deliberate change of herald's output, regenerate them with
//! `INSTA_UPDATE=always cargo test -p herald --test validate_cli` and read the diff.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{command_line, exit_code, stderr, stdout, transcript};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// Where the broken catalogs live, relative to the repository root.
const FIXTURES: &str = "tests/fixtures/validate";

/// Exit code: everything fine (warnings allowed).
const OK: i32 = 0;
/// Exit code: problems found.
const PROBLEMS: i32 = 1;
/// Exit code: unusable input.
const UNUSABLE: i32 = 2;

/// The repository root: every command runs here.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository root")
}

/// Runs `herald <args>` in `dir` (relative to the repository root) with `stdin`.
fn herald_in(dir: &str, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut command = Command::cargo_bin("herald").expect("the herald binary is built");
    command
        .current_dir(repo_root().join(dir))
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .env("COLUMNS", "100");
    if let Some(input) = stdin {
        command.write_stdin(input);
    }
    command.output().expect("herald runs")
}

/// Runs `herald <args>` in the repository root.
fn herald(args: &[&str]) -> Output {
    herald_in(".", args, None)
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

/// Parses `--format json` output.
fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", stdout(output)))
}

/// The distinct codes of a JSON report.
fn codes_of(report: &Value) -> BTreeSet<String> {
    report["diagnostics"]
        .as_array()
        .expect("`diagnostics` is an array")
        .iter()
        .map(|diagnostic| {
            diagnostic["code"]
                .as_str()
                .expect("`code` is a string")
                .to_string()
        })
        .collect()
}

/// `N error(s), M warning(s)` or `no problems found`, as the text summary line says it.
fn summary_line(errors: u64, warnings: u64) -> String {
    if errors == 0 && warnings == 0 {
        return "no problems found".to_string();
    }
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Every label of a JSON report points into a file that exists, at a line and column that
/// exist in it.
fn assert_locations_exist(name: &str, report: &Value) {
    for diagnostic in report["diagnostics"].as_array().into_iter().flatten() {
        let code = &diagnostic["code"];
        let labels = diagnostic["labels"]
            .as_array()
            .expect("`labels` is an array");
        assert!(!labels.is_empty(), "{name}: {code} has no location");
        assert_eq!(
            diagnostic["file"], labels[0]["file"],
            "{name}: {code}: primary file"
        );
        assert_eq!(
            diagnostic["line"], labels[0]["line"],
            "{name}: {code}: primary line"
        );
        for label in labels {
            let file = label["file"].as_str().expect("`file` is a string");
            assert!(
                file.starts_with(&format!("{FIXTURES}/{name}/")),
                "{name}: {code} points outside the fixture: {file}"
            );
            let bytes = std::fs::read(repo_root().join(file))
                .unwrap_or_else(|error| panic!("{name}: {code} names {file}: {error}"));
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.split('\n').collect();
            let line = label["line"].as_u64().expect("`line` is a number");
            let column = label["column"].as_u64().expect("`column` is a number");
            assert!(
                line >= 1 && (line as usize) <= lines.len(),
                "{name}: {code} at {file}:{line}, which has {} lines",
                lines.len()
            );
            let width = lines[line as usize - 1].chars().count() as u64;
            assert!(
                column >= 1 && column <= width + 1,
                "{name}: {code} at {file}:{line}:{column}, a line of {width} characters"
            );
        }
    }
}

/// Validates one fixture in text and JSON, checks the exit code and that exactly `expected`
/// codes are reported, and snapshots both outputs.
fn check_fixture(name: &str, expected_exit: i32, expected: &[&str]) {
    let path = format!("{FIXTURES}/{name}");
    assert!(
        repo_root().join(&path).is_dir(),
        "fixture {path} is missing"
    );

    let text_args = ["validate", path.as_str(), "--color", "never"];
    let text = herald(&text_args);
    let json_args = ["validate", path.as_str(), "--format", "json"];
    let json_run = herald(&json_args);
    snapshot(&format!("{name}.text"), &text_args, &text);
    snapshot(&format!("{name}.json"), &json_args, &json_run);

    assert_eq!(
        exit_code(&text),
        expected_exit,
        "{name} (text):\n{}",
        transcript(&text_args, &text)
    );
    assert_eq!(exit_code(&json_run), expected_exit, "{name} (json)");
    assert_eq!(stderr(&text), "", "{name}: nothing on stderr (text)");
    assert_eq!(stderr(&json_run), "", "{name}: nothing on stderr (json)");

    let out = stdout(&text);
    assert!(
        !out.contains('\u{1b}'),
        "{name}: --color never printed escape codes"
    );
    for code in expected {
        assert!(
            out.contains(&format!("error[{code}]")) || out.contains(&format!("warning[{code}]")),
            "{name}: `{code}` missing from the text output:\n{out}"
        );
    }

    let report = json(&json_run);
    let found = codes_of(&report);
    let wanted: BTreeSet<String> = expected.iter().map(|code| (*code).to_string()).collect();
    assert_eq!(
        found, wanted,
        "{name}: the codes reported (left) are not the expected ones (right)"
    );

    let errors = report["errors"].as_u64().expect("`errors` is a number");
    let warnings = report["warnings"].as_u64().expect("`warnings` is a number");
    assert_eq!(report["valid"], Value::Bool(errors == 0), "{name}: `valid`");
    assert_eq!(
        expected_exit == PROBLEMS,
        errors > 0,
        "{name}: exit 1 exactly when there are errors"
    );
    assert_eq!(
        report["diagnostics"].as_array().map(Vec::len),
        Some(usize::try_from(errors + warnings).unwrap()),
        "{name}: `errors` + `warnings` is the number of diagnostics"
    );
    assert_eq!(
        out.lines().last(),
        Some(summary_line(errors, warnings).as_str()),
        "{name}: the text summary agrees with the JSON counts"
    );
    assert_locations_exist(name, &report);
}

/// Declares the fixture table and one test per fixture.
macro_rules! fixtures {
    ($($test:ident: $name:literal => exit $exit:expr, codes [$($code:literal),* $(,)?];)*) => {
        /// Every catalog fixture: (directory, exit code, the codes it must report).
        const CATALOG_FIXTURES: &[(&str, i32, &[&str])] = &[$(($name, $exit, &[$($code),*])),*];

        $(
            #[test]
            fn $test() {
                check_fixture($name, $exit, &[$($code),*]);
            }
        )*
    };
}

fixtures! {
    ok_minimal: "ok-minimal" => exit OK, codes [];

    syntax_yaml: "syntax-yaml" => exit PROBLEMS, codes ["syntax::yaml"];
    syntax_json: "syntax-json" => exit PROBLEMS, codes ["syntax::json"];
    syntax_duplicate_key: "syntax-duplicate-key" => exit PROBLEMS, codes ["syntax::duplicate-key"];
    io_unreadable: "io-unreadable" => exit PROBLEMS, codes ["io::unreadable"];

    catalog_schema: "catalog-schema" => exit PROBLEMS, codes ["catalog::schema"];
    catalog_unknown_key: "catalog-unknown-key" => exit PROBLEMS, codes ["catalog::unknown-key"];
    catalog_no_events: "catalog-no-events" => exit PROBLEMS, codes ["catalog::no-events"];
    catalog_events_dir_outside: "catalog-events-dir-outside" => exit PROBLEMS, codes ["catalog::events-dir-outside"];
    catalog_unknown_event: "catalog-unknown-event" => exit PROBLEMS, codes ["catalog::unknown-event"];
    catalog_unknown_service: "catalog-unknown-service" => exit PROBLEMS, codes ["catalog::unknown-service"];
    catalog_unknown_rule: "catalog-unknown-rule" => exit PROBLEMS, codes ["catalog::unknown-rule"];
    catalog_owner_not_producer: "catalog-owner-not-producer" => exit OK, codes ["catalog::owner-not-producer"];
    catalog_duplicate_version: "catalog-duplicate-version" => exit PROBLEMS, codes ["catalog::duplicate-version"];
    catalog_version_gap: "catalog-version-gap" => exit PROBLEMS, codes ["catalog::version-gap"];
    catalog_version_file_mismatch: "catalog-version-file-mismatch" => exit OK, codes ["catalog::version-file-mismatch"];
    catalog_key_missing: "catalog-key-missing" => exit PROBLEMS, codes ["catalog::key-missing"];
    catalog_key_optional: "catalog-key-optional" => exit PROBLEMS, codes ["catalog::key-optional"];
    catalog_key_not_scalar: "catalog-key-not-scalar" => exit PROBLEMS, codes ["catalog::key-not-scalar"];

    schema_unknown_draft: "schema-unknown-draft" => exit PROBLEMS, codes ["schema::unknown-draft"];
    schema_invalid: "schema-invalid" => exit PROBLEMS, codes ["schema::invalid"];

    ref_unresolved: "ref-unresolved" => exit PROBLEMS, codes ["ref::unresolved"];
    ref_escapes_catalog: "ref-escapes-catalog" => exit PROBLEMS, codes ["ref::escapes-catalog"];
    ref_remote: "ref-remote" => exit PROBLEMS, codes ["ref::remote"];
    ref_infinite_recursion: "ref-infinite-recursion" => exit PROBLEMS, codes ["ref::infinite-recursion"];

    example_invalid: "example-invalid" => exit PROBLEMS, codes ["example::invalid"];

    replica_unknown_column: "replica-unknown-column" => exit PROBLEMS, codes ["replica::unknown-column"];
    replica_key_column: "replica-key-column" => exit PROBLEMS, codes ["replica::key-column"];
    replica_event_not_consumed: "replica-event-not-consumed" => exit PROBLEMS, codes ["replica::event-not-consumed"];
    replica_unknown_field: "replica-unknown-field" => exit PROBLEMS, codes ["replica::unknown-field"];
    replica_invalid_rule: "replica-invalid-rule" => exit PROBLEMS, codes ["replica::invalid-rule"];
    replica_type_mismatch: "replica-type-mismatch" => exit PROBLEMS, codes ["replica::type-mismatch"];

    names_collision: "names-collision" => exit PROBLEMS, codes ["names::collision"];
    names_keyword: "names-keyword" => exit OK, codes ["names::keyword"];

    all_at_once: "all-at-once" => exit PROBLEMS, codes [
        "syntax::yaml", "syntax::json", "syntax::duplicate-key", "io::unreadable",
        "catalog::schema", "catalog::unknown-key", "catalog::unknown-event",
        "catalog::unknown-service", "catalog::unknown-rule", "catalog::owner-not-producer", "catalog::duplicate-version",
        "catalog::version-gap", "catalog::version-file-mismatch", "catalog::key-missing",
        "catalog::key-optional", "catalog::key-not-scalar",
        "schema::unknown-draft", "schema::invalid",
        "ref::unresolved", "ref::escapes-catalog", "ref::remote", "ref::infinite-recursion",
        "example::invalid",
        "replica::unknown-column", "replica::key-column", "replica::event-not-consumed",
        "replica::unknown-field", "replica::invalid-rule", "replica::type-mismatch",
        "names::collision", "names::keyword",
    ];
}

/// The fixture directory named after a code: `ref::escapes-catalog` → `ref-escapes-catalog`.
fn fixture_of(code: &str) -> String {
    code.replace("::", "-")
}

#[test]
fn every_code_has_its_own_fixture() {
    for code in herald_core::diagnostics::CODES {
        let name = fixture_of(code.id);
        let entry = CATALOG_FIXTURES
            .iter()
            .find(|(fixture, ..)| *fixture == name);
        let Some((_, _, codes)) = entry else {
            panic!("no fixture `{FIXTURES}/{name}` tested for `{}`", code.id);
        };
        assert_eq!(
            *codes,
            [code.id],
            "fixture `{name}` must report `{}` and nothing else",
            code.id
        );
    }
}

#[test]
fn all_at_once_reports_every_code_that_can_coexist() {
    let (_, _, codes) = CATALOG_FIXTURES
        .iter()
        .find(|(fixture, ..)| *fixture == "all-at-once")
        .expect("the all-at-once fixture is in the table");
    for code in herald_core::diagnostics::CODES {
        // A catalog without events cannot show the problems of events.
        if code.id != "catalog::no-events" && code.id != "catalog::events-dir-outside" {
            assert!(
                codes.contains(&code.id),
                "all-at-once does not cover `{}`",
                code.id
            );
        }
    }
}

#[test]
fn every_fixture_directory_is_tested() {
    let tested: Vec<&str> = CATALOG_FIXTURES
        .iter()
        .map(|(fixture, ..)| *fixture)
        .chain(["unusable-no-manifest", "unusable-not-a-directory"])
        .collect();
    for entry in std::fs::read_dir(repo_root().join(FIXTURES)).expect("fixtures directory") {
        let name = entry
            .expect("directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            tested.contains(&name.as_str()),
            "{FIXTURES}/{name} is not used by any test"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Unusable input: exit code 2, a one-line error on stderr; stdout is empty for text and one
// JSON object naming the error for `--format json`.

fn check_unusable(name: &str, path: &str, message: &str) {
    for (format, args) in [
        ("text", ["validate", path, "--color", "never"]),
        ("json", ["validate", path, "--format", "json"]),
    ] {
        let output = herald(&args);
        snapshot(&format!("{name}.{format}"), &args, &output);
        assert_eq!(exit_code(&output), UNUSABLE, "{name} ({format})");
        assert_unusable_stdout(format, &stdout(&output), &format!("{path}: {message}"));
        assert_eq!(
            stderr(&output),
            format!("error: {path}: {message}\n"),
            "{name} ({format})"
        );
    }
}

#[test]
fn missing_directory_is_unusable() {
    let path = format!("{FIXTURES}/unusable-missing-directory");
    assert!(!repo_root().join(&path).exists(), "{path} must not exist");
    check_unusable("unusable-missing-directory", &path, "no such directory");
}

#[test]
fn directory_without_manifest_is_unusable() {
    let path = format!("{FIXTURES}/unusable-no-manifest");
    assert!(repo_root().join(&path).is_dir());
    check_unusable(
        "unusable-no-manifest",
        &path,
        "no herald.yaml here, so this is not a herald catalog",
    );
}

#[test]
fn file_instead_of_directory_is_unusable() {
    let path = format!("{FIXTURES}/unusable-not-a-directory");
    assert!(repo_root().join(&path).is_file());
    check_unusable(
        "unusable-not-a-directory",
        &path,
        "not a directory (a catalog is a directory with a herald.yaml)",
    );
}

// ---------------------------------------------------------------------------------------------
// The webshop example and the catalog directory argument.

#[test]
fn webshop_validates_clean() {
    let args = ["validate", "examples/webshop", "--color", "never"];
    let output = herald(&args);
    assert_eq!(exit_code(&output), OK, "{}", transcript(&args, &output));
    assert_eq!(stdout(&output), "no problems found\n");
    assert_eq!(stderr(&output), "");

    let args = ["validate", "examples/webshop", "--format", "json"];
    let output = herald(&args);
    assert_eq!(exit_code(&output), OK);
    assert_eq!(
        json(&output),
        serde_json::json!({"valid": true, "errors": 0, "warnings": 0, "diagnostics": []})
    );
}

#[test]
fn catalog_defaults_to_the_current_directory() {
    let args = ["validate", "--color", "never"];
    let output = herald_in("examples/webshop", &args, None);
    assert_eq!(exit_code(&output), OK);
    assert_eq!(stdout(&output), "no problems found\n");

    // Paths are shown relative to the catalog directory as given: here, none.
    let output = herald_in(&format!("{FIXTURES}/catalog-unknown-key"), &args, None);
    snapshot("current-directory.text", &args, &output);
    assert_eq!(exit_code(&output), PROBLEMS);
    assert!(
        stdout(&output).contains("┌─ events/order_placed/v1.yaml:11:1"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn trailing_slash_does_not_double_slashes() {
    let path = format!("{FIXTURES}/catalog-unknown-key/");
    let output = herald(&["validate", &path, "--format", "json"]);
    assert_eq!(exit_code(&output), PROBLEMS);
    assert_eq!(
        json(&output)["diagnostics"][0]["file"],
        format!("{FIXTURES}/catalog-unknown-key/events/order_placed/v1.yaml")
    );
}

#[test]
fn color_always_emits_ansi_and_never_does_not() {
    let path = format!("{FIXTURES}/catalog-unknown-key");
    let always = herald(&["validate", &path, "--color", "always"]);
    assert_eq!(exit_code(&always), PROBLEMS);
    assert!(stdout(&always).contains("\u{1b}["), "{}", stdout(&always));
    // Not a terminal: `auto` means no colour.
    let auto = herald(&["validate", &path]);
    assert!(!stdout(&auto).contains('\u{1b}'), "{}", stdout(&auto));
}

// ---------------------------------------------------------------------------------------------
// `--events`.

const WEBSHOP_EVENTS: &str = "examples/webshop/events.ndjson";
const BROKEN_EVENTS: &str = "tests/fixtures/events/broken.ndjson";

#[test]
fn webshop_events_pass() {
    let args = [
        "validate",
        "examples/webshop",
        "--events",
        WEBSHOP_EVENTS,
        "--color",
        "never",
    ];
    let output = herald(&args);
    snapshot("events-webshop.text", &args, &output);
    assert_eq!(exit_code(&output), OK, "{}", transcript(&args, &output));
    assert!(stdout(&output).contains(&format!(
        "events: 21 checked, 21 valid, 0 invalid ({WEBSHOP_EVENTS})"
    )));
    assert!(!stdout(&output).contains("failures"));

    let args = [
        "validate",
        "examples/webshop",
        "--events",
        WEBSHOP_EVENTS,
        "--format",
        "json",
    ];
    let output = herald(&args);
    snapshot("events-webshop.json", &args, &output);
    assert_eq!(exit_code(&output), OK);
    let report = json(&output);
    assert_eq!(report["valid"], true);
    assert_eq!(report["events"]["checked"], 21);
    assert_eq!(report["events"]["valid"], 21);
    assert_eq!(report["events"]["invalid"], 0);
    assert_eq!(report["events"]["failures"], serde_json::json!([]));
}

#[test]
fn broken_events_are_reported_with_line_numbers() {
    let args = [
        "validate",
        "examples/webshop",
        "--events",
        BROKEN_EVENTS,
        "--color",
        "never",
    ];
    let output = herald(&args);
    snapshot("events-broken.text", &args, &output);
    assert_eq!(
        exit_code(&output),
        PROBLEMS,
        "{}",
        transcript(&args, &output)
    );
    let out = stdout(&output);
    assert!(
        out.contains(&format!(
            "events: 7 checked, 1 valid, 6 invalid ({BROKEN_EVENTS})"
        )),
        "{out}"
    );
    for (line, reason) in [
        (2, "unusable envelope: not valid JSON"),
        (3, "OrderShipped v1: no such event in the catalog"),
        (5, "OrderPlaced v9: the catalog has no such version"),
        (6, "unusable envelope: the envelope has no `data`"),
        (
            7,
            "StockAdjusted v1: data does not match the payload schema",
        ),
        (8, "unusable envelope: no event version"),
    ] {
        assert!(
            out.contains(&format!("{BROKEN_EVENTS}:{line}: {reason}")),
            "line {line}:\n{out}"
        );
    }
    assert!(
        out.contains("at /delta: 1.5 is not of type \"integer\""),
        "{out}"
    );
    assert!(out.contains("at /reason: \"stolen\""), "{out}");

    let args = [
        "validate",
        "examples/webshop",
        "--events",
        BROKEN_EVENTS,
        "--format",
        "json",
    ];
    let output = herald(&args);
    snapshot("events-broken.json", &args, &output);
    assert_eq!(exit_code(&output), PROBLEMS);
    let events = &json(&output)["events"];
    assert_eq!(events["source"], BROKEN_EVENTS);
    assert_eq!(events["checked"], 7);
    assert_eq!(events["valid"], 1);
    assert_eq!(events["invalid"], 6);
    let failures = events["failures"].as_array().expect("failures");
    let lines: Vec<u64> = failures
        .iter()
        .map(|failure| failure["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 5, 6, 7, 8]);
    let invalid = &failures[4];
    assert_eq!(invalid["type"], "StockAdjusted");
    assert_eq!(invalid["version"], 1);
    let paths: Vec<&str> = invalid["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/delta", "/reason"]);
}

#[test]
fn max_failures_limits_the_details_not_the_counts() {
    let args = [
        "validate",
        "examples/webshop",
        "--events",
        BROKEN_EVENTS,
        "--max-failures",
        "2",
        "--color",
        "never",
    ];
    let output = herald(&args);
    assert_eq!(exit_code(&output), PROBLEMS);
    let out = stdout(&output);
    assert!(
        out.contains("events: 7 checked, 1 valid, 6 invalid"),
        "{out}"
    );
    assert!(out.contains("first 2 failures:"), "{out}");
    assert!(out.contains(&format!("{BROKEN_EVENTS}:3:")), "{out}");
    assert!(!out.contains(&format!("{BROKEN_EVENTS}:5:")), "{out}");
}

#[test]
fn events_from_stdin() {
    let events = std::fs::read(repo_root().join(WEBSHOP_EVENTS)).expect("webshop events");
    let args = [
        "validate",
        "examples/webshop",
        "--events",
        "-",
        "--color",
        "never",
    ];
    let output = herald_in(".", &args, Some(events));
    assert_eq!(exit_code(&output), OK, "{}", transcript(&args, &output));
    assert!(
        stdout(&output).contains("events: 21 checked, 21 valid, 0 invalid (-)"),
        "{}",
        stdout(&output)
    );

    let broken = std::fs::read(repo_root().join(BROKEN_EVENTS)).expect("broken events");
    let args = [
        "validate",
        "examples/webshop",
        "--events",
        "-",
        "--format",
        "json",
    ];
    let output = herald_in(".", &args, Some(broken));
    assert_eq!(exit_code(&output), PROBLEMS);
    let events = &json(&output)["events"];
    assert_eq!(events["source"], "-");
    assert_eq!(events["invalid"], 6);
}

#[test]
fn events_of_a_broken_schema_are_not_checked() {
    let line = br#"{"specversion":"1.0","id":"1","source":"/t","type":"OrderPlaced","dataschema":"herald:fixture/OrderPlaced/v1","data":{"order_id":"o-1"}}"#;
    let path = format!("{FIXTURES}/schema-invalid");
    let args = [
        "validate",
        path.as_str(),
        "--events",
        "-",
        "--color",
        "never",
    ];
    let output = herald_in(".", &args, Some(line.to_vec()));
    snapshot("events-broken-schema.text", &args, &output);
    assert_eq!(exit_code(&output), PROBLEMS);
    assert!(
        stdout(&output).contains(
            "-:1: OrderPlaced v1: the payload schema has errors (see above), event not checked"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn missing_events_file_is_unusable() {
    let args = [
        "validate",
        "examples/webshop",
        "--events",
        "tests/fixtures/events/missing.ndjson",
    ];
    let output = herald(&args);
    assert_eq!(exit_code(&output), UNUSABLE);
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).starts_with("error: tests/fixtures/events/missing.ndjson: cannot open: "),
        "{}",
        stderr(&output)
    );

    let args = [
        "validate",
        "examples/webshop",
        "--events",
        "tests/fixtures/events/missing.ndjson",
        "--format",
        "json",
    ];
    let output = herald(&args);
    assert_eq!(exit_code(&output), UNUSABLE);
    assert_unusable_stdout(
        "json",
        &stdout(&output),
        stderr(&output)["error: ".len()..].trim_end(),
    );
}

fn assert_unusable_stdout(format: &str, stdout: &str, message: &str) {
    if format == "text" {
        assert_eq!(stdout, "", "nothing on stdout for text");
        return;
    }
    let json: serde_json::Value = serde_json::from_str(stdout).expect("stdout is one JSON object");
    assert_eq!(json["valid"], serde_json::Value::Bool(false));
    assert_eq!(json["exit_code"], 2);
    assert_eq!(json["error"], message);
}

// ---------------------------------------------------------------------------------------------
// Command-line errors: exit code 2, clap's message on stderr.

#[test]
fn bad_flags_are_unusable() {
    for (name, args) in [
        (
            "flags-unknown",
            &["validate", "examples/webshop", "--bogus"][..],
        ),
        (
            "flags-bad-format",
            &["validate", "examples/webshop", "--format", "xml"][..],
        ),
        (
            "flags-bad-color",
            &["validate", "examples/webshop", "--color", "sometimes"][..],
        ),
        (
            "flags-bad-max-failures",
            &["validate", "examples/webshop", "--max-failures", "many"][..],
        ),
        (
            "flags-events-without-file",
            &["validate", "examples/webshop", "--events"][..],
        ),
        (
            "flags-two-catalogs",
            &["validate", "examples/webshop", "examples/webshop"][..],
        ),
    ] {
        let output = herald(args);
        snapshot(name, args, &output);
        assert_eq!(
            exit_code(&output),
            UNUSABLE,
            "{}",
            transcript(args, &output)
        );
        assert_eq!(stdout(&output), "", "{name}: nothing on stdout");
        assert!(!stderr(&output).is_empty(), "{name}: says why on stderr");
    }
}

#[test]
fn no_command_prints_help_and_is_unusable() {
    // Not snapshotted: the help lists every subcommand and changes with each new one.
    let output = herald(&[]);
    assert_eq!(exit_code(&output), UNUSABLE);
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("Usage: herald <COMMAND>"),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("validate"), "{}", stderr(&output));
}

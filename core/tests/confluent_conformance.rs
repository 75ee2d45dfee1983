//! Confluent Schema Registry's own JSON Schema compatibility vectors, run through herald's
//! engine. herald must agree with every verdict except the documented differences
//! (docs/confluent-differences.md), where it must show its witness or prove compatibility.
//! The vectors live beside the repository (`../shared/conformance/confluent/cases.jsonl`) and
//! are not shipped with herald; without them the test says it skipped.

use std::path::PathBuf;

use herald_core::compat::diff::diff;
use herald_core::compat::input::load_schema_file;
use herald_core::compat::options::{Mode, Semantics};
use serde_json::Value;

/// Cases where herald's verdict differs from Confluent's, and herald's verdict.
const DIFFERENCES: &[(&str, bool)] = &[
    ("diff-schema-examples#55", false),
    ("diff-schema-examples-2020-12#57", false),
    ("diff-schema-examples#87", true),
    ("diff-schema-examples#88", true),
    ("diff-schema-examples#51", true),
    ("diff-schema-examples-2020-12#53", true),
];

fn cases_file() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/confluent/cases.jsonl");
    path.is_file().then_some(path)
}

#[test]
fn herald_agrees_with_confluent_except_documented_differences() {
    let Some(path) = cases_file() else {
        eprintln!(
            "SKIPPED: ../shared/conformance/confluent/cases.jsonl not found beside the repository"
        );
        return;
    };
    let text = std::fs::read_to_string(path).expect("cases are readable");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("a case is JSON");
        let id = case["id"].as_str().expect("id");
        let old = dir.path().join("old.json");
        let new = dir.path().join("new.json");
        std::fs::write(&old, case["old"].to_string()).expect("write");
        std::fs::write(&new, case["new"].to_string()).expect("write");
        let old = load_schema_file(&old).unwrap_or_else(|error| panic!("{id}: old: {error}"));
        let new = load_schema_file(&new).unwrap_or_else(|error| panic!("{id}: new: {error}"));
        let report = diff(&old, &new, Mode::Backward, Semantics::Strict);
        let confluent = case["compatible"].as_bool().expect("verdict");
        let expected = DIFFERENCES
            .iter()
            .find(|(case_id, _)| *case_id == id)
            .map_or(confluent, |(_, verdict)| *verdict);
        if report.compatible != expected {
            wrong.push(format!(
                "{id}: expected compatible={expected}, herald said {}",
                report.compatible
            ));
        }
        for change in report.breaking() {
            if !change.proven {
                wrong.push(format!(
                    "{id}: unproven `{}`: {}",
                    change.rule, change.message
                ));
            }
            if change.proven && change.witness.is_none() && change.direction != "baseline" {
                wrong.push(format!("{id}: `{}` has no witness", change.rule));
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 263, "all of Confluent's vectors were run");
    assert!(
        wrong.is_empty(),
        "{} disagreements:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

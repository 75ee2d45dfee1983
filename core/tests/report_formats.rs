//! The report's output formats on a report built by hand: a breaking change with a witness and
//! both locations, an ignored one, and a compatible one. Every format is snapshotted; the SARIF
//! log is validated against the official SARIF 2.1.0 schema (vendored in tests/data).

use herald_core::compat::render::{
    render_github, render_json, render_junit, render_markdown, render_sarif, render_text,
};
use herald_core::compat::report::{Location, Report, ReportedChange};
use serde_json::{Value, json};

const SUBJECT: &str = "OrderPlaced v1 → v2";

fn location(file: &str, line: usize, column: usize) -> Option<Location> {
    Some(Location {
        file: file.to_string(),
        line,
        column,
    })
}

fn change(rule: &'static str, breaking: bool, message: &str) -> ReportedChange {
    ReportedChange {
        rule,
        severity: if breaking { "error" } else { "info" },
        breaking,
        message: message.to_string(),
        direction: "backward",
        old_path: None,
        new_path: None,
        old_location: None,
        new_location: None,
        instance_path: String::new(),
        witness: None,
        proven: breaking,
        subject: Some(SUBJECT.to_string()),
        ignored: None,
        event_version: None,
    }
}

fn sample() -> Report {
    let breaking = ReportedChange {
        old_path: Some("#/required".into()),
        new_path: Some("#/required/2".into()),
        old_location: location("events/order_placed/v1.json", 5, 15),
        new_location: location("events/order_placed/v2.json", 6, 28),
        witness: Some(json!({ "order_id": "o-1", "total": 0 })),
        ..change(
            "required-property-added",
            true,
            "`customer_id` is required now; the producer may omit it",
        )
    };
    let ignored = ReportedChange {
        old_path: Some("#/properties/status/enum/2".into()),
        old_location: location("events/order_placed/v1.json", 14, 37),
        instance_path: "/status".into(),
        witness: Some(json!({ "order_id": "", "status": "cancelled", "total": 0 })),
        ignored: Some("cancelled orders are never published (see <OPS-12> & \"runbook\")".into()),
        ..change(
            "enum-value-removed",
            true,
            "the producer may write \"cancelled\", which is not in the consumer's list",
        )
    };
    let info = ReportedChange {
        new_path: Some("#/properties/coupon".into()),
        new_location: location("events/order_placed/v2.json", 17, 15),
        instance_path: "/coupon".into(),
        ..change("property-added", false, "new property `coupon`")
    };
    Report {
        compatible: false,
        mode: "backward",
        semantics: "strict",
        changes: vec![breaking, ignored, info],
    }
}

fn compatible() -> Report {
    let info = ReportedChange {
        new_path: Some("#/properties/coupon".into()),
        new_location: location("events/order_placed/v2.json", 17, 15),
        instance_path: "/coupon".into(),
        subject: None,
        ..change("property-added", false, "new property `coupon`")
    };
    Report {
        compatible: true,
        mode: "full",
        semantics: "tolerant",
        changes: vec![info],
    }
}

#[test]
fn text_snapshot() {
    insta::assert_snapshot!("text", render_text(&sample(), false));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", render_json(&sample()));
}

#[test]
fn github_snapshot() {
    insta::assert_snapshot!("github", render_github(&sample()));
    insta::assert_snapshot!("github_compatible", render_github(&compatible()));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", render_sarif(&sample()));
}

#[test]
fn junit_snapshot() {
    insta::assert_snapshot!("junit", render_junit(&sample()));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", render_markdown(&sample()));
    insta::assert_snapshot!("markdown_compatible", render_markdown(&compatible()));
}

#[test]
fn github_escapes_messages_and_properties() {
    let odd = ReportedChange {
        new_path: Some("#/properties/total".into()),
        new_location: location("events/a,b:c/100%.json", 3, 7),
        subject: None,
        ..change(
            "maximum-decreased",
            true,
            "100% of totals,\r\nnow: rejected",
        )
    };
    let report = Report {
        compatible: false,
        mode: "backward",
        semantics: "strict",
        changes: vec![odd],
    };
    let out = render_github(&report);
    let first = out.lines().next().expect("an annotation");
    assert_eq!(
        first,
        "::error file=events/a%2Cb%3Ac/100%25.json,line=3,col=7,title=herald maximum-decreased::100%25 of totals,%0D%0Anow: rejected"
    );
    assert_eq!(
        out.lines().count(),
        2,
        "one annotation and the summary: {out}"
    );
}

/// The official schema, compiled with format checks on.
fn sarif_validator() -> jsonschema::Validator {
    let text = include_str!("data/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(text).expect("the vendored schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let validator = sarif_validator();
    let bare = ReportedChange {
        subject: None,
        ..change("breaking-change", true, "no location at all")
    };
    let unknown_rule = ReportedChange {
        new_location: location("/abs/path with space/v2.json", 1, 1),
        ..change("not-a-real-rule", false, "a rule herald does not list")
    };
    let reports = [
        sample(),
        compatible(),
        Report {
            compatible: true,
            mode: "backward",
            semantics: "strict",
            changes: Vec::new(),
        },
        Report {
            compatible: false,
            mode: "backward",
            semantics: "strict",
            changes: vec![bare, unknown_rule],
        },
    ];
    for report in &reports {
        let text = render_sarif(report);
        let log: Value = serde_json::from_str(&text).expect("SARIF output is JSON");
        let errors = schema_errors(&validator, &log);
        assert!(
            errors.is_empty(),
            "SARIF output fails the schema:\n{}\n{text}",
            errors.join("\n")
        );
    }
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let validator = sarif_validator();
    let mut log: Value = serde_json::from_str(&render_sarif(&sample())).expect("JSON");
    log["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(
        !schema_errors(&validator, &log).is_empty(),
        "an unknown level must fail the schema"
    );
    let mut log: Value = serde_json::from_str(&render_sarif(&sample())).expect("JSON");
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    assert!(
        !schema_errors(&validator, &log).is_empty(),
        "line 0 must fail the schema"
    );
}

#[test]
fn sarif_results_point_at_their_rules() {
    let report = sample();
    let log: Value = serde_json::from_str(&render_sarif(&report)).expect("JSON");
    let run = &log["runs"][0];
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "herald");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let results = run["results"].as_array().expect("results");
    assert_eq!(rules.len(), 3);
    assert_eq!(results.len(), report.changes.len());
    for (result, change) in results.iter().zip(&report.changes) {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(result["ruleId"], change.rule);
        assert_eq!(rules[index]["id"], change.rule);
    }
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[1]["level"], "warning");
    assert_eq!(results[1]["suppressions"][0]["kind"], "external");
    assert_eq!(results[2]["level"], "note");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "events/order_placed/v2.json"
    );
    assert_eq!(
        results[0]["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "events/order_placed/v1.json"
    );
    assert_eq!(
        results[0]["properties"]["witness"],
        json!({ "order_id": "o-1", "total": 0 })
    );
}

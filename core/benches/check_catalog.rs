//! `herald check` on a synthetic catalog of 1,000 events with 5 versions each under
//! `full_transitive` (10 version pairs × 2 directions per event = 20,000 comparisons).
//! Target: under 2 seconds. Beside it, in the same run, the time to load and validate the same
//! catalog (`herald validate`), which every check pays first.
//!
//! Run: `cargo bench -p herald-core --bench check_catalog` (HERALD_BENCH_CHECK_EVENTS sets the
//! event count).

#![allow(missing_docs)]

use std::fs;
use std::path::Path;
use std::time::Instant;

use herald_core::compat::check::check;
use herald_core::compat::options::Semantics;
use herald_core::validate_catalog;

const VERSIONS: u32 = 5;

fn main() {
    let events: usize = std::env::var("HERALD_BENCH_CHECK_EVENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("temp dir: {error}"));
    write_catalog(dir.path(), events);

    let started = Instant::now();
    let validation = validate_catalog(dir.path()).unwrap_or_else(|error| panic!("{error}"));
    let load = started.elapsed();
    assert!(
        !validation.diagnostics.has_errors(),
        "the synthetic catalog is valid"
    );

    let started = Instant::now();
    let report = check(&validation.catalog, None, Semantics::Strict);
    let compare = started.elapsed();
    let breaking = report.breaking().count();

    println!(
        "catalog: {events} events x {VERSIONS} versions, full_transitive ({} comparisons)",
        events * 20
    );
    println!("load + validate (herald validate) : {load:?}");
    println!("compatibility check               : {compare:?}");
    println!(
        "total herald check                : {:?}  (target < 2 s)",
        load + compare
    );
    println!(
        "breaking changes found            : {breaking} (the generator plants one per 10 events)"
    );
    // A planted break in v5 is seen backward from v1, v2, v3 and v4 (transitive).
    assert_eq!(
        breaking,
        events / 10 * 4,
        "one planted break per 10 events, seen by the 4 backward comparisons with its version"
    );
}

/// Each event grows by one optional property per version (compatible both ways under full
/// with an open model... so every version is closed and only adds optional properties with
/// defaults to a closed model, which breaks forward; to keep the catalog compatible the
/// models stay open and new properties are unconstrained strings). Every tenth event's last
/// version narrows `amount`'s maximum: a planted break.
fn write_catalog(root: &Path, events: usize) {
    let mut manifest = String::from(
        "catalog: synthetic\ncompatibility: full_transitive\nservices:\n  producer:\n    produces:\n",
    );
    for at in 0..events {
        manifest.push_str(&format!("      - Event{at}\n"));
    }
    write(&root.join("herald.yaml"), &manifest);
    for at in 0..events {
        for version in 1..=VERSIONS {
            let mut properties = String::from(
                "    id: {type: string, format: uuid}\n    amount: {type: integer, minimum: 0, maximum: MAX}\n    currency: {type: string, pattern: \"^[A-Z]{3}$\"}\n    status: {enum: [placed, paid, cancelled]}\n    lines:\n      type: array\n      items:\n        type: object\n        required: [sku, quantity]\n        properties:\n          sku: {type: string, maxLength: 32}\n          quantity: {type: integer, minimum: 1}\n",
            );
            for extra in 1..version {
                properties.push_str(&format!("    note{extra}: {{}}\n"));
            }
            let planted = at % 10 == 0 && version == VERSIONS;
            let properties = properties.replace("MAX", if planted { "1000" } else { "1000000" });
            let text = format!(
                "event: Event{at}\nversion: {version}\ndescription: Synthetic event.\nowner: producer\nkey: /id\npayload:\n  type: object\n  required: [id, amount]\n  properties:\n{properties}"
            );
            write(
                &root.join(format!("events/event{at}/v{version}.yaml")),
                &text,
            );
        }
    }
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|error| panic!("{error}"));
    }
    fs::write(path, text).unwrap_or_else(|error| panic!("{error}"));
}

//! `herald validate --events` throughput against a bare loop over the `jsonschema` crate with
//! the same precompiled validators, in the same run, on the same generated events.
//!
//! Run: `cargo bench -p herald-core --bench events_throughput` (HERALD_BENCH_EVENTS sets the
//! event count, default 1,000,000). Each contender runs ROUNDS times, alternating; the best
//! round of each is reported.

#![allow(missing_docs)]

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use herald_core::events::{EventsOptions, ValidatorIndex, validate_events};
use herald_core::validate_catalog;
use jsonschema::Validator;
use serde_json::{Value, json};

const ROUNDS: usize = 5;

fn main() {
    let count: usize = std::env::var("HERALD_BENCH_EVENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/webshop");
    let validation = match validate_catalog(&root) {
        Ok(validation) => validation,
        Err(error) => {
            eprintln!("cannot load the webshop catalog: {error}");
            std::process::exit(2);
        }
    };
    let input = generate(&validation.catalog, count);
    let index = ValidatorIndex::new(&validation.catalog, &validation.validators);
    let bare: HashMap<(String, u32), Arc<Validator>> = validation.validators.clone();

    let mut herald_best = Duration::MAX;
    let mut bare_best = Duration::MAX;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let report = validate_events(
            &input[..],
            &index,
            "bench",
            EventsOptions { max_failures: 20 },
        )
        .unwrap_or_else(|error| panic!("in-memory read failed: {error}"));
        herald_best = herald_best.min(started.elapsed());
        assert_eq!(
            report.valid() as usize,
            count,
            "every generated event is valid"
        );

        let started = Instant::now();
        let valid = bare_loop(&input, &bare);
        bare_best = bare_best.min(started.elapsed());
        assert_eq!(valid, count);
    }
    let rate = |elapsed: Duration| count as f64 / elapsed.as_secs_f64();
    println!(
        "events: {count} ({} MiB of NDJSON), best of {ROUNDS} rounds",
        input.len() / (1 << 20)
    );
    println!(
        "bare jsonschema loop : {:>12.0} events/s ({:?})",
        rate(bare_best),
        bare_best
    );
    println!(
        "herald --events      : {:>12.0} events/s ({:?})",
        rate(herald_best),
        herald_best
    );
    println!(
        "ratio herald / bare  : {:.3}",
        rate(herald_best) / rate(bare_best)
    );
}

/// The least a hand-written validator must do: parse each line, find the validator by type and
/// version, and check `data`.
fn bare_loop(input: &[u8], validators: &HashMap<(String, u32), Arc<Validator>>) -> usize {
    let mut valid = 0;
    for line in input.split(|byte| *byte == b'\n') {
        if line.is_empty() {
            continue;
        }
        let envelope: Value = match serde_json::from_slice(line) {
            Ok(value) => value,
            Err(_) => continue,
        };
        let event = envelope["type"].as_str().unwrap_or_default().to_string();
        let version = envelope["dataversion"].as_u64().unwrap_or_default() as u32;
        if let Some(validator) = validators.get(&(event, version))
            && validator.is_valid(&envelope["data"])
        {
            valid += 1;
        }
        black_box(&envelope);
    }
    valid
}

/// NDJSON envelopes cycling through every example of every event version.
fn generate(catalog: &herald_core::catalog::Catalog, count: usize) -> Vec<u8> {
    let mut templates: Vec<(String, u32, Value)> = Vec::new();
    for versions in catalog.events.values() {
        for version in versions {
            for example in &version.raw.examples {
                templates.push((
                    version.raw.event.clone(),
                    version.raw.version,
                    example.payload.clone(),
                ));
            }
        }
    }
    assert!(!templates.is_empty(), "the webshop has examples");
    let mut out = Vec::with_capacity(count * 600);
    for at in 0..count {
        let (event, version, data) = &templates[at % templates.len()];
        let envelope = json!({
            "specversion": "1.0",
            "id": format!("0192d3a0-0000-7000-8000-{at:012}"),
            "source": "/webshop/bench",
            "type": event,
            "dataschema": format!("herald:webshop/{event}/v{version}"),
            "dataversion": version,
            "time": "2026-11-23T10:00:00Z",
            "datacontenttype": "application/json",
            "data": data,
        });
        serde_json::to_writer(&mut out, &envelope).unwrap_or_else(|error| panic!("{error}"));
        out.push(b'\n');
    }
    out
}

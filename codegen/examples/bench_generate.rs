//! Generation time for a synthetic catalog of 1,000 events × 3 versions (each version adds an
//! optional property, so every upcast step is proven compatible and generated), and in the same
//! run the types-only comparison with `cargo-typify` on the same 3,000 payload schemas.
//!
//! `cargo run --release -p herald-codegen --example bench_generate [DIR]` — writes the catalog
//! to DIR (a temporary directory by default) and prints the best of five runs of:
//!
//! - `herald_codegen::generate` + `output::as_files` (everything `herald generate` produces);
//! - `herald_codegen::generate_types` + `output::as_files` (the payload types only: the same
//!   validation and conversion, then a struct per version and the types it contains);
//! - `cargo-typify` (found through `HERALD_BENCH_TYPIFY`, a path, or as `cargo-typify` on
//!   `PATH`) with `--no-builder` (herald's types have no builders), plus one run with its default
//!   builders. typify reads one schema per invocation, so the 3,000 payload schemas are bundled
//!   as `definitions` of one file (`DIR/typify/payloads.json`): both tools then run once over the
//!   same schemas, instead of typify paying 3,000 process starts. Its time includes starting the
//!   process, reading the file and writing its output.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Map, Value, json};

const RUNS: usize = 5;

/// The allocator the `herald` binary runs with, so the bench times what users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = match std::env::args().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join("herald-bench-catalog"),
    };
    let bundle = write_catalog(&dir)?;

    let full = best_of(|| {
        let generated = herald_codegen::generate(&dir, &herald_codegen::Options::default())?;
        let files = herald_codegen::output::as_files(&generated.modules, &generated.header)?;
        Ok(files.values().map(String::len).sum())
    })?;
    println!(
        "full generate: best {:.3} s ({} bytes) for 1,000 events x 3 versions",
        full.seconds, full.bytes
    );
    // Types-only and typify alternate run by run, so a change in the machine's load (shared
    // machines) weighs on both alike.
    let typify = find_typify();
    let out = dir.join("typify").join("payloads.rs");
    let mut types = Best::none();
    let mut no_builder = Best::none();
    for _ in 0..RUNS {
        types.keep(timed(|| {
            let generated =
                herald_codegen::generate_types(&dir, &herald_codegen::Options::default())?;
            let files = herald_codegen::output::as_files(&generated.modules, &generated.header)?;
            Ok(files.values().map(String::len).sum())
        })?);
        if let Some(typify) = &typify {
            no_builder.keep(timed(|| {
                run_typify(typify, &["--no-builder"], &bundle, &out)
            })?);
        }
    }
    println!(
        "herald types-only: best {:.3} s ({} bytes) for 3,000 payload schemas",
        types.seconds, types.bytes
    );
    let Some(typify) = typify else {
        println!(
            "cargo-typify: absent (set HERALD_BENCH_TYPIFY to its path or put cargo-typify on PATH); comparison skipped"
        );
        return Ok(());
    };
    println!(
        "cargo-typify --no-builder: best {:.3} s ({} bytes) for the same 3,000 schemas",
        no_builder.seconds, no_builder.bytes
    );
    let start = Instant::now();
    let bytes = run_typify(&typify, &[], &bundle, &out)?;
    println!(
        "cargo-typify (default, with builders): {:.3} s ({bytes} bytes), one run",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes `herald.yaml`, the 3,000 version files, and the same payloads as one JSON Schema
/// bundle for typify; returns the bundle's path.
fn write_catalog(dir: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let events = dir.join("events");
    std::fs::create_dir_all(&events)?;
    let mut manifest = String::from("catalog: bench\nservices:\n  svc:\n    produces:\n");
    let mut definitions = Map::new();
    for event in 0..1000 {
        manifest.push_str(&format!("      - Event{event}\n"));
        let folder = events.join(format!("event{event}"));
        std::fs::create_dir_all(&folder)?;
        for version in 1..=3 {
            let mut properties = String::from(
                "    id: {type: string, format: uuid}\n    amount: {type: integer, minimum: 0}\n    status: {type: string, enum: [open, closed]}\n",
            );
            let mut json_properties = json!({
                "id": {"type": "string", "format": "uuid"},
                "amount": {"type": "integer", "minimum": 0},
                "status": {"type": "string", "enum": ["open", "closed"]},
            });
            for extra in 2..=version {
                properties.push_str(&format!("    note{extra}: {{type: string}}\n"));
                json_properties[format!("note{extra}")] = json!({"type": "string"});
            }
            std::fs::write(
                folder.join(format!("v{version}.yaml")),
                format!(
                    "event: Event{event}\nversion: {version}\ndescription: Event {event}.\nowner: svc\nkey: /id\npayload:\n  type: object\n  required: [id, amount]\n  properties:\n{properties}"
                ),
            )?;
            definitions.insert(
                format!("Event{event}V{version}"),
                json!({
                    "description": format!("Event {event}."),
                    "type": "object",
                    "required": ["id", "amount"],
                    "properties": json_properties,
                }),
            );
        }
    }
    std::fs::write(dir.join("herald.yaml"), manifest)?;
    let typify_dir = dir.join("typify");
    std::fs::create_dir_all(&typify_dir)?;
    let bundle = typify_dir.join("payloads.json");
    let schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": Value::Object(definitions),
    });
    std::fs::write(&bundle, serde_json::to_string_pretty(&schema)?)?;
    Ok(bundle)
}

struct Best {
    seconds: f64,
    bytes: usize,
}

impl Best {
    fn none() -> Self {
        Best {
            seconds: f64::MAX,
            bytes: 0,
        }
    }

    fn keep(&mut self, run: Best) {
        if run.seconds < self.seconds {
            *self = run;
        }
    }
}

/// One run of `work`: its time and the size of what it produced.
fn timed(
    work: impl FnOnce() -> Result<usize, Box<dyn std::error::Error>>,
) -> Result<Best, Box<dyn std::error::Error>> {
    let start = Instant::now();
    let bytes = work()?;
    Ok(Best {
        seconds: start.elapsed().as_secs_f64(),
        bytes,
    })
}

/// Runs `work` [`RUNS`] times and keeps the fastest.
fn best_of(
    mut work: impl FnMut() -> Result<usize, Box<dyn std::error::Error>>,
) -> Result<Best, Box<dyn std::error::Error>> {
    let mut best = Best::none();
    for _ in 0..RUNS {
        best.keep(timed(&mut work)?);
    }
    Ok(best)
}

/// `HERALD_BENCH_TYPIFY`, else `cargo-typify` on `PATH`.
fn find_typify() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("HERALD_BENCH_TYPIFY") {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("cargo-typify"))
        .find(|path| path.is_file())
}

/// One `cargo typify` run over the bundle; the size of what it wrote.
fn run_typify(
    typify: &Path,
    flags: &[&str],
    bundle: &Path,
    out: &Path,
) -> Result<usize, Box<dyn std::error::Error>> {
    let output = Command::new(typify)
        .arg("typify")
        .args(flags)
        .arg("-o")
        .arg(out)
        .arg(bundle)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "cargo-typify failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(std::fs::metadata(out)?.len() as usize)
}

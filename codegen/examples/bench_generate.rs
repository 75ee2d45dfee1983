//! Generation time for a synthetic catalog of 1,000 events × 3 versions (each version adds an
//! optional property, so every upcast step is proven compatible and generated).
//!
//! `cargo run --release -p herald-codegen --example bench_generate [DIR]` — writes the catalog
//! to DIR (a temporary directory by default), generates three times, and prints the best time.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = match std::env::args().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join("herald-bench-catalog"),
    };
    let events = dir.join("events");
    std::fs::create_dir_all(&events)?;
    let mut manifest = String::from("catalog: bench\nservices:\n  svc:\n    produces:\n");
    for event in 0..1000 {
        manifest.push_str(&format!("      - Event{event}\n"));
        let folder = events.join(format!("event{event}"));
        std::fs::create_dir_all(&folder)?;
        for version in 1..=3 {
            let mut properties = String::from(
                "    id: {type: string, format: uuid}\n    amount: {type: integer, minimum: 0}\n    status: {type: string, enum: [open, closed]}\n",
            );
            for extra in 2..=version {
                properties.push_str(&format!("    note{extra}: {{type: string}}\n"));
            }
            std::fs::write(
                folder.join(format!("v{version}.yaml")),
                format!(
                    "event: Event{event}\nversion: {version}\ndescription: Event {event}.\nowner: svc\nkey: /id\npayload:\n  type: object\n  required: [id, amount]\n  properties:\n{properties}"
                ),
            )?;
        }
    }
    std::fs::write(dir.join("herald.yaml"), manifest)?;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let generated = herald_codegen::generate(&dir, &herald_codegen::Options::default())?;
        let files = herald_codegen::output::as_files(&generated.modules, &generated.header)?;
        let seconds = start.elapsed().as_secs_f64();
        best = best.min(seconds);
        println!("{} files in {seconds:.3} s", files.len());
    }
    println!("best: {best:.3} s for 1,000 events x 3 versions");
    Ok(())
}

//! `herald diff OLD NEW [--mode ...] [--semantics ...] [--format ...]` (fixed interface).

use std::path::PathBuf;

use herald_core::compat::diff::diff;
use herald_core::compat::input::{UnusableSchema, load_schema_file};
use herald_core::diagnostics::{TextOptions, render_text as render_diagnostics};

use crate::output::{ModeArg, ReportArgs};

/// Arguments of `herald diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old schema: a JSON Schema or a herald event version file (JSON or YAML).
    old: PathBuf,
    /// The new schema.
    new: PathBuf,
    /// Which compatibility to check.
    #[arg(long, value_enum, default_value = "backward")]
    mode: ModeArg,
    #[command(flatten)]
    output: ReportArgs,
}

/// Runs the command and returns its exit code.
pub fn run(args: Args) -> u8 {
    let old = match load_schema_file(&args.old) {
        Ok(file) => file,
        Err(error) => return unusable(&error, &args.output),
    };
    let new = match load_schema_file(&args.new) {
        Ok(file) => file,
        Err(error) => return unusable(&error, &args.output),
    };
    let report = diff(&old, &new, args.mode.into(), args.output.semantics.into());
    args.output.print(&report)
}

fn unusable(error: &UnusableSchema, output: &ReportArgs) -> u8 {
    let code = output.unusable(&error.to_string());
    if let UnusableSchema::Invalid {
        diagnostics,
        sources,
        ..
    } = error
    {
        let options = TextOptions {
            color: output.color.enabled(),
            ..TextOptions::default()
        };
        eprint!("{}", render_diagnostics(sources, diagnostics, options));
    }
    code
}

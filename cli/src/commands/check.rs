//! `herald check [CATALOG] [--against REF_OR_DIR]` (fixed interface).

use std::path::PathBuf;

use herald_core::compat::check::{Baseline, check, load_baseline};
use herald_core::diagnostics::{TextOptions, render_text};
use herald_core::validate_catalog;

use crate::output::ReportArgs;

/// Arguments of `herald check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The catalog directory (with herald.yaml).
    #[arg(value_name = "CATALOG", default_value = ".")]
    catalog: PathBuf,
    /// Also compare with a baseline: a git ref (`main`, `origin/main`, `HEAD~1`, a tag) or a
    /// catalog directory. Published versions must be unchanged, and no event, version or
    /// producer/consumer link may disappear.
    #[arg(long, value_name = "REF_OR_DIR")]
    against: Option<String>,
    #[command(flatten)]
    output: ReportArgs,
}

/// Runs the command and returns its exit code.
pub fn run(args: Args) -> u8 {
    let validation = match validate_catalog(&args.catalog) {
        Ok(validation) => validation,
        Err(error) => return args.output.unusable(&error.to_string()),
    };
    if validation.diagnostics.has_errors() {
        let options = TextOptions {
            color: args.output.color.enabled(),
            ..TextOptions::default()
        };
        eprint!(
            "{}",
            render_text(
                &validation.catalog.sources,
                &validation.diagnostics,
                options
            )
        );
        return args.output.unusable(
            "the catalog has errors; `herald validate` must pass before compatibility can be checked",
        );
    }
    let baseline = match &args.against {
        None => None,
        Some(text) => match load_baseline(&args.catalog, &Baseline::parse(text)) {
            Ok(baseline) => Some(baseline),
            Err(error) => return args.output.unusable(&error.to_string()),
        },
    };
    let report = check(
        &validation.catalog,
        baseline.as_ref(),
        args.output.semantics.into(),
    );
    args.output.print(&report)
}

//! `herald validate [CATALOG_DIR] [--events FILE]`.

use std::path::PathBuf;

use herald_core::diagnostics::{TextOptions, render_json, render_text};
use herald_core::events::{EventsOptions, EventsReport, validate_events_path};
use herald_core::validate_catalog;

use crate::output::{Color, EXIT_OK, EXIT_PROBLEMS, EXIT_UNUSABLE, Format};

/// Arguments of `herald validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The catalog directory (with herald.yaml).
    #[arg(value_name = "CATALOG_DIR", default_value = ".")]
    catalog: PathBuf,
    /// Also validate real events: an NDJSON file of CloudEvents envelopes (`-` reads stdin).
    #[arg(long, value_name = "FILE")]
    events: Option<PathBuf>,
    /// How many failing events to show in detail.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_failures: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// When to use colour.
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
}

/// Runs the command and returns its exit code.
pub fn run(args: Args) -> u8 {
    let validation = match validate_catalog(&args.catalog) {
        Ok(validation) => validation,
        Err(error) => return unusable(&args, &error.to_string()),
    };
    let catalog_failed = validation.diagnostics.has_errors();
    let events = match &args.events {
        None => None,
        Some(path) => {
            let options = EventsOptions {
                max_failures: args.max_failures,
            };
            match validate_events_path(path, &validation.validators, &validation.catalog, options) {
                Ok(report) => Some(report),
                Err(error) => return unusable(&args, &error.to_string()),
            }
        }
    };
    match args.format {
        Format::Text => {
            let options = TextOptions {
                color: args.color.enabled(),
                summary_prefix: if events.is_some() { "catalog: " } else { "" },
            };
            crate::output::emit(&render_text(
                &validation.catalog.sources,
                &validation.diagnostics,
                options,
            ));
            if let Some(report) = &events {
                crate::output::emit(&report.render_text());
            }
        }
        Format::Json => {
            let mut json = render_json(&validation.catalog.sources, &validation.diagnostics);
            if let Some(report) = &events
                && let Some(object) = json.as_object_mut()
            {
                object.insert("events".to_string(), report.to_json());
                if report.has_failures() {
                    object.insert("valid".to_string(), serde_json::Value::Bool(false));
                }
            }
            match serde_json::to_string_pretty(&json) {
                Ok(text) => crate::output::emit(&format!("{text}\n")),
                Err(error) => {
                    eprintln!("error: {error}");
                    return EXIT_UNUSABLE;
                }
            }
        }
    }
    let events_failed = events.as_ref().is_some_and(EventsReport::has_failures);
    if catalog_failed || events_failed {
        EXIT_PROBLEMS
    } else {
        EXIT_OK
    }
}

/// Reports unusable input on stderr (and as JSON on stdout with `--format json`): exit 2.
fn unusable(args: &Args, message: &str) -> u8 {
    crate::output::unusable(args.format == Format::Json, message)
}

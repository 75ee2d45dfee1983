//! Renderers of a compatibility [`Report`](super::report::Report): one per output format.

mod text;

pub use text::render_text;

use super::report::Report;

/// `--format json`: the report as one JSON object.
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

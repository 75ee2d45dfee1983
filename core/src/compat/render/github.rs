//! `--format github`: GitHub Actions workflow commands, which annotate the schema files in a
//! pull request.
//!
//! One `::error` per breaking change, `::warning` per ignored one and `::notice` per compatible
//! one, at the new schema's node (else the old one's), then a plain summary line.

use super::{Kind, kind, primary, summary, witness_inline};
use crate::compat::report::Report;

/// Renders the report as GitHub Actions annotations.
pub fn render_github(report: &Report) -> String {
    let mut out = String::new();
    for change in &report.changes {
        let command = match kind(change) {
            Kind::Breaking => "error",
            Kind::Ignored => "warning",
            Kind::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some((location, _)) = primary(change) {
            properties.push(format!("file={}", escape_property(&location.file)));
            properties.push(format!("line={}", location.line));
            properties.push(format!("col={}", location.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("herald {}", change.rule))
        ));

        let mut message = String::new();
        if let Some(subject) = &change.subject {
            message.push_str(&format!("{subject}: "));
        }
        message.push_str(&change.message);
        if let Some(witness) = witness_inline(change) {
            message.push_str(&format!(" (witness: {witness})"));
        }
        if let Some(reason) = &change.ignored {
            message.push_str(&format!(" (ignored: {reason})"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    out.push_str(&format!("herald: {}\n", summary(report)));
    out
}

/// Escapes a command's message, as the runner's `escapeData` does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value, as the runner's `escapeProperty` does.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

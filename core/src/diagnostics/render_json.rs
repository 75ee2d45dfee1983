//! Renders diagnostics as one JSON document for machines (`--format json`).

use serde_json::{Value, json};

use super::{Diagnostics, Severity};
use crate::source::SourceMap;

/// `{"valid": bool, "errors": n, "warnings": n, "diagnostics": [...]}`; each diagnostic has
/// its code, severity, message, file, line, column, pointer and labels.
pub fn render_json(sources: &SourceMap, diagnostics: &Diagnostics) -> Value {
    let items: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let labels: Vec<Value> = diagnostic
                .labels
                .iter()
                .map(|label| {
                    let file = sources.get(label.file);
                    let (line, column) = file.line_column(label.span.start);
                    let (end_line, end_column) = file.line_column(label.span.end);
                    json!({
                        "file": file.display,
                        "line": line,
                        "column": column,
                        "end_line": end_line,
                        "end_column": end_column,
                        "pointer": label.pointer,
                        "message": label.message,
                    })
                })
                .collect();
            let primary = labels.first().cloned().unwrap_or(Value::Null);
            json!({
                "code": diagnostic.code,
                "severity": diagnostic.severity,
                "message": diagnostic.message,
                "file": primary.get("file"),
                "line": primary.get("line"),
                "column": primary.get("column"),
                "pointer": primary.get("pointer"),
                "help": diagnostic.help,
                "notes": diagnostic.notes,
                "labels": labels,
            })
        })
        .collect();
    json!({
        "valid": !diagnostics.has_errors(),
        "errors": diagnostics.count(Severity::Error),
        "warnings": diagnostics.count(Severity::Warning),
        "diagnostics": items,
    })
}

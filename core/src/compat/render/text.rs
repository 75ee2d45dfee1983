//! The report for a terminal.

use crate::compat::report::{Report, ReportedChange};

/// Renders the report; `color` adds ANSI colours.
pub fn render_text(report: &Report, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    for change in &report.changes {
        let (label, code) = match (change.breaking, change.ignored.is_some(), change.proven) {
            (true, true, _) => ("ignored", "33"),
            (true, false, true) => ("breaking", "1;31"),
            (true, false, false) => ("unproven", "1;31"),
            (false, ..) => ("info", "36"),
        };
        out.push_str(&format!(
            "{}[{}] {}\n",
            paint(code, label),
            change.rule,
            change.message
        ));
        if let Some(subject) = &change.subject {
            out.push_str(&format!("  event:    {subject} ({})\n", change.direction));
        } else {
            out.push_str(&format!("  check:    {}\n", change.direction));
        }
        location(&mut out, "old", change.old_path.as_deref(), change);
        location(&mut out, "new", change.new_path.as_deref(), change);
        if !change.instance_path.is_empty() {
            out.push_str(&format!("  at:       {}\n", change.instance_path));
        }
        if let Some(witness) = &change.witness {
            let writer = if change.direction == "backward" {
                "old"
            } else {
                "new"
            };
            let reader = if change.direction == "backward" {
                "new"
            } else {
                "old"
            };
            out.push_str(&format!("  witness:  {witness}\n            (valid under the {writer} schema, rejected by the {reader})\n"));
        }
        if let Some(reason) = &change.ignored {
            out.push_str(&format!("  ignored:  {reason}\n"));
        }
        out.push('\n');
    }
    let breaking = report.breaking().count();
    let summary = if report.compatible {
        paint(
            "1;32",
            &format!(
                "compatible ({}, {} semantics)",
                report.mode, report.semantics
            ),
        )
    } else {
        paint(
            "1;31",
            &format!(
                "{breaking} breaking change(s) ({}, {} semantics)",
                report.mode, report.semantics
            ),
        )
    };
    out.push_str(&summary);
    out.push('\n');
    out
}

fn location(out: &mut String, side: &str, pointer: Option<&str>, change: &ReportedChange) {
    let place = if side == "old" {
        &change.old_location
    } else {
        &change.new_location
    };
    if let (Some(pointer), Some(place)) = (pointer, place) {
        out.push_str(&format!(
            "  {side}:      {}:{}:{}  {pointer}\n",
            place.file, place.line, place.column
        ));
    }
}

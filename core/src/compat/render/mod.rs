//! Renderers of a compatibility [`Report`](super::report::Report): one per output format.

mod github;
mod junit;
mod markdown;
mod sarif;
mod text;

pub use github::render_github;
pub use junit::render_junit;
pub use markdown::render_markdown;
pub use sarif::render_sarif;
pub use text::render_text;

use super::report::{Location, Report, ReportedChange};

/// `--format json`: the report as one JSON object.
pub fn render_json(report: &Report) -> String {
    serde_json::to_string_pretty(report)
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}

/// How a change counts in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Breaking, and not ignored: fails the check.
    Breaking,
    /// Breaking, but ignored in herald.yaml.
    Ignored,
    /// Compatible: for information.
    Info,
}

fn kind(change: &ReportedChange) -> Kind {
    match (change.breaking, change.ignored.is_some()) {
        (true, false) => Kind::Breaking,
        (true, true) => Kind::Ignored,
        (false, _) => Kind::Info,
    }
}

/// How many changes of each kind: (breaking, ignored, info).
fn counts(report: &Report) -> (usize, usize, usize) {
    report
        .changes
        .iter()
        .fold((0, 0, 0), |(breaking, ignored, info), change| {
            match kind(change) {
                Kind::Breaking => (breaking + 1, ignored, info),
                Kind::Ignored => (breaking, ignored + 1, info),
                Kind::Info => (breaking, ignored, info + 1),
            }
        })
}

/// Where a change is shown: the new schema's node, else the old one's, with its pointer.
fn primary(change: &ReportedChange) -> Option<(&Location, Option<&str>)> {
    match (&change.new_location, &change.old_location) {
        (Some(new), _) => Some((new, change.new_path.as_deref())),
        (None, Some(old)) => Some((old, change.old_path.as_deref())),
        (None, None) => None,
    }
}

/// The witness on one line, as compact JSON.
fn witness_inline(change: &ReportedChange) -> Option<String> {
    change
        .witness
        .as_ref()
        .map(|witness| serde_json::to_string(witness).unwrap_or_else(|_| witness.to_string()))
}

/// Which schema writes the witness and which rejects it: `(writer, reader)`.
fn witness_roles(change: &ReportedChange) -> (&'static str, &'static str) {
    if change.direction == "forward" {
        ("new", "old")
    } else {
        ("old", "new")
    }
}

/// `N thing(s)` with the plural spelled out.
fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The one-line verdict shared by the summaries: `compatible` or `N breaking changes`, then the
/// mode and the count of each kind of change.
fn summary(report: &Report) -> String {
    let (breaking, ignored, info) = counts(report);
    let verdict = if report.compatible && breaking == 0 {
        "compatible".to_string()
    } else {
        plural(breaking, "breaking change", "breaking changes")
    };
    format!(
        "{verdict} ({} mode, {} semantics: {breaking} breaking, {ignored} ignored, {info} compatible)",
        report.mode, report.semantics
    )
}

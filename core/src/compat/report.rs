//! The report of a compatibility check, one type behind every output format.

use serde::Serialize;
use serde_json::Value;

use super::compare::Change;
use super::options::{Mode, Semantics};
use crate::source::{FileId, SourceMap};

/// A place in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file, as shown to users.
    pub file: String,
    /// One-based line.
    pub line: usize,
    /// One-based column.
    pub column: usize,
}

/// A change as reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportedChange {
    /// The rule's stable ID.
    pub rule: &'static str,
    /// `error` for breaking changes, `info` for compatible ones.
    pub severity: &'static str,
    /// Whether the change breaks the mode.
    pub breaking: bool,
    /// What changed.
    pub message: String,
    /// `backward` or `forward`.
    pub direction: &'static str,
    /// JSON pointer into the old schema file (`#/properties/x`).
    pub old_path: Option<String>,
    /// JSON pointer into the new schema file.
    pub new_path: Option<String>,
    /// Where that is in the old file.
    pub old_location: Option<Location>,
    /// Where that is in the new file.
    pub new_location: Option<Location>,
    /// Where in the document.
    pub instance_path: String,
    /// A document that breaks (present on every proven break).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Value>,
    /// Whether a witness proves the break.
    pub proven: bool,
    /// The event and versions compared (`herald check`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The reason given in herald.yaml, when the finding is ignored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
    /// The event and the version the comparison introduces, for matching ignores.
    #[serde(skip)]
    pub event_version: Option<(String, u32)>,
}

/// The outcome of `herald diff` or `herald check`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Whether nothing breaking (and not ignored) was found.
    pub compatible: bool,
    /// The mode checked.
    pub mode: &'static str,
    /// The semantics used.
    pub semantics: &'static str,
    /// Every change, breaking first.
    pub changes: Vec<ReportedChange>,
}

impl Report {
    /// A report over `changes`.
    pub fn new(mode: Mode, semantics: Semantics, mut changes: Vec<ReportedChange>) -> Self {
        changes.sort_by(|a, b| {
            (
                !a.breaking,
                a.ignored.is_some(),
                &a.subject,
                a.direction,
                &a.instance_path,
                a.rule,
            )
                .cmp(&(
                    !b.breaking,
                    b.ignored.is_some(),
                    &b.subject,
                    b.direction,
                    &b.instance_path,
                    b.rule,
                ))
        });
        let compatible = !changes
            .iter()
            .any(|change| change.breaking && change.ignored.is_none());
        Report {
            compatible,
            mode: mode.name(),
            semantics: semantics.name(),
            changes,
        }
    }

    /// The breaking changes not ignored.
    pub fn breaking(&self) -> impl Iterator<Item = &ReportedChange> {
        self.changes
            .iter()
            .filter(|change| change.breaking && change.ignored.is_none())
    }
}

/// A schema node located in a file: the pointer as `#/...` and its line and column.
pub fn locate(sources: &SourceMap, file: FileId, file_pointer: &str) -> (String, Location) {
    let source = sources.get(file);
    let span = source.span_of_value(file_pointer);
    let (line, column) = source.line_column(span.start);
    (
        format!("#{file_pointer}"),
        Location {
            file: source.display.clone(),
            line,
            column,
        },
    )
}

/// Builds reported changes from compared changes, locating nodes through `resolve`, which maps
/// a node of either side to (file, pointer inside that file).
pub fn report_changes(
    changes: Vec<Change>,
    sources_old: &SourceMap,
    sources_new: &SourceMap,
    resolve_old: impl Fn(&crate::schema::refs::NodeRef) -> Option<(FileId, String)>,
    resolve_new: impl Fn(&crate::schema::refs::NodeRef) -> Option<(FileId, String)>,
    subject: Option<String>,
) -> Vec<ReportedChange> {
    changes
        .into_iter()
        .map(|change| {
            let old = change
                .old_node
                .as_ref()
                .and_then(&resolve_old)
                .map(|(file, pointer)| locate(sources_old, file, &pointer));
            let new = change
                .new_node
                .as_ref()
                .and_then(&resolve_new)
                .map(|(file, pointer)| locate(sources_new, file, &pointer));
            ReportedChange {
                rule: change.rule,
                severity: if change.breaking { "error" } else { "info" },
                breaking: change.breaking,
                message: change.message,
                direction: change.direction.name(),
                old_path: old.as_ref().map(|(pointer, _)| pointer.clone()),
                new_path: new.as_ref().map(|(pointer, _)| pointer.clone()),
                old_location: old.map(|(_, location)| location),
                new_location: new.map(|(_, location)| location),
                instance_path: change.instance_path,
                witness: change.witness,
                proven: change.proven,
                subject: subject.clone(),
                ignored: None,
                event_version: None,
            }
        })
        .collect()
}

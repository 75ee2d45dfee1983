//! herald's diagnostics: one type for every problem herald finds, rendered once per format.

mod codes;
mod render_json;
mod render_text;

use std::ops::Range;

use crate::source::{FileId, SourceMap};

pub use codes::{CODES, Code, code_info};
pub use render_json::render_json;
pub use render_text::{TextOptions, render_text};

/// How serious a diagnostic is. Errors make `herald validate` exit 1; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Must be fixed.
    Error,
    /// Worth a look; does not fail the run.
    Warning,
    /// For information.
    Info,
}

/// A place in a source file with a short message about what is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// The byte range in the file.
    pub span: Range<usize>,
    /// The JSON pointer the range stands for, when there is one.
    pub pointer: Option<String>,
    /// What the label says (may be empty).
    pub message: String,
}

/// One problem herald found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code, e.g. `catalog::unknown-event`.
    pub code: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// One sentence naming the problem.
    pub message: String,
    /// Where the problem is; the first label is the primary one.
    pub labels: Vec<Label>,
    /// A suggestion ("did you mean ...").
    pub help: Option<String>,
    /// Further explanation.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic with the severity its code is registered with.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        let severity = code_info(code).map_or(Severity::Error, |info| info.severity);
        Diagnostic {
            code,
            severity,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Points at the value at `pointer` in `file`.
    pub fn at_value(self, sources: &SourceMap, file: FileId, pointer: &str, message: &str) -> Self {
        let span = sources.get(file).span_of_value(pointer);
        self.with_label(file, span, Some(pointer), message)
    }

    /// Points at the key holding `pointer` in `file` (its value when it has no key).
    pub fn at_key(self, sources: &SourceMap, file: FileId, pointer: &str, message: &str) -> Self {
        let span = sources.get(file).span_of_key(pointer);
        self.with_label(file, span, Some(pointer), message)
    }

    /// Adds a label at a byte range.
    pub fn with_label(
        mut self,
        file: FileId,
        span: Range<usize>,
        pointer: Option<&str>,
        message: &str,
    ) -> Self {
        self.labels.push(Label {
            file,
            span,
            pointer: pointer.map(str::to_string),
            message: message.to_string(),
        });
        self
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The primary location as (file, line, column), one-based.
    pub fn location<'a>(&self, sources: &'a SourceMap) -> Option<(&'a str, usize, usize)> {
        let label = self.labels.first()?;
        let file = sources.get(label.file);
        let (line, column) = file.line_column(label.span.start);
        Some((file.display.as_str(), line, column))
    }
}

/// The diagnostics of one run, in a stable order.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Every diagnostic, by value.
    pub fn into_items(self) -> Vec<Diagnostic> {
        self.items
    }

    /// The diagnostic recorded last, to add to it.
    pub fn last_mut(&mut self) -> Option<&mut Diagnostic> {
        self.items.last_mut()
    }

    /// Every diagnostic, in the order recorded.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// How many diagnostics of a severity there are.
    pub fn count(&self, severity: Severity) -> usize {
        self.items
            .iter()
            .filter(|item| item.severity == severity)
            .count()
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts by file, position and code so output does not depend on check order.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                d.labels
                    .first()
                    .map(|label| (label.file.0, label.span.start))
            };
            key(a)
                .cmp(&key(b))
                .then_with(|| a.code.cmp(b.code))
                .then_with(|| a.message.cmp(&b.message))
        });
        self.items.dedup();
    }
}

impl Extend<Diagnostic> for Diagnostics {
    fn extend<T: IntoIterator<Item = Diagnostic>>(&mut self, iter: T) {
        self.items.extend(iter);
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

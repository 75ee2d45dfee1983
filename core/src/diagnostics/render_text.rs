//! Renders diagnostics for a terminal with codespan-reporting: file, line, column and a
//! source snippet. This is the only file that imports codespan-reporting.

use std::io::Write;
use std::ops::Range;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor::Buffer};

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::{FileId, SourceMap};

/// How to render text.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// Emit ANSI colours.
    pub color: bool,
    /// Put before the summary line, e.g. `catalog: ` when events are reported after it.
    pub summary_prefix: &'static str,
}

/// Renders every diagnostic followed by a one-line summary.
pub fn render_text(sources: &SourceMap, diagnostics: &Diagnostics, options: TextOptions) -> String {
    let config = term::Config::default();
    let mut buffer = if options.color {
        Buffer::ansi()
    } else {
        Buffer::no_color()
    };
    let files = SourceFiles(sources);
    for diagnostic in diagnostics {
        // Rendering only fails on spans outside the file, which the index never produces;
        // fall back to a plain line rather than lose the diagnostic.
        if term::emit_to_write_style(&mut buffer, &config, &files, &convert(diagnostic)).is_err() {
            let plain = format!(
                "{}[{}]: {}\n",
                severity_word(diagnostic.severity),
                diagnostic.code,
                diagnostic.message
            );
            // Writing into an in-memory buffer cannot fail.
            let _ = buffer.write_all(plain.as_bytes());
        }
    }
    let mut text = String::from_utf8_lossy(buffer.as_slice()).into_owned();
    text.push_str(options.summary_prefix);
    text.push_str(&summary(diagnostics));
    text
}

/// "2 errors, 1 warning" or "no problems found".
pub fn summary(diagnostics: &Diagnostics) -> String {
    let errors = diagnostics.count(Severity::Error);
    let warnings = diagnostics.count(Severity::Warning);
    if errors == 0 && warnings == 0 {
        return "no problems found\n".to_string();
    }
    format!(
        "{} {}, {} {}\n",
        errors,
        if errors == 1 { "error" } else { "errors" },
        warnings,
        if warnings == 1 { "warning" } else { "warnings" }
    )
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn convert(diagnostic: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let labels = diagnostic
        .labels
        .iter()
        .enumerate()
        .map(|(at, label)| {
            let style = if at == 0 {
                cs::LabelStyle::Primary
            } else {
                cs::LabelStyle::Secondary
            };
            cs::Label::new(style, label.file, label.span.clone()).with_message(&label.message)
        })
        .collect();
    let mut notes: Vec<String> = diagnostic.notes.clone();
    if let Some(help) = &diagnostic.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(notes)
}

struct SourceFiles<'a>(&'a SourceMap);

impl<'a> Files<'a> for SourceFiles<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.0.get(id).display.as_str())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.0.get(id).text.as_str())
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let starts = self.0.get(id).line_starts();
        Ok(match starts.binary_search(&byte_index) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        })
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.0.get(id);
        let starts = file.line_starts();
        let start = *starts.get(line_index).ok_or(FilesError::LineTooLarge {
            given: line_index,
            max: starts.len().saturating_sub(1),
        })?;
        let end = starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

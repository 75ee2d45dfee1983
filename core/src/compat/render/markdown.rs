//! `--format markdown`: a summary ready to post as a pull-request comment.
//!
//! A heading with the verdict, a table of the breaking and ignored changes, each witness in a
//! `json` code block, and the compatible changes folded in a `<details>`.

use super::{Kind, counts, kind, plural, primary, witness_roles};
use crate::compat::report::{Report, ReportedChange};

/// Renders the report as GitHub-flavoured Markdown.
pub fn render_markdown(report: &Report) -> String {
    let (breaking, ignored, info) = counts(report);
    let mut out = String::new();
    if report.compatible {
        out.push_str("## ✅ herald: compatible\n\n");
    } else {
        out.push_str(&format!(
            "## ❌ herald: {}\n\n",
            plural(breaking, "breaking change", "breaking changes")
        ));
    }
    out.push_str(&format!(
        "Checked `{}` compatibility with `{}` semantics: {} breaking, {} ignored, {} compatible.\n",
        report.mode, report.semantics, breaking, ignored, info
    ));

    let flagged: Vec<&ReportedChange> = report
        .changes
        .iter()
        .filter(|change| kind(change) != Kind::Info)
        .collect();
    if !flagged.is_empty() {
        out.push('\n');
        table(&mut out, &flagged, true);
        let witnessed: Vec<&&ReportedChange> = flagged
            .iter()
            .filter(|change| change.witness.is_some())
            .collect();
        if !witnessed.is_empty() {
            out.push_str("\n### Witnesses\n");
            for change in witnessed {
                witness(&mut out, change);
            }
        }
    }

    let infos: Vec<&ReportedChange> = report
        .changes
        .iter()
        .filter(|change| kind(change) == Kind::Info)
        .collect();
    if !infos.is_empty() {
        out.push_str(&format!(
            "\n<details>\n<summary>{}</summary>\n\n",
            plural(infos.len(), "compatible change", "compatible changes")
        ));
        table(&mut out, &infos, false);
        out.push_str("\n</details>\n");
    }
    out
}

/// A table of changes; `status` adds a first column with the verdict of each.
fn table(out: &mut String, changes: &[&ReportedChange], status: bool) {
    if status {
        out.push_str("| | Rule | Where | Message |\n| --- | --- | --- | --- |\n");
    } else {
        out.push_str("| Rule | Where | Message |\n| --- | --- | --- |\n");
    }
    for change in changes {
        let mut message = cell(&change.message);
        if let Some(reason) = &change.ignored {
            message.push_str(&format!("<br>**Ignored:** {}", cell(reason)));
        }
        let row = format!(
            "{} | {} | {message} |",
            code(change.rule),
            cell(&place(change))
        );
        if status {
            let mark = match kind(change) {
                Kind::Breaking => "❌",
                Kind::Ignored => "⚠️ ignored",
                Kind::Info => "ℹ️",
            };
            out.push_str(&format!("| {mark} | {row}\n"));
        } else {
            out.push_str(&format!("| {row}\n"));
        }
    }
}

/// Where a change is, as Markdown (before cell escaping): the event, the file position and
/// pointer, and the place in the document.
fn place(change: &ReportedChange) -> String {
    let mut parts = Vec::new();
    if let Some(subject) = &change.subject {
        parts.push(subject.clone());
    }
    if let Some((location, pointer)) = primary(change) {
        let mut at = code(&format!(
            "{}:{}:{}",
            location.file, location.line, location.column
        ));
        if let Some(pointer) = pointer {
            at.push_str(&format!(" {}", code(pointer)));
        }
        parts.push(at);
    }
    if !change.instance_path.is_empty() {
        parts.push(format!("document {}", code(&change.instance_path)));
    }
    parts.join("\n")
}

/// One witness under a line saying what it is.
fn witness(out: &mut String, change: &ReportedChange) {
    let Some(witness) = &change.witness else {
        return;
    };
    let (writer, reader) = witness_roles(change);
    let at = if change.instance_path.is_empty() {
        String::new()
    } else {
        format!(" at {}", code(&change.instance_path))
    };
    let subject = change
        .subject
        .as_ref()
        .map(|subject| format!(" ({})", inline(subject)))
        .unwrap_or_default();
    out.push_str(&format!(
        "\n{}{at}{subject}: valid under the {writer} schema, rejected by the {reader}.\n\n",
        code(change.rule)
    ));
    let pretty = serde_json::to_string_pretty(witness).unwrap_or_else(|_| witness.to_string());
    let fence = "`".repeat(longest_backtick_run(&pretty).max(2) + 1);
    out.push_str(&format!("{fence}json\n{pretty}\n{fence}\n"));
}

/// `text` as an inline code span, whatever backticks it holds.
fn code(text: &str) -> String {
    let ticks = "`".repeat(longest_backtick_run(text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|character| character != '`')
        .map(str::len)
        .max()
        .unwrap_or(0)
}

/// Escapes text outside tables: raw HTML is shown, not interpreted, outside code spans.
fn inline(text: &str) -> String {
    escape_html_outside_code(text).replace('\n', " ")
}

/// Makes text safe in a table cell: `|` is escaped (also inside code spans, as GFM requires),
/// line breaks become `<br>` (spaces inside code spans), and `<`/`>` outside code spans are
/// shown rather than read as HTML.
fn cell(text: &str) -> String {
    let text = escape_html_outside_code(text);
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for character in text.chars() {
        match character {
            '`' => {
                in_code = !in_code;
                out.push('`');
            }
            '|' => out.push_str("\\|"),
            '\r' => {}
            '\n' if in_code => out.push(' '),
            '\n' => out.push_str("<br>"),
            other => out.push(other),
        }
    }
    out
}

/// `<`, `>` and `&` outside code spans become entities.
fn escape_html_outside_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for character in text.chars() {
        match character {
            '`' => {
                in_code = !in_code;
                out.push('`');
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '&' if !in_code => out.push_str("&amp;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{cell, code};

    #[test]
    fn cells_escape_pipes_breaks_and_html() {
        assert_eq!(cell("a | b\nc <d>"), "a \\| b<br>c &lt;d&gt;");
        assert_eq!(cell("`x|y` <z>"), "`x\\|y` &lt;z&gt;");
        assert_eq!(cell("`<keep>`"), "`<keep>`");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`edge"), "`` `edge ``");
    }
}

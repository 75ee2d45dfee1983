//! `--format junit`: JUnit XML, for CI systems that show test reports.
//!
//! One test suite, one test case per change: breaking changes fail (the witness in the body),
//! ignored ones are skipped with the reason, compatible ones pass.

use super::{Kind, counts, kind, primary, witness_roles};
use crate::compat::report::{Report, ReportedChange};

/// Renders the report as a JUnit XML document.
pub fn render_junit(report: &Report) -> String {
    let (breaking, ignored, _) = counts(report);
    let tests = report.changes.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"herald\" tests=\"{tests}\" failures=\"{breaking}\" errors=\"0\" skipped=\"{ignored}\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"herald compatibility\" tests=\"{tests}\" failures=\"{breaking}\" errors=\"0\" skipped=\"{ignored}\">\n"
    ));
    out.push_str("    <properties>\n");
    for (name, value) in [("mode", report.mode), ("semantics", report.semantics)] {
        out.push_str(&format!(
            "      <property name=\"{name}\" value=\"{}\"/>\n",
            escape(value)
        ));
    }
    out.push_str("    </properties>\n");
    for change in &report.changes {
        testcase(&mut out, change);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(out: &mut String, change: &ReportedChange) {
    let classname = match &change.subject {
        Some(subject) => format!("{subject} ({})", change.direction),
        None => format!("herald {}", change.direction),
    };
    let name = if change.instance_path.is_empty() {
        change.rule.to_string()
    } else {
        format!("{} at {}", change.rule, change.instance_path)
    };
    let mut attributes = format!(
        "name=\"{}\" classname=\"{}\"",
        escape(&name),
        escape(&classname)
    );
    if let Some((location, _)) = primary(change) {
        attributes.push_str(&format!(
            " file=\"{}\" line=\"{}\"",
            escape(&location.file),
            location.line
        ));
    }
    match kind(change) {
        Kind::Info => out.push_str(&format!("    <testcase {attributes}/>\n")),
        Kind::Ignored => {
            let reason = change.ignored.as_deref().unwrap_or_default();
            out.push_str(&format!("    <testcase {attributes}>\n"));
            out.push_str(&format!(
                "      <skipped message=\"{}\"/>\n",
                escape(reason)
            ));
            out.push_str("    </testcase>\n");
        }
        Kind::Breaking => {
            out.push_str(&format!("    <testcase {attributes}>\n"));
            out.push_str(&format!(
                "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                escape(&change.message),
                escape(change.rule),
                escape_text(&failure_body(change)),
            ));
            out.push_str("    </testcase>\n");
        }
    }
}

/// The failure's text: the message, where, and the witness.
fn failure_body(change: &ReportedChange) -> String {
    let mut body = format!("{}\n", change.message);
    if let Some(subject) = &change.subject {
        body.push_str(&format!("event: {subject} ({})\n", change.direction));
    } else {
        body.push_str(&format!("check: {}\n", change.direction));
    }
    let sides = [
        ("old", &change.old_location, change.old_path.as_deref()),
        ("new", &change.new_location, change.new_path.as_deref()),
    ];
    for (side, location, pointer) in sides {
        if let Some(location) = location {
            body.push_str(&format!(
                "{side}: {}:{}:{}",
                location.file, location.line, location.column
            ));
            if let Some(pointer) = pointer {
                body.push_str(&format!(" {pointer}"));
            }
            body.push('\n');
        }
    }
    if !change.instance_path.is_empty() {
        body.push_str(&format!("document path: {}\n", change.instance_path));
    }
    if let Some(witness) = &change.witness {
        let (writer, reader) = witness_roles(change);
        let pretty = serde_json::to_string_pretty(witness).unwrap_or_else(|_| witness.to_string());
        body.push_str(&format!(
            "witness (valid under the {writer} schema, rejected by the {reader}):\n{pretty}\n"
        ));
    }
    body
}

/// Escapes an attribute value (double-quoted). Tab, line feed and carriage return are written as
/// character references, which attribute-value normalisation would otherwise turn into spaces.
fn escape(text: &str) -> String {
    escape_xml(text, true)
}

/// Escapes element content; line breaks stay as they are.
fn escape_text(text: &str) -> String {
    escape_xml(text, false)
}

/// Escapes for XML 1.0. Characters XML 1.0 cannot carry at all (the C0 controls other than tab,
/// line feed and carriage return, U+FFFE, U+FFFF) become U+FFFD.
fn escape_xml(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(character),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_text};

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape("x\ny\tz\r"), "x&#10;y&#9;z&#13;");
        assert_eq!(escape("bell\u{7}"), "bell\u{fffd}");
        assert_eq!(escape_text("a\n<b> \"c\"\r"), "a\n&lt;b&gt; \"c\"&#13;");
    }
}

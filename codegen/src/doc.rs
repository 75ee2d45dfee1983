//! Descriptions from the catalog become documentation without ever becoming code: each line is
//! emitted as a `#[doc = "…"]` string literal (escaped), and fenced blocks are marked `text`
//! so rustdoc never compiles a JSON example as a doctest.

use crate::defaults::string_literal;

/// Splits a description into doc lines, fencing code blocks as `text`.
pub fn doc_lines(description: Option<&str>) -> Vec<String> {
    let Some(description) = description else {
        return Vec::new();
    };
    let mut in_fence = false;
    description
        .trim()
        .lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if let Some(info) = trimmed.strip_prefix("```") {
                let opening = !in_fence;
                in_fence = !in_fence;
                if opening && info.trim() != "text" {
                    return "```text".to_string();
                }
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// The `#[doc = …]` attributes for `lines` (one per line, each with a leading space so it
/// prints as `/// line`).
pub fn doc_attrs(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| {
            if line.is_empty() {
                "#[doc = \"\"]\n".to_string()
            } else {
                format!("#[doc = {}]\n", string_literal(&format!(" {line}")))
            }
        })
        .collect()
}

/// The same as inner attributes (`#![doc = …]`), for module documentation.
pub fn inner_doc_attrs(lines: &[String]) -> String {
    doc_attrs(lines).replace("#[doc", "#![doc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_examples_are_marked_text_and_quotes_escaped() {
        let lines = doc_lines(Some("An \"order\".\n```json\n{\"a\": 1}\n```\n"));
        assert_eq!(lines, ["An \"order\".", "```text", "{\"a\": 1}", "```"]);
        let attrs = doc_attrs(&lines[..1]);
        assert_eq!(attrs, "#[doc = \" An \\\"order\\\".\"]\n");
    }

    #[test]
    fn a_newline_in_a_description_never_becomes_a_line_of_code() {
        let attrs = doc_attrs(&doc_lines(Some("x\n}\nfn evil() {}")));
        assert_eq!(attrs.lines().count(), 3);
        assert!(attrs.lines().all(|line| line.starts_with("#[doc = ")));
    }
}

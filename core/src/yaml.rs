//! The one module that talks to `serde_yaml`.
//!
//! serde_yaml is frozen upstream (0.9.34+deprecated); keeping every call behind this module
//! means swapping it for a maintained parser touches one file.

use serde_json::Value;

use crate::source::Tracked;

/// A YAML syntax or type error with the byte offset where the parser stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// What the parser said, without its own "at line X column Y" suffix.
    pub message: String,
    /// Byte offset into the text, when the parser knows it.
    pub offset: Option<usize>,
}

/// Parses one YAML document into a JSON value.
///
/// Mapping keys must be strings and values must be representable as JSON (no tags, no
/// non-finite floats in the result), because everything herald reads is JSON Schema data.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    parse_tracked(text).map(|tracked| tracked.value)
}

/// [`parse`], also telling whether a mapping repeated a key (the last value is kept).
pub fn parse_tracked(text: &str) -> Result<Tracked, YamlError> {
    serde_yaml::from_str::<Tracked>(text).map_err(|error| {
        let offset = error.location().map(|location| location.index());
        YamlError {
            message: without_first_position(&error.to_string()),
            offset,
        }
    })
}

/// Drops the first " at line L column C" (the diagnostic shows that position itself) but keeps
/// later context such as ", while parsing a flow sequence at line 8 column 13".
fn without_first_position(message: &str) -> String {
    let Some(start) = message.find(" at line ") else {
        return message.to_string();
    };
    let rest = &message[start + " at line ".len()..];
    let after_numbers = rest
        .split_once(" column ")
        .map(|(_, tail)| tail.trim_start_matches(|c: char| c.is_ascii_digit()))
        .unwrap_or("");
    format!("{}{}", &message[..start], after_numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_mappings_into_json() {
        let value = parse("a:\n  b: [1, two]\n").unwrap();
        assert_eq!(value, serde_json::json!({"a": {"b": [1, "two"]}}));
    }

    #[test]
    fn reports_offset_of_syntax_error() {
        let error = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(error.offset.is_some());
        assert!(
            error
                .message
                .contains("while parsing a flow sequence at line 1"),
            "{}",
            error.message
        );
        assert!(
            !error
                .message
                .starts_with("did not find expected ',' or ']' at line")
        );
    }

    #[test]
    fn keeps_the_last_of_duplicate_keys() {
        // serde_yaml lets the last duplicate win; the parse notes that there was one.
        let tracked = parse_tracked("a: 1\nb: {c: 1, c: 2}\n").unwrap();
        assert_eq!(tracked.value, serde_json::json!({"a": 1, "b": {"c": 2}}));
        assert!(tracked.duplicate_keys);
        assert!(!parse_tracked("a: 1\nb: {c: 1}\n").unwrap().duplicate_keys);
    }

    #[test]
    fn reads_yaml_scalars_as_serde_json_does() {
        let text = "a: 1\nb: -2\nc: 2.5\nd: ~\ne: yes\nf: true\ng: '3'\nh: [1, {i: null}]\n";
        let direct: Value = serde_yaml::from_str(text).unwrap();
        assert_eq!(parse(text).unwrap(), direct);
    }
}

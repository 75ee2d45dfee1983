//! Maps JSON pointers to byte ranges in a YAML or JSON text.
//!
//! serde_yaml reports positions only for syntax errors, yet schema violations, `$ref`s and
//! cross-checks all speak in JSON pointers. A second, event-level pass with a parser that keeps
//! spans (saphyr-parser; JSON is YAML 1.2, so one pass serves both) fills this index. Strict
//! JSON texts take a byte scanner instead ([`super::json_index`]), with the same spans.

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

use saphyr_parser::{Event, Parser, Span};

/// Where the key and the value of each JSON pointer sit in a text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PointerIndex {
    values: FxHashMap<String, Range<usize>>,
    keys: FxHashMap<String, Range<usize>>,
    duplicates: Vec<(String, Range<usize>)>,
}

enum Frame {
    Mapping {
        pointer: String,
        start: usize,
        key: Option<String>,
        seen: FxHashSet<String>,
    },
    Sequence {
        pointer: String,
        start: usize,
        next: usize,
    },
}

impl PointerIndex {
    /// Indexes the first document of `text`. A text that does not parse is indexed up to the
    /// error, which is all a diagnostic about it can point at anyway.
    pub fn build(text: &str) -> Self {
        let looks_like_json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));
        looks_like_json
            .then(|| super::json_index::build(text))
            .flatten()
            .unwrap_or_else(|| Self::build_from_yaml_events(text))
    }

    /// The YAML pass: every text, JSON included.
    fn build_from_yaml_events(text: &str) -> Self {
        let offsets = CharOffsets::new(text);
        let mut index = PointerIndex::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        let mut documents = 0;
        while let Some(Ok((event, span))) = parser.next_event() {
            let range = offsets.range(&span);
            match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        break;
                    }
                }
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Mapping {
                        pointer, key, seen, ..
                    }) = stack.last_mut()
                        && key.is_none()
                    {
                        let child = crate::source::pointer_join(pointer, &value);
                        if seen.insert(value.to_string()) {
                            index.keys.insert(child.clone(), range);
                        } else {
                            index.duplicates.push((child.clone(), range));
                        }
                        *key = Some(child);
                        continue;
                    }
                    let pointer = next_child(&mut stack);
                    index.values.insert(pointer, range);
                }
                Event::Alias(_) => {
                    let pointer = next_child(&mut stack);
                    index.values.insert(pointer, range);
                }
                Event::MappingStart(..) => {
                    let pointer = next_child(&mut stack);
                    stack.push(Frame::Mapping {
                        pointer,
                        start: range.start,
                        key: None,
                        seen: FxHashSet::default(),
                    });
                }
                Event::SequenceStart(..) => {
                    let pointer = next_child(&mut stack);
                    stack.push(Frame::Sequence {
                        pointer,
                        start: range.start,
                        next: 0,
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    let (pointer, start) = match stack.pop() {
                        Some(Frame::Mapping { pointer, start, .. })
                        | Some(Frame::Sequence { pointer, start, .. }) => (pointer, start),
                        None => continue,
                    };
                    index
                        .values
                        .insert(pointer, start..first_line_end(text, start, range.end));
                }
                _ => {}
            }
        }
        index
    }

    pub(super) fn insert_value(&mut self, pointer: String, span: Range<usize>) {
        self.values.insert(pointer, span);
    }

    pub(super) fn insert_key(&mut self, pointer: String, span: Range<usize>) {
        self.keys.insert(pointer, span);
    }

    pub(super) fn push_duplicate(&mut self, pointer: String, span: Range<usize>) {
        self.duplicates.push((pointer, span));
    }

    /// The span of the value at `pointer`, or of its closest indexed ancestor.
    pub fn value_span(&self, pointer: &str) -> Option<Range<usize>> {
        let mut pointer = pointer;
        loop {
            if let Some(span) = self.values.get(pointer) {
                return Some(span.clone());
            }
            let cut = pointer.rfind('/')?;
            pointer = &pointer[..cut];
        }
    }

    /// Keys that appear twice in one mapping: (pointer, span of the second key). Parsers keep
    /// only one of the two values, so the other would be lost without a word.
    pub fn duplicates(&self) -> &[(String, Range<usize>)] {
        &self.duplicates
    }

    /// The span of the mapping key whose value is at `pointer`, if `pointer` names a key.
    pub fn key_span(&self, pointer: &str) -> Option<Range<usize>> {
        self.keys.get(pointer).cloned()
    }
}

/// The pointer of the next child of the innermost open container, advancing it.
fn next_child(stack: &mut [Frame]) -> String {
    match stack.last_mut() {
        None => String::new(),
        Some(Frame::Mapping { pointer, key, .. }) => key
            .take()
            .unwrap_or_else(|| format!("{pointer}/\u{0}complex-key")),
        Some(Frame::Sequence { pointer, next, .. }) => {
            let child = format!("{pointer}/{next}");
            *next += 1;
            child
        }
    }
}

/// A container's span is cut to its first line so snippets stay short.
pub(super) fn first_line_end(text: &str, start: usize, end: usize) -> usize {
    let end = end.max(start).min(text.len());
    match text.get(start..end).and_then(|slice| slice.find('\n')) {
        Some(newline) => start + newline,
        None => end,
    }
}

/// saphyr-parser counts characters; diagnostics need byte offsets.
struct CharOffsets {
    bytes_of_chars: Option<Vec<usize>>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let bytes_of_chars = (!text.is_ascii()).then(|| {
            text.char_indices()
                .map(|(byte, _)| byte)
                .chain(std::iter::once(text.len()))
                .collect()
        });
        CharOffsets {
            bytes_of_chars,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.bytes_of_chars {
            None => char_index.min(self.len),
            Some(table) => table.get(char_index).copied().unwrap_or(self.len),
        }
    }

    fn range(&self, span: &Span) -> Range<usize> {
        let start = self.byte(span.start.index());
        let end = self.byte(span.end.index()).max(start);
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, range: Option<Range<usize>>) -> &str {
        &text[range.expect("indexed")]
    }

    #[test]
    fn indexes_block_mapping_keys_and_scalars() {
        let text = "event: OrderPlaced\npayload:\n  type: object\n  required: [a, b]\n";
        let index = PointerIndex::build(text);
        assert_eq!(slice(text, index.value_span("/event")), "OrderPlaced");
        assert_eq!(slice(text, index.key_span("/payload")), "payload");
        assert_eq!(slice(text, index.value_span("/payload/type")), "object");
        assert_eq!(slice(text, index.value_span("/payload/required/1")), "b");
    }

    #[test]
    fn indexes_json_text() {
        let text = "{\"a\": {\"b/c\": [true, 12]}}";
        let index = PointerIndex::build(text);
        assert_eq!(slice(text, index.value_span("/a/b~1c/1")), "12");
        assert_eq!(slice(text, index.key_span("/a/b~1c")), "\"b/c\"");
    }

    #[test]
    fn records_duplicate_keys() {
        let text = "a: 1\nb:\n  c: 1\n  c: 2\n";
        let index = PointerIndex::build(text);
        assert_eq!(index.duplicates().len(), 1);
        assert_eq!(index.duplicates()[0].0, "/b/c");
        assert_eq!(&text[index.duplicates()[0].1.clone()], "c");
    }

    #[test]
    fn same_key_in_sibling_mappings_is_no_duplicate() {
        let index = PointerIndex::build("a: {type: x}\nb: {type: y}\n");
        assert!(index.duplicates().is_empty());
    }

    #[test]
    fn falls_back_to_closest_ancestor() {
        let text = "a:\n  b: 1\n";
        let index = PointerIndex::build(text);
        assert_eq!(slice(text, index.value_span("/a/b/c/d")), "1");
    }

    #[test]
    fn converts_character_positions_to_bytes() {
        let text = "name: ünïcode\nnext: x\n";
        let index = PointerIndex::build(text);
        assert_eq!(slice(text, index.value_span("/next")), "x");
        assert_eq!(slice(text, index.value_span("/name")), "ünïcode");
    }

    /// The JSON scanner and the YAML pass agree span for span on strict JSON texts without
    /// blanks before a closing bracket (saphyr counts those into the scalar before them).
    fn assert_same_index(text: &str) {
        let scanned = super::super::json_index::build(text).expect("strict JSON");
        assert_eq!(
            scanned,
            PointerIndex::build_from_yaml_events(text),
            "{text}"
        );
    }

    #[test]
    fn json_scanner_matches_the_yaml_pass() {
        for text in [
            "{}",
            "[]",
            "  {\"a\": 1}\n",
            "{\"a\": {\"b/c\": [true, 12, null, -1.5e3, \"x\\\"y\"]}, \"d~e\": {}}",
            "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"id\": {\"type\": \"string\"}\n  },\n  \"required\": [\n    \"id\"\n  ]\n}\n",
            "{\"a\": 1, \"a\": 2, \"b\": [[], [{}], {\"c\": []}]}",
            "{\"ünï\": \"cödé\", \"k\": \"\\u00e9\", \"\\u00e9\": 1}",
            "[\"\", 0, 0.0, \"a b\"]",
        ] {
            assert_same_index(text);
        }
    }

    proptest::proptest! {
        #[test]
        fn json_scanner_matches_the_yaml_pass_on_any_json(value in json_value(), pretty: bool) {
            let text = if pretty {
                serde_json::to_string_pretty(&value)
            } else {
                serde_json::to_string(&value)
            }
            .unwrap();
            assert_same_index(&text);
        }
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            (-1.0e6f64..1.0e6).prop_map(serde_json::Value::from),
            "[a-zé\\\\\"/~ \\n\\t]{0,6}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                proptest::collection::vec(("[a-z~/é\\\\]{0,4}", inner), 0..5)
                    .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    #[test]
    fn stops_quietly_at_syntax_errors() {
        let text = "a: [1, 2\nb: {";
        let index = PointerIndex::build(text);
        assert_eq!(slice(text, index.value_span("/a/0")), "1");
        assert!(index.key_span("/b").is_none());
    }
}

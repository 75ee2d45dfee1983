//! Maps JSON pointers to byte ranges in a YAML or JSON text.
//!
//! serde_yaml reports positions only for syntax errors, yet schema violations, `$ref`s and
//! cross-checks all speak in JSON pointers. A second, event-level pass with a parser that keeps
//! spans (saphyr-parser; JSON is YAML 1.2, so one pass serves both) fills this index.

use std::ops::Range;

use rustc_hash::{FxHashMap, FxHashSet};

use saphyr_parser::{Event, Parser, Span};

/// Where the key and the value of each JSON pointer sit in a text.
#[derive(Debug, Default, Clone)]
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
fn first_line_end(text: &str, start: usize, end: usize) -> usize {
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

    #[test]
    fn stops_quietly_at_syntax_errors() {
        let text = "a: [1, 2\nb: {";
        let index = PointerIndex::build(text);
        assert_eq!(slice(text, index.value_span("/a/0")), "1");
        assert!(index.key_span("/b").is_none());
    }
}

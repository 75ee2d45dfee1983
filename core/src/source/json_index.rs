//! The pointer index of a strict JSON text, in one pass over its bytes.
//!
//! Most payload schemas on the `herald diff` path are JSON files, and the YAML event parser
//! costs several times the comparison itself on them. JSON is YAML 1.2, so this scanner gives
//! the spans [`PointerIndex::build`](super::PointerIndex::build)'s YAML pass would, with one
//! deliberate difference: a scalar's span ends where its token does (saphyr's includes the
//! blanks before a following `}` or `]`). It gives up (and the caller falls back to that pass) at
//! anything outside strict JSON — comments, trailing commas, single quotes, a second value —
//! rather than guess.

use rustc_hash::FxHashSet;

use super::pointer_index::{PointerIndex, first_line_end};

/// Indexes `text` when it is one strict JSON value; `None` otherwise.
pub(super) fn build(text: &str) -> Option<PointerIndex> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        at: 0,
        index: PointerIndex::default(),
    };
    scanner.skip_whitespace();
    scanner.value(String::new(), 0)?;
    scanner.skip_whitespace();
    (scanner.at == scanner.bytes.len()).then_some(scanner.index)
}

/// Deeper nesting goes to the YAML pass (which has its own limits) instead of the stack.
const MAX_DEPTH: usize = 256;

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    index: PointerIndex,
}

impl Scanner<'_> {
    fn value(&mut self, pointer: String, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let start = self.at;
        match *self.bytes.get(self.at)? {
            b'{' => self.object(pointer, depth),
            b'[' => self.array(pointer, depth),
            b'"' => {
                self.string()?;
                self.index.insert_value(pointer, start..self.at);
                Some(())
            }
            _ => {
                self.scalar()?;
                self.index.insert_value(pointer, start..self.at);
                Some(())
            }
        }
    }

    fn object(&mut self, pointer: String, depth: usize) -> Option<()> {
        let start = self.at;
        self.at += 1;
        let mut seen = FxHashSet::default();
        self.skip_whitespace();
        if self.eat(b'}') {
            return self.close(pointer, start);
        }
        loop {
            self.skip_whitespace();
            let key_start = self.at;
            self.string()?;
            let key_range = key_start..self.at;
            let key = unquote(&self.text[key_range.clone()])?;
            let child = crate::source::pointer_join(&pointer, &key);
            if seen.insert(key) {
                self.index.insert_key(child.clone(), key_range);
            } else {
                self.index.push_duplicate(child.clone(), key_range);
            }
            self.skip_whitespace();
            if !self.eat(b':') {
                return None;
            }
            self.skip_whitespace();
            self.value(child, depth + 1)?;
            self.skip_whitespace();
            if self.eat(b'}') {
                return self.close(pointer, start);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn array(&mut self, pointer: String, depth: usize) -> Option<()> {
        let start = self.at;
        self.at += 1;
        self.skip_whitespace();
        if self.eat(b']') {
            return self.close(pointer, start);
        }
        let mut next = 0usize;
        loop {
            self.skip_whitespace();
            self.value(format!("{pointer}/{next}"), depth + 1)?;
            next += 1;
            self.skip_whitespace();
            if self.eat(b']') {
                return self.close(pointer, start);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// A container's span, cut to its first line as the YAML pass does.
    fn close(&mut self, pointer: String, start: usize) -> Option<()> {
        let end = first_line_end(self.text, start, self.at);
        self.index.insert_value(pointer, start..end);
        Some(())
    }

    /// A double-quoted string with valid escapes and no raw control characters.
    fn string(&mut self) -> Option<()> {
        if !self.eat(b'"') {
            return None;
        }
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {
                    self.at += 1;
                    match *self.bytes.get(self.at)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        b'u' => {
                            let hex = self.bytes.get(self.at + 1..self.at + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.at += 5;
                        }
                        _ => return None,
                    }
                }
                byte if byte < 0x20 => return None,
                _ => self.at += 1,
            }
        }
    }

    /// `true`, `false`, `null` or a JSON number, checked by serde_json's grammar.
    fn scalar(&mut self) -> Option<()> {
        let start = self.at;
        while let Some(byte) = self.bytes.get(self.at) {
            if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            self.at += 1;
        }
        let token = &self.text[start..self.at];
        match token {
            "true" | "false" | "null" => Some(()),
            _ if is_json_number(token) => Some(()),
            _ => None,
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }
}

/// The JSON number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(token: &str) -> bool {
    let bytes = token.as_bytes();
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    let digits = |at: &mut usize| {
        let start = *at;
        while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        *at - start
    };
    let integer_start = at;
    match digits(&mut at) {
        0 => return false,
        1 => {}
        _ if bytes[integer_start] == b'0' => return false,
        _ => {}
    }
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        if digits(&mut at) == 0 {
            return false;
        }
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        if digits(&mut at) == 0 {
            return false;
        }
    }
    at == bytes.len()
}

/// A key's text: its quoted form without escapes is the common case; escapes go to serde_json.
fn unquote(quoted: &str) -> Option<String> {
    let inner = &quoted[1..quoted.len() - 1];
    if inner.contains('\\') {
        serde_json::from_str(quoted).ok()
    } else {
        Some(inner.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_json_grammar() {
        for good in ["0", "-0", "12", "1.5", "-1.5e10", "2E-3", "0.0"] {
            assert!(is_json_number(good), "{good}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "+1", "0x1", "1.5.2", "NaN"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn leaves_what_is_not_strict_json_to_the_yaml_pass() {
        for text in [
            "{\"a\": 1,}",
            "{\"a\": 1} {}",
            "{'a': 1}",
            "{\"a\": 1 // note\n}",
            "a: 1",
            "{\"a\": tru}",
            "{\"a\": \"\\x\"}",
            "[1, 2",
        ] {
            assert!(build(text).is_none(), "{text}");
        }
    }

    #[test]
    fn decodes_escaped_keys() {
        let text = r#"{"a\u002Fb": {"\"q\"": 1}}"#;
        let index = build(text).expect("strict JSON");
        assert_eq!(&text[index.value_span("/a~1b/\"q\"").unwrap()], "1");
    }
}

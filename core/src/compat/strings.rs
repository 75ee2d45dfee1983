//! Sets of strings as JSON Schema describes them (`minLength`, `maxLength`, `pattern`), and
//! the one question the engine asks of them: is there a string in this set that violates that
//! constraint? The answer comes from a breadth-first search over the product of the patterns'
//! DFAs, byte by byte over valid UTF-8, counting characters: it finds the shortest witness, or
//! exhausts the finite product and so proves there is none.

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;

use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

/// How many product states a search may visit before it gives up (and says "unknown").
const SEARCH_BUDGET: usize = 200_000;

/// A compiled `pattern`: matches when the regex matches anywhere in the string, as JSON
/// Schema's `pattern` does.
pub struct Pattern {
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
}

/// Why a pattern cannot be used by the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError(pub String);

impl Pattern {
    /// Compiles `pattern` (Rust regex syntax, which covers the ECMA-262 patterns schemas use
    /// apart from look-around and back-references).
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        // Read the pattern as the `jsonschema` crate does (ECMA-262 translated to Rust syntax),
        // so `\d`, `\w` and `.` mean what the validator makes of them.
        let translated = jsonschema_regex::to_rust_regex(pattern).map_err(|()| {
            PatternError(format!(
                "`{pattern}` is not a pattern the validator supports"
            ))
        })?;
        let pattern = translated.as_ref();
        let dfa = dense::Builder::new()
            .configure(
                dense::Config::new()
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Anchored)
                    .unicode_word_boundary(true)
                    .dfa_size_limit(Some(8 << 20))
                    .determinize_size_limit(Some(8 << 20)),
            )
            .build(&format!(r"(?s:.)*?(?:{pattern})"))
            .map_err(|error| PatternError(error.to_string()))?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .map_err(|error| PatternError(error.to_string()))?;
        Ok(Pattern { dfa, start })
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let mut run = Run::Live(self.start);
        for byte in text.bytes() {
            run = self.step(run, byte);
        }
        self.finish(run)
    }

    fn step(&self, run: Run, byte: u8) -> Run {
        match run {
            Run::Live(state) => {
                let next = self.dfa.next_state(state, byte);
                if self.dfa.is_match_state(next) {
                    Run::Matched
                } else if self.dfa.is_dead_state(next) || self.dfa.is_quit_state(next) {
                    Run::Failed
                } else {
                    Run::Live(next)
                }
            }
            done => done,
        }
    }

    fn finish(&self, run: Run) -> bool {
        match run {
            Run::Matched => true,
            Run::Failed => false,
            Run::Live(state) => self.dfa.is_match_state(self.dfa.next_eoi_state(state)),
        }
    }
}

/// Where one pattern's DFA is while reading a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Run {
    Live(StateID),
    Matched,
    Failed,
}

/// A set of strings: every string whose length (in characters) is within bounds and that
/// every pattern matches.
#[derive(Default)]
pub struct StringSet<'a> {
    /// Shortest length.
    pub min_length: u64,
    /// Longest length, if bounded.
    pub max_length: Option<u64>,
    /// Patterns every string must match.
    pub patterns: Vec<&'a Pattern>,
}

/// What a string found by the search must violate.
pub enum Violation<'a> {
    /// Shorter than this.
    ShorterThan(u64),
    /// Longer than this.
    LongerThan(u64),
    /// Not matched by this pattern.
    Unmatched(&'a Pattern),
    /// Nothing: any member of the set (for sampling).
    None,
}

/// The outcome of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// The shortest string of the set that violates the constraint.
    Found(String),
    /// No string of the set violates it: proven.
    NoneExists,
    /// The search ran out of budget.
    GaveUp,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct State {
    runs: Vec<Run>,
    target: Run,
    length: u64,
    utf8: Utf8,
}

/// Which bytes may come next for the string to stay valid UTF-8.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Utf8 {
    remaining: u8,
    low: u8,
    high: u8,
}

const BOUNDARY: Utf8 = Utf8 {
    remaining: 0,
    low: 0,
    high: 0,
};

impl Utf8 {
    fn next(self, byte: u8) -> Option<(Utf8, bool)> {
        if self.remaining > 0 {
            if byte < self.low || byte > self.high {
                return None;
            }
            let remaining = self.remaining - 1;
            return Some((
                Utf8 {
                    remaining,
                    low: 0x80,
                    high: 0xBF,
                },
                false,
            ));
        }
        let (remaining, low, high) = match byte {
            0x00..=0x7F => (0, 0, 0),
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => return None,
        };
        Some((
            Utf8 {
                remaining,
                low,
                high,
            },
            true,
        ))
    }
}

/// Bytes in the order the search tries them: readable ASCII first, so witnesses read well.
fn byte_order() -> Vec<u8> {
    let mut order: Vec<u8> = (b'a'..=b'z')
        .chain(b'0'..=b'9')
        .chain(b'A'..=b'Z')
        .collect();
    order.extend((0x20u8..0x7F).filter(|byte| !byte.is_ascii_alphanumeric()));
    order.extend((0u8..0x20).chain(0x7F..=0xFF));
    order
}

/// Searches `set` for a string with `violation`.
pub fn search(set: &StringSet<'_>, violation: &Violation<'_>) -> Search {
    if set.patterns.is_empty()
        && let Some(found) = lengths_only(set, violation)
    {
        return found;
    }
    let bounds = [
        Some(set.min_length),
        set.max_length,
        match violation {
            Violation::ShorterThan(length) | Violation::LongerThan(length) => Some(*length),
            _ => None,
        },
    ];
    let cap = bounds.iter().flatten().max().copied().unwrap_or(0) + 1;
    let target_pattern = match violation {
        Violation::Unmatched(pattern) => Some(*pattern),
        _ => None,
    };
    let start = State {
        runs: set
            .patterns
            .iter()
            .map(|pattern| Run::Live(pattern.start))
            .collect(),
        target: target_pattern.map_or(Run::Failed, |pattern| Run::Live(pattern.start)),
        length: 0,
        utf8: BOUNDARY,
    };
    // Without patterns only the length matters, and one letter spells every length.
    let alphabet = if set.patterns.is_empty() && target_pattern.is_none() {
        vec![b'a']
    } else {
        byte_order()
    };
    let mut parents: HashMap<State, Option<(State, u8)>> = HashMap::default();
    let mut queue = VecDeque::new();
    parents.insert(start.clone(), None);
    queue.push_back(start);
    while let Some(state) = queue.pop_front() {
        if state.utf8.remaining == 0 && accepts(set, violation, target_pattern, &state) {
            return Search::Found(spell(&parents, &state));
        }
        if parents.len() > SEARCH_BUDGET {
            return Search::GaveUp;
        }
        for &byte in &alphabet {
            let Some((utf8, starts_char)) = state.utf8.next(byte) else {
                continue;
            };
            let length = (state.length + u64::from(starts_char)).min(cap);
            if set.max_length.is_some_and(|max| length > max) {
                continue;
            }
            let runs: Vec<Run> = set
                .patterns
                .iter()
                .zip(&state.runs)
                .map(|(pattern, run)| pattern.step(*run, byte))
                .collect();
            if runs.contains(&Run::Failed) {
                continue;
            }
            let target = match target_pattern {
                Some(pattern) => pattern.step(state.target, byte),
                None => Run::Failed,
            };
            // Once the consumer's pattern matched, no extension can violate it.
            if target_pattern.is_some() && target == Run::Matched {
                continue;
            }
            let next = State {
                runs,
                target,
                length,
                utf8,
            };
            if !parents.contains_key(&next) {
                parents.insert(next.clone(), Some((state.clone(), byte)));
                queue.push_back(next);
            }
        }
    }
    Search::NoneExists
}

/// Without patterns only lengths matter, and one letter spells every length: decide
/// directly instead of walking up to a `maxLength` of 65,535 one character at a time.
fn lengths_only(set: &StringSet<'_>, violation: &Violation<'_>) -> Option<Search> {
    let min = set.min_length;
    let fits = |length: u64| length >= min && set.max_length.is_none_or(|max| length <= max);
    let spell = |length: u64| {
        usize::try_from(length)
            .ok()
            .map(|length| Search::Found("a".repeat(length)))
    };
    match violation {
        Violation::None => {
            if fits(min) {
                spell(min)
            } else {
                Some(Search::NoneExists)
            }
        }
        Violation::ShorterThan(bound) => {
            if min < *bound && fits(min) {
                spell(min)
            } else {
                Some(Search::NoneExists)
            }
        }
        Violation::LongerThan(bound) => {
            let length = min.max(bound.saturating_add(1));
            if fits(length) {
                spell(length)
            } else {
                Some(Search::NoneExists)
            }
        }
        Violation::Unmatched(_) => None,
    }
}

fn accepts(
    set: &StringSet<'_>,
    violation: &Violation<'_>,
    target: Option<&Pattern>,
    state: &State,
) -> bool {
    if state.length < set.min_length {
        return false;
    }
    let all_match = set
        .patterns
        .iter()
        .zip(&state.runs)
        .all(|(pattern, run)| pattern.finish(*run));
    if !all_match {
        return false;
    }
    match violation {
        Violation::ShorterThan(length) => state.length < *length,
        Violation::LongerThan(length) => state.length > *length,
        Violation::Unmatched(_) => target.is_some_and(|pattern| !pattern.finish(state.target)),
        Violation::None => true,
    }
}

fn spell(parents: &HashMap<State, Option<(State, u8)>>, end: &State) -> String {
    let mut bytes = Vec::new();
    let mut at = end;
    while let Some(Some((parent, byte))) = parents.get(at) {
        bytes.push(*byte);
        at = parent;
    }
    bytes.reverse();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> Pattern {
        Pattern::new(text).unwrap()
    }

    #[test]
    fn patterns_match_anywhere_like_json_schema() {
        let p = pattern("b+");
        assert!(p.is_match("abbc"));
        assert!(!p.is_match("ac"));
        let anchored = pattern("^[A-Z]{3}$");
        assert!(anchored.is_match("EUR"));
        assert!(!anchored.is_match("EURO"));
    }

    #[test]
    fn proves_pattern_inclusion() {
        let old = pattern("^[A-Z]{3}$");
        let new = pattern("^[A-Z]+$");
        let set = StringSet {
            patterns: vec![&old],
            ..StringSet::default()
        };
        assert_eq!(
            search(&set, &Violation::Unmatched(&new)),
            Search::NoneExists
        );
    }

    #[test]
    fn finds_shortest_string_outside_narrower_pattern() {
        let old = pattern("^[a-z]+$");
        let new = pattern("^[a-y]+$");
        let set = StringSet {
            patterns: vec![&old],
            ..StringSet::default()
        };
        assert_eq!(
            search(&set, &Violation::Unmatched(&new)),
            Search::Found("z".to_string())
        );
    }

    #[test]
    fn lengths_count_characters() {
        let set = StringSet {
            min_length: 2,
            max_length: Some(4),
            patterns: vec![],
        };
        assert_eq!(
            search(&set, &Violation::LongerThan(3)),
            Search::Found("aaaa".to_string())
        );
        assert_eq!(search(&set, &Violation::ShorterThan(2)), Search::NoneExists);
        let unicode = pattern("^é+$");
        let set = StringSet {
            min_length: 0,
            max_length: Some(2),
            patterns: vec![&unicode],
        };
        assert_eq!(
            search(&set, &Violation::LongerThan(1)),
            Search::Found("éé".to_string())
        );
    }

    #[test]
    fn pattern_bounds_length() {
        let old = pattern("^[0-9]{5}$");
        let set = StringSet {
            patterns: vec![&old],
            ..StringSet::default()
        };
        assert_eq!(search(&set, &Violation::LongerThan(5)), Search::NoneExists);
        assert_eq!(
            search(&set, &Violation::LongerThan(4)),
            Search::Found("00000".to_string())
        );
    }
}

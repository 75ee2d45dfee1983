//! `minLength`, `maxLength`, `pattern`: rules `min-length-increased`, `max-length-decreased`,
//! `pattern-narrowed` and their mirrors, decided exactly with regex automata over the
//! producer's lengths and patterns (`format` is an annotation and never breaks).

use serde_json::{Map, Value};

use crate::compat::conj::{Conj, types};
use crate::compat::engine::Engine;
use crate::compat::facets::Facets;
use crate::compat::finding::{Finding, Hint, Info, Seg};
use crate::compat::strings::{Search, StringSet, Violation, search};
use crate::schema::refs::NodeRef;

/// Checks the consumer's string keywords against the strings the producer may write.
pub fn check(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &[Seg],
) {
    if facets.types & types::STRING == 0 {
        return;
    }
    let min = object.get("minLength").and_then(Value::as_u64);
    let max = object.get("maxLength").and_then(Value::as_u64);
    let pattern = object.get("pattern").and_then(Value::as_str);
    if min.is_none() && max.is_none() && pattern.is_none() {
        return;
    }
    // Producer patterns the automata cannot read are dropped: a larger set is a safe guess.
    let compiled: Vec<_> = facets
        .string
        .patterns
        .iter()
        .filter_map(|text| engine.producer.pattern(text))
        .collect();
    let set = StringSet {
        min_length: facets.string.min_length,
        max_length: facets.string.max_length,
        patterns: compiled.iter().map(|pattern| pattern.as_ref()).collect(),
    };
    let first = producer.nodes().next().cloned();
    let have = &facets.string;
    if let Some(min) = min {
        let outcome = search(&set, &Violation::ShorterThan(min));
        let widened = have.min_length > min;
        settle(
            engine,
            producer,
            consumer,
            path,
            outcome,
            "min-length-increased",
            &format!("strings need at least {min} characters"),
        );
        if widened {
            engine.note(Info::new(
                "min-length-decreased",
                format!("`minLength` is {min}"),
                first.clone(),
                consumer.clone(),
                path,
            ));
        }
    }
    if let Some(max) = max {
        let outcome = search(&set, &Violation::LongerThan(max));
        let widened = have.max_length.is_some_and(|old| old < max);
        settle(
            engine,
            producer,
            consumer,
            path,
            outcome,
            "max-length-decreased",
            &format!("strings may have at most {max} characters"),
        );
        if widened {
            engine.note(Info::new(
                "max-length-increased",
                format!("`maxLength` is {max}"),
                first.clone(),
                consumer.clone(),
                path,
            ));
        }
    }
    if let Some(text) = pattern {
        let Some(wanted) = engine.consumer.pattern(text) else {
            engine.unproven(producer, consumer, path, &format!("the pattern `{text}` uses features the automata cannot decide (look-around, back-references)"));
            return;
        };
        let outcome = search(&set, &Violation::Unmatched(&wanted));
        let changed = !have.patterns.iter().any(|old| old == text);
        let proven = outcome == Search::NoneExists;
        settle(
            engine,
            producer,
            consumer,
            path,
            outcome,
            "pattern-narrowed",
            &format!("strings must match `{text}`"),
        );
        if proven && changed && !have.patterns.is_empty() {
            engine.note(Info::new(
                "pattern-widened",
                format!("`pattern` is `{text}`, which accepts every string the old patterns did"),
                first,
                consumer.clone(),
                path,
            ));
        }
    }
}

fn settle(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    consumer: &NodeRef,
    path: &[Seg],
    outcome: Search,
    rule: &'static str,
    what: &str,
) {
    match outcome {
        Search::NoneExists => {}
        Search::Found(text) => {
            let message = format!(
                "{what}; the writer may write {}",
                Value::String(text.clone())
            );
            engine.report(Finding::broken(
                rule,
                message,
                producer.nodes().next().cloned(),
                consumer.clone(),
                path,
                Hint::Value(Value::String(text)),
            ));
        }
        Search::GaveUp => engine.unproven(
            producer,
            consumer,
            path,
            "the string automata are too large to compare",
        ),
    }
}

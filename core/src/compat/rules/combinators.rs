//! `allOf`, `$ref` (2019-09 and later, with siblings), `anyOf`, `oneOf`, `not`,
//! `if`/`then`/`else` and the keywords the engine cannot decide: rules `any-of-narrowed`,
//! `one-of-narrowed`, `one-of-ambiguous`, `not-added`, `conditional-narrowed`,
//! `cannot-prove-compatible`.

use serde_json::{Map, Value};

use crate::compat::conj::{Conj, types};
use crate::compat::engine::Engine;
use crate::compat::facets::Facets;
use crate::compat::finding::{Certainty, Finding, Hint, Seg};
use crate::schema::Draft;
use crate::schema::refs::NodeRef;

/// Checks the consumer's combinators.
pub fn check(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &mut Vec<Seg>,
) {
    if let Some(Value::Array(all)) = object.get("allOf") {
        for at in 0..all.len() {
            let item = engine.consumer.child(consumer, &["allOf", &at.to_string()]);
            engine.includes_conj(producer, &item, path);
        }
    }
    if engine.consumer.draft(consumer) >= Draft::Draft201909
        && let Some(target) = engine.consumer.target(consumer).cloned()
    {
        engine.includes_conj(producer, &target, path);
    }
    if let Some(Value::Array(branches)) = object.get("anyOf")
        && !implied_by_producer(engine, producer, consumer, &["anyOf"])
    {
        let branches: Vec<NodeRef> = (0..branches.len())
            .map(|at| engine.consumer.child(consumer, &["anyOf", &at.to_string()]))
            .collect();
        check_any_of(engine, producer, facets, consumer, &branches, path, false);
    }
    if let Some(Value::Array(branches)) = object.get("oneOf")
        && !implied_by_producer(engine, producer, consumer, &["oneOf"])
    {
        let branches: Vec<NodeRef> = (0..branches.len())
            .map(|at| engine.consumer.child(consumer, &["oneOf", &at.to_string()]))
            .collect();
        check_any_of(engine, producer, facets, consumer, &branches, path, true);
    }
    if object.contains_key("not") && !implied_by_producer(engine, producer, consumer, &["not"]) {
        let not = engine.consumer.child(consumer, &["not"]);
        if !engine.disjoint(producer, &not) && !excluded_by_producer(engine, producer, &not) {
            let hint = matching_value(engine, producer, &not).map_or(Hint::Sample, Hint::Value);
            let certainty = if matches!(hint, Hint::Value(_)) {
                Certainty::Broken
            } else {
                Certainty::Unproven
            };
            engine.report(Finding {
                certainty,
                ..Finding::broken(
                    "not-added",
                    "`not` rejects values the writer may write",
                    producer.nodes().next().cloned(),
                    not.clone(),
                    path,
                    hint,
                )
            });
        }
    }
    if object.contains_key("if")
        && engine.consumer.draft(consumer) >= Draft::Draft7
        && !implied_by_producer(engine, producer, consumer, &["if", "then", "else"])
    {
        check_conditional(engine, producer, consumer, object, path);
    }
    // Up to draft-07 the `jsonschema` crate asserts `contentEncoding`/`contentMediaType`; the
    // engine does not model them, so a changed one is a question it cannot settle.
    if engine.consumer.draft(consumer) <= Draft::Draft7 {
        for keyword in ["contentEncoding", "contentMediaType"] {
            if let Some(wanted) = object.get(keyword) {
                let kept = producer
                    .nodes()
                    .any(|node| engine.producer.value(node).get(keyword) == Some(wanted));
                if !kept {
                    engine.unproven(
                        producer,
                        consumer,
                        path,
                        &format!("`{keyword}` is asserted in this draft and beyond the engine"),
                    );
                }
            }
        }
    }
    let local = !crate::compat::facets::has_applicators(object);
    for keyword in [
        "unevaluatedProperties",
        "unevaluatedItems",
        "$dynamicRef",
        "$recursiveRef",
    ] {
        // Without in-place applicators, `unevaluated*` is read like `additional*` by the facets.
        if local && keyword.starts_with("unevaluated") {
            continue;
        }
        if object.contains_key(keyword) && !matches!(object.get(keyword), Some(Value::Bool(true))) {
            engine.unproven(
                producer,
                consumer,
                path,
                &format!("`{keyword}` is beyond the engine"),
            );
        }
    }
}

/// `anyOf` (and `oneOf`, which also needs the matching branch to be the only one).
fn check_any_of(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    branches: &[NodeRef],
    path: &mut Vec<Seg>,
    exclusive: bool,
) {
    let first = producer.nodes().next().cloned();
    let parts: Vec<u8> = [
        types::NULL,
        types::BOOLEAN,
        types::INTEGER | types::FRACTION,
        types::STRING,
        types::ARRAY,
        types::OBJECT,
    ]
    .into_iter()
    .filter(|bits| facets.types & bits != 0)
    .collect();
    // Whole producer first, then one JSON type at a time.
    let attempts: Vec<Conj> = std::iter::once(producer.clone())
        .chain(if parts.len() > 1 {
            parts
                .iter()
                .map(|bits| producer.restricted(*bits))
                .collect()
        } else {
            Vec::new()
        })
        .collect();
    let mut open: Vec<Conj> = vec![attempts[0].clone()];
    let mut covered_whole = false;
    for (index, attempt) in attempts.iter().enumerate() {
        if index > 0 && covered_whole {
            break;
        }
        if index == 1 {
            open.clear();
        }
        let mut matched = None;
        let mut hints = Vec::new();
        for (at, branch) in branches.iter().enumerate() {
            let found = engine.trial(|engine| engine.includes_conj(attempt, branch, path));
            if found.is_empty() {
                matched = Some(at);
                break;
            }
            hints.extend(
                found
                    .into_iter()
                    .map(|finding| (finding.path, finding.hint)),
            );
        }
        match matched {
            Some(at) => {
                if index == 0 {
                    covered_whole = true;
                }
                if exclusive {
                    for (other, branch) in branches.iter().enumerate() {
                        if other != at
                            && !engine.disjoint(attempt, branch)
                            && !exclusive_in_producer(engine, attempt, &branches[at], branch)
                        {
                            // A value of the other branch the writer writes may match both.
                            let hint = matching_value(engine, attempt, branch)
                                .map_or(Hint::Sample, Hint::Value);
                            engine.report(Finding {
                                certainty: Certainty::Unproven,
                                ..Finding::broken(
                                    "one-of-ambiguous",
                                    format!("a value the writer may write could match both branch {at} and branch {other} of `oneOf`"),
                                    first.clone(),
                                    consumer.clone(),
                                    path,
                                    hint,
                                )
                            });
                        }
                    }
                }
            }
            None if index > 0 || parts.len() <= 1 => {
                let rule = if exclusive {
                    "one-of-narrowed"
                } else {
                    "any-of-narrowed"
                };
                let keyword = if exclusive { "oneOf" } else { "anyOf" };
                let mut finding = Finding::broken(
                    rule,
                    format!("a value the writer may write matches no branch of `{keyword}`"),
                    first.clone(),
                    consumer.clone(),
                    path,
                    Hint::Sample,
                );
                if let Some((hint_path, hint)) = hints.first().cloned() {
                    finding.path = hint_path;
                    finding.hint = hint;
                }
                finding.alternatives = hints.into_iter().skip(1).collect();
                engine.report(finding);
            }
            None => open.push(attempt.clone()),
        }
    }
}

/// `if`/`then`/`else`: what the producer writes must pass `then` where it meets `if`, and
/// `else` where it does not.
fn check_conditional(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &mut Vec<Seg>,
) {
    let condition = engine.consumer.child(consumer, &["if"]);
    let then = object
        .contains_key("then")
        .then(|| engine.consumer.child(consumer, &["then"]));
    let otherwise = object
        .contains_key("else")
        .then(|| engine.consumer.child(consumer, &["else"]));
    let mut found = Vec::new();
    let mut failing = Vec::new();
    if engine.disjoint(producer, &condition) {
        if let Some(otherwise) = &otherwise {
            found = engine.trial(|engine| engine.includes_conj(producer, otherwise, path));
        }
    } else {
        // How the writer's documents may fail `if`: they show a break of `else`.
        failing = engine.trial(|engine| engine.includes_conj(producer, &condition, path));
        let always = failing.is_empty();
        if let Some(then) = &then {
            found.extend(engine.trial(|engine| engine.includes_conj(producer, then, path)));
        }
        if !always && let Some(otherwise) = &otherwise {
            found.extend(engine.trial(|engine| engine.includes_conj(producer, otherwise, path)));
        }
    }
    let mut inner = found.into_iter();
    if let Some(head) = inner.next() {
        let mut finding = Finding {
            rule: "conditional-narrowed",
            message: format!(
                "the reader's `if`/`then`/`else` may reject what the writer writes: {}",
                head.message
            ),
            ..head
        };
        finding
            .alternatives
            .extend(inner.map(|finding| (finding.path, finding.hint)));
        // A few suffice; each costs a witness attempt when no document breaks.
        finding.alternatives.extend(
            failing
                .into_iter()
                .take(2)
                .map(|finding| (finding.path, finding.hint)),
        );
        engine.report(finding);
    }
}

/// Whether the producer has a `oneOf` with both branches, word for word but for annotations
/// (same draft, no `$ref` inside): what it writes matches exactly one of its branches, so
/// never both.
/// (A tolerant reader reads something else than what was written: not there.)
fn exclusive_in_producer(
    engine: &Engine<'_, '_>,
    producer: &Conj,
    first: &NodeRef,
    second: &NodeRef,
) -> bool {
    if engine.reader_place().is_some() {
        return false;
    }
    let wanted = [first, second].map(|node| engine.consumer.value(node));
    if wanted
        .iter()
        .any(|value| crate::compat::engine::contains_ref(value))
    {
        return false;
    }
    let draft = engine.consumer.draft(first);
    producer.nodes().any(|node| {
        let Some(Value::Array(branches)) = engine.producer.value(node).get("oneOf") else {
            return false;
        };
        let own_draft = engine.producer.draft(node);
        // Up to draft-07 a `$ref` beside `oneOf` makes it ignored.
        if own_draft != draft
            || (own_draft <= Draft::Draft7 && engine.producer.value(node).get("$ref").is_some())
        {
            return false;
        }
        let found = wanted.map(|value| {
            branches
                .iter()
                .position(|branch| crate::compat::engine::same_but_annotations(branch, value))
        });
        matches!(found, [Some(a), Some(b)] if a != b)
    })
}

/// Whether the producer's own `not` already excludes everything `not` (a consumer node)
/// accepts: `not: number` before and `not: integer` after.
fn excluded_by_producer(engine: &Engine<'_, '_>, producer: &Conj, not: &NodeRef) -> bool {
    // The producer's `not` holds of the written document, not of a tolerant reading of it.
    if engine.reader_place().is_some() {
        return false;
    }
    producer.parts.iter().any(|part| {
        if engine.producer.value(&part.node).get("not").is_none() {
            return false;
        }
        let own = engine.producer.child(&part.node, &["not"]);
        // Reversed roles: is the consumer's `not` schema included in the producer's?
        let mut reversed = Engine::new(engine.consumer, engine.producer, engine.semantics);
        reversed.includes(&Conj::of([not.clone()]), &own, &mut Vec::new());
        reversed.findings.is_empty()
    })
}

/// A value the consumer-side schema `node` accepts and the producer writes, if sampling finds one.
fn matching_value(engine: &Engine<'_, '_>, producer: &Conj, node: &NodeRef) -> Option<Value> {
    let sampler = crate::compat::sample::Sampler::new(engine.consumer);
    let target = Conj::of([node.clone()]);
    let kinds = [
        types::NULL,
        types::BOOLEAN,
        types::INTEGER,
        types::FRACTION,
        types::STRING,
        types::ARRAY,
        types::OBJECT,
    ];
    kinds
        .into_iter()
        .flat_map(|bits| {
            [
                crate::compat::sample::Variant::Minimal,
                crate::compat::sample::Variant::Full,
            ]
            .map(|variant| sampler.with(&target, &[], &Hint::OfType(bits), variant))
        })
        .flatten()
        .find(|value| {
            producer
                .nodes()
                .all(|part| engine.producer.accepts(part, value) == Some(true))
        })
}

/// Whether a producer part has the very same keywords (same text, same draft, no `$ref`
/// inside): everything the producer writes satisfies its own schema, so it satisfies them.
/// These keywords mean the same wherever they stand, unlike `additionalProperties`.
fn implied_by_producer(
    engine: &Engine<'_, '_>,
    producer: &Conj,
    consumer: &NodeRef,
    keywords: &[&str],
) -> bool {
    // What the producer writes satisfies them; a tolerant reading of it may not.
    if engine.reader_place().is_some() {
        return false;
    }
    let wanted = engine.consumer.value(consumer);
    let draft = engine.consumer.draft(consumer);
    if keywords.iter().any(|keyword| {
        wanted
            .get(*keyword)
            .is_some_and(crate::compat::engine::contains_ref)
    }) {
        return false;
    }
    producer.nodes().any(|node| {
        let own = engine.producer.value(node);
        engine.producer.draft(node) == draft
            && keywords
                .iter()
                .all(|keyword| own.get(*keyword) == wanted.get(*keyword))
    })
}

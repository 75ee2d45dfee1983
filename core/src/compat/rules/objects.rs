//! `properties`, `patternProperties`, `additionalProperties`, `required`, `minProperties`,
//! `maxProperties`, `propertyNames`, `dependentRequired`/`dependencies`, `dependentSchemas`:
//! rules `required-property-added`, `property-added-to-open-model`,
//! `property-removed-from-closed-model`, `additional-properties-narrowed`,
//! `min-properties-increased`, `max-properties-decreased`, `property-names-narrowed`,
//! `dependent-required-added` and their mirrors. Property schemas are compared name by name.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::compat::conj::{Conj, types};
use crate::compat::engine::Engine;
use crate::compat::facets::{Facets, any_false};
use crate::compat::finding::{Finding, Hint, Info, Seg};
use crate::compat::options::Semantics;
use crate::compat::side::Side;
use crate::compat::tolerant;
use crate::schema::Draft;
use crate::schema::refs::NodeRef;

const OBJECT_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "unevaluatedProperties",
];

/// Checks the consumer's object keywords against the objects the producer may write.
pub fn check(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &mut Vec<Seg>,
) {
    if facets.types & types::OBJECT == 0
        || !OBJECT_KEYWORDS
            .iter()
            .any(|keyword| object.contains_key(*keyword))
    {
        return;
    }
    let wanted = Facets::of(engine.consumer, &Conj::of([consumer.clone()]));
    let tolerant = engine.semantics == Semantics::Tolerant;
    // Under tolerant semantics: whether the writer writes only declared properties here, and
    // how the reader reads objects here (what it keeps, what it fills).
    let declared_only = engine.writer_place().is_some();
    let reading = engine
        .reader_place()
        .map(|place| Reading::new(engine.consumer, place));
    let first = producer.nodes().next().cloned();
    let consumer_declared = wanted.declared_names();
    // A writer that writes only declared properties cannot write an object that must have
    // an undeclared one.
    if declared_only
        && facets.object.required.iter().any(|name| {
            let (schemas, declared) = facets.property(engine.producer, name);
            !declared || any_false(engine.producer, &schemas)
        })
    {
        return;
    }
    if let Some(reading) = &reading {
        check_defaults(engine, facets, &wanted, reading, path, first.clone());
    }

    // Objects with no property at all (`maxProperties: 0`) have nothing to compare by name.
    let empty = facets.object.max_properties == Some(0);
    // Every name either side declares.
    let mut names: BTreeSet<String> = if empty {
        BTreeSet::new()
    } else {
        facets.declared_names()
    };
    if !empty {
        names.extend(consumer_declared.iter().cloned());
    }
    for name in &names {
        let (producer_schemas, producer_declared) = facets.property(engine.producer, name);
        if any_false(engine.producer, &producer_schemas) || (declared_only && !producer_declared) {
            if consumer_declared.contains(name) && !facets.declared_names().contains(name) {
                let mut at = path.clone();
                at.push(Seg::Key(name.clone()));
                let node = engine.consumer.child(consumer, &["properties", name]);
                engine.note(Info::new(
                    "property-added",
                    format!("`{name}` is declared by the reader only; the writer never writes it"),
                    first.clone(),
                    node,
                    &at,
                ));
            }
            continue;
        }
        let (consumer_schemas, declared_by_consumer) = wanted.property(engine.consumer, name);
        let dropped = reading
            .as_ref()
            .is_some_and(|reading| !reading.keeps_in(engine.consumer, name));
        if consumer_schemas.is_empty() || dropped {
            if !declared_by_consumer
                && facets.declared_names().contains(name)
                && !consumer_declared.contains(name)
                && !wanted.object.members.is_empty()
            {
                let reader = if tolerant {
                    "which ignores it"
                } else {
                    "whose open model accepts it"
                };
                let mut at = path.clone();
                at.push(Seg::Key(name.clone()));
                engine.note(Info::new(
                    "property-removed",
                    format!("`{name}` is declared by the writer only; the reader does not declare it, {reader}"),
                    first.clone(),
                    consumer.clone(),
                    &at,
                ));
            }
            continue;
        }
        path.push(Seg::Key(name.clone()));
        let producer_value = Conj::of(producer_schemas);
        let found = engine.collect(|engine| {
            for schema in &consumer_schemas {
                engine.includes(&producer_value, schema, path);
            }
        });
        let from_open_model = !producer_declared;
        if found.is_empty() {
            if from_open_model && consumer_declared.contains(name) {
                engine.note(Info::new(
                    "property-added",
                    format!("`{name}` is declared by the reader only; whatever the writer's open model allowed there is still accepted"),
                    first.clone(),
                    consumer.clone(),
                    path,
                ));
            }
        } else if from_open_model && consumer_declared.contains(name) {
            engine.report_all(wrap(found, "property-added-to-open-model", format!(
                "the writer's open model allows any `{name}`, and the reader declares `{name}` with a schema that rejects some of those values"
            )));
        } else if !declared_by_consumer && all_false(engine, &consumer_schemas) {
            engine.report_all(wrap(
                found,
                "property-removed-from-closed-model",
                format!(
                    "`{name}` is not declared by the reader, which allows no undeclared properties"
                ),
            ));
        } else {
            for finding in found {
                engine.report(finding);
            }
        }
        path.pop();
    }

    // Under tolerant semantics, names no `properties` lists matter only when the writer may
    // write some (a pattern or an `additionalProperties` schema declares them) and the reader
    // keeps some.
    let unlisted_written = !declared_only || writes_unlisted(engine, facets);
    let unlisted_read = reading
        .as_ref()
        .is_none_or(|reading| reading.keeps_unlisted);
    let unlisted = unlisted_written && unlisted_read;
    if !empty && unlisted {
        check_other_names(engine, facets, &wanted, consumer, path);
    }
    let reading = reading.as_ref();
    check_required(
        engine,
        facets,
        &wanted,
        reading,
        consumer,
        path,
        first.clone(),
    );
    check_counts(
        engine,
        facets,
        &wanted,
        reading,
        consumer,
        object,
        path,
        first.clone(),
    );
    check_property_names(
        engine,
        facets,
        &wanted,
        reading,
        unlisted,
        consumer,
        path,
        first.clone(),
    );
    check_dependencies(
        engine, producer, facets, &wanted, reading, consumer, object, path, first,
    );
}

/// How a tolerant reader reads objects at one place: what it keeps and what it fills.
struct Reading {
    place: Vec<NodeRef>,
    /// Names listed in `properties` there.
    listed: Vec<String>,
    /// Whether a pattern or an `additionalProperties` schema keeps names not listed.
    keeps_unlisted: bool,
    /// The defaults it fills.
    defaults: Map<String, Value>,
}

impl Reading {
    fn new(side: &Side<'_>, place: &[NodeRef]) -> Self {
        Reading {
            place: place.to_vec(),
            listed: tolerant::listed(side, place),
            keeps_unlisted: tolerant::declares_unlisted(side, place),
            defaults: tolerant::defaults(side, place),
        }
    }

    /// Whether the reader keeps property `name` (`side` is the consumer).
    fn keeps_in(&self, side: &Side<'_>, name: &str) -> bool {
        self.listed.iter().any(|listed| listed == name)
            || (self.keeps_unlisted && tolerant::declared(side, &self.place, name).is_some())
    }

    fn fills(&self, name: &str) -> bool {
        self.defaults.contains_key(name)
    }
}

/// Whether the producer may write names no `properties` lists (a pattern or an
/// `additionalProperties` schema declares them).
fn writes_unlisted(engine: &Engine<'_, '_>, facets: &Facets) -> bool {
    facets.has_patterns()
        || facets.object.members.iter().any(|member| {
            member
                .additional
                .as_ref()
                .is_some_and(|node| engine.producer.value(node).is_object())
        })
}

/// Each default the reader fills where the writer may leave the property out (or the
/// reader drops it) must pass the consumer's schemas for that property.
fn check_defaults(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    reading: &Reading,
    path: &[Seg],
    first: Option<NodeRef>,
) {
    for (name, default) in &reading.defaults {
        if facets.object.required.contains(name) && reading.keeps_in(engine.consumer, name) {
            continue;
        }
        let (schemas, _) = wanted.property(engine.consumer, name);
        for schema in &schemas {
            let verdict = engine.consumer.validator(schema).map(|validator| {
                validator
                    .iter_errors(default)
                    .next()
                    .map(|error| error.kind().keyword().to_string())
            });
            let mut at = path.to_vec();
            at.push(Seg::Key(name.clone()));
            match verdict {
                Some(None) => {}
                Some(Some(keyword)) => engine.report(Finding::broken(
                    super::rule_for_keyword(&keyword),
                    format!(
                        "the reader fills `{name}` with its default {default}, which it rejects"
                    ),
                    first.clone(),
                    schema.clone(),
                    &at,
                    Hint::Absent,
                )),
                None => engine.report(Finding {
                    certainty: crate::compat::finding::Certainty::Unproven,
                    ..Finding::broken(
                        "cannot-prove-compatible",
                        format!("the reader fills `{name}` with a default herald cannot check"),
                        first.clone(),
                        schema.clone(),
                        &at,
                        Hint::Absent,
                    )
                }),
            }
        }
    }
}

fn all_false(engine: &Engine<'_, '_>, nodes: &[NodeRef]) -> bool {
    !nodes.is_empty()
        && nodes
            .iter()
            .all(|node| matches!(engine.consumer.value(node), Value::Bool(false)))
}

/// One finding for a group of inner ones, keeping their witness hints; `None` when there are
/// none.
fn wrap(found: Vec<Finding>, rule: &'static str, message: String) -> Option<Finding> {
    let mut inner = found.into_iter();
    let head = inner.next()?;
    let mut wrapped = Finding {
        rule,
        message,
        ..head
    };
    wrapped
        .alternatives
        .extend(inner.map(|finding| (finding.path, finding.hint)));
    Some(wrapped)
}

/// Undeclared names: the producer's `additionalProperties` against the consumer's.
fn check_other_names(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    consumer: &NodeRef,
    path: &mut Vec<Seg>,
) {
    if facets.has_patterns() || wanted.has_patterns() {
        let mine: BTreeSet<&String> = facets
            .object
            .members
            .iter()
            .flat_map(|member| &member.patterns)
            .collect();
        let theirs: BTreeSet<&String> = wanted
            .object
            .members
            .iter()
            .flat_map(|member| &member.patterns)
            .collect();
        if mine == theirs {
            check_same_patterns(engine, facets, wanted, consumer, path);
            return;
        }
    }
    let producer_other = facets.other();
    if any_false(engine.producer, &producer_other) {
        // The writer writes no undeclared property; note a reader that now accepts them.
        let reader_closed = wanted.object.members.iter().any(|member| {
            member
                .additional
                .as_ref()
                .is_some_and(|node| matches!(engine.consumer.value(node), Value::Bool(false)))
        });
        if !reader_closed {
            engine.note(Info::new(
                "additional-properties-widened",
                "the reader accepts undeclared properties; the writer allowed none",
                producer_other.first().cloned(),
                consumer.clone(),
                path,
            ));
        }
        return;
    }
    // Reader side: every schema an undeclared name may get — a pattern's or, for names no
    // pattern matches, `additionalProperties` — so the check is at least as strict as the
    // reader. Each group is compared under a name it applies to, for the witness.
    let declared: BTreeSet<String> = facets
        .declared_names()
        .union(&wanted.declared_names())
        .cloned()
        .collect();
    let consumer_patterns: Vec<(String, NodeRef)> = wanted
        .object
        .members
        .iter()
        .flat_map(|member| {
            member.patterns.iter().map(|pattern| {
                (
                    pattern.clone(),
                    engine
                        .consumer
                        .child(&member.node, &["patternProperties", pattern]),
                )
            })
        })
        .collect();
    let additional: Vec<NodeRef> = wanted
        .object
        .members
        .iter()
        .filter_map(|member| member.additional.clone())
        .collect();
    let mut groups: Vec<(String, Vec<NodeRef>)> = Vec::new();
    if !additional.is_empty() {
        let name = undeclared_name(engine, facets, &declared, None, |name| {
            !consumer_patterns.iter().any(|(pattern, _)| {
                engine
                    .consumer
                    .regex(pattern)
                    .is_some_and(|regex| regex.is_match(name))
            })
        });
        groups.push((name, additional));
    }
    for (pattern, node) in &consumer_patterns {
        let name = undeclared_name(engine, facets, &declared, Some(pattern), |_| true);
        groups.push((name, vec![node.clone()]));
    }
    if groups.is_empty() {
        return;
    }
    let producer_value = Conj::of(producer_other.clone());
    let found = engine.collect(|engine| {
        for (name, schemas) in &groups {
            path.push(Seg::Key(name.clone()));
            for schema in schemas {
                engine.includes(&producer_value, schema, path);
            }
            path.pop();
        }
    });
    let every: Vec<NodeRef> = groups
        .into_iter()
        .flat_map(|(_, schemas)| schemas)
        .collect();
    let message = if all_false(engine, &every) {
        "the reader allows no undeclared properties, and the writer's open model allows them"
    } else {
        "the reader gives undeclared properties a narrower schema"
    };
    if let Some(mut finding) = wrap(found, "additional-properties-narrowed", message.to_string()) {
        finding.consumer = consumer.clone();
        engine.report(finding);
    }
}

/// A property name neither side lists, matching `pattern` when given and accepted by
/// `fits`: one the writer's patterns match first (so a writer that writes only declared
/// properties may write it), else `extra`, `extra1`, ...
fn undeclared_name(
    engine: &Engine<'_, '_>,
    facets: &Facets,
    declared: &BTreeSet<String>,
    pattern: Option<&String>,
    fits: impl Fn(&str) -> bool,
) -> String {
    let writer_patterns: Vec<&String> = facets
        .object
        .members
        .iter()
        .flat_map(|member| &member.patterns)
        .collect();
    let mut candidates: Vec<String> = Vec::new();
    for own in &writer_patterns {
        let mut both: Vec<&str> = vec![own.as_str()];
        both.extend(pattern.map(String::as_str));
        candidates.extend(name_matching(engine, &both));
    }
    if let Some(pattern) = pattern {
        candidates.extend(name_matching(engine, &[pattern.as_str()]));
    }
    candidates.push("extra".to_string());
    candidates.extend((1..10).map(|at| format!("extra{at}")));
    candidates
        .into_iter()
        .find(|name| {
            !declared.contains(name)
                && fits(name)
                && pattern.is_none_or(|pattern| {
                    engine
                        .consumer
                        .regex(pattern)
                        .is_some_and(|regex| regex.is_match(name))
                })
        })
        .unwrap_or_else(|| "extra".to_string())
}

/// A string every one of `patterns` matches, when the string search finds one.
fn name_matching(engine: &Engine<'_, '_>, patterns: &[&str]) -> Option<String> {
    let compiled: Vec<_> = patterns
        .iter()
        .map(|pattern| engine.consumer.pattern(pattern))
        .collect::<Option<Vec<_>>>()?;
    let set = crate::compat::strings::StringSet {
        patterns: compiled.iter().map(|pattern| pattern.as_ref()).collect(),
        ..Default::default()
    };
    match crate::compat::strings::search(&set, &crate::compat::strings::Violation::None) {
        crate::compat::strings::Search::Found(name) => Some(name),
        _ => None,
    }
}

/// Both sides have the same `patternProperties` keys: compare pattern by pattern (names that
/// match several patterns get the conjunction on both sides, so this suffices), then the
/// `additionalProperties` of names no pattern matches.
fn check_same_patterns(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    consumer: &NodeRef,
    path: &mut Vec<Seg>,
) {
    let patterns: BTreeSet<String> = facets
        .object
        .members
        .iter()
        .flat_map(|member| member.patterns.iter().cloned())
        .collect();
    let declared: BTreeSet<String> = facets
        .declared_names()
        .union(&wanted.declared_names())
        .cloned()
        .collect();
    for pattern in &patterns {
        let mine = facets.pattern_schemas(engine.producer, pattern);
        let theirs = wanted.pattern_schemas(engine.consumer, pattern);
        let name = engine
            .consumer
            .pattern(pattern)
            .and_then(|compiled| {
                match crate::compat::strings::search(
                    &crate::compat::strings::StringSet {
                        patterns: vec![&compiled],
                        ..Default::default()
                    },
                    &crate::compat::strings::Violation::None,
                ) {
                    crate::compat::strings::Search::Found(name) if !declared.contains(&name) => {
                        Some(name)
                    }
                    _ => None,
                }
            })
            .unwrap_or_else(|| pattern.clone());
        path.push(Seg::Key(name));
        let producer_value = Conj::of(mine);
        for schema in &theirs {
            engine.includes(&producer_value, schema, path);
        }
        path.pop();
    }
    let mine: Vec<NodeRef> = facets
        .object
        .members
        .iter()
        .filter_map(|member| member.additional.clone())
        .collect();
    let theirs: Vec<NodeRef> = wanted
        .object
        .members
        .iter()
        .filter_map(|member| member.additional.clone())
        .collect();
    if theirs.is_empty() || any_false(engine.producer, &mine) {
        return;
    }
    let name = (0..)
        .map(|at| format!("extra{at}"))
        .find(|name| {
            !declared.contains(name)
                && !patterns.iter().any(|pattern| {
                    engine
                        .consumer
                        .regex(pattern)
                        .is_some_and(|regex| regex.is_match(name))
                })
        })
        .unwrap_or_else(|| "extra".to_string());
    let message = "the reader gives undeclared properties that match no pattern a narrower schema";
    compare_undeclared(engine, mine, &theirs, name, consumer, path, message);
}

/// Compares the schemas an undeclared property `name` gets on each side, reporting one
/// `additional-properties-narrowed` for whatever breaks.
fn compare_undeclared(
    engine: &mut Engine<'_, '_>,
    mine: Vec<NodeRef>,
    theirs: &[NodeRef],
    name: String,
    consumer: &NodeRef,
    path: &mut Vec<Seg>,
    message: &str,
) {
    path.push(Seg::Key(name));
    let producer_value = Conj::of(mine);
    let found = engine.collect(|engine| {
        for schema in theirs {
            engine.includes(&producer_value, schema, path);
        }
    });
    path.pop();
    if let Some(mut finding) = wrap(found, "additional-properties-narrowed", message.to_string()) {
        finding.consumer = consumer.clone();
        engine.report(finding);
    }
}

fn check_required(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    reading: Option<&Reading>,
    consumer: &NodeRef,
    path: &[Seg],
    first: Option<NodeRef>,
) {
    for name in &wanted.object.required {
        // A tolerant reader has the property when the writer always writes it and the
        // reader keeps it, or when the reader fills its default.
        let kept = reading.is_none_or(|reading| reading.keeps_in(engine.consumer, name));
        if facets.object.required.contains(name) && kept {
            continue;
        }
        if reading.is_some_and(|reading| reading.fills(name)) {
            continue;
        }
        let (producer_schemas, _) = facets.property(engine.producer, name);
        let message = if !kept {
            format!("`{name}` is required by the reader, which does not declare it and so drops it")
        } else if any_false(engine.producer, &producer_schemas) {
            format!("`{name}` is required by the reader, and the writer may not even write it")
        } else {
            format!("`{name}` is required by the reader; the writer may omit it")
        };
        let mut at = path.to_vec();
        at.push(Seg::Key(name.clone()));
        // Point at the `required` that lists the name (it may sit in an `allOf` part).
        let listing = crate::compat::conj::expand(engine.consumer, &Conj::of([consumer.clone()]))
            .nodes()
            .find(|node| {
                engine
                    .consumer
                    .value(node)
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|names| names.iter().any(|listed| listed.as_str() == Some(name)))
            })
            .map_or_else(
                || consumer.clone(),
                |node| engine.consumer.child(node, &["required"]),
            );
        let mut finding = Finding::broken(
            "required-property-added",
            message,
            first.clone(),
            listing,
            &at,
            Hint::Absent,
        );
        if !kept {
            // The writer may write it; the reader drops it.
            finding.alternatives.push((at.clone(), Hint::Sample));
            finding.alternatives.push((path.to_vec(), Hint::Sample));
        }
        engine.report(finding);
    }
    if engine.consumer.value(consumer).get("required").is_some()
        || engine.consumer.value(consumer).get("properties").is_some()
    {
        for name in facets.object.required.difference(&wanted.object.required) {
            engine.note(Info::new(
                "required-property-removed",
                format!("`{name}` is required by the writer only"),
                first.clone(),
                consumer.clone(),
                path,
            ));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_counts(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    reading: Option<&Reading>,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &[Seg],
    first: Option<NodeRef>,
) {
    let written_min = facets
        .object
        .min_properties
        .max(facets.object.required.len() as u64);
    let declared_only = engine.writer_place().is_some();
    let have_min = match reading {
        None => written_min,
        Some(reading) => {
            // The reader counts what it keeps and what it fills.
            let mut present: BTreeSet<&String> = facets
                .object
                .required
                .iter()
                .filter(|name| reading.keeps_in(engine.consumer, name))
                .collect();
            present.extend(reading.defaults.keys());
            // When it keeps everything the writer may write, the writer's own count holds.
            let keeps_all = declared_only
                && !writes_unlisted(engine, facets)
                && facets
                    .declared_names()
                    .iter()
                    .all(|name| reading.keeps_in(engine.consumer, name));
            if keeps_all {
                written_min.max(present.len() as u64)
            } else {
                present.len() as u64
            }
        }
    };
    if object.contains_key("minProperties") && have_min < wanted.object.min_properties {
        let mut finding = Finding::broken(
            "min-properties-increased",
            format!(
                "objects need at least {} properties by the reader; the writer may write {have_min}",
                wanted.object.min_properties
            ),
            first.clone(),
            consumer.clone(),
            path,
            Hint::FewestProperties,
        );
        if let Some(reading) = reading {
            // Documents whose properties the reader drops: one with a dropped property and
            // without a kept one.
            let names = facets.declared_names();
            let (dropped, kept): (Vec<&String>, Vec<&String>) = names
                .iter()
                .partition(|name| !reading.keeps_in(engine.consumer, name));
            for gone in dropped.iter().take(3) {
                finding
                    .alternatives
                    .push((path.to_vec(), Hint::ExtraProperty((*gone).clone())));
                for stays in kept.iter().take(3) {
                    finding.alternatives.push((
                        path.to_vec(),
                        Hint::WithWithout((*gone).clone(), (*stays).clone()),
                    ));
                }
            }
        }
        engine.report(finding);
    }
    if let Some(max) = wanted.object.max_properties
        && object.contains_key("maxProperties")
    {
        let closed = facets.object.members.iter().any(|member| {
            member.patterns.is_empty()
                && member
                    .additional
                    .as_ref()
                    .is_some_and(|node| matches!(engine.producer.value(node), Value::Bool(false)))
        });
        let mut have_max = match facets.object.max_properties {
            Some(own) => Some(own),
            None if closed => Some(facets.declared_names().len() as u64),
            None if declared_only && !writes_unlisted(engine, facets) => {
                Some(facets.declared_names().len() as u64)
            }
            None => None,
        };
        if let Some(reading) = reading {
            // The reader may add its defaults, and keeps at most what it declares.
            have_max = have_max.map(|have| have + reading.defaults.len() as u64);
            if !reading.keeps_unlisted {
                let listed = reading.listed.len() as u64;
                have_max = Some(have_max.map_or(listed, |have| have.min(listed)));
            }
        }
        if have_max.is_none_or(|have| have > max) {
            engine.report(Finding::broken(
                "max-properties-decreased",
                format!(
                    "objects may have at most {max} properties by the reader; the writer may write more"
                ),
                first,
                consumer.clone(),
                path,
                Hint::MostProperties(max + 1),
            ));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_property_names(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    reading: Option<&Reading>,
    unlisted: bool,
    consumer: &NodeRef,
    path: &[Seg],
    first: Option<NodeRef>,
) {
    for names in &wanted.object.property_names {
        // Declared names the producer may write must match, and so must the names of the
        // defaults a tolerant reader fills.
        let mut listed = facets.declared_names();
        if let Some(reading) = reading {
            listed.extend(reading.defaults.keys().cloned());
        }
        for name in listed {
            let filled = reading.is_some_and(|reading| reading.fills(&name));
            let (schemas, _) = facets.property(engine.producer, &name);
            if !filled
                && (any_false(engine.producer, &schemas)
                    || reading.is_some_and(|reading| !reading.keeps_in(engine.consumer, &name)))
            {
                continue;
            }
            if engine.consumer.accepts(names, &Value::String(name.clone())) == Some(false) {
                engine.report(Finding::broken(
                    "property-names-narrowed",
                    format!("the property name `{name}` is rejected by `propertyNames`"),
                    first.clone(),
                    consumer.clone(),
                    path,
                    Hint::Sample,
                ));
            }
        }
        // Undeclared names: the producer's `propertyNames` (or any string) must be included.
        if !unlisted || any_false(engine.producer, &facets.other()) && !facets.has_patterns() {
            continue;
        }
        let producer_names =
            Conj::of(facets.object.property_names.clone()).restricted(types::STRING);
        let found = engine.trial(|engine| engine.includes(&producer_names, names, &mut Vec::new()));
        if let Some(finding) = found.into_iter().next() {
            let hint = match finding.hint {
                Hint::Value(Value::String(name)) => Hint::ExtraProperty(name),
                _ => Hint::Sample,
            };
            let mut report = Finding::broken(
                "property-names-narrowed",
                "property names must match `propertyNames` by the reader; the writer may use others",
                first.clone(),
                consumer.clone(),
                path,
                hint,
            );
            report.certainty = finding.certainty;
            engine.report(report);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_dependencies(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    wanted: &Facets,
    reading: Option<&Reading>,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &mut Vec<Seg>,
    first: Option<NodeRef>,
) {
    let kept = |name: &str| reading.is_none_or(|reading| reading.keeps_in(engine.consumer, name));
    let filled = |name: &str| reading.is_some_and(|reading| reading.fills(name));
    for (name, needed) in &wanted.object.dependent_required {
        let (schemas, _) = facets.property(engine.producer, name);
        // The reader sees `name` when it fills it, or when the writer writes it and the
        // reader keeps it.
        if !filled(name) && (any_false(engine.producer, &schemas) || !kept(name)) {
            continue;
        }
        for other in needed {
            let implied = filled(other)
                || kept(other)
                    && (facets.object.required.contains(other)
                        || !filled(name)
                            && facets
                                .object
                                .dependent_required
                                .iter()
                                .any(|(own, list)| own == name && list.contains(other)));
            if !implied {
                let mut finding = Finding::broken(
                    "dependent-required-added",
                    format!("`{other}` is required whenever `{name}` is present"),
                    first.clone(),
                    consumer.clone(),
                    path,
                    Hint::WithWithout(name.clone(), other.clone()),
                );
                if filled(name) {
                    // The reader fills `name`: a document without it shows the break too.
                    finding
                        .alternatives
                        .push((path.clone(), Hint::FewestProperties));
                }
                engine.report(finding);
            }
        }
    }
    // `dependencies` is enforced in every draft by the validator; 2019-09 adds `dependentSchemas`.
    let keywords: &[&str] = if engine.consumer.draft(consumer) >= Draft::Draft201909 {
        &["dependentSchemas", "dependencies"]
    } else {
        &["dependencies"]
    };
    for &keyword in keywords {
        if let Some(Value::Object(map)) = object.get(keyword) {
            for (name, schema) in map {
                if schema.is_array() {
                    continue;
                }
                let node = engine.consumer.child(consumer, &[keyword, name]);
                // Sufficient: every producer object with `name` satisfies the schema, counting the
                // producer's own dependency for `name`.
                // Dependencies apply to objects only.
                let mut with_own = producer.restricted(types::OBJECT);
                for part in &producer.parts {
                    for own_keyword in ["dependentSchemas", "dependencies"] {
                        if engine
                            .producer
                            .value(&part.node)
                            .get(own_keyword)
                            .and_then(|map| map.get(name))
                            .is_some_and(|schema| !schema.is_array())
                        {
                            with_own.parts.push(crate::compat::conj::Part {
                                node: engine.producer.child(&part.node, &[own_keyword, name]),
                                mask: 0,
                            });
                        }
                    }
                }
                let found = engine.trial(|engine| engine.includes(&with_own, &node, path));
                if let Some(mut finding) = wrap(
                    found,
                    "dependent-schema-added",
                    format!("`{keyword}` of `{name}` rejects objects the writer may write"),
                ) {
                    // The objects that show it carry `name`.
                    let inner = (
                        std::mem::take(&mut finding.path),
                        std::mem::replace(&mut finding.hint, Hint::ExtraProperty(name.clone())),
                    );
                    finding.path = path.clone();
                    finding.alternatives.insert(0, inner);
                    engine.report(finding);
                }
            }
        }
    }
}

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
    let first = producer.nodes().next().cloned();
    let consumer_declared = wanted.declared_names();

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
        if any_false(engine.producer, &producer_schemas) || (tolerant && !producer_declared) {
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
        if consumer_schemas.is_empty() || (tolerant && !declared_by_consumer) {
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

    if !empty {
        check_other_names(engine, facets, &wanted, consumer, path);
    }
    check_required(engine, facets, &wanted, consumer, path, first.clone());
    check_counts(
        engine,
        facets,
        &wanted,
        consumer,
        object,
        path,
        first.clone(),
    );
    check_property_names(engine, facets, &wanted, consumer, path, first.clone());
    check_dependencies(
        engine, producer, facets, &wanted, consumer, object, path, first,
    );
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
    if engine.semantics == Semantics::Tolerant {
        // Producers emit only declared properties and consumers ignore undeclared ones — but an
        // `additionalProperties` schema declares every other name on both sides (generated
        // code keeps such properties in a map), so those schemas must still be included.
        let schemas = |side: &crate::compat::side::Side<'_>, found: &Facets| -> Vec<NodeRef> {
            found
                .object
                .members
                .iter()
                .filter_map(|member| member.additional.clone())
                .filter(|node| side.value(node).is_object())
                .collect()
        };
        let mine = schemas(engine.producer, facets);
        let theirs = schemas(engine.consumer, wanted);
        if mine.is_empty() || theirs.is_empty() {
            return;
        }
        let name = fresh_name(facets, wanted);
        let message =
            "the reader gives the properties of its `additionalProperties` map a narrower schema";
        compare_undeclared(engine, mine, &theirs, name, consumer, path, message);
        return;
    }
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
        return;
    }
    // Reader side: every schema an undeclared name may get — a pattern's or, for names no
    // pattern matches, `additionalProperties` — so the check is at least as strict as the reader.
    let mut consumer_other: Vec<NodeRef> = wanted
        .object
        .members
        .iter()
        .filter_map(|member| member.additional.clone())
        .collect();
    if wanted.has_patterns() {
        // Names matching the consumer's patterns get those schemas instead.
        for member in &wanted.object.members {
            for pattern in &member.patterns {
                consumer_other.push(
                    engine
                        .consumer
                        .child(&member.node, &["patternProperties", pattern]),
                );
            }
        }
    }
    if consumer_other.is_empty() {
        return;
    }
    let name = fresh_name(facets, wanted);
    path.push(Seg::Key(name.clone()));
    let producer_value = Conj::of(producer_other.clone());
    let found = engine.collect(|engine| {
        for schema in &consumer_other {
            engine.includes(&producer_value, schema, path);
        }
    });
    path.pop();
    let message = if all_false(engine, &consumer_other) {
        "the reader allows no undeclared properties, and the writer's open model allows them"
    } else {
        "the reader gives undeclared properties a narrower schema"
    };
    if let Some(mut finding) = wrap(found, "additional-properties-narrowed", message.to_string()) {
        finding.consumer = consumer.clone();
        engine.report(finding);
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

/// A property name neither side declares, for witnesses of undeclared properties.
fn fresh_name(facets: &Facets, wanted: &Facets) -> String {
    let taken: BTreeSet<String> = facets
        .declared_names()
        .union(&wanted.declared_names())
        .cloned()
        .collect();
    (0..)
        .map(|at| {
            if at == 0 {
                "extra".to_string()
            } else {
                format!("extra{at}")
            }
        })
        .find(|name| !taken.contains(name))
        .unwrap_or_else(|| "extra".to_string())
}

fn check_required(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    consumer: &NodeRef,
    path: &[Seg],
    first: Option<NodeRef>,
) {
    let tolerant = engine.semantics == Semantics::Tolerant;
    for name in &wanted.object.required {
        if facets.object.required.contains(name) {
            continue;
        }
        let (producer_schemas, _) = facets.property(engine.producer, name);
        if tolerant && has_default(engine, consumer, name) {
            continue;
        }
        let message = if any_false(engine.producer, &producer_schemas) {
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
        engine.report(Finding::broken(
            "required-property-added",
            message,
            first.clone(),
            listing,
            &at,
            Hint::Absent,
        ));
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

/// Whether the consumer declares a `default` for `name` (which its generated code fills).
fn has_default(engine: &Engine<'_, '_>, consumer: &NodeRef, name: &str) -> bool {
    let conj = crate::compat::conj::expand(engine.consumer, &Conj::of([consumer.clone()]));
    conj.nodes().any(|node| {
        engine
            .consumer
            .value(node)
            .get("properties")
            .and_then(|properties| properties.get(name))
            .is_some_and(|schema| schema.get("default").is_some())
    })
}

fn check_counts(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &[Seg],
    first: Option<NodeRef>,
) {
    let have_min = facets
        .object
        .min_properties
        .max(facets.object.required.len() as u64);
    if object.contains_key("minProperties") && have_min < wanted.object.min_properties {
        engine.report(Finding::broken(
            "min-properties-increased",
            format!(
                "objects need at least {} properties by the reader; the writer may write {have_min}",
                wanted.object.min_properties
            ),
            first.clone(),
            consumer.clone(),
            path,
            Hint::FewestProperties,
        ));
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
        let have_max = match facets.object.max_properties {
            Some(own) => Some(own),
            None if closed => Some(facets.declared_names().len() as u64),
            None => None,
        };
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

fn check_property_names(
    engine: &mut Engine<'_, '_>,
    facets: &Facets,
    wanted: &Facets,
    consumer: &NodeRef,
    path: &[Seg],
    first: Option<NodeRef>,
) {
    for names in &wanted.object.property_names {
        // Declared names the producer may write must match.
        for name in facets.declared_names() {
            let (schemas, _) = facets.property(engine.producer, &name);
            if any_false(engine.producer, &schemas) {
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
        if engine.semantics == Semantics::Tolerant
            || any_false(engine.producer, &facets.other()) && !facets.has_patterns()
        {
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
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &mut Vec<Seg>,
    first: Option<NodeRef>,
) {
    for (name, needed) in &wanted.object.dependent_required {
        let (schemas, _) = facets.property(engine.producer, name);
        if facets.object.required.contains(name)
            && needed
                .iter()
                .all(|other| facets.object.required.contains(other))
        {
            continue;
        }
        if any_false(engine.producer, &schemas) {
            continue;
        }
        for other in needed {
            let implied = facets.object.required.contains(other)
                || facets
                    .object
                    .dependent_required
                    .iter()
                    .any(|(own, list)| own == name && list.contains(other));
            if !implied {
                engine.report(Finding::broken(
                    "dependent-required-added",
                    format!("`{other}` is required whenever `{name}` is present"),
                    first.clone(),
                    consumer.clone(),
                    path,
                    Hint::WithWithout(name.clone(), other.clone()),
                ));
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

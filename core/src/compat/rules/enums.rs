//! `enum` and `const`: rules `enum-value-removed`, `enum-value-added`, `enum-added`,
//! `enum-removed`. A producer with finitely many values is checked value by value with the
//! consumer's compiled validator, which makes the answer exact.

use serde_json::{Map, Value};

use super::rule_for_keyword;
use crate::compat::conj::{Conj, types};
use crate::compat::engine::Engine;
use crate::compat::facets::Facets;
use crate::compat::finding::{Finding, Hint, Info, Seg};
use crate::compat::tolerant;
use crate::schema::refs::NodeRef;

/// The producer may write only `values`: each must be accepted by the consumer.
pub fn check_finite(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    values: &[Value],
    consumer: &NodeRef,
    path: &[Seg],
) {
    let first = producer.nodes().next().cloned();
    // `enum: [0]` also accepts `0.0`, which a draft-04 `integer` rejects: the same values
    // written with fractions count too.
    let spelled: Vec<Value> = values
        .iter()
        .flat_map(|value| {
            let float = as_floats(value);
            let other = (float != *value).then_some(float);
            std::iter::once(value.clone()).chain(other)
        })
        .collect();
    let written: Vec<&Value> = spelled
        .iter()
        .filter(|value| types::of_value(value) & facets.types != 0)
        .filter(|value| {
            producer
                .nodes()
                .all(|node| engine.producer.accepts(node, value) != Some(false))
        })
        .collect();
    let Some(validator) = engine.consumer.validator(consumer) else {
        engine.unproven(
            producer,
            consumer,
            path,
            "the reader's schema does not compile",
        );
        return;
    };
    // Under tolerant semantics the writer writes only declared properties, and the reader
    // validates its reading of the value.
    let written: Vec<&Value> = match engine.writer_place() {
        Some(place) => written
            .into_iter()
            .filter(|value| tolerant::only_declared(engine.producer, place, value))
            .collect(),
        None => written,
    };
    for value in written {
        let read = match engine.reader_place() {
            Some(place) => tolerant::view(engine.consumer, place, value),
            None => value.clone(),
        };
        let Some(error) = validator.iter_errors(&read).next() else {
            continue;
        };
        let keyword = error.kind().keyword().to_string();
        let rule = rule_for_keyword(&keyword);
        let message = format!("the writer may write {value}, which the reader rejects ({error})");
        engine.report(Finding::broken(
            rule,
            message,
            first.clone(),
            consumer.clone(),
            path,
            Hint::Value(value.clone()),
        ));
    }
    if let Some(Value::Array(accepted)) = engine.consumer.value(consumer).get("enum")
        && accepted.len() > values.len()
    {
        let added: Vec<String> = accepted
            .iter()
            .filter(|value| !values.contains(value))
            .map(Value::to_string)
            .collect();
        if !added.is_empty() {
            engine.note(Info::new(
                "enum-value-added",
                format!("new values accepted: {}", added.join(", ")),
                first,
                consumer.clone(),
                path,
            ));
        }
    }
}

/// The consumer limits values with `enum`/`const`; the producer's values are not a list.
pub fn check(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &[Seg],
) {
    // draft-04 has no `const`.
    let constant = object
        .get("const")
        .filter(|_| engine.consumer.draft(consumer) >= crate::schema::Draft::Draft6);
    let listed: Vec<Value> = match (object.get("enum"), constant) {
        (Some(Value::Array(values)), _) => values.clone(),
        (_, Some(value)) => vec![value.clone()],
        _ => return,
    };
    if facets.types & !(types::NULL | types::BOOLEAN) == 0 {
        let candidates: Vec<Value> = [Value::Null, Value::Bool(true), Value::Bool(false)]
            .into_iter()
            .filter(|value| types::of_value(value) & facets.types != 0)
            .collect();
        // Only the enum keyword is judged here; the rest of the consumer is checked by its rules.
        let first = producer.nodes().next().cloned();
        for value in candidates {
            let written = producer
                .nodes()
                .all(|node| engine.producer.accepts(node, &value) != Some(false));
            if written && !listed.contains(&value) {
                let message =
                    format!("the writer may write {value}, which is not in the reader's list");
                engine.report(Finding::broken(
                    "enum-added",
                    message,
                    first.clone(),
                    consumer.clone(),
                    path,
                    Hint::Value(value),
                ));
            }
        }
        return;
    }
    let shown: Vec<String> = listed.iter().take(5).map(Value::to_string).collect();
    let message = format!(
        "the value is limited to [{}{}], but the writer's values are not limited to a list",
        shown.join(", "),
        if listed.len() > 5 { ", ..." } else { "" }
    );
    engine.report(Finding::broken(
        "enum-added",
        message,
        producer.nodes().next().cloned(),
        consumer.clone(),
        path,
        Hint::NotIn(listed),
    ));
}

/// `value` with every integer written as a float (`1` as `1.0`).
fn as_floats(value: &Value) -> Value {
    match value {
        Value::Number(number) if !number.is_f64() => number
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| value.clone(), Value::Number),
        Value::Array(items) => Value::Array(items.iter().map(as_floats).collect()),
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(name, inner)| (name.clone(), as_floats(inner)))
                .collect(),
        ),
        other => other.clone(),
    }
}

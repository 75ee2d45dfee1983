//! `enum` and `const`: rules `enum-value-removed`, `enum-value-added`, `enum-added`,
//! `enum-removed`. A producer with finitely many values is checked value by value with the
//! consumer's compiled validator, which makes the answer exact.

use serde_json::{Map, Value};

use super::rule_for_keyword;
use crate::compat::conj::{Conj, types};
use crate::compat::engine::Engine;
use crate::compat::facets::Facets;
use crate::compat::finding::{Finding, Hint, Info, Seg};
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
    let written: Vec<&Value> = values
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
    for value in written {
        let Some(error) = validator.iter_errors(value).next() else {
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

//! `type`: rules `type-narrowed`, `integer-required`, `type-widened`.

use serde_json::{Map, Value};

use crate::compat::conj::{Conj, types};
use crate::compat::engine::Engine;
use crate::compat::facets::Facets;
use crate::compat::finding::{Finding, Hint, Info, Seg};
use crate::schema::refs::NodeRef;

/// Checks the consumer's `type` against the types the producer may write.
pub fn check(
    engine: &mut Engine<'_, '_>,
    producer: &Conj,
    facets: &Facets,
    consumer: &NodeRef,
    object: &Map<String, Value>,
    path: &[Seg],
) {
    let allowed = match object.get("type") {
        Some(Value::String(name)) => types::of_name(name),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(types::of_name)
            .fold(0, |a, b| a | b),
        _ => return,
    };
    let at = engine.consumer.child(consumer, &["type"]);
    // draft-04's `integer` rejects integral numbers written with a fraction (`1.0`), which
    // later drafts accept as integers.
    if engine.consumer.draft(consumer) == crate::schema::Draft::Draft4
        && allowed & types::INTEGER != 0
        && allowed & types::FRACTION == 0
        && facets.types & types::INTEGER != 0
        && producer
            .nodes()
            .any(|node| engine.producer.draft(node) > crate::schema::Draft::Draft4)
    {
        let witness = serde_json::Number::from_f64(
            crate::compat::sample::pick_number(&facets.number, true).unwrap_or(1.0),
        )
        .map_or(Value::Null, Value::Number);
        engine.report(Finding::broken(
            "type-narrowed",
            format!("draft-04's `integer` rejects {witness}, an integer the writer may spell with a fraction"),
            producer.nodes().next().cloned(),
            at.clone(),
            path,
            Hint::Value(witness),
        ));
    }
    let excluded = facets.types & !allowed;
    let first = producer.nodes().next().cloned();
    if excluded != 0 {
        let rule = if excluded == types::FRACTION {
            "integer-required"
        } else {
            "type-narrowed"
        };
        let message = format!(
            "the writer may write {}, which `type: {}` rejects",
            types::names(excluded).join(" or "),
            types::names(allowed).join(", ")
        );
        engine.report(Finding::broken(
            rule,
            message,
            first,
            at,
            path,
            Hint::OfType(excluded),
        ));
    } else if facets.typed && allowed & !facets.types != 0 {
        let message = format!(
            "`type` also accepts {}",
            types::names(allowed & !facets.types).join(" and ")
        );
        engine.note(Info::new(
            "type-widened",
            message,
            first,
            consumer.clone(),
            path,
        ));
    }
}

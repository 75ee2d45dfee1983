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
    path: &mut Vec<Seg>,
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
    let at = Some(engine.consumer.child(consumer, &["type"]));
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
            at.unwrap_or_else(|| consumer.clone()),
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

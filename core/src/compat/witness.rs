//! Turns findings into witnesses: a concrete document the producer's schema accepts and the
//! consumer's rejects, each checked with the `jsonschema` crate before it is shown. Under
//! tolerant semantics the consumer first drops the properties it does not declare and fills
//! its `default`s, as herald's generated code does.

use serde_json::{Map, Value};

use super::conj::{Conj, expand};
use super::finding::{Finding, Hint};
use super::options::Semantics;
use super::sample::{Sampler, Variant};
use super::side::Side;
use crate::schema::refs::NodeRef;

/// Checks documents against both sides.
pub struct Judge<'s, 'a> {
    producer: &'s Side<'a>,
    consumer: &'s Side<'a>,
    semantics: Semantics,
}

impl<'s, 'a> Judge<'s, 'a> {
    /// A judge for one comparison.
    pub fn new(producer: &'s Side<'a>, consumer: &'s Side<'a>, semantics: Semantics) -> Self {
        Judge {
            producer,
            consumer,
            semantics,
        }
    }

    /// Whether `document` shows a break: the producer accepts it, the consumer does not.
    pub fn breaks(&self, document: &Value) -> bool {
        if self.producer.accepts(&self.producer.root, document) != Some(true) {
            return false;
        }
        let read = match self.semantics {
            Semantics::Strict => document.clone(),
            Semantics::Tolerant => {
                if !only_declared(self.producer, &self.producer.root, document) {
                    return false;
                }
                tolerant_view(self.consumer, &self.consumer.root, document)
            }
        };
        self.consumer.accepts(&self.consumer.root, &read) == Some(false)
    }

    /// The witness for a finding, trying its hint and its alternatives.
    pub fn witness(&self, finding: &Finding) -> Option<Value> {
        let sampler = Sampler::new(self.producer);
        let root = Conj::of([self.producer.root.clone()]);
        let attempts = std::iter::once((finding.path.clone(), finding.hint.clone()))
            .chain(finding.alternatives.iter().cloned());
        for (path, hint) in attempts {
            for variant in [Variant::Minimal, Variant::Full] {
                if let Some(document) = sampler.with(&root, &path, &hint, variant)
                    && self.breaks(&document)
                {
                    return Some(document);
                }
            }
            // A value hint may break only in another variant of its surroundings.
            if let Hint::Value(_) = hint
                && let Some(document) = sampler.with(&root, &path, &Hint::Sample, Variant::Full)
                && self.breaks(&document)
            {
                return Some(document);
            }
        }
        None
    }

    /// Documents the producer accepts that the consumer rejects, found without a finding: the
    /// safety net behind the rules.
    pub fn search(&self) -> Option<Value> {
        let sampler = Sampler::new(self.producer);
        let root = Conj::of([self.producer.root.clone()]);
        [Variant::Minimal, Variant::Full]
            .into_iter()
            .filter_map(|variant| sampler.sample(&root, variant))
            .find(|document| self.breaks(document))
    }
}

/// Whether `document` has only properties `node` declares, at every level.
fn only_declared(side: &Side<'_>, node: &NodeRef, document: &Value) -> bool {
    match document {
        Value::Object(object) => {
            object
                .iter()
                .all(|(name, value)| match declared_schemas(side, node, name) {
                    None => false,
                    Some(schemas) => schemas
                        .iter()
                        .all(|schema| only_declared(side, schema, value)),
                })
        }
        Value::Array(items) => items.iter().all(|item| match item_schema(side, node) {
            Some(schema) => only_declared(side, &schema, item),
            None => true,
        }),
        _ => true,
    }
}

/// What a tolerant consumer reads: undeclared properties dropped, `default`s filled.
fn tolerant_view(side: &Side<'_>, node: &NodeRef, document: &Value) -> Value {
    match document {
        Value::Object(object) => {
            let mut read = Map::new();
            for (name, value) in object {
                if let Some(schemas) = declared_schemas(side, node, name) {
                    let value = schemas.iter().fold(value.clone(), |value, schema| {
                        tolerant_view(side, schema, &value)
                    });
                    read.insert(name.clone(), value);
                }
            }
            for part in expand(side, &Conj::of([node.clone()])).nodes() {
                if let Some(Value::Object(properties)) = side.value(part).get("properties") {
                    for (name, schema) in properties {
                        if let Some(default) = schema.get("default")
                            && !read.contains_key(name)
                        {
                            read.insert(name.clone(), default.clone());
                        }
                    }
                }
            }
            Value::Object(read)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| match item_schema(side, node) {
                    Some(schema) => tolerant_view(side, &schema, item),
                    None => item.clone(),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The schemas declaring `name` under `node` (by name, pattern, or an `additionalProperties`
/// schema); `None` when nothing declares it.
fn declared_schemas(side: &Side<'_>, node: &NodeRef, name: &str) -> Option<Vec<NodeRef>> {
    let conj = expand(side, &Conj::of([node.clone()]));
    let mut found = Vec::new();
    let mut open = false;
    for part in conj.nodes() {
        let value = side.value(part);
        if value
            .get("properties")
            .and_then(|properties| properties.get(name))
            .is_some()
        {
            found.push(side.child(part, &["properties", name]));
        }
        if let Some(Value::Object(patterns)) = value.get("patternProperties") {
            for pattern in patterns.keys() {
                if side
                    .regex(pattern)
                    .is_some_and(|regex| regex.is_match(name))
                {
                    found.push(side.child(part, &["patternProperties", pattern]));
                }
            }
        }
        if let Some(additional) = value.get("additionalProperties")
            && additional.is_object()
        {
            open = true;
        }
    }
    if found.is_empty() && open {
        for part in conj.nodes() {
            if side
                .value(part)
                .get("additionalProperties")
                .is_some_and(Value::is_object)
            {
                found.push(side.child(part, &["additionalProperties"]));
            }
        }
    }
    (!found.is_empty()).then_some(found)
}

fn item_schema(side: &Side<'_>, node: &NodeRef) -> Option<NodeRef> {
    let conj = expand(side, &Conj::of([node.clone()]));
    conj.nodes()
        .find(|part| side.value(part).get("items").is_some_and(Value::is_object))
        .map(|part| side.child(part, &["items"]))
}

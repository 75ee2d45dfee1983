//! Turns findings into witnesses: a concrete document the producer's schema accepts and the
//! consumer's rejects, each checked with the `jsonschema` crate before it is shown. Under
//! tolerant semantics the consumer first drops the properties it does not declare and fills
//! its `default`s, as herald's generated code does.

use serde_json::Value;

use super::conj::Conj;
use super::finding::{Finding, Hint};
use super::options::Semantics;
use super::sample::{Sampler, Variant};
use super::side::Side;
use super::tolerant;

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
                let writer = std::slice::from_ref(&self.producer.root);
                if !tolerant::only_declared(self.producer, writer, document) {
                    return false;
                }
                tolerant::view(
                    self.consumer,
                    std::slice::from_ref(&self.consumer.root),
                    document,
                )
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

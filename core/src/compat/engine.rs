//! The inclusion walker: does every document the producer's schema accepts pass the
//! consumer's? It splits the producer into disjuncts, then checks each keyword group of the
//! consumer's schema against the producer's facets, recursing into properties and items.
//! Recursive schemas are handled coinductively: a (producer, consumer) pair met again while
//! being checked is assumed included, which is sound because recursion is always guarded by a
//! property or an item (unguarded recursion is rejected by `herald validate`).

use std::collections::HashSet;

use serde_json::Value;

use super::conj::{Conj, split, types};
use super::facets::Facets;
use super::finding::{Certainty, Finding, Hint, Info, Seg};
use super::options::Semantics;
use super::rules;
use super::side::Side;
use crate::schema::Draft;
use crate::schema::refs::NodeRef;

/// How many disjuncts a producer may split into before disjunctions are dropped.
const SPLIT_LIMIT: usize = 64;
/// How many (producer, consumer) checks one comparison may make.
const STEP_BUDGET: usize = 20_000;

/// One comparison: may the consumer reject what the producer writes?
pub struct Engine<'s, 'a> {
    /// The writing side.
    pub producer: &'s Side<'a>,
    /// The reading side.
    pub consumer: &'s Side<'a>,
    /// Strict or tolerant.
    pub semantics: Semantics,
    assumed: HashSet<(Vec<NodeRef>, u8, NodeRef)>,
    steps: usize,
    trial_depth: usize,
    /// Breaks and open questions, in the order found.
    pub findings: Vec<Finding>,
    /// Compatible changes noticed on the way.
    pub infos: Vec<Info>,
}

impl<'s, 'a> Engine<'s, 'a> {
    /// An engine comparing `producer` against `consumer`.
    pub fn new(producer: &'s Side<'a>, consumer: &'s Side<'a>, semantics: Semantics) -> Self {
        Engine {
            producer,
            consumer,
            semantics,
            assumed: HashSet::new(),
            steps: 0,
            trial_depth: 0,
            findings: Vec::new(),
            infos: Vec::new(),
        }
    }

    /// Compares the two roots.
    pub fn run(&mut self) {
        let producer = Conj::of([self.producer.root.clone()]);
        let consumer = self.consumer.root.clone();
        self.includes(&producer, &consumer, &mut Vec::new());
        if self.steps > STEP_BUDGET {
            self.unproven(
                &producer,
                &consumer,
                &[],
                "the schemas are too large to compare exhaustively within herald's budget",
            );
        }
    }

    /// Records a finding.
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Records a finding when there is one.
    pub fn report_all(&mut self, finding: Option<Finding>) {
        if let Some(finding) = finding {
            self.report(finding);
        }
    }

    /// Records a compatible change (not during trials).
    pub fn note(&mut self, info: Info) {
        if self.trial_depth == 0 && !self.infos.contains(&info) {
            self.infos.push(info);
        }
    }

    /// Runs a check whose findings the caller reports itself (wrapped in a rule of its own),
    /// keeping the compatible changes it notices.
    pub fn collect(&mut self, check: impl FnOnce(&mut Self)) -> Vec<Finding> {
        let saved = std::mem::take(&mut self.findings);
        check(self);
        std::mem::replace(&mut self.findings, saved)
    }

    /// Runs a check without recording its findings, and returns them.
    pub fn trial(&mut self, check: impl FnOnce(&mut Self)) -> Vec<Finding> {
        let saved = std::mem::take(&mut self.findings);
        self.trial_depth += 1;
        check(self);
        self.trial_depth -= 1;
        std::mem::replace(&mut self.findings, saved)
    }

    /// Checks that everything `producer` accepts, `consumer` accepts.
    pub fn includes(&mut self, producer: &Conj, consumer: &NodeRef, path: &mut Vec<Seg>) {
        if producer.types == types::ALL && self.same_schema(producer, consumer) {
            return;
        }
        if self.steps > STEP_BUDGET {
            return;
        }
        for disjunct in split(self.producer, producer, SPLIT_LIMIT) {
            self.includes_conj(&disjunct, consumer, path);
        }
    }

    /// [`Self::includes`] for a producer that is already split.
    pub fn includes_conj(&mut self, producer: &Conj, consumer: &NodeRef, path: &mut Vec<Seg>) {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            // Reported once, by `run`, outside any trial: a check cut short proves nothing.
            return;
        }
        let mut key_nodes: Vec<NodeRef> = producer.nodes().cloned().collect();
        key_nodes.sort();
        let key = (key_nodes, producer.types, consumer.clone());
        if !self.assumed.insert(key.clone()) {
            return;
        }
        self.compare(producer, consumer, path);
        self.assumed.remove(&key);
    }

    fn compare(&mut self, producer: &Conj, consumer: &NodeRef, path: &mut Vec<Seg>) {
        if self.same_schema(producer, consumer) {
            return;
        }
        let facets = Facets::of(self.producer, producer);
        if facets.unsatisfiable {
            return;
        }
        let object = match self.consumer.value(consumer) {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                self.report(Finding {
                    rule: "value-forbidden",
                    certainty: Certainty::Broken,
                    message: "the schema became `false`: no value is accepted here any more"
                        .to_string(),
                    producer: producer.nodes().next().cloned(),
                    consumer: consumer.clone(),
                    path: path.clone(),
                    hint: Hint::Sample,
                    alternatives: Vec::new(),
                });
                return;
            }
            Value::Object(object) => object.clone(),
            _ => return,
        };
        if self.same_schema(producer, consumer) {
            return;
        }
        if self.consumer.draft(consumer) <= Draft::Draft7
            && let Some(target) = self.consumer.target(consumer).cloned()
        {
            self.includes_conj(producer, &target, path);
            return;
        }
        if let Some(values) = &facets.values {
            rules::enums::check_finite(self, producer, &facets, values, consumer, path);
            return;
        }
        rules::types::check(self, producer, &facets, consumer, &object, path);
        rules::enums::check(self, producer, &facets, consumer, &object, path);
        rules::numbers::check(self, producer, &facets, consumer, &object, path);
        rules::strings::check(self, producer, &facets, consumer, &object, path);
        rules::arrays::check(self, producer, &facets, consumer, &object, path);
        rules::objects::check(self, producer, &facets, consumer, &object, path);
        rules::combinators::check(self, producer, &facets, consumer, &object, path);
    }

    /// A producer part that is the very same schema (same text, no `$ref` inside) needs no check.
    fn same_schema(&self, producer: &Conj, consumer: &NodeRef) -> bool {
        let wanted = self.consumer.value(consumer);
        if contains_ref(wanted) {
            return false;
        }
        // The same text means the same set only when read with the same draft.
        let draft = self.consumer.draft(consumer);
        producer.parts.iter().any(|part| {
            part.mask == 0
                && self.producer.draft(&part.node) == draft
                && self.producer.value(&part.node) == wanted
        })
    }

    /// Records that the engine could not settle a question (a break, unproven).
    pub fn unproven(&mut self, producer: &Conj, consumer: &NodeRef, path: &[Seg], why: &str) {
        self.report(Finding {
            rule: "cannot-prove-compatible",
            certainty: Certainty::Unproven,
            message: format!("herald could not prove this part compatible: {why}"),
            producer: producer.nodes().next().cloned(),
            consumer: consumer.clone(),
            path: path.to_vec(),
            hint: Hint::Sample,
            alternatives: Vec::new(),
        });
    }

    /// Whether no document is accepted by both `producer` and `other` (a consumer-side node).
    /// `false` means "not proven", not "overlapping".
    pub fn disjoint(&self, producer: &Conj, other: &NodeRef) -> bool {
        let mine = Facets::of(self.producer, producer);
        if mine.unsatisfiable {
            return true;
        }
        let other_conj = super::conj::expand(self.consumer, &Conj::of([other.clone()]));
        let theirs = Facets::of(self.consumer, &other_conj);
        if theirs.unsatisfiable || mine.types & theirs.types == 0 {
            return true;
        }
        if let Some(values) = &mine.values {
            return values
                .iter()
                .all(|value| self.consumer.accepts(other, value) == Some(false));
        }
        if let Some(values) = &theirs.values {
            let producer_nodes: Vec<NodeRef> = producer.nodes().cloned().collect();
            return values.iter().all(|value| {
                producer_nodes
                    .iter()
                    .any(|node| self.producer.accepts(node, value) == Some(false))
            });
        }
        // A discriminator: a property the producer always has, with values the other rejects.
        for name in &mine.object.required {
            let (schemas, _) = mine.property(self.producer, name);
            let values = Facets::of(
                self.producer,
                &super::conj::expand(self.producer, &Conj::of(schemas)),
            )
            .values;
            let (their_schemas, _) = theirs.property(self.consumer, name);
            if let Some(values) = values
                && mine.types & !types::OBJECT == 0
                && !their_schemas.is_empty()
                && values.iter().all(|value| {
                    their_schemas
                        .iter()
                        .any(|node| self.consumer.accepts(node, value) == Some(false))
                })
            {
                return true;
            }
        }
        false
    }
}

/// Whether a schema has a reference anywhere inside.
pub(crate) fn contains_ref(value: &Value) -> bool {
    match value {
        Value::Object(object) => {
            object.contains_key("$ref")
                || object.contains_key("$dynamicRef")
                || object.contains_key("$recursiveRef")
                || object.values().any(contains_ref)
        }
        Value::Array(items) => items.iter().any(contains_ref),
        _ => false,
    }
}

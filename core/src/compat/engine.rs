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
use super::tolerant;
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
    assumed: HashSet<Assumption>,
    /// Under tolerant semantics, the places being compared, innermost last.
    places: Vec<Place>,
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
            places: Vec::new(),
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
        if self.semantics == Semantics::Tolerant {
            self.places.push(Place {
                depth: 0,
                reader: Some(vec![consumer.clone()]),
                writer: Some(vec![self.producer.root.clone()]),
            });
        }
        self.includes(&producer, &consumer, &mut Vec::new());
        self.places.clear();
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
        let entered = self.enter(path);
        let mut key_nodes: Vec<NodeRef> = producer.nodes().cloned().collect();
        key_nodes.sort();
        // Under tolerant semantics a pair means what it means at its place.
        let place = self
            .places
            .last()
            .map(|place| (place.reader.clone(), place.writer.clone()));
        let key = (key_nodes, producer.types, consumer.clone(), place);
        if self.assumed.insert(key.clone()) {
            self.compare(producer, consumer, path);
            self.assumed.remove(&key);
        }
        if entered {
            self.places.pop();
        }
    }

    /// Under tolerant semantics, the reader's schemas at the place being compared; `None`
    /// under strict semantics or where the reader reads the value whole.
    pub fn reader_place(&self) -> Option<&[NodeRef]> {
        self.places.last().and_then(|place| place.reader.as_deref())
    }

    /// Under tolerant semantics, the writer's schemas at the place being compared; `None`
    /// under strict semantics or where the writer may write anything (a free-form item).
    pub fn writer_place(&self) -> Option<&[NodeRef]> {
        self.places.last().and_then(|place| place.writer.as_deref())
    }

    /// Runs `check` at an explicitly given place (for subschemas such as `contains` that
    /// apply at places the instance path alone does not describe).
    pub fn at_place<R>(
        &mut self,
        depth: usize,
        reader: Option<Vec<NodeRef>>,
        writer: Option<Vec<NodeRef>>,
        check: impl FnOnce(&mut Self) -> R,
    ) -> R {
        if self.semantics == Semantics::Strict {
            return check(self);
        }
        self.places.push(Place {
            depth,
            reader,
            writer,
        });
        let result = check(self);
        self.places.pop();
        result
    }

    /// Enters the place at `path` when it is not the current one; returns whether it did.
    fn enter(&mut self, path: &[Seg]) -> bool {
        let Some(current) = self.places.last() else {
            return false;
        };
        if current.depth == path.len() {
            return false;
        }
        let next = if current.depth < path.len() {
            let mut reader = current.reader.clone();
            let mut writer = current.writer.clone();
            for seg in &path[current.depth..] {
                reader = reader.and_then(|place| self.step(self.consumer, &place, seg));
                writer = writer.and_then(|place| self.step(self.producer, &place, seg));
            }
            Place {
                depth: path.len(),
                reader,
                writer,
            }
        } else {
            // A check on a path of its own (`propertyNames`): read strictly, which is exact
            // for the strings it compares.
            Place {
                depth: path.len(),
                reader: None,
                writer: None,
            }
        };
        self.places.push(next);
        true
    }

    fn step(&self, side: &Side<'_>, place: &[NodeRef], seg: &Seg) -> Option<Vec<NodeRef>> {
        match seg {
            Seg::Key(name) => tolerant::declared(side, place, name),
            Seg::Index(at) => {
                Some(tolerant::items(side, place, *at)).filter(|items| !items.is_empty())
            }
        }
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
        // A tolerant reader validates its own reading of what was written, which may fail a
        // schema the written document passes (a filled default, a dropped property).
        if self.reader_place().is_some() && !reading_neutral(wanted) {
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
        // A tolerant reader judges its reading of the written document: each argument below
        // holds of that reading only for scalar values (read as written) and for properties
        // the reader keeps (and does not fill).
        let reading = self.reader_place();
        let filled = reading.map(|place| tolerant::defaults(self.consumer, place));
        let scalar = |value: &Value| reading.is_none() || !(value.is_object() || value.is_array());
        let kept = |name: &str| {
            reading.is_none_or(|place| tolerant::declared(self.consumer, place, name).is_some())
        };
        let never_filled = |name: &str| {
            filled
                .as_ref()
                .is_none_or(|filled| !filled.contains_key(name))
        };
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
                .all(|value| scalar(value) && self.consumer.accepts(other, value) == Some(false));
        }
        if let Some(values) = &theirs.values {
            let producer_nodes: Vec<NodeRef> = producer.nodes().cloned().collect();
            return values.iter().all(|value| {
                scalar(value)
                    && producer_nodes
                        .iter()
                        .any(|node| self.producer.accepts(node, value) == Some(false))
            });
        }
        // Objects only, and a property one side requires that the other forbids (a closed
        // model that does not declare it, or a `false` schema for it).
        if mine.types & theirs.types & !types::OBJECT == 0 {
            let forbidden = |facets: &Facets, side: &Side<'_>, name: &str| {
                let (schemas, _) = facets.property(side, name);
                super::facets::any_false(side, &schemas)
            };
            if mine
                .object
                .required
                .iter()
                .any(|name| kept(name) && forbidden(&theirs, self.consumer, name))
                || theirs
                    .object
                    .required
                    .iter()
                    .any(|name| never_filled(name) && forbidden(&mine, self.producer, name))
            {
                return true;
            }
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
                && kept(name)
                && values.iter().all(|value| {
                    scalar(value)
                        && their_schemas
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

/// A (producer, types, consumer, place) check in progress, assumed to hold when met again.
type Assumption = (
    Vec<NodeRef>,
    u8,
    NodeRef,
    Option<(Option<Vec<NodeRef>>, Option<Vec<NodeRef>>)>,
);

/// Under tolerant semantics, what each side does at one place of the document.
#[derive(Debug, Clone)]
struct Place {
    /// The length of the instance path of the place.
    depth: usize,
    /// The reader's schemas there; `None`: it reads the value whole.
    reader: Option<Vec<NodeRef>>,
    /// The writer's schemas there; `None`: it may write anything.
    writer: Option<Vec<NodeRef>>,
}

/// Keywords whose verdict on a tolerant reading may differ from their verdict on the written
/// document (dropping properties and filling defaults change what they see).
const READING_SENSITIVE: &[&str] = &[
    "patternProperties",
    "additionalProperties",
    "unevaluatedProperties",
    "required",
    "minProperties",
    "maxProperties",
    "dependentRequired",
    "dependencies",
    "dependentSchemas",
    "propertyNames",
    "enum",
    "const",
    "not",
    "if",
    "anyOf",
    "oneOf",
    "uniqueItems",
    "contains",
    "default",
];

/// Whether no keyword inside `value` may judge a tolerant reading differently.
fn reading_neutral(value: &Value) -> bool {
    match value {
        Value::Object(object) => object.iter().all(|(keyword, inner)| {
            !READING_SENSITIVE.contains(&keyword.as_str()) && reading_neutral(inner)
        }),
        Value::Array(items) => items.iter().all(reading_neutral),
        _ => true,
    }
}

/// Whether two schemas are the same but for annotations (`title`, `description`, `$comment`,
/// `examples`), which accept every value. Values of `enum`, `const` and `default` are data,
/// compared exactly.
pub(crate) fn same_but_annotations(a: &Value, b: &Value) -> bool {
    fn annotation(keyword: &str, value: &Value) -> bool {
        match keyword {
            "title" | "description" | "$comment" => value.is_string(),
            "examples" => value.is_array(),
            _ => false,
        }
    }
    match (a, b) {
        (Value::Object(left), Value::Object(right)) => {
            let kept = |object: &'_ serde_json::Map<String, Value>| {
                object
                    .iter()
                    .filter(|(keyword, value)| !annotation(keyword, value))
                    .count()
            };
            kept(left) == kept(right)
                && left
                    .iter()
                    .filter(|(keyword, value)| !annotation(keyword, value))
                    .all(|(keyword, value)| {
                        right.get(keyword).is_some_and(|other| {
                            if matches!(keyword.as_str(), "enum" | "const" | "default") {
                                value == other
                            } else {
                                !annotation(keyword, other) && same_but_annotations(value, other)
                            }
                        })
                    })
        }
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .zip(right)
                    .all(|(value, other)| same_but_annotations(value, other))
        }
        _ => a == b,
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

//! Builds documents a schema accepts: the raw material of witnesses. Every candidate is
//! checked with the compiled validators of the schema's own nodes, so a sample is never
//! trusted on the engine's word alone.

use serde_json::{Map, Value};

use super::conj::{Conj, split, types};
use super::facets::{Facets, NumberFacet, any_false};
use super::finding::{Hint, Seg};
use super::side::Side;
use super::strings::{Search, StringSet, Violation, search};
use crate::compat::decimal::is_multiple;

const MAX_DEPTH: usize = 24;

/// How many optional parts to include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Only what is required.
    Minimal,
    /// Every declared property, at least one item.
    Full,
}

/// Makes documents for one side.
pub struct Sampler<'s, 'a> {
    side: &'s Side<'a>,
    /// Calls left: nested disjunctions can make sampling exponential, and a witness that takes
    /// longer than this to build is better reported as "could not prove".
    budget: std::cell::Cell<usize>,
}

/// How many schema nodes one sampler may visit.
const SAMPLE_BUDGET: usize = 4_000;

impl<'s, 'a> Sampler<'s, 'a> {
    /// A sampler for `side`.
    pub fn new(side: &'s Side<'a>) -> Self {
        Sampler {
            side,
            budget: std::cell::Cell::new(SAMPLE_BUDGET),
        }
    }

    /// A document accepted by `conj`, built as `variant`.
    pub fn sample(&self, conj: &Conj, variant: Variant) -> Option<Value> {
        self.sample_at(conj, variant, 0)
    }

    fn accepted(&self, conj: &Conj, value: &Value) -> bool {
        types::of_value(value) & conj.types != 0
            && conj
                .nodes()
                .all(|node| self.side.accepts(node, value) != Some(false))
    }

    fn spend(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        left > 0
    }

    fn sample_at(&self, conj: &Conj, variant: Variant, depth: usize) -> Option<Value> {
        let key = (
            conj.parts
                .iter()
                .map(|part| part.node.clone())
                .collect::<Vec<_>>(),
            conj.types,
            variant == Variant::Full,
        );
        if let Some(found) = self.side.samples.borrow().get(&key) {
            return found.clone();
        }
        let sampled = self.sample_fresh(conj, variant, depth);
        // A sample cut short by the depth or the budget is not the schema's answer: keep only
        // what was really decided.
        if sampled.is_some() || self.budget.get() > 0 && depth == 0 {
            self.side.samples.borrow_mut().insert(key, sampled.clone());
        }
        sampled
    }

    fn sample_fresh(&self, conj: &Conj, variant: Variant, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH || !self.spend() {
            return None;
        }
        for disjunct in split(self.side, conj, 16) {
            let facets = Facets::of(self.side, &disjunct);
            if facets.unsatisfiable {
                continue;
            }
            // The schema's own `default` and `examples` make the most readable documents.
            let offered = disjunct.nodes().flat_map(|node| {
                let value = self.side.value(node);
                value.get("default").into_iter().chain(
                    value
                        .get("examples")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                )
            });
            if let Some(value) = offered
                .into_iter()
                .find(|value| self.accepted(conj, value))
                .cloned()
            {
                return Some(value);
            }
            if let Some(values) = &facets.values {
                if let Some(value) = values.iter().find(|value| self.accepted(conj, value)) {
                    return Some(value.clone());
                }
                continue;
            }
            for bits in preferred_types(&facets, variant) {
                if let Some(value) = self.of_type(&disjunct, &facets, bits, variant, depth)
                    && self.accepted(conj, &value)
                {
                    return Some(value);
                }
            }
        }
        None
    }

    fn of_type(
        &self,
        conj: &Conj,
        facets: &Facets,
        bits: u8,
        variant: Variant,
        depth: usize,
    ) -> Option<Value> {
        match bits {
            types::NULL => Some(Value::Null),
            types::BOOLEAN => Some(Value::Bool(true)),
            types::INTEGER => pick_number(&facets.number, true).map(Value::from_f64_lossless),
            types::FRACTION => pick_number(&facets.number, false).map(Value::from_f64_lossless),
            types::STRING => self.string(conj, facets),
            types::ARRAY => {
                let length = match variant {
                    Variant::Minimal => facets.array.min_items,
                    Variant::Full => facets
                        .array
                        .min_items
                        .max(1)
                        .min(facets.array.max_items.unwrap_or(1)),
                };
                self.array(facets, length, None, depth)
            }
            types::OBJECT => self.object(facets, variant, depth).map(Value::Object),
            _ => None,
        }
    }

    fn string(&self, conj: &Conj, facets: &Facets) -> Option<Value> {
        let formats: Vec<&str> = conj
            .nodes()
            .filter_map(|node| self.side.value(node).get("format"))
            .filter_map(Value::as_str)
            .collect();
        if facets.string.patterns.is_empty()
            && let Some(example) = formats.iter().find_map(|format| format_example(format))
        {
            let length = example.chars().count() as u64;
            if length >= facets.string.min_length
                && facets.string.max_length.is_none_or(|max| length <= max)
            {
                return Some(Value::String(example.to_string()));
            }
        }
        let compiled: Vec<_> = facets
            .string
            .patterns
            .iter()
            .filter_map(|text| self.side.pattern(text))
            .collect();
        let set = StringSet {
            min_length: facets.string.min_length,
            max_length: facets.string.max_length,
            patterns: compiled.iter().map(|pattern| pattern.as_ref()).collect(),
        };
        match search(&set, &Violation::None) {
            Search::Found(text) => Some(Value::String(text)),
            _ => None,
        }
    }

    fn array(
        &self,
        facets: &Facets,
        length: u64,
        forced: Option<(usize, Value)>,
        depth: usize,
    ) -> Option<Value> {
        let mut items = Vec::new();
        for at in 0..length as usize {
            if let Some((index, value)) = &forced
                && *index == at
            {
                items.push(value.clone());
                continue;
            }
            let schemas = facets.item(at);
            if any_false(self.side, &schemas) {
                return None;
            }
            let mut item =
                self.sample_at(&Conj::of(schemas.clone()), Variant::Minimal, depth + 1)?;
            if facets.array.unique && items.contains(&item) {
                item = self.sample_at(&Conj::of(schemas), Variant::Full, depth + 1)?;
            }
            items.push(item);
        }
        // `contains`: add matching items until each minimum is met.
        for (contains, min, _) in &facets.array.contains {
            let matching = |items: &[Value]| {
                items
                    .iter()
                    .filter(|item| self.side.accepts(contains, item) == Some(true))
                    .count() as u64
            };
            while matching(&items) < *min {
                if facets
                    .array
                    .max_items
                    .is_some_and(|max| items.len() as u64 >= max)
                {
                    return None;
                }
                let mut schemas = facets.item(items.len());
                schemas.push(contains.clone());
                items.push(self.sample_at(&Conj::of(schemas), Variant::Minimal, depth + 1)?);
            }
        }
        Some(Value::Array(items))
    }

    fn object(
        &self,
        facets: &Facets,
        variant: Variant,
        depth: usize,
    ) -> Option<Map<String, Value>> {
        let mut names: Vec<String> = facets.object.required.iter().cloned().collect();
        if variant == Variant::Full {
            names.extend(facets.declared_names());
        }
        let mut object = Map::new();
        for name in names {
            if object.contains_key(&name) {
                continue;
            }
            let (schemas, _) = facets.property(self.side, &name);
            if any_false(self.side, &schemas) {
                if facets.object.required.contains(&name) {
                    return None;
                }
                continue;
            }
            match self.sample_at(&Conj::of(schemas), variant, depth + 1) {
                Some(value) => {
                    object.insert(name, value);
                }
                None if facets.object.required.contains(&name) => return None,
                None => {}
            }
        }
        // `dependentRequired`: add what present properties pull in.
        for (name, needed) in &facets.object.dependent_required {
            if object.contains_key(name) {
                for other in needed {
                    if !object.contains_key(other) {
                        let (schemas, _) = facets.property(self.side, other);
                        object.insert(
                            other.clone(),
                            self.sample_at(&Conj::of(schemas), Variant::Minimal, depth + 1)?,
                        );
                    }
                }
            }
        }
        self.fill_to(facets, &mut object, facets.object.min_properties, depth);
        Some(object)
    }

    /// Adds declared, then fresh, properties until the object has `count`.
    fn fill_to(&self, facets: &Facets, object: &mut Map<String, Value>, count: u64, depth: usize) {
        let mut names: Vec<String> = facets.declared_names().into_iter().collect();
        names.extend((1..=count).map(|at| format!("extra{at}")));
        for name in names {
            if object.len() as u64 >= count {
                return;
            }
            if object.contains_key(&name) {
                continue;
            }
            let (schemas, _) = facets.property(self.side, &name);
            if any_false(self.side, &schemas) {
                continue;
            }
            if let Some(value) = self.sample_at(&Conj::of(schemas), Variant::Minimal, depth + 1) {
                object.insert(name, value);
            }
        }
    }

    /// A document accepted by `conj` with `hint` at `path`.
    pub fn with(&self, conj: &Conj, path: &[Seg], hint: &Hint, variant: Variant) -> Option<Value> {
        self.with_at(conj, path, hint, variant, 0)
    }

    fn with_at(
        &self,
        conj: &Conj,
        path: &[Seg],
        hint: &Hint,
        variant: Variant,
        depth: usize,
    ) -> Option<Value> {
        if !self.spend() {
            return None;
        }
        if depth > MAX_DEPTH {
            return None;
        }
        let Some((seg, rest)) = path.split_first() else {
            return self.at_hint(conj, hint, variant, depth);
        };
        for disjunct in split(self.side, conj, 16) {
            let facets = Facets::of(self.side, &disjunct);
            if facets.unsatisfiable {
                continue;
            }
            let built = match seg {
                Seg::Key(name) => {
                    if facets.types & types::OBJECT == 0 {
                        continue;
                    }
                    let Some(mut object) = self.object(&facets, variant, depth) else {
                        continue;
                    };
                    if rest.is_empty() && *hint == Hint::Absent {
                        object.remove(name);
                    } else {
                        let (schemas, _) = facets.property(self.side, name);
                        let Some(value) =
                            self.with_at(&Conj::of(schemas), rest, hint, variant, depth + 1)
                        else {
                            continue;
                        };
                        object.insert(name.clone(), value);
                    }
                    Value::Object(object)
                }
                Seg::Index(at) => {
                    if facets.types & types::ARRAY == 0 {
                        continue;
                    }
                    let Some(value) =
                        self.with_at(&Conj::of(facets.item(*at)), rest, hint, variant, depth + 1)
                    else {
                        continue;
                    };
                    let length = facets.array.min_items.max(*at as u64 + 1);
                    let Some(array) = self.array(&facets, length, Some((*at, value)), depth) else {
                        continue;
                    };
                    array
                }
            };
            return Some(built);
        }
        None
    }

    fn at_hint(&self, conj: &Conj, hint: &Hint, variant: Variant, depth: usize) -> Option<Value> {
        match hint {
            Hint::Value(value) => Some(value.clone()),
            Hint::Absent | Hint::Sample => self.sample_at(conj, variant, depth),
            Hint::OfType(bits) => {
                let parts = [
                    types::NULL,
                    types::BOOLEAN,
                    types::INTEGER,
                    types::FRACTION,
                    types::STRING,
                    types::OBJECT,
                    types::ARRAY,
                ];
                parts
                    .into_iter()
                    .filter(|part| bits & part != 0)
                    .find_map(|part| self.sample_at(&conj.restricted(part), variant, depth))
            }
            Hint::NotIn(values) => {
                let parts = [
                    types::STRING,
                    types::INTEGER,
                    types::FRACTION,
                    types::BOOLEAN,
                    types::NULL,
                    types::OBJECT,
                    types::ARRAY,
                ];
                for part in parts {
                    let restricted = conj.restricted(part);
                    for variant in [Variant::Minimal, Variant::Full] {
                        if let Some(value) = self.sample_at(&restricted, variant, depth)
                            && !values.contains(&value)
                        {
                            return Some(value);
                        }
                    }
                    if part == types::STRING {
                        let base = self.sample_at(&restricted, Variant::Minimal, depth);
                        if let Some(Value::String(text)) = base {
                            for suffix in ["x", "_other", "zz"] {
                                let value = Value::String(format!("{text}{suffix}"));
                                if !values.contains(&value) && self.accepted(&restricted, &value) {
                                    return Some(value);
                                }
                            }
                        }
                    }
                }
                None
            }
            Hint::ArrayOfLength(length) => {
                self.each_facets(conj, |facets| self.array(facets, *length, None, depth))
            }
            Hint::DuplicateItems => self.each_facets(conj, |facets| {
                let length = facets.array.min_items.max(2);
                let first =
                    self.sample_at(&Conj::of(facets.item(0)), Variant::Minimal, depth + 1)?;
                let mut items = vec![first.clone(); 2];
                for at in 2..length as usize {
                    items.push(self.sample_at(
                        &Conj::of(facets.item(at)),
                        Variant::Minimal,
                        depth + 1,
                    )?);
                }
                Some(Value::Array(items))
            }),
            Hint::FewestProperties => self.each_facets(conj, |facets| {
                self.object(facets, Variant::Minimal, depth)
                    .map(Value::Object)
            }),
            Hint::MostProperties(count) => self.each_facets(conj, |facets| {
                let mut object = self.object(facets, Variant::Full, depth)?;
                self.fill_to(facets, &mut object, *count, depth);
                Some(Value::Object(object))
            }),
            Hint::ExtraProperty(name) => self.each_facets(conj, |facets| {
                let mut object = self.object(facets, Variant::Minimal, depth)?;
                let (schemas, _) = facets.property(self.side, name);
                object.insert(
                    name.clone(),
                    self.sample_at(&Conj::of(schemas), Variant::Minimal, depth + 1)?,
                );
                Some(Value::Object(object))
            }),
            Hint::WithWithout(with, without) => self.each_facets(conj, |facets| {
                let mut object = self.object(facets, Variant::Minimal, depth)?;
                let (schemas, _) = facets.property(self.side, with);
                object.insert(
                    with.clone(),
                    self.sample_at(&Conj::of(schemas), Variant::Minimal, depth + 1)?,
                );
                object.remove(without);
                Some(Value::Object(object))
            }),
        }
    }

    fn each_facets(&self, conj: &Conj, build: impl Fn(&Facets) -> Option<Value>) -> Option<Value> {
        split(self.side, conj, 16).iter().find_map(|disjunct| {
            let facets = Facets::of(self.side, disjunct);
            if facets.unsatisfiable {
                return None;
            }
            build(&facets)
        })
    }
}

fn preferred_types(facets: &Facets, variant: Variant) -> Vec<u8> {
    let structured = !facets.object.members.is_empty() || !facets.object.required.is_empty();
    let mut order = Vec::new();
    if structured {
        order.push(types::OBJECT);
    }
    order.extend([
        types::STRING,
        types::INTEGER,
        types::FRACTION,
        types::BOOLEAN,
        types::NULL,
        types::ARRAY,
        types::OBJECT,
    ]);
    if variant == Variant::Full && !facets.array.members.is_empty() {
        order.insert(0, types::ARRAY);
    }
    order.dedup();
    order
        .into_iter()
        .filter(|bits| facets.types & bits != 0)
        .collect()
}

/// A number the facet allows: an integer when `integer`, else one with a fractional part.
pub fn pick_number(facet: &NumberFacet, integer: bool) -> Option<f64> {
    let lower = facet.lower.map(|bound| bound.value);
    let upper = facet.upper.map(|bound| bound.value);
    let mut candidates = vec![0.0, 1.0, -1.0];
    for bound in lower.iter().chain(upper.iter()) {
        for delta in [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0] {
            candidates.push(bound.floor() + delta);
            candidates.push(bound + delta);
        }
    }
    if let (Some(lower), Some(upper)) = (lower, upper) {
        candidates.push(((lower + upper) / 2.0).floor());
        candidates.push((lower + upper) / 2.0);
    }
    for multiple in &facet.multiples {
        let start = lower.map_or(0.0, |lower| (lower / multiple).ceil() * multiple);
        for k in 0..4 {
            candidates.push(start + f64::from(k) * multiple);
        }
    }
    if !integer {
        let more: Vec<f64> = candidates
            .iter()
            .map(|n| n + 0.5)
            .chain(candidates.iter().map(|n| n + 0.25))
            .collect();
        candidates.extend(more);
    }
    candidates.into_iter().find(|n| {
        n.is_finite()
            && (n.fract() == 0.0) == integer
            && facet
                .lower
                .is_none_or(|bound| *n > bound.value || (!bound.exclusive && *n == bound.value))
            && facet
                .upper
                .is_none_or(|bound| *n < bound.value || (!bound.exclusive && *n == bound.value))
            && facet
                .multiples
                .iter()
                .all(|m| is_multiple(*n, *m) == Some(true))
    })
}

fn format_example(format: &str) -> Option<&'static str> {
    Some(match format {
        "date-time" => "2026-01-01T00:00:00Z",
        "date" => "2026-01-01",
        "time" => "12:00:00Z",
        "email" | "idn-email" => "user@example.com",
        "uuid" => "0195b1a0-0000-7000-8000-000000000000",
        "uri" | "iri" | "uri-reference" | "iri-reference" => "https://example.com/",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "192.0.2.1",
        "ipv6" => "2001:db8::1",
        "duration" => "P1D",
        _ => return None,
    })
}

trait FromF64Lossless {
    fn from_f64_lossless(n: f64) -> Value;
}

impl FromF64Lossless for Value {
    fn from_f64_lossless(n: f64) -> Value {
        if n.fract() == 0.0 && n.abs() < 9.0e15 {
            Value::from(n as i64)
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        }
    }
}

//! What a conjunction of schema nodes says per JSON type: the allowed types, a finite set of
//! values, numeric bounds, string lengths and patterns, array and object structure. Keywords
//! are read with each node's own draft (draft-04 boolean `exclusiveMaximum`, array-form
//! `items`, `dependencies` ...).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::conj::{Conj, types};
use super::side::Side;
use crate::schema::Draft;
use crate::schema::refs::NodeRef;

/// A numeric bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// The value.
    pub value: f64,
    /// Whether the value itself is excluded.
    pub exclusive: bool,
}

/// Numbers.
#[derive(Debug, Clone, Default)]
pub struct NumberFacet {
    /// Lower bound.
    pub lower: Option<Bound>,
    /// Upper bound.
    pub upper: Option<Bound>,
    /// Every `multipleOf`.
    pub multiples: Vec<f64>,
}

/// Strings.
#[derive(Debug, Clone, Default)]
pub struct StringFacet {
    /// `minLength` (the largest).
    pub min_length: u64,
    /// `maxLength` (the smallest).
    pub max_length: Option<u64>,
    /// Every `pattern`.
    pub patterns: Vec<String>,
}

/// The item schemas one node gives an array.
#[derive(Debug, Clone, Default)]
pub struct ArrayMember {
    /// Per-position schemas (`prefixItems`, or array-form `items` before 2020-12).
    pub prefix: Vec<NodeRef>,
    /// The schema of the positions after the prefix.
    pub rest: Option<NodeRef>,
}

/// Arrays.
#[derive(Debug, Clone, Default)]
pub struct ArrayFacet {
    /// One entry per node with item keywords.
    pub members: Vec<ArrayMember>,
    /// `minItems` (the largest).
    pub min_items: u64,
    /// `maxItems` (the smallest).
    pub max_items: Option<u64>,
    /// `uniqueItems`.
    pub unique: bool,
    /// `contains` with its `minContains` and `maxContains`.
    pub contains: Vec<(NodeRef, u64, Option<u64>)>,
}

/// The property schemas one node gives an object.
#[derive(Debug, Clone)]
pub struct ObjectMember {
    /// The node.
    pub node: NodeRef,
    /// Names in `properties`.
    pub properties: Vec<String>,
    /// Keys of `patternProperties`.
    pub patterns: Vec<String>,
    /// `additionalProperties`, when present.
    pub additional: Option<NodeRef>,
}

/// Objects.
#[derive(Debug, Clone, Default)]
pub struct ObjectFacet {
    /// One entry per node with property keywords.
    pub members: Vec<ObjectMember>,
    /// Every `required` name.
    pub required: BTreeSet<String>,
    /// `minProperties` (the largest).
    pub min_properties: u64,
    /// `maxProperties` (the smallest).
    pub max_properties: Option<u64>,
    /// Every `propertyNames`.
    pub property_names: Vec<NodeRef>,
    /// `dependentRequired` (and array-valued `dependencies`).
    pub dependent_required: Vec<(String, Vec<String>)>,
}

/// Everything a conjunction says.
#[derive(Debug, Clone)]
pub struct Facets {
    /// A `false` node: no value at all.
    pub unsatisfiable: bool,
    /// The allowed JSON types.
    pub types: u8,
    /// Whether some node has a `type` keyword.
    pub typed: bool,
    /// The allowed values, when `enum` or `const` limits them.
    pub values: Option<Vec<Value>>,
    /// Numbers.
    pub number: NumberFacet,
    /// Strings.
    pub string: StringFacet,
    /// Arrays.
    pub array: ArrayFacet,
    /// Objects.
    pub object: ObjectFacet,
}

impl Facets {
    /// Reads an expanded conjunction.
    pub fn of(side: &Side<'_>, conj: &Conj) -> Self {
        let mut facets = Facets {
            unsatisfiable: false,
            types: conj.types,
            typed: conj.types != types::ALL,
            values: None,
            number: NumberFacet::default(),
            string: StringFacet::default(),
            array: ArrayFacet::default(),
            object: ObjectFacet::default(),
        };
        for node in conj.nodes() {
            match side.value(node) {
                Value::Bool(false) => facets.unsatisfiable = true,
                Value::Object(object) => facets.read(side, node, object),
                _ => {}
            }
        }
        if let Some(values) = &mut facets.values {
            let allowed = facets.types;
            values.retain(|value| types::of_value(value) & allowed != 0);
        }
        // A multiple of an integer has no fractional part.
        if facets
            .number
            .multiples
            .iter()
            .any(|m| crate::compat::decimal::is_multiple(*m, 1.0) == Some(true))
        {
            facets.types &= !types::FRACTION;
        }
        if facets.types == 0 || facets.values.as_ref().is_some_and(Vec::is_empty) {
            facets.unsatisfiable = true;
        }
        facets
    }

    fn read(&mut self, side: &Side<'_>, node: &NodeRef, object: &Map<String, Value>) {
        let draft = side.draft(node);
        if draft <= Draft::Draft7 && object.contains_key("$ref") {
            return;
        }
        match object.get("type") {
            Some(Value::String(name)) => {
                self.types &= types::of_name(name);
                self.typed = true;
            }
            Some(Value::Array(names)) => {
                self.types &= names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(types::of_name)
                    .fold(0, |a, b| a | b);
                self.typed = true;
            }
            _ => {}
        }
        let mut limit = |values: Vec<Value>| {
            self.values = Some(match self.values.take() {
                None => values,
                Some(previous) => previous
                    .into_iter()
                    .filter(|value| values.contains(value))
                    .collect(),
            });
        };
        if let Some(Value::Array(values)) = object.get("enum") {
            limit(values.clone());
        }
        // draft-04 has no `const`: the validator ignores it there.
        if let Some(value) = object.get("const").filter(|_| draft >= Draft::Draft6) {
            limit(vec![value.clone()]);
        }
        self.read_number(object, draft);
        self.read_string(object);
        self.read_array(side, node, object, draft);
        self.read_object(side, node, object, draft);
    }

    fn read_number(&mut self, object: &Map<String, Value>, draft: Draft) {
        let number = |key: &str| object.get(key).and_then(Value::as_f64);
        let flag = |key: &str| object.get(key).and_then(Value::as_bool).unwrap_or(false);
        let (lower, upper) = if draft == Draft::Draft4 {
            (
                number("minimum").map(|value| Bound {
                    value,
                    exclusive: flag("exclusiveMinimum"),
                }),
                number("maximum").map(|value| Bound {
                    value,
                    exclusive: flag("exclusiveMaximum"),
                }),
            )
        } else {
            (
                tighter_lower(
                    number("minimum").map(|value| Bound {
                        value,
                        exclusive: false,
                    }),
                    number("exclusiveMinimum").map(|value| Bound {
                        value,
                        exclusive: true,
                    }),
                ),
                tighter_upper(
                    number("maximum").map(|value| Bound {
                        value,
                        exclusive: false,
                    }),
                    number("exclusiveMaximum").map(|value| Bound {
                        value,
                        exclusive: true,
                    }),
                ),
            )
        };
        self.number.lower = tighter_lower(self.number.lower, lower);
        self.number.upper = tighter_upper(self.number.upper, upper);
        if let Some(multiple) = number("multipleOf")
            && multiple > 0.0
        {
            self.number.multiples.push(multiple);
        }
    }

    fn read_string(&mut self, object: &Map<String, Value>) {
        if let Some(min) = object.get("minLength").and_then(Value::as_u64) {
            self.string.min_length = self.string.min_length.max(min);
        }
        if let Some(max) = object.get("maxLength").and_then(Value::as_u64) {
            self.string.max_length = Some(self.string.max_length.map_or(max, |old| old.min(max)));
        }
        if let Some(Value::String(pattern)) = object.get("pattern") {
            self.string.patterns.push(pattern.clone());
        }
    }

    fn read_array(
        &mut self,
        side: &Side<'_>,
        node: &NodeRef,
        object: &Map<String, Value>,
        draft: Draft,
    ) {
        let mut member = ArrayMember::default();
        let prefix_keyword = if draft >= Draft::Draft202012 {
            "prefixItems"
        } else {
            "items"
        };
        if let Some(Value::Array(prefix)) = object.get(prefix_keyword) {
            member.prefix = (0..prefix.len())
                .map(|at| side.child(node, &[prefix_keyword, &at.to_string()]))
                .collect();
        }
        let rest_keyword =
            if draft >= Draft::Draft202012 || !object.get("items").is_some_and(Value::is_array) {
                "items"
            } else {
                "additionalItems"
            };
        if object
            .get(rest_keyword)
            .is_some_and(|rest| !rest.is_array())
        {
            member.rest = Some(side.child(node, &[rest_keyword]));
        } else if draft >= Draft::Draft201909
            && object.contains_key("unevaluatedItems")
            && !has_applicators(object)
        {
            // With no in-place applicator, "unevaluated" means "not covered by this node".
            member.rest = Some(side.child(node, &["unevaluatedItems"]));
        }
        if !member.prefix.is_empty() || member.rest.is_some() {
            self.array.members.push(member);
        }
        if let Some(min) = object.get("minItems").and_then(Value::as_u64) {
            self.array.min_items = self.array.min_items.max(min);
        }
        if let Some(max) = object.get("maxItems").and_then(Value::as_u64) {
            self.array.max_items = Some(self.array.max_items.map_or(max, |old| old.min(max)));
        }
        if object.get("uniqueItems").and_then(Value::as_bool) == Some(true) {
            self.array.unique = true;
        }
        if object.contains_key("contains") && draft >= Draft::Draft6 {
            let min = if draft >= Draft::Draft201909 {
                object
                    .get("minContains")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
            } else {
                1
            };
            let max = if draft >= Draft::Draft201909 {
                object.get("maxContains").and_then(Value::as_u64)
            } else {
                None
            };
            self.array
                .contains
                .push((side.child(node, &["contains"]), min, max));
        }
    }

    fn read_object(
        &mut self,
        side: &Side<'_>,
        node: &NodeRef,
        object: &Map<String, Value>,
        draft: Draft,
    ) {
        let properties: Vec<String> = object
            .get("properties")
            .and_then(Value::as_object)
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        let patterns: Vec<String> = object
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default();
        let additional = if object.contains_key("additionalProperties") {
            Some(side.child(node, &["additionalProperties"]))
        } else if draft >= Draft::Draft201909
            && object.contains_key("unevaluatedProperties")
            && !has_applicators(object)
        {
            Some(side.child(node, &["unevaluatedProperties"]))
        } else {
            None
        };
        if !properties.is_empty() || !patterns.is_empty() || additional.is_some() {
            self.object.members.push(ObjectMember {
                node: node.clone(),
                properties,
                patterns,
                additional,
            });
        }
        if let Some(Value::Array(required)) = object.get("required") {
            self.object.required.extend(
                required
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string),
            );
        }
        if let Some(min) = object.get("minProperties").and_then(Value::as_u64) {
            self.object.min_properties = self.object.min_properties.max(min);
        }
        if let Some(max) = object.get("maxProperties").and_then(Value::as_u64) {
            self.object.max_properties =
                Some(self.object.max_properties.map_or(max, |old| old.min(max)));
        }
        if object.contains_key("propertyNames") && draft >= Draft::Draft6 {
            self.object
                .property_names
                .push(side.child(node, &["propertyNames"]));
        }
        // `dependencies` is enforced in every draft; 2019-09 adds `dependentRequired`.
        let dependent: &[&str] = if draft >= Draft::Draft201909 {
            &["dependentRequired", "dependencies"]
        } else {
            &["dependencies"]
        };
        for map in dependent
            .iter()
            .filter_map(|keyword| object.get(*keyword))
            .filter_map(Value::as_object)
        {
            for (name, names) in map {
                if let Value::Array(names) = names {
                    self.object.dependent_required.push((
                        name.clone(),
                        names
                            .iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect(),
                    ));
                }
            }
        }
    }

    /// The schemas that apply to array position `at`.
    pub fn item(&self, at: usize) -> Vec<NodeRef> {
        self.array
            .members
            .iter()
            .filter_map(|member| member.prefix.get(at).or(member.rest.as_ref()).cloned())
            .collect()
    }

    /// The longest prefix any node declares.
    pub fn prefix_len(&self) -> usize {
        self.array
            .members
            .iter()
            .map(|member| member.prefix.len())
            .max()
            .unwrap_or(0)
    }

    /// The schemas that apply to property `name`, and whether some node declares it by name
    /// or pattern (rather than through `additionalProperties` or not at all).
    pub fn property(&self, side: &Side<'_>, name: &str) -> (Vec<NodeRef>, bool) {
        let mut schemas = Vec::new();
        let mut declared = false;
        for member in &self.object.members {
            let mut matched = false;
            if member.properties.iter().any(|property| property == name) {
                schemas.push(side.child(&member.node, &["properties", name]));
                matched = true;
                declared = true;
            }
            for pattern in &member.patterns {
                if side
                    .regex(pattern)
                    .is_some_and(|regex| regex.is_match(name))
                {
                    schemas.push(side.child(&member.node, &["patternProperties", pattern]));
                    matched = true;
                    declared = true;
                }
            }
            if !matched && let Some(additional) = &member.additional {
                if !matches!(side.value(additional), Value::Bool(_)) {
                    declared = true;
                }
                schemas.push(additional.clone());
            }
        }
        (schemas, declared)
    }

    /// The `patternProperties` schemas every node gives for exactly this pattern.
    pub fn pattern_schemas(&self, side: &Side<'_>, pattern: &str) -> Vec<NodeRef> {
        self.object
            .members
            .iter()
            .filter(|member| member.patterns.iter().any(|own| own == pattern))
            .map(|member| side.child(&member.node, &["patternProperties", pattern]))
            .collect()
    }

    /// Every name declared in `properties`.
    pub fn declared_names(&self) -> BTreeSet<String> {
        self.object
            .members
            .iter()
            .flat_map(|member| member.properties.iter().cloned())
            .collect()
    }

    /// Whether any node has `patternProperties`.
    pub fn has_patterns(&self) -> bool {
        self.object
            .members
            .iter()
            .any(|member| !member.patterns.is_empty())
    }

    /// The schemas of a property no node declares by name (over-approximated: a node with
    /// patterns contributes nothing, since such a name may match one of them).
    pub fn other(&self) -> Vec<NodeRef> {
        self.object
            .members
            .iter()
            .filter(|member| member.patterns.is_empty())
            .filter_map(|member| member.additional.clone())
            .collect()
    }
}

/// Whether a schema object applies other schemas to the same instance, which would make
/// `unevaluated*` depend on them.
pub fn has_applicators(object: &Map<String, Value>) -> bool {
    [
        "allOf",
        "anyOf",
        "oneOf",
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "if",
        "dependentSchemas",
        "not",
    ]
    .iter()
    .any(|keyword| object.contains_key(*keyword))
}

/// Whether any of `nodes` is the `false` schema.
pub fn any_false(side: &Side<'_>, nodes: &[NodeRef]) -> bool {
    nodes
        .iter()
        .any(|node| matches!(side.value(node), Value::Bool(false)))
}

fn tighter_lower(a: Option<Bound>, b: Option<Bound>) -> Option<Bound> {
    match (a, b) {
        (Some(a), Some(b)) => Some(
            if a.value > b.value || (a.value == b.value && a.exclusive) {
                a
            } else {
                b
            },
        ),
        (a, None) => a,
        (None, b) => b,
    }
}

fn tighter_upper(a: Option<Bound>, b: Option<Bound>) -> Option<Bound> {
    match (a, b) {
        (Some(a), Some(b)) => Some(
            if a.value < b.value || (a.value == b.value && a.exclusive) {
                a
            } else {
                b
            },
        ),
        (a, None) => a,
        (None, b) => b,
    }
}

//! A producer's schema at one place in the document, as a conjunction of schema nodes, and its
//! split into disjuncts. Over-approximating the producer is always sound: if a larger set is
//! included in the consumer's, the producer's is too. So `not`, and the branch conditions of
//! `if`, are dropped, and a split that would explode is replaced by dropping the disjunction.

use serde_json::Value;

use super::side::Side;
use crate::schema::Draft;
use crate::schema::refs::NodeRef;

/// `anyOf` of this node was split already.
pub const MASK_ANY_OF: u8 = 1;
/// `oneOf` of this node was split already.
pub const MASK_ONE_OF: u8 = 2;
/// `if`/`then`/`else` of this node was split already.
pub const MASK_IF: u8 = 4;

/// JSON types as bits; `number` is `INTEGER | FRACTION`.
pub mod types {
    /// null.
    pub const NULL: u8 = 1;
    /// true and false.
    pub const BOOLEAN: u8 = 2;
    /// Numbers with no fractional part.
    pub const INTEGER: u8 = 4;
    /// Numbers with a fractional part.
    pub const FRACTION: u8 = 8;
    /// Strings.
    pub const STRING: u8 = 16;
    /// Arrays.
    pub const ARRAY: u8 = 32;
    /// Objects.
    pub const OBJECT: u8 = 64;
    /// Every JSON value.
    pub const ALL: u8 = 127;

    /// The bits of a `type` name.
    pub fn of_name(name: &str) -> u8 {
        match name {
            "null" => NULL,
            "boolean" => BOOLEAN,
            "integer" => INTEGER,
            "number" => INTEGER | FRACTION,
            "string" => STRING,
            "array" => ARRAY,
            "object" => OBJECT,
            _ => 0,
        }
    }

    /// The bit of a value.
    pub fn of_value(value: &serde_json::Value) -> u8 {
        use serde_json::Value;
        match value {
            Value::Null => NULL,
            Value::Bool(_) => BOOLEAN,
            Value::Number(number) => {
                if number.is_i64()
                    || number.is_u64()
                    || number.as_f64().is_some_and(|f| f.fract() == 0.0)
                {
                    INTEGER
                } else {
                    FRACTION
                }
            }
            Value::String(_) => STRING,
            Value::Array(_) => ARRAY,
            Value::Object(_) => OBJECT,
        }
    }

    /// Human names of the types in `bits`.
    pub fn names(bits: u8) -> Vec<&'static str> {
        let mut out = Vec::new();
        if bits & NULL != 0 {
            out.push("null");
        }
        if bits & BOOLEAN != 0 {
            out.push("boolean");
        }
        match bits & (INTEGER | FRACTION) {
            0 => {}
            INTEGER => out.push("integer"),
            FRACTION => out.push("non-integer number"),
            _ => out.push("number"),
        }
        if bits & STRING != 0 {
            out.push("string");
        }
        if bits & ARRAY != 0 {
            out.push("array");
        }
        if bits & OBJECT != 0 {
            out.push("object");
        }
        out
    }
}

/// One node of a conjunction, with the disjunctions already split out of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Part {
    /// The node.
    pub node: NodeRef,
    /// Which of its disjunctions were split (`MASK_*`).
    pub mask: u8,
}

/// A conjunction of schema nodes, restricted to some JSON types.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Conj {
    /// The nodes.
    pub parts: Vec<Part>,
    /// The JSON types still allowed (`types::ALL` when unrestricted).
    pub types: u8,
}

impl Conj {
    /// The conjunction of `nodes`.
    pub fn of(nodes: impl IntoIterator<Item = NodeRef>) -> Self {
        Conj {
            parts: nodes
                .into_iter()
                .map(|node| Part { node, mask: 0 })
                .collect(),
            types: types::ALL,
        }
    }

    /// The same conjunction restricted to `bits`.
    pub fn restricted(&self, bits: u8) -> Self {
        Conj {
            parts: self.parts.clone(),
            types: self.types & bits,
        }
    }

    /// The nodes.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeRef> {
        self.parts.iter().map(|part| &part.node)
    }
}

/// Follows `$ref`s and `allOf`s so every node of the result is applied in place.
pub fn expand(side: &Side<'_>, conj: &Conj) -> Conj {
    let mut out: Vec<Part> = Vec::new();
    let mut stack: Vec<Part> = conj.parts.iter().rev().cloned().collect();
    while let Some(part) = stack.pop() {
        // The same node reached twice (through `allOf` or `$ref` and directly) is one part;
        // keep the disjunctions already split on either copy, or splitting never ends.
        if let Some(seen) = out.iter_mut().find(|seen| seen.node == part.node) {
            seen.mask |= part.mask;
            continue;
        }
        if out.len() > 64 {
            continue;
        }
        let value = side.value(&part.node);
        if let Value::Object(object) = value {
            if let Some(target) = side.target(&part.node) {
                stack.push(Part {
                    node: target.clone(),
                    mask: 0,
                });
                // Up to draft-07, `$ref` makes its siblings ignored.
                if side.draft(&part.node) <= Draft::Draft7 {
                    continue;
                }
            }
            if let Some(Value::Array(all)) = object.get("allOf") {
                for at in (0..all.len()).rev() {
                    stack.push(Part {
                        node: side.child(&part.node, &["allOf", &at.to_string()]),
                        mask: 0,
                    });
                }
            }
        }
        out.push(part);
    }
    Conj {
        parts: out,
        types: conj.types,
    }
}

/// Splits `anyOf`, `oneOf` and `if`/`then`/`else` into disjuncts (at most `limit`; past it the
/// remaining disjunctions are dropped, which over-approximates).
pub fn split(side: &Side<'_>, conj: &Conj, limit: usize) -> Vec<Conj> {
    let mut done = Vec::new();
    let mut work = vec![expand(side, conj)];
    while let Some(current) = work.pop() {
        let Some((at, keyword)) = first_disjunction(side, &current) else {
            done.push(current);
            continue;
        };
        if done.len() + work.len() >= limit {
            let mut dropped = current.clone();
            for part in &mut dropped.parts {
                part.mask = MASK_ANY_OF | MASK_ONE_OF | MASK_IF;
            }
            done.push(dropped);
            continue;
        }
        let part = current.parts[at].clone();
        let value = side.value(&part.node);
        let mut base = current.clone();
        let branches: Vec<Vec<NodeRef>> = match keyword {
            "if" => {
                base.parts[at].mask |= MASK_IF;
                let mut with_then = vec![side.child(&part.node, &["if"])];
                if value.get("then").is_some() {
                    with_then.push(side.child(&part.node, &["then"]));
                }
                let with_else = if value.get("else").is_some() {
                    vec![side.child(&part.node, &["else"])]
                } else {
                    Vec::new()
                };
                vec![with_then, with_else]
            }
            _ => {
                base.parts[at].mask |= if keyword == "anyOf" {
                    MASK_ANY_OF
                } else {
                    MASK_ONE_OF
                };
                let count = value
                    .get(keyword)
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                (0..count)
                    .map(|branch| vec![side.child(&part.node, &[keyword, &branch.to_string()])])
                    .collect()
            }
        };
        for branch in branches {
            let mut next = base.clone();
            next.parts
                .extend(branch.into_iter().map(|node| Part { node, mask: 0 }));
            work.push(expand(side, &next));
        }
    }
    done
}

fn first_disjunction(side: &Side<'_>, conj: &Conj) -> Option<(usize, &'static str)> {
    conj.parts.iter().enumerate().find_map(|(at, part)| {
        let value = side.value(&part.node);
        if side.draft(&part.node) <= Draft::Draft7 && value.get("$ref").is_some() {
            return None;
        }
        if part.mask & MASK_ANY_OF == 0 && value.get("anyOf").is_some_and(Value::is_array) {
            Some((at, "anyOf"))
        } else if part.mask & MASK_ONE_OF == 0 && value.get("oneOf").is_some_and(Value::is_array) {
            Some((at, "oneOf"))
        } else if part.mask & MASK_IF == 0
            && value.get("if").is_some()
            && side.draft(&part.node) >= Draft::Draft7
        {
            Some((at, "if"))
        } else {
            None
        }
    })
}

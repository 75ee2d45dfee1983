//! Soundness of the compatibility engine, as property tests.
//!
//! Random pairs of small schemas (types, `enum`/`const`, numeric bounds with exclusives,
//! `multipleOf`, string lengths, patterns from a fixed list, objects with `properties`,
//! `required`, `additionalProperties`, `patternProperties`, `propertyNames`,
//! `dependentRequired`, defaults, arrays with `items`/`prefixItems`, `minItems`/`maxItems`/
//! `uniqueItems`/`contains`, and `anyOf`/`allOf`/`oneOf`/`not`/`if` of those, depth ≤ 3, some
//! behind `$ref`s into `$defs` or recursive through a property; in draft-04, -07, 2019-09 or
//! 2020-12) are compared in full mode, so both directions are checked. The new schema is
//! usually a mutation of the old one, sometimes an unrelated schema or the same one with a new
//! title.
//!
//! For each pair, a batch of candidate documents (random values over pools seeded with the
//! schemas' own constants and names, values guided by either schema's structure, and the
//! engine's own samples) is validated with the `jsonschema` crate, and:
//!
//! - strict: when herald finds a direction compatible, every document the writer's schema
//!   accepts is accepted by the reader's; every proven break's witness is accepted by the
//!   writer's schema and rejected by the reader's;
//! - tolerant: when herald finds a direction compatible, every document the writer's schema
//!   accepts that has only declared properties is accepted by the reader's schema after
//!   dropping the properties the reader does not declare and filling the reader's defaults
//!   (`common::Tolerant`); witnesses are checked the same way.
//!
//! Runs are deterministic: a fixed ChaCha seed and a fixed case count (256 per property). Each
//! pair runs on its own thread with a time limit, so a hang fails the property instead of the
//! run. A failing case is shrunk and printed with its report.
//!
//! Both properties turn every generator [`Features`] on. For exploring:
//!
//! - `PROPTEST_CASES=2000` runs more cases, `HERALD_SOUNDNESS_SEED=7` another seed;
//! - `HERALD_SOUNDNESS_WITHOUT=ecma_patterns,any_default` turns features off, to narrow a
//!   failure down to the feature that triggers it;
//! - `HERALD_SOUNDNESS_TRACE=1` prints every pair before it is compared;
//! - the ignored `replay` test compares one pair given in `HERALD_REPLAY_OLD`/`_NEW`.

mod common;

use std::cell::Cell;
use std::time::{Duration, Instant};

use common::{Pair, Tolerant, compiles, pattern_matches, validator, witness_problem};
use herald_core::compat::conj::Conj;
use herald_core::compat::options::{Mode, Semantics};
use herald_core::compat::render::render_json;
use herald_core::compat::report::Report;
use herald_core::compat::sample::{Sampler, Variant};
use herald_core::compat::side::Side;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value, json};

const SEED: &[u8; 32] = b"herald compat soundness, seed 01";
const D4: &str = "http://json-schema.org/draft-04/schema#";
const D7: &str = "http://json-schema.org/draft-07/schema#";
const D2019: &str = "https://json-schema.org/draft/2019-09/schema";

/// Patterns whose meaning is the same in Rust regex syntax and ECMA-262.
const PATTERNS: &[&str] = &[
    "^a",
    "^[a-c]+$",
    "^[a-z]*$",
    "b",
    "^[0-9]{2}$",
    "^x?$",
    "^(ab|cd)$",
    "a|b",
    "^[^a]*$",
    "^[A-Z]{3}$",
    "^[A-Z]+$",
    "^[a-z][0-9]?$",
];
/// Patterns whose character classes differ between Rust regex and ECMA-262.
const ECMA_PATTERNS: &[&str] = &[
    "^\\w+$", "^\\d+$", "^.$", "^\\s$", "^[é]$", "\\W", "^[^\\n]$",
];
const NAMES: &[&str] = &["a", "b", "c", "x_1"];
const STRINGS: &[&str] = &[
    "", "a", "b", "c", "ab", "abc", "ba", "cd", "x", "xx", "00", "12", "123", "A", "AB", "ABC",
    "ABCD", "é", "\r", "\n", " ", "_", "aaaa", "a1", "z9", "٣", "\u{feff}", "x_1", "extra",
];

/// What the schema generator may produce.
#[derive(Debug, Clone, Copy)]
struct Features {
    /// Patterns with `\w`, `\d`, `\s`, `.`, whose classes differ between the engine and the validator.
    ecma_patterns: bool,
    /// `const` in draft-04 schemas (where it is not a keyword).
    draft4_const: bool,
    /// `patternProperties` next to `additionalProperties`.
    pattern_properties: bool,
    /// Schemas (not just `false`) as `additionalProperties`.
    additional_schemas: bool,
    /// Mixing draft-04 `integer` with later drafts.
    draft4_integer_mix: bool,
    /// `default`s that may not be valid under their own property schema.
    any_default: bool,
    /// `anyOf`/`oneOf` with a single branch (which once hung the engine behind `allOf`/`$ref`).
    single_branch: bool,
    /// Keywords whose tolerant reading differs from the written document's: `required` names
    /// the node does not declare, `dependentRequired`, `additionalProperties` beside or inside
    /// `allOf`, `uniqueItems`, `minProperties`/`maxProperties`, `contains` and tuples.
    tolerant_gaps: bool,
    /// `anyOf`, `oneOf`, `not`, `if`, whose subschemas a tolerant reader applies to its reading
    /// of the whole place.
    combinators: bool,
}

const ALL: Features = Features {
    ecma_patterns: true,
    draft4_const: true,
    pattern_properties: true,
    additional_schemas: true,
    draft4_integer_mix: true,
    any_default: true,
    single_branch: true,
    tolerant_gaps: true,
    combinators: true,
};

// ---------------------------------------------------------------------------------------------
// Schema generation
// ---------------------------------------------------------------------------------------------

fn values_pool() -> Vec<Value> {
    vec![
        json!(null),
        json!(true),
        json!(false),
        json!(0),
        json!(1),
        json!(2),
        json!(2.5),
        json!(-1),
        json!("a"),
        json!("b"),
        json!("ab"),
        json!(""),
        json!([]),
        json!({}),
        json!([1]),
        json!({"a": 1}),
    ]
}

fn numbers() -> impl Strategy<Value = Value> + Clone {
    prop::sample::select(vec![
        json!(-1),
        json!(0),
        json!(1),
        json!(2),
        json!(2.5),
        json!(3),
        json!(4),
        json!(4.5),
        json!(5),
        json!(10),
    ])
}

fn type_names() -> impl Strategy<Value = &'static str> + Clone {
    prop::sample::select(vec![
        "null", "boolean", "integer", "number", "string", "array", "object",
    ])
}

fn leaf(features: Features) -> BoxedStrategy<Value> {
    let patterns: Vec<&'static str> = if features.ecma_patterns {
        PATTERNS.iter().chain(ECMA_PATTERNS).copied().collect()
    } else {
        PATTERNS.to_vec()
    };
    let typed = prop_oneof![
        type_names().prop_map(|name| json!({ "type": name })),
        (type_names(), type_names()).prop_map(|(a, b)| if a == b {
            json!({ "type": a })
        } else {
            json!({ "type": [a, b] })
        }),
    ];
    let enumerated = (
        prop::collection::vec(prop::sample::select(values_pool()), 1..4),
        any::<bool>(),
    )
        .prop_map(|(values, as_const)| {
            if as_const {
                json!({ "const": values[0] })
            } else {
                let mut unique: Vec<Value> = Vec::new();
                for value in values {
                    if !unique.contains(&value) {
                        unique.push(value);
                    }
                }
                json!({ "enum": unique })
            }
        });
    let number = (
        prop::sample::select(vec!["number", "integer"]),
        prop::option::weighted(0.4, numbers()),
        prop::option::weighted(0.4, numbers()),
        prop::option::weighted(0.25, numbers()),
        prop::option::weighted(0.25, numbers()),
        prop::option::weighted(
            0.3,
            prop::sample::select(vec![0.5, 1.0, 2.0, 3.0, 0.25, 0.1, 0.01, 0.05]),
        ),
    )
        .prop_map(
            |(kind, minimum, maximum, exclusive_minimum, exclusive_maximum, multiple)| {
                let mut schema = Map::new();
                schema.insert("type".into(), json!(kind));
                insert_some(&mut schema, "minimum", minimum);
                insert_some(&mut schema, "maximum", maximum);
                insert_some(&mut schema, "exclusiveMinimum", exclusive_minimum);
                insert_some(&mut schema, "exclusiveMaximum", exclusive_maximum);
                insert_some(&mut schema, "multipleOf", multiple.map(|m| json!(m)));
                Value::Object(schema)
            },
        );
    let string = (
        prop::option::weighted(0.4, 0u64..4),
        prop::option::weighted(0.4, 0u64..6),
        prop::option::weighted(0.5, prop::sample::select(patterns)),
        any::<bool>(),
    )
        .prop_map(|(min, max, pattern, typed)| {
            let mut schema = Map::new();
            if typed {
                schema.insert("type".into(), json!("string"));
            }
            insert_some(&mut schema, "minLength", min.map(|n| json!(n)));
            insert_some(&mut schema, "maxLength", max.map(|n| json!(n)));
            insert_some(&mut schema, "pattern", pattern.map(|p| json!(p)));
            Value::Object(schema)
        });
    prop_oneof![
        1 => Just(json!({})),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => typed,
        2 => enumerated,
        3 => number,
        3 => string,
    ]
    .boxed()
}

fn property_names(features: Features) -> impl Strategy<Value = Value> {
    let patterns: Vec<&'static str> = if features.ecma_patterns {
        PATTERNS.iter().chain(ECMA_PATTERNS).copied().collect()
    } else {
        PATTERNS.to_vec()
    };
    prop_oneof![
        (0u64..3).prop_map(|max| json!({ "maxLength": max })),
        prop::sample::select(patterns).prop_map(|pattern| json!({ "pattern": pattern })),
        Just(json!({ "enum": ["a", "b", "x_1"] })),
    ]
}

/// Moves a random subschema into `$defs` behind a `$ref` and, sometimes, makes an object
/// schema recursive through a property (`next: {"$ref": "#"}`), guarded as herald requires.
fn with_refs(mut schema: Value, seed: u64, features: Features) -> Value {
    let mut rng = Rng(seed ^ 0xDEF5);
    if !schema.is_object() {
        return schema;
    }
    if rng.chance(20) {
        let pointers: Vec<String> = schema_pointers(&schema)
            .into_iter()
            .filter(|pointer| !pointer.is_empty())
            .filter(|pointer| {
                features.additional_schemas || !pointer.ends_with("/additionalProperties")
            })
            .collect();
        if !pointers.is_empty() {
            let at = rng.pick(&pointers).clone();
            if let Some(node) = schema.pointer_mut(&at) {
                let moved = std::mem::replace(node, json!({ "$ref": "#/$defs/moved" }));
                schema["$defs"] = json!({ "moved": moved });
            }
        }
    }
    if rng.chance(15) && schema.get("properties").is_some_and(Value::is_object) {
        schema["properties"]["next"] = json!({ "$ref": "#" });
    }
    schema
}

fn insert_some(schema: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        schema.insert(key.to_string(), value);
    }
}

fn schema(features: Features) -> BoxedStrategy<Value> {
    leaf(features)
        .prop_recursive(3, 24, 3, move |inner| {
            let names = prop::sample::select(NAMES.to_vec());
            let branches = if features.single_branch { 1..4 } else { 2..4 };
            let additional = if features.additional_schemas {
                prop_oneof![Just(json!(false)), inner.clone()].boxed()
            } else {
                Just(json!(false)).boxed()
            };
            let object = (
                prop::collection::btree_map(
                    names.clone(),
                    (
                        inner.clone(),
                        prop::option::weighted(0.2, prop::sample::select(values_pool())),
                    ),
                    0..4,
                ),
                prop::collection::vec(names, 0..3),
                prop::option::weighted(0.4, additional),
                prop::option::weighted(0.25, inner.clone())
                    .prop_map(move |pattern| pattern.filter(|_| features.pattern_properties)),
                prop::option::weighted(0.15, 0u64..3)
                    .prop_map(move |min| min.filter(|_| features.tolerant_gaps)),
                prop::option::weighted(0.15, 0u64..4)
                    .prop_map(move |max| max.filter(|_| features.tolerant_gaps)),
                prop::bool::weighted(0.7),
                prop::option::weighted(0.1, property_names(features)),
                prop::option::weighted(
                    0.1,
                    (
                        prop::sample::select(NAMES.to_vec()),
                        prop::sample::select(NAMES.to_vec()),
                    ),
                ),
            )
                .prop_map(
                    move |(
                        properties,
                        required,
                        additional,
                        pattern,
                        min,
                        max,
                        typed,
                        names,
                        dependency,
                    )| {
                        let mut schema = Map::new();
                        if typed {
                            schema.insert("type".into(), json!("object"));
                        }
                        if !properties.is_empty() {
                            let properties: Map<String, Value> = properties
                                .into_iter()
                                .map(|(name, (mut property, default))| {
                                    if let (Some(default), Value::Object(object)) =
                                        (default, &mut property)
                                    {
                                        if features.any_default
                                            || validator(&Value::Object(object.clone()))
                                                .is_valid(&default)
                                        {
                                            object.insert("default".into(), default);
                                        }
                                    }
                                    (name.to_string(), property)
                                })
                                .collect();
                            schema.insert("properties".into(), Value::Object(properties));
                        }
                        let declared: Vec<String> = schema
                            .get("properties")
                            .and_then(Value::as_object)
                            .map(|properties| properties.keys().cloned().collect())
                            .unwrap_or_default();
                        let mut unique: Vec<&str> = Vec::new();
                        for name in required {
                            // Tolerant readers drop a required property they do not declare.
                            let readable = features.tolerant_gaps
                                || declared.iter().any(|known| known == name);
                            if readable && !unique.contains(&name) {
                                unique.push(name);
                            }
                        }
                        if !unique.is_empty() {
                            schema.insert("required".into(), json!(unique));
                        }
                        if let Some(pattern) = pattern {
                            schema.insert("patternProperties".into(), json!({ "^x_": pattern }));
                        }
                        insert_some(&mut schema, "additionalProperties", additional);
                        insert_some(&mut schema, "minProperties", min.map(|n| json!(n)));
                        insert_some(&mut schema, "maxProperties", max.map(|n| json!(n)));
                        insert_some(&mut schema, "propertyNames", names);
                        if let Some((name, needed)) = dependency {
                            schema.insert("dependentRequired".into(), json!({ name: [needed] }));
                        }
                        Value::Object(schema)
                    },
                );
            let array = (
                prop::option::weighted(0.7, inner.clone()),
                prop::option::weighted(0.3, 0u64..3),
                prop::option::weighted(0.3, 0u64..4),
                prop::option::weighted(0.2, any::<bool>()),
                prop::option::weighted(0.15, (inner.clone(), prop::option::of(0u64..3)))
                    .prop_map(move |contains| contains.filter(|_| features.tolerant_gaps)),
                prop::bool::weighted(0.7),
                prop::option::weighted(0.15, prop::collection::vec(inner.clone(), 1..3))
                    .prop_map(move |prefix| prefix.filter(|_| features.tolerant_gaps)),
            )
                .prop_map(|(items, min, max, unique, contains, typed, prefix)| {
                    let mut schema = Map::new();
                    if typed {
                        schema.insert("type".into(), json!("array"));
                    }
                    insert_some(&mut schema, "prefixItems", prefix.map(Value::Array));
                    insert_some(&mut schema, "items", items);
                    insert_some(&mut schema, "minItems", min.map(|n| json!(n)));
                    insert_some(&mut schema, "maxItems", max.map(|n| json!(n)));
                    insert_some(&mut schema, "uniqueItems", unique.map(|b| json!(b)));
                    if let Some((contains, min_contains)) = contains {
                        schema.insert("contains".into(), contains);
                        insert_some(&mut schema, "minContains", min_contains.map(|n| json!(n)));
                    }
                    Value::Object(schema)
                });
            let mut arms: Vec<(u32, BoxedStrategy<Value>)> = vec![
                (4, object.boxed()),
                (3, array.boxed()),
                (
                    1,
                    prop::collection::vec(inner.clone(), 1..3)
                        .prop_map(|branches| json!({ "allOf": branches }))
                        .boxed(),
                ),
            ];
            if features.combinators {
                arms.extend([
                    (
                        1,
                        prop::collection::vec(inner.clone(), branches.clone())
                            .prop_map(|branches| json!({ "anyOf": branches }))
                            .boxed(),
                    ),
                    (
                        1,
                        prop::collection::vec(inner.clone(), branches)
                            .prop_map(|branches| json!({ "oneOf": branches }))
                            .boxed(),
                    ),
                    (
                        1,
                        inner
                            .clone()
                            .prop_map(|schema| json!({ "not": schema }))
                            .boxed(),
                    ),
                    (
                        1,
                        (inner.clone(), inner.clone(), prop::option::of(inner))
                            .prop_map(|(condition, then, otherwise)| {
                                let mut schema = json!({ "if": condition, "then": then });
                                if let Some(otherwise) = otherwise {
                                    schema["else"] = otherwise;
                                }
                                schema
                            })
                            .boxed(),
                    ),
                ]);
            }
            prop::strategy::Union::new_weighted(arms)
        })
        .boxed()
}

/// Rewrites a 2020-12 schema for draft `which` (0: 2020-12, 1: draft-07, 2: draft-04, 3: 2019-09).
fn in_draft(mut schema: Value, which: u8, features: Features) -> Value {
    if !features.tolerant_gaps {
        avoid_tolerant_gaps(&mut schema);
    }
    if !features.any_default {
        drop_invalid_defaults(&mut schema);
    }
    let uri = match which {
        1 => D7,
        2 => D4,
        3 => D2019,
        _ => return schema,
    };
    // Before 2020-12: tuples are array-form `items` with `additionalItems`; before 2019-09,
    // `$defs` is `definitions` and `dependentRequired` is `dependencies`.
    if which != 3 {
        schema = serde_json::from_str(&schema.to_string().replace("#/$defs/", "#/definitions/"))
            .expect("JSON");
    }
    for_each_schema(&mut schema, &mut |node| {
        let Value::Object(object) = node else { return };
        if let Some(prefix) = object.remove("prefixItems") {
            if let Some(rest) = object.remove("items") {
                object.insert("additionalItems".into(), rest);
            }
            object.insert("items".into(), prefix);
        }
        if which != 3 {
            if let Some(defs) = object.remove("$defs") {
                object.insert("definitions".into(), defs);
            }
            if let Some(dependent) = object.remove("dependentRequired") {
                object.insert("dependencies".into(), dependent);
            }
        }
    });
    if which == 2 {
        // draft-04 has no boolean schemas, except as `additionalProperties`/`additionalItems`.
        let object_of = |flag: bool| {
            if flag {
                json!({})
            } else {
                json!({ "not": {} })
            }
        };
        if let Value::Bool(flag) = schema {
            schema = object_of(flag);
        }
        for_each_schema(&mut schema, &mut |node| {
            let Value::Object(object) = node else { return };
            for (key, child) in object.iter_mut() {
                match (key.as_str(), child) {
                    (
                        "additionalProperties" | "additionalItems" | "enum" | "const" | "default",
                        _,
                    ) => {}
                    ("properties" | "patternProperties", Value::Object(map)) => {
                        for inner in map.values_mut() {
                            if let Value::Bool(flag) = inner {
                                *inner = object_of(*flag);
                            }
                        }
                    }
                    ("anyOf" | "allOf" | "oneOf" | "items", Value::Array(list)) => {
                        for inner in list {
                            if let Value::Bool(flag) = inner {
                                *inner = object_of(*flag);
                            }
                        }
                    }
                    (_, inner @ Value::Bool(_)) => {
                        let flag = inner.as_bool().unwrap_or(true);
                        *inner = object_of(flag);
                    }
                    _ => {}
                }
            }
            for (exclusive, inclusive) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(bound) = object.remove(exclusive) {
                    object.insert(inclusive.into(), bound);
                    object.insert(exclusive.into(), json!(true));
                }
            }
            if !features.draft4_const
                && let Some(value) = object.remove("const")
            {
                object.insert("enum".into(), json!([value]));
            }
            if !features.draft4_integer_mix {
                let integer = json!("integer");
                let retyped = match object.get("type") {
                    Some(Value::String(name)) if name == "integer" => Some(json!("number")),
                    Some(Value::Array(names)) if names.contains(&integer) => Some(Value::Array(
                        names
                            .iter()
                            .map(|name| {
                                if *name == integer {
                                    json!("number")
                                } else {
                                    name.clone()
                                }
                            })
                            .collect(),
                    )),
                    _ => None,
                };
                if let Some(retyped) = retyped {
                    object.insert("type".into(), retyped);
                    object.insert("multipleOf".into(), json!(1));
                }
            }
        });
    }
    match &mut schema {
        Value::Object(object) => {
            object.insert("$schema".into(), json!(uri));
        }
        other => *other = json!({ "$schema": uri, "allOf": [other.clone()] }),
    }
    schema
}

/// Removes the keywords of [`Features::tolerant_gaps`] (for narrowing a failure down):
/// `required` names the node does not declare (the reader drops them), `dependentRequired` (a
/// default the reader fills may switch it on), `additionalProperties`
/// next to `allOf`/`$ref` or inside an `allOf` member (the rules read each node as if the
/// reader dropped what that node does not declare; the reader keeps what a sibling declares),
/// and `uniqueItems` (dropping properties can make items equal).
fn avoid_tolerant_gaps(schema: &mut Value) {
    for_each_schema(schema, &mut |node| {
        let Value::Object(object) = node else { return };
        let declared: Vec<Value> = object
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().map(|name| json!(name)).collect())
            .unwrap_or_default();
        if let Some(Value::Array(required)) = object.get_mut("required") {
            required.retain(|name| declared.contains(name));
            if required.is_empty() {
                object.remove("required");
            }
        }
        if object.contains_key("allOf") || object.contains_key("$ref") {
            object.remove("additionalProperties");
        }
        if let Some(Value::Array(members)) = object.get_mut("allOf") {
            for member in members {
                if let Value::Object(member) = member {
                    member.remove("additionalProperties");
                }
            }
        }
        object.remove("uniqueItems");
        // A default the reader fills may switch a dependency on.
        object.remove("dependentRequired");
    });
}

/// Removes each `default` its property schema rejects (or that sits behind a `$ref`), which
/// mutations may have left.
fn drop_invalid_defaults(schema: &mut Value) {
    for_each_schema(schema, &mut |node| {
        if let Some(Value::Object(properties)) = node.get_mut("properties") {
            for property in properties.values_mut() {
                let Value::Object(object) = property else {
                    continue;
                };
                let Some(default) = object.get("default").cloned() else {
                    continue;
                };
                let schema = Value::Object(object.clone());
                let keep = !schema.to_string().contains("$ref")
                    && compiles(&schema)
                    && validator(&schema).is_valid(&default);
                if !keep {
                    object.remove("default");
                }
            }
        }
    });
}

/// Calls `visit` on every subschema of `schema`, outermost first.
fn for_each_schema(schema: &mut Value, visit: &mut dyn FnMut(&mut Value)) {
    visit(schema);
    let Value::Object(object) = schema else {
        return;
    };
    for key in [
        "additionalProperties",
        "items",
        "contains",
        "not",
        "if",
        "then",
        "else",
        "propertyNames",
        "additionalItems",
    ] {
        if let Some(inner) = object.get_mut(key)
            && !inner.is_array()
        {
            for_each_schema(inner, visit);
        }
    }
    for key in ["anyOf", "allOf", "oneOf", "prefixItems", "items"] {
        if let Some(Value::Array(list)) = object.get_mut(key) {
            for inner in list {
                for_each_schema(inner, visit);
            }
        }
    }
    for key in [
        "properties",
        "patternProperties",
        "$defs",
        "definitions",
        "dependentSchemas",
    ] {
        if let Some(Value::Object(map)) = object.get_mut(key) {
            for inner in map.values_mut() {
                for_each_schema(inner, visit);
            }
        }
    }
}

/// JSON pointers of every subschema.
fn schema_pointers(schema: &Value) -> Vec<String> {
    fn walk(schema: &Value, at: String, out: &mut Vec<String>) {
        out.push(at.clone());
        let Value::Object(object) = schema else {
            return;
        };
        for key in [
            "additionalProperties",
            "items",
            "contains",
            "not",
            "if",
            "then",
            "else",
        ] {
            if let Some(inner) = object.get(key)
                && !inner.is_array()
            {
                walk(inner, format!("{at}/{key}"), out);
            }
        }
        for key in ["anyOf", "allOf", "oneOf"] {
            if let Some(Value::Array(list)) = object.get(key) {
                for (index, inner) in list.iter().enumerate() {
                    walk(inner, format!("{at}/{key}/{index}"), out);
                }
            }
        }
        for key in ["properties", "patternProperties", "$defs"] {
            if let Some(Value::Object(map)) = object.get(key) {
                for (name, inner) in map {
                    walk(
                        inner,
                        format!("{at}/{key}/{}", name.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(schema, String::new(), &mut out);
    out
}

/// A small deterministic PRNG (SplitMix64) for mutations and candidate documents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// NEW from OLD: one to three mutations at random subschemas, taking material from `donor`.
fn mutate(old: &Value, donor: &Value, seed: u64, features: Features) -> Value {
    let mut rng = Rng(seed);
    let mut new = old.clone();
    let donors = schema_pointers(donor);
    let patterns: Vec<&str> = if features.ecma_patterns {
        PATTERNS.iter().chain(ECMA_PATTERNS).copied().collect()
    } else {
        PATTERNS.to_vec()
    };
    for _ in 0..=rng.below(3) {
        let pointers: Vec<String> = schema_pointers(&new)
            .into_iter()
            .filter(|pointer| {
                features.additional_schemas || !pointer.ends_with("/additionalProperties")
            })
            .collect();
        let at = rng.pick(&pointers).clone();
        let donor_node = donor
            .pointer(rng.pick(donors.as_slice()).as_str())
            .cloned()
            .unwrap_or(json!({}));
        let Some(node) = new.pointer_mut(&at) else {
            continue;
        };
        if let Value::Bool(flag) = node {
            *node = if rng.chance(50) {
                Value::Bool(!*flag)
            } else {
                json!({})
            };
            continue;
        }
        let Value::Object(object) = node else {
            continue;
        };
        let keys: Vec<String> = object
            .keys()
            .filter(|key| *key != "$schema")
            .cloned()
            .collect();
        match rng.below(7) {
            0 => {
                if at.is_empty() {
                    if let (Value::Object(target), Value::Object(source)) = (&mut *node, donor_node)
                    {
                        let draft = target.get("$schema").cloned();
                        *target = source;
                        if let Some(draft) = draft {
                            target.insert("$schema".into(), draft);
                        }
                    }
                } else {
                    *node = donor_node;
                }
            }
            1 if !keys.is_empty() => {
                object.remove(rng.pick(&keys));
            }
            2 | 3 if !keys.is_empty() => {
                let key = rng.pick(&keys).clone();
                let value = object.get_mut(&key).expect("key");
                tweak(&key, value, &mut rng, &patterns);
            }
            4 => {
                if let Value::Object(source) = donor_node {
                    let source_keys: Vec<&String> =
                        source.keys().filter(|key| *key != "$schema").collect();
                    if !source_keys.is_empty() {
                        let key = (*rng.pick(&source_keys)).clone();
                        object.insert(key.clone(), source[&key].clone());
                    }
                }
            }
            5 if !at.is_empty() => {
                let keyword = if features.combinators {
                    *rng.pick(&["anyOf", "oneOf", "allOf"])
                } else {
                    "allOf"
                };
                let current = node.clone();
                *node = json!({ keyword: [current, donor_node] });
            }
            _ => {
                if object.remove("additionalProperties").is_none() {
                    object.insert("additionalProperties".into(), json!(false));
                }
            }
        }
    }
    new
}

fn tweak(key: &str, value: &mut Value, rng: &mut Rng, patterns: &[&str]) {
    match (key, &mut *value) {
        ("pattern", _) => *value = json!(rng.pick(patterns)),
        ("type", _) => {
            let names = [
                "null", "boolean", "integer", "number", "string", "array", "object",
            ];
            let other = *rng.pick(&names);
            *value = match value {
                Value::String(name) if rng.chance(50) && name != other => {
                    json!([name.clone(), other])
                }
                Value::Array(list) if list.len() > 1 && rng.chance(50) => {
                    let mut list = list.clone();
                    list.remove(rng.below(list.len()));
                    Value::Array(list)
                }
                _ => json!(other),
            };
        }
        ("enum" | "required", Value::Array(list)) => {
            if !list.is_empty() && rng.chance(50) {
                list.remove(rng.below(list.len()));
            } else {
                let extra = if key == "enum" {
                    rng.pick(&values_pool()).clone()
                } else {
                    json!(rng.pick(NAMES))
                };
                if !list.contains(&extra) {
                    list.push(extra);
                }
            }
            if key == "enum" && list.is_empty() {
                list.push(json!("a"));
            }
        }
        ("const", _) => *value = rng.pick(&values_pool()).clone(),
        (_, Value::Number(number)) => {
            let n = number.as_f64().unwrap_or(0.0);
            let integral = matches!(
                key,
                "minLength"
                    | "maxLength"
                    | "minItems"
                    | "maxItems"
                    | "minProperties"
                    | "maxProperties"
                    | "minContains"
            );
            let changed = match rng.below(4) {
                0 => n + 1.0,
                1 => n - 1.0,
                2 => n * 2.0,
                _ => n / 2.0,
            };
            *value = if integral {
                json!(changed.max(0.0).floor() as u64)
            } else if key == "multipleOf" {
                json!(if changed > 0.0 { changed } else { n })
            } else if changed.fract() == 0.0 {
                json!(changed as i64)
            } else {
                json!(changed)
            };
        }
        (_, Value::Bool(flag)) => *flag = !*flag,
        _ => {}
    }
}

fn drafts() -> impl Strategy<Value = u8> {
    prop::sample::select(vec![0u8, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3])
}

/// (old, new, seed for documents).
fn pairs(features: Features) -> BoxedStrategy<(Value, Value, u64)> {
    (
        schema(features),
        schema(features),
        drafts(),
        drafts(),
        any::<u64>(),
        0u8..10,
    )
        .prop_map(
            move |(old_raw, donor_raw, old_draft, donor_draft, seed, choice)| {
                let old_raw = with_refs(old_raw, seed, features);
                let old = in_draft(old_raw.clone(), old_draft, features);
                let new = match choice {
                    0 | 1 => in_draft(donor_raw, donor_draft, features),
                    2 => {
                        let mut same = old.clone();
                        if let Value::Object(object) = &mut same {
                            object.insert("title".into(), json!("same schema"));
                        }
                        same
                    }
                    9 => in_draft(
                        mutate(&old_raw, &donor_raw, seed, features),
                        donor_draft,
                        features,
                    ),
                    _ => in_draft(
                        mutate(&old_raw, &donor_raw, seed, features),
                        old_draft,
                        features,
                    ),
                };
                (old, new, seed)
            },
        )
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// Candidate documents
// ---------------------------------------------------------------------------------------------

/// Constants of both schemas, to seed the pools of document values.
struct Pools {
    numbers: Vec<Value>,
    strings: Vec<String>,
    names: Vec<String>,
    values: Vec<Value>,
}

impl Pools {
    fn of(schemas: &[&Value]) -> Pools {
        let mut pools = Pools {
            numbers: [
                json!(-1),
                json!(0),
                json!(1),
                json!(1.0),
                json!(2),
                json!(2.5),
                json!(3),
                json!(0.1),
                json!(0.05),
                json!(0.3),
                json!(100),
            ]
            .to_vec(),
            strings: STRINGS.iter().map(|s| s.to_string()).collect(),
            names: ["a", "b", "c", "x_1", "x_", "extra", "Z"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            values: Vec::new(),
        };
        for schema in schemas {
            pools.collect(schema, None);
        }
        pools
    }

    fn collect(&mut self, value: &Value, key: Option<&str>) {
        match value {
            Value::Number(number) => {
                let n = number.as_f64().unwrap_or(0.0);
                for delta in [0.0, 1.0, -1.0, 0.5, -0.5, 0.25] {
                    let m = n + delta;
                    let json = if m.fract() == 0.0 {
                        json!(m as i64)
                    } else {
                        json!(m)
                    };
                    if !self.numbers.contains(&json) {
                        self.numbers.push(json);
                    }
                }
                let float = Value::from(n.floor());
                if !self.numbers.contains(&float) {
                    self.numbers.push(float);
                }
            }
            Value::String(text) if !self.strings.contains(text) => self.strings.push(text.clone()),
            Value::Array(list) => {
                for item in list {
                    if matches!(key, Some("enum") | Some("examples")) && !self.values.contains(item)
                    {
                        self.values.push(item.clone());
                    }
                    if key == Some("required")
                        && let Value::String(name) = item
                        && !self.names.contains(name)
                    {
                        self.names.push(name.clone());
                    }
                    self.collect(item, None);
                }
            }
            Value::Object(object) => {
                for (name, inner) in object {
                    if matches!(key, Some("properties") | Some("dependentRequired"))
                        && !self.names.contains(name)
                    {
                        self.names.push(name.clone());
                    }
                    if matches!(name.as_str(), "const" | "default") && !self.values.contains(inner)
                    {
                        self.values.push(inner.clone());
                    }
                    self.collect(inner, Some(name));
                }
            }
            _ => {}
        }
    }

    fn random(&self, rng: &mut Rng, depth: usize) -> Value {
        let kinds = if depth >= 3 { 5 } else { 8 };
        match rng.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(rng.chance(50)),
            2 => rng.pick(&self.numbers).clone(),
            3 => json!(rng.pick(&self.strings)),
            4 if !self.values.is_empty() => rng.pick(&self.values).clone(),
            4 => json!(rng.pick(&self.strings)),
            5 | 6 => {
                let mut object = Map::new();
                for _ in 0..rng.below(4) {
                    object.insert(rng.pick(&self.names).clone(), self.random(rng, depth + 1));
                }
                Value::Object(object)
            }
            _ => {
                let mut items: Vec<Value> = (0..rng.below(4))
                    .map(|_| self.random(rng, depth + 1))
                    .collect();
                if !items.is_empty() && rng.chance(25) {
                    items.push(items[0].clone());
                }
                Value::Array(items)
            }
        }
    }

    /// A document built from `schema`'s structure (often, not always, valid under it).
    fn guided(&self, root: &Value, schema: &Value, rng: &mut Rng, depth: usize) -> Value {
        if depth > 6 || rng.chance(8) {
            return self.random(rng, depth.min(3));
        }
        let Value::Object(object) = schema else {
            return self.random(rng, depth.min(3));
        };
        if let Some(Value::String(reference)) = object.get("$ref")
            && let Some(target) = reference
                .strip_prefix('#')
                .and_then(|pointer| root.pointer(pointer))
        {
            return self.guided(root, target, rng, depth + 1);
        }
        if let Some(Value::Array(values)) = object.get("enum")
            && !values.is_empty()
        {
            return rng.pick(values).clone();
        }
        if let Some(value) = object.get("const") {
            return value.clone();
        }
        for keyword in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(branches)) = object.get(keyword)
                && !branches.is_empty()
                && rng.chance(70)
            {
                let branch = rng.pick(branches);
                let mut merged = branch.clone();
                if let (Value::Object(merged), Value::Object(outer)) = (&mut merged, schema) {
                    for (key, value) in outer {
                        if key != keyword {
                            merged.entry(key.clone()).or_insert(value.clone());
                        }
                    }
                }
                return self.guided(root, &merged, rng, depth + 1);
            }
        }
        if let Some(then) = object.get("then").filter(|_| rng.chance(40)) {
            return self.guided(root, then, rng, depth + 1);
        }
        let mut kinds: Vec<&str> = match object.get("type") {
            Some(Value::String(name)) => vec![name.as_str()],
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if kinds.is_empty() {
            if object.contains_key("properties")
                || object.contains_key("required")
                || object.contains_key("additionalProperties")
            {
                kinds.push("object");
            }
            if object.contains_key("items")
                || object.contains_key("minItems")
                || object.contains_key("contains")
            {
                kinds.push("array");
            }
            if object.contains_key("minLength")
                || object.contains_key("maxLength")
                || object.contains_key("pattern")
            {
                kinds.push("string");
            }
            if object.contains_key("minimum")
                || object.contains_key("maximum")
                || object.contains_key("multipleOf")
            {
                kinds.push("number");
            }
        }
        if kinds.is_empty() {
            return self.random(rng, depth.min(3));
        }
        match *rng.pick(&kinds) {
            "null" => Value::Null,
            "boolean" => Value::Bool(rng.chance(50)),
            "integer" | "number" => {
                let integer = object.get("type") == Some(&json!("integer"));
                let mut candidates: Vec<f64> = Vec::new();
                for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
                    if let Some(n) = object.get(key).and_then(Value::as_f64) {
                        for delta in [0.0, 1.0, -1.0, 0.5, -0.5, 2.0] {
                            candidates.push(n + delta);
                        }
                    }
                }
                if let Some(m) = object.get("multipleOf").and_then(Value::as_f64) {
                    let start = object
                        .get("minimum")
                        .and_then(Value::as_f64)
                        .map_or(0.0, |low| (low / m).ceil() * m);
                    for k in 0..4 {
                        candidates.push(start + f64::from(k) * m);
                    }
                }
                candidates.extend([0.0, 1.0, 2.5, -1.0]);
                let n = *rng.pick(&candidates);
                if integer || n.fract() == 0.0 {
                    json!(n.round() as i64)
                } else {
                    json!(n)
                }
            }
            "string" => {
                let min = object.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = object
                    .get("maxLength")
                    .and_then(Value::as_u64)
                    .map(|n| n as usize);
                let pattern = object.get("pattern").and_then(Value::as_str);
                let fitting: Vec<&String> = self
                    .strings
                    .iter()
                    .filter(|text| {
                        let length = text.chars().count();
                        length >= min
                            && max.is_none_or(|max| length <= max)
                            && pattern.is_none_or(|pattern| pattern_matches(pattern, text))
                    })
                    .collect();
                if fitting.is_empty() || rng.chance(10) {
                    json!("a".repeat(min.max(rng.below(3))))
                } else {
                    json!(rng.pick(&fitting))
                }
            }
            "array" => {
                let min = object.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = object
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .map_or(min + 3, |n| n as usize)
                    .max(min);
                let length = min + rng.below(max - min + 1);
                let items = object.get("items").filter(|items| !items.is_array());
                let mut out: Vec<Value> = (0..length)
                    .map(|_| match items {
                        Some(items) => self.guided(root, items, rng, depth + 1),
                        None => self.random(rng, depth + 1),
                    })
                    .collect();
                if let Some(contains) = object.get("contains")
                    && rng.chance(60)
                {
                    out.push(self.guided(root, contains, rng, depth + 1));
                }
                Value::Array(out)
            }
            _ => {
                let mut out = Map::new();
                let properties = object.get("properties").and_then(Value::as_object);
                let required: Vec<&str> = object
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|list| list.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let empty = Map::new();
                for (name, property) in properties.unwrap_or(&empty) {
                    if required.contains(&name.as_str()) || rng.chance(60) {
                        out.insert(name.clone(), self.guided(root, property, rng, depth + 1));
                    }
                }
                for name in required {
                    if !out.contains_key(name) {
                        out.insert(name.to_string(), self.random(rng, depth + 1));
                    }
                }
                if let Some(Value::Object(patterns)) = object.get("patternProperties")
                    && rng.chance(50)
                    && let Some((_, schema)) = patterns.iter().next()
                {
                    out.insert("x_1".into(), self.guided(root, schema, rng, depth + 1));
                }
                if rng.chance(20) {
                    let extra = match object.get("additionalProperties") {
                        Some(schema) if schema.is_object() => {
                            self.guided(root, schema, rng, depth + 1)
                        }
                        _ => self.random(rng, depth + 1),
                    };
                    out.insert(rng.pick(&self.names).clone(), extra);
                }
                Value::Object(out)
            }
        }
    }
}

/// Candidate documents for a pair: random, guided by either schema, and the engine's samples.
fn candidates(pair: &Pair, seed: u64) -> Vec<Value> {
    let pools = Pools::of(&[&pair.old_value, &pair.new_value]);
    let mut rng = Rng(seed ^ 0x5EED);
    let mut out: Vec<Value> = Vec::new();
    let push = |value: Value, out: &mut Vec<Value>| {
        if !out.contains(&value) {
            out.push(value);
        }
    };
    for file in [&pair.old, &pair.new] {
        let side = Side::new(&file.store, file.root.clone());
        let sampler = Sampler::new(&side);
        for variant in [Variant::Minimal, Variant::Full] {
            if let Some(sample) = sampler.sample(&Conj::of([file.root.clone()]), variant) {
                push(sample, &mut out);
            }
        }
    }
    for _ in 0..120 {
        push(
            pools.guided(&pair.old_value, &pair.old_value, &mut rng, 0),
            &mut out,
        );
    }
    for _ in 0..60 {
        push(
            pools.guided(&pair.new_value, &pair.new_value, &mut rng, 0),
            &mut out,
        );
    }
    for _ in 0..120 {
        push(pools.random(&mut rng, 0), &mut out);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Stats {
    cases: Cell<u32>,
    compatible_directions: Cell<u32>,
    breaking_directions: Cell<u32>,
    checked_documents: Cell<u32>,
    witnesses: Cell<u32>,
    slowest: Cell<Duration>,
}

impl Stats {
    fn merge(&self, other: &Stats) {
        let add = |mine: &Cell<u32>, theirs: &Cell<u32>| mine.set(mine.get() + theirs.get());
        add(&self.cases, &other.cases);
        add(&self.compatible_directions, &other.compatible_directions);
        add(&self.breaking_directions, &other.breaking_directions);
        add(&self.checked_documents, &other.checked_documents);
        add(&self.witnesses, &other.witnesses);
        self.slowest
            .set(self.slowest.get().max(other.slowest.get()));
    }
}

/// How long one pair may take (the diff and every document) before it counts as a hang.
const HANG: Duration = Duration::from_secs(20);

fn direction_compatible(report: &Report, direction: &str) -> bool {
    !report
        .breaking()
        .any(|change| change.direction == direction)
}

fn check_pair(
    old: &Value,
    new: &Value,
    seed: u64,
    semantics: Semantics,
    features: Features,
    stats: &Stats,
) -> Result<(), String> {
    if std::env::var_os("HERALD_SOUNDNESS_TRACE").is_some() {
        eprintln!("case {}\n  old: {old}\n  new: {new}", stats.cases.get());
    }
    let pair = Pair::try_new(old, new).map_err(|error| format!("REJECT {error}"))?;
    let started = Instant::now();
    let report = pair.diff(Mode::Full, semantics);
    let took = started.elapsed();
    if took > Duration::from_secs(1) {
        eprintln!("SLOW diff ({took:?}):\n  old: {old}\n  new: {new}");
    }
    if took > stats.slowest.get() {
        stats.slowest.set(took);
    }
    let shown = || format!("old: {old}\nnew: {new}\nreport: {}", render_json(&report));
    stats.cases.set(stats.cases.get() + 1);
    for change in report.breaking() {
        if change.proven {
            stats.witnesses.set(stats.witnesses.get() + 1);
            if let Some(problem) = witness_problem(change, old, new, semantics) {
                return Err(format!(
                    "WRONG WITNESS ({}): {problem}\n{}",
                    change.direction,
                    shown()
                ));
            }
        } else if change.witness.is_some() || change.rule != "cannot-prove-compatible" {
            return Err(format!(
                "an unproven change must be `cannot-prove-compatible` without a witness\n{}",
                shown()
            ));
        }
    }
    let documents = candidates(&pair, seed);
    let old_validator = validator(old);
    let new_validator = validator(new);
    for (direction, writer, reader, writer_value, reader_value) in [
        ("backward", &old_validator, &new_validator, old, new),
        ("forward", &new_validator, &old_validator, new, old),
    ] {
        if !direction_compatible(&report, direction) {
            stats
                .breaking_directions
                .set(stats.breaking_directions.get() + 1);
            continue;
        }
        stats
            .compatible_directions
            .set(stats.compatible_directions.get() + 1);
        for document in &documents {
            if !writer.is_valid(document) {
                continue;
            }
            match semantics {
                Semantics::Strict => {
                    stats
                        .checked_documents
                        .set(stats.checked_documents.get() + 1);
                    if !reader.is_valid(document) {
                        return Err(format!(
                            "UNSOUND ({direction}, strict): herald says compatible, but {document} is valid under the writer's schema and rejected by the reader's\n{}",
                            shown()
                        ));
                    }
                }
                Semantics::Tolerant => {
                    // Free-form array items are written whole, with any properties.
                    if !Tolerant::new(writer_value).only_declared(document) {
                        continue;
                    }
                    // A writer whose own defaults make a document invalid (a `default` that trips
                    // `maxProperties`, a dependency, `not` ...) is inconsistent on its own; with
                    // `any_default` on, those documents are checked too.
                    if !features.any_default
                        && !writer.is_valid(&Tolerant::new(writer_value).view(document))
                    {
                        continue;
                    }
                    stats
                        .checked_documents
                        .set(stats.checked_documents.get() + 1);
                    let read = Tolerant::new(reader_value).view(document);
                    if !reader.is_valid(&read) {
                        return Err(format!(
                            "UNSOUND ({direction}, tolerant): herald says compatible, but {document} (only declared properties) is valid under the writer's schema and the reader's view {read} is rejected\n{}",
                            shown()
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The fixed seed, or another one for exploring (`HERALD_SOUNDNESS_SEED=<u64>`).
fn seed() -> [u8; 32] {
    let mut seed = *SEED;
    if let Some(extra) = std::env::var("HERALD_SOUNDNESS_SEED")
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
    {
        seed[..8].copy_from_slice(&extra.to_le_bytes());
    }
    seed
}

fn case_count() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(256)
}

/// `features` with the ones named in `HERALD_SOUNDNESS_WITHOUT` (comma-separated) turned off,
/// for narrowing a failure down.
fn with_env_features(mut features: Features) -> Features {
    let unwanted = std::env::var("HERALD_SOUNDNESS_WITHOUT").unwrap_or_default();
    for name in unwanted
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        match name {
            "ecma_patterns" => features.ecma_patterns = false,
            "draft4_const" => features.draft4_const = false,
            "pattern_properties" => features.pattern_properties = false,
            "additional_schemas" => features.additional_schemas = false,
            "draft4_integer_mix" => features.draft4_integer_mix = false,
            "any_default" => features.any_default = false,
            "single_branch" => features.single_branch = false,
            "tolerant_gaps" => features.tolerant_gaps = false,
            "combinators" => features.combinators = false,
            other => panic!("unknown feature `{other}`"),
        }
    }
    features
}

fn run_property(name: &str, features: Features, semantics: Semantics) {
    let features = with_env_features(features);
    let config = Config {
        cases: case_count(),
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed()));
    let stats = Stats::default();
    // A hanging check cannot be stopped: after one, every later case passes, so shrinking stops
    // and the hanging pair is reported as generated.
    let hung = Cell::new(false);
    let started = Instant::now();
    let result = runner.run(&pairs(features), |(old, new, seed)| {
        if hung.get() {
            return Ok(());
        }
        if !compiles(&old) || !compiles(&new) {
            return Err(TestCaseError::reject("a schema does not compile"));
        }
        let (sender, receiver) = std::sync::mpsc::channel();
        let (old_copy, new_copy) = (old.clone(), new.clone());
        std::thread::spawn(move || {
            let seen = Stats::default();
            let outcome = check_pair(&old_copy, &new_copy, seed, semantics, features, &seen);
            let _ = sender.send((outcome, seen));
        });
        let outcome = match receiver.recv_timeout(HANG) {
            Ok((outcome, seen)) => {
                stats.merge(&seen);
                outcome
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                hung.set(true);
                Err(format!(
                    "HANG: the check took longer than {HANG:?}\nold: {old}\nnew: {new}"
                ))
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(format!(
                "PANIC in the engine or the check (see the output above)\nold: {old}\nnew: {new}"
            )),
        };
        outcome.map_err(|error| {
            if error.starts_with("REJECT") {
                TestCaseError::reject(error)
            } else {
                TestCaseError::fail(error)
            }
        })
    });
    eprintln!(
        "{name}: {} pairs, {} compatible directions ({} documents checked), {} breaking directions ({} witnesses checked), slowest diff {:?}, {:?} in all",
        stats.cases.get(),
        stats.compatible_directions.get(),
        stats.checked_documents.get(),
        stats.breaking_directions.get(),
        stats.witnesses.get(),
        stats.slowest.get(),
        started.elapsed(),
    );
    if let Err(error) = result {
        panic!("{name}: {error}");
    }
    // The property must not hold vacuously.
    assert!(
        stats.compatible_directions.get() >= stats.cases.get() / 5,
        "{name}: too few compatible verdicts to say anything"
    );
    assert!(
        stats.checked_documents.get() >= stats.cases.get(),
        "{name}: too few documents checked"
    );
}

#[test]
fn strict_compatible_means_included() {
    run_property("strict", ALL, Semantics::Strict);
}

#[test]
fn tolerant_compatible_means_readable() {
    run_property("tolerant", ALL, Semantics::Tolerant);
}

/// Replays one pair: `HERALD_REPLAY_OLD='{...}' HERALD_REPLAY_NEW='{...}' cargo test -p herald-core
/// --test compat_soundness replay -- --ignored --nocapture` (semantics from
/// `HERALD_REPLAY_SEMANTICS`, `strict` or `tolerant`).
#[test]
#[ignore = "a debugging aid, run on demand"]
fn replay() {
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::env::var(name).unwrap_or_else(|_| panic!("set {name}")))
            .expect("JSON")
    };
    let (old, new) = (read("HERALD_REPLAY_OLD"), read("HERALD_REPLAY_NEW"));
    let semantics = match std::env::var("HERALD_REPLAY_SEMANTICS").as_deref() {
        Ok("tolerant") => Semantics::Tolerant,
        _ => Semantics::Strict,
    };
    let pair = Pair::new(&old, &new);
    let started = Instant::now();
    let report = pair.diff(Mode::Full, semantics);
    eprintln!(
        "diff took {:?}\n{}",
        started.elapsed(),
        render_json(&report)
    );
    let stats = Stats::default();
    let started = Instant::now();
    let outcome = check_pair(&old, &new, 1, semantics, ALL, &stats);
    eprintln!("check took {:?}", started.elapsed());
    if let Err(error) = outcome {
        panic!("{error}");
    }
}

//! The compatibility engine, rule by rule: a table of (name, old schema, new schema, mode,
//! semantics, expected verdict, expected rule IDs of the breaking changes, expected compatible
//! changes). Each row is its own test, so a known engine bug can be marked `#[ignore]` alone.
//!
//! For every row the schemas are written to temporary files and compared through
//! `load_schema_file` and `diff`, as `herald diff` does. Then:
//!
//! - the verdict and the set of breaking rule IDs are exactly the expected ones;
//! - every proven breaking change has a witness, and the witness is checked with the
//!   `jsonschema` crate directly: valid under the writer's schema (OLD in backward), rejected
//!   by the reader's (under tolerant semantics: the writer's document has only declared
//!   properties, and the reader's view of it, undeclared properties dropped and defaults
//!   filled, is rejected);
//! - a compatible verdict has no breaking change;
//! - the listed compatible changes (`info`) are reported.
//!
//! `every_rule_is_covered` checks that the table names every breaking rule of `RULES` and every
//! compatible rule the engine emits. A few reports are snapshotted (insta) at the end.

mod common;

use common::{Pair, breaking_rules, info_rules, valid, witness_problem};
use herald_core::compat::options::{Mode, Semantics};
use herald_core::compat::render::{render_json, render_text};
use herald_core::compat::rules::RULES;
use serde_json::{Value, json};

const D4: &str = "http://json-schema.org/draft-04/schema#";
const D7: &str = "http://json-schema.org/draft-07/schema#";
const D2019: &str = "https://json-schema.org/draft/2019-09/schema";

/// One row of the table.
struct Case {
    name: &'static str,
    old: Value,
    new: Value,
    mode: Mode,
    semantics: Semantics,
    compatible: bool,
    breaking: &'static [&'static str],
    info: &'static [&'static str],
}

fn check(case: Case) {
    let pair = Pair::new(&case.old, &case.new);
    let report = pair.diff(case.mode, case.semantics);
    let shown = format!(
        "case `{}`\nold: {:#}\nnew: {:#}\nreport: {}",
        case.name,
        case.old,
        case.new,
        render_json(&report)
    );
    assert_eq!(report.compatible, case.compatible, "verdict\n{shown}");
    let mut expected: Vec<&str> = case.breaking.to_vec();
    expected.sort_unstable();
    expected.dedup();
    assert_eq!(breaking_rules(&report), expected, "breaking rules\n{shown}");
    if case.compatible {
        assert!(
            report.breaking().next().is_none(),
            "a compatible verdict with a breaking change\n{shown}"
        );
    }
    for change in report.breaking() {
        if change.proven {
            if let Some(problem) = witness_problem(change, &case.old, &case.new, case.semantics) {
                panic!("{problem}\n{shown}");
            }
        } else {
            assert_eq!(
                change.rule, "cannot-prove-compatible",
                "an unproven change must say so\n{shown}"
            );
            assert!(
                change.witness.is_none(),
                "an unproven change with a witness\n{shown}"
            );
        }
    }
    for rule in case
        .breaking
        .iter()
        .filter(|rule| **rule != "cannot-prove-compatible")
    {
        assert!(
            report
                .breaking()
                .any(|change| change.rule == *rule && change.proven && change.witness.is_some()),
            "`{rule}` is not proven by a witness\n{shown}"
        );
    }
    let infos = info_rules(&report);
    for rule in case.info {
        assert!(
            infos.contains(rule),
            "compatible change `{rule}` is not reported\n{shown}"
        );
    }
}

macro_rules! cases {
    ($(
        $(#[$meta:meta])*
        $name:ident: $mode:ident $semantics:ident, $old:expr => $new:expr,
            $verdict:ident [$($rule:literal),* $(,)?] $(info [$($info:literal),* $(,)?])?;
    )*) => {
        $(
            $(#[$meta])*
            #[test]
            fn $name() {
                check(Case {
                    name: stringify!($name),
                    old: $old,
                    new: $new,
                    mode: Mode::$mode,
                    semantics: Semantics::$semantics,
                    compatible: verdict(stringify!($verdict)),
                    breaking: &[$($rule),*],
                    info: &[$($($info),*)?],
                });
            }
        )*

        /// (name, breaking rules, info rules) of every row.
        const TABLE: &[(&str, &[&str], &[&str])] = &[$((stringify!($name), &[$($rule),*], &[$($($info),*)?])),*];
    };
}

fn verdict(word: &str) -> bool {
    match word {
        "compatible" => true,
        "breaking" => false,
        other => panic!("verdict must be `compatible` or `breaking`, not `{other}`"),
    }
}

cases! {
    // ---- type ------------------------------------------------------------------------------
    type_narrowed: Backward Strict,
        json!({"type": ["string", "null"]}) => json!({"type": "string"}),
        breaking ["type-narrowed"];
    type_widened: Backward Strict,
        json!({"type": "string"}) => json!({"type": ["string", "null"]}),
        compatible [] info ["type-widened"];
    type_widened_breaks_forward: Forward Strict,
        json!({"type": "string"}) => json!({"type": ["string", "null"]}),
        breaking ["type-narrowed"];
    type_added_to_untyped: Backward Strict,
        json!({}) => json!({"type": "object"}),
        breaking ["type-narrowed"];
    number_to_integer: Backward Strict,
        json!({"type": "number"}) => json!({"type": "integer"}),
        breaking ["integer-required"];
    integer_to_number: Backward Strict,
        json!({"type": "integer"}) => json!({"type": "number"}),
        compatible [] info ["type-widened"];
    integer_multiple_of_one_is_integer: Full Strict,
        json!({"type": "integer"}) => json!({"type": "integer", "multipleOf": 1}),
        compatible [];
    integer_to_number_multiple_of_one: Backward Strict,
        json!({"type": "integer"}) => json!({"type": "number", "multipleOf": 1}),
        compatible [];
    number_to_number_multiple_of_one: Backward Strict,
        json!({"type": "number"}) => json!({"type": "number", "multipleOf": 1}),
        breaking ["integer-required"];
    number_multiple_of_one_to_integer: Backward Strict,
        json!({"type": "number", "multipleOf": 1}) => json!({"type": "integer"}),
        compatible [];

    // ---- enum / const ----------------------------------------------------------------------
    enum_value_removed: Backward Strict,
        json!({"enum": ["a", "b", "c"]}) => json!({"enum": ["a", "b"]}),
        breaking ["enum-value-removed"];
    enum_value_added: Backward Strict,
        json!({"enum": ["a", "b"]}) => json!({"enum": ["a", "b", "c"]}),
        compatible [] info ["enum-value-added"];
    enum_value_added_breaks_full: Full Strict,
        json!({"enum": ["a", "b"]}) => json!({"enum": ["a", "b", "c"]}),
        breaking ["enum-value-removed"] info ["enum-value-added"];
    enum_added: Backward Strict,
        json!({"type": "string"}) => json!({"type": "string", "enum": ["a", "b"]}),
        breaking ["enum-added"];
    enum_added_to_boolean: Backward Strict,
        json!({"type": "boolean"}) => json!({"enum": [true]}),
        breaking ["enum-added"];
    enum_removed: Backward Strict,
        json!({"type": "string", "enum": ["a", "b"]}) => json!({"type": "string"}),
        compatible [];
    const_changed: Backward Strict,
        json!({"const": 1}) => json!({"const": 2}),
        breaking ["enum-value-removed"];
    const_to_enum: Backward Strict,
        json!({"const": "a"}) => json!({"enum": ["a", "b"]}),
        compatible [] info ["enum-value-added"];
    const_added: Backward Strict,
        json!({"type": "integer"}) => json!({"type": "integer", "const": 3}),
        breaking ["enum-added"];
    enum_values_checked_against_every_keyword: Backward Strict,
        json!({"enum": [1, 5, 10]}) => json!({"type": "integer", "maximum": 5}),
        breaking ["maximum-decreased"];

    // ---- numbers ---------------------------------------------------------------------------
    minimum_increased: Backward Strict,
        json!({"type": "number", "minimum": 0}) => json!({"type": "number", "minimum": 1}),
        breaking ["minimum-increased"];
    minimum_decreased: Backward Strict,
        json!({"type": "number", "minimum": 1}) => json!({"type": "number", "minimum": 0}),
        compatible [] info ["minimum-decreased"];
    minimum_added: Backward Strict,
        json!({"type": "integer"}) => json!({"type": "integer", "minimum": 0}),
        breaking ["minimum-increased"];
    maximum_decreased: Backward Strict,
        json!({"type": "number", "maximum": 10}) => json!({"type": "number", "maximum": 9.5}),
        breaking ["maximum-decreased"];
    maximum_increased: Backward Strict,
        json!({"type": "number", "maximum": 9.5}) => json!({"type": "number", "maximum": 10}),
        compatible [] info ["maximum-increased"];
    inclusive_minimum_made_exclusive: Backward Strict,
        json!({"type": "number", "minimum": 0}) => json!({"type": "number", "exclusiveMinimum": 0}),
        breaking ["minimum-increased"];
    exclusive_minimum_made_inclusive: Backward Strict,
        json!({"type": "number", "exclusiveMinimum": 0}) => json!({"type": "number", "minimum": 0}),
        compatible [];
    inclusive_maximum_made_exclusive: Backward Strict,
        json!({"type": "number", "maximum": 10}) => json!({"type": "number", "exclusiveMaximum": 10}),
        breaking ["maximum-decreased"];
    draft4_exclusive_maximum_removed: Backward Strict,
        json!({"$schema": D4, "type": "number", "maximum": 10, "exclusiveMaximum": true})
        => json!({"$schema": D4, "type": "number", "maximum": 10}),
        compatible [];
    draft4_exclusive_maximum_added: Backward Strict,
        json!({"$schema": D4, "type": "number", "maximum": 10})
        => json!({"$schema": D4, "type": "number", "maximum": 10, "exclusiveMaximum": true}),
        breaking ["maximum-decreased"];
    draft4_boolean_and_2020_numeric_exclusive_maximum_agree: Full Strict,
        json!({"$schema": D4, "type": "number", "maximum": 10, "exclusiveMaximum": true})
        => json!({"type": "number", "exclusiveMaximum": 10}),
        compatible [];
    draft4_exclusive_minimum_against_2020_inclusive: Backward Strict,
        json!({"$schema": D4, "type": "number", "minimum": 0})
        => json!({"type": "number", "exclusiveMinimum": 0}),
        breaking ["minimum-increased"];
    integer_exclusive_minimum_equals_next_minimum: Full Strict,
        json!({"type": "integer", "exclusiveMinimum": 4}) => json!({"type": "integer", "minimum": 5}),
        compatible [];
    integer_exclusive_maximum_equals_previous_maximum: Full Strict,
        json!({"type": "integer", "exclusiveMaximum": 10}) => json!({"type": "integer", "maximum": 9}),
        compatible [];
    number_exclusive_minimum_is_not_next_minimum: Backward Strict,
        json!({"type": "number", "exclusiveMinimum": 4}) => json!({"type": "number", "minimum": 5}),
        breaking ["minimum-increased"];
    multiple_of_narrowed: Backward Strict,
        json!({"type": "number", "multipleOf": 0.01}) => json!({"type": "number", "multipleOf": 0.05}),
        breaking ["multiple-of-narrowed"];
    multiple_of_widened: Backward Strict,
        json!({"type": "number", "multipleOf": 0.05}) => json!({"type": "number", "multipleOf": 0.01}),
        compatible [];
    multiple_of_added: Backward Strict,
        json!({"type": "integer"}) => json!({"type": "integer", "multipleOf": 2}),
        breaking ["multiple-of-narrowed"];

    // ---- strings ---------------------------------------------------------------------------
    min_length_increased: Backward Strict,
        json!({"type": "string", "minLength": 1}) => json!({"type": "string", "minLength": 3}),
        breaking ["min-length-increased"];
    min_length_decreased: Backward Strict,
        json!({"type": "string", "minLength": 3}) => json!({"type": "string", "minLength": 1}),
        compatible [] info ["min-length-decreased"];
    max_length_decreased: Backward Strict,
        json!({"type": "string", "maxLength": 10}) => json!({"type": "string", "maxLength": 5}),
        breaking ["max-length-decreased"];
    max_length_increased: Backward Strict,
        json!({"type": "string", "maxLength": 5}) => json!({"type": "string", "maxLength": 10}),
        compatible [] info ["max-length-increased"];
    pattern_widened: Backward Strict,
        json!({"type": "string", "pattern": "^[A-Z]{3}$"}) => json!({"type": "string", "pattern": "^[A-Z]+$"}),
        compatible [] info ["pattern-widened"];
    pattern_narrowed: Backward Strict,
        json!({"type": "string", "pattern": "^[A-Z]+$"}) => json!({"type": "string", "pattern": "^[A-Z]{3}$"}),
        breaking ["pattern-narrowed"];
    pattern_added: Backward Strict,
        json!({"type": "string"}) => json!({"type": "string", "pattern": "^[a-z]+$"}),
        breaking ["pattern-narrowed"];
    pattern_implied_by_lengths: Backward Strict,
        json!({"type": "string", "pattern": "^[a-z]*$", "minLength": 1}) => json!({"type": "string", "pattern": "^[a-z]+$"}),
        compatible [];
    annotations_only: Full Strict,
        json!({"type": "string", "title": "Name", "description": "a name", "examples": ["Ada"], "format": "email"})
        => json!({"type": "string", "title": "Full name", "description": "the full name", "examples": ["Ada Lovelace"], "format": "uuid", "deprecated": true}),
        compatible [];
    format_added_is_an_annotation: Full Strict,
        json!({"type": "string"}) => json!({"type": "string", "format": "date-time"}),
        compatible [];

    // ---- arrays ----------------------------------------------------------------------------
    items_narrowed: Backward Strict,
        json!({"type": "array", "items": {"type": ["string", "integer"]}}) => json!({"type": "array", "items": {"type": "string"}}),
        breaking ["type-narrowed"];
    min_items_increased: Backward Strict,
        json!({"type": "array", "minItems": 1}) => json!({"type": "array", "minItems": 2}),
        breaking ["min-items-increased"];
    min_items_decreased: Backward Strict,
        json!({"type": "array", "minItems": 2}) => json!({"type": "array", "minItems": 1}),
        compatible [] info ["min-items-decreased"];
    max_items_decreased: Backward Strict,
        json!({"type": "array", "maxItems": 3}) => json!({"type": "array", "maxItems": 2}),
        breaking ["max-items-decreased"];
    max_items_increased: Backward Strict,
        json!({"type": "array", "maxItems": 2}) => json!({"type": "array", "maxItems": 3}),
        compatible [] info ["max-items-increased"];
    unique_items_added: Backward Strict,
        json!({"type": "array", "items": {"type": "integer"}}) => json!({"type": "array", "items": {"type": "integer"}, "uniqueItems": true}),
        breaking ["unique-items-added"];
    unique_items_removed: Backward Strict,
        json!({"type": "array", "uniqueItems": true}) => json!({"type": "array", "uniqueItems": false}),
        compatible [] info ["unique-items-removed"];
    unique_items_irrelevant_for_one_item: Backward Strict,
        json!({"type": "array", "maxItems": 1}) => json!({"type": "array", "maxItems": 1, "uniqueItems": true}),
        compatible [];
    contains_added: Backward Strict,
        json!({"type": "array"}) => json!({"type": "array", "contains": {"type": "string"}}),
        breaking ["contains-added"];
    contains_removed: Backward Strict,
        json!({"type": "array", "contains": {"type": "string"}}) => json!({"type": "array"}),
        compatible [];
    min_contains_increased: Backward Strict,
        json!({"type": "array", "contains": {"type": "string"}}) => json!({"type": "array", "contains": {"type": "string"}, "minContains": 2}),
        breaking ["contains-added"];
    min_contains_decreased: Backward Strict,
        json!({"type": "array", "contains": {"type": "string"}, "minContains": 2}) => json!({"type": "array", "contains": {"type": "string"}}),
        compatible [];
    contains_implied_by_items_and_min_items: Backward Strict,
        json!({"type": "array", "items": {"type": "string"}, "minItems": 1}) => json!({"type": "array", "contains": {"type": "string"}}),
        compatible [];
    prefix_items_narrowed: Backward Strict,
        json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]})
        => json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer", "minimum": 0}]}),
        breaking ["minimum-increased"];
    prefix_items_closed: Backward Strict,
        json!({"type": "array", "prefixItems": [{"type": "string"}]})
        => json!({"type": "array", "prefixItems": [{"type": "string"}], "items": false}),
        breaking ["value-forbidden"];
    draft7_additional_items_closed: Backward Strict,
        json!({"$schema": D7, "type": "array", "items": [{"type": "string"}]})
        => json!({"$schema": D7, "type": "array", "items": [{"type": "string"}], "additionalItems": false}),
        breaking ["value-forbidden"];
    draft7_tuple_equals_2020_prefix_items: Full Strict,
        json!({"$schema": D7, "type": "array", "items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false})
        => json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false}),
        compatible [];
    draft7_tuple_against_2020_prefix_items_narrowed: Backward Strict,
        json!({"$schema": D7, "type": "array", "items": [{"type": "string"}, {"type": "integer"}]})
        => json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}]}),
        breaking ["type-narrowed"];
    draft2019_tuple_items_and_additional_items: Backward Strict,
        json!({"$schema": D2019, "type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "integer"}})
        => json!({"$schema": D2019, "type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "integer", "maximum": 3}}),
        breaking ["maximum-decreased"];

    // ---- objects ---------------------------------------------------------------------------
    required_added: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}),
        breaking ["required-property-added"];
    required_removed: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        compatible [] info ["required-property-removed"];
    required_added_with_default_tolerant: Backward Tolerant,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string", "default": "x"}}, "required": ["a"]}),
        compatible [];
    required_added_with_default_strict: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string", "default": "x"}}, "required": ["a"]}),
        breaking ["required-property-added"];
    property_added_to_open_model_strict: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}),
        breaking ["property-added-to-open-model"];
    property_added_to_open_model_tolerant: Full Tolerant,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}),
        compatible [] info ["property-added"];
    property_added_to_open_model_accepting_anything: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {}}}),
        compatible [] info ["property-added"];
    property_added_to_closed_model: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false})
        => json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "additionalProperties": false}),
        compatible [] info ["property-added"];
    property_removed_from_closed_model: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "additionalProperties": false})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}),
        breaking ["property-removed-from-closed-model"];
    property_removed_from_open_model: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        compatible [] info ["property-removed"];
    property_narrowed: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string", "maxLength": 2}}}),
        breaking ["max-length-decreased"];
    property_forbidden: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": false}}),
        breaking ["value-forbidden"];
    additional_properties_false_added: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}),
        breaking ["additional-properties-narrowed"];
    additional_properties_false_added_tolerant: Backward Tolerant,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}),
        compatible [];
    additional_properties_false_removed: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}}),
        compatible [] info ["additional-properties-widened"];
    additional_properties_schema_narrowed: Backward Strict,
        json!({"type": "object", "additionalProperties": {"type": ["string", "integer"]}})
        => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        breaking ["additional-properties-narrowed"];
    pattern_properties_narrowed: Backward Strict,
        json!({"type": "object", "patternProperties": {"^x_": {"type": "string"}}})
        => json!({"type": "object", "patternProperties": {"^x_": {"type": "string", "maxLength": 3}}}),
        breaking ["max-length-decreased"];
    pattern_properties_added_to_closed_model: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^x_": {"type": "integer"}}, "additionalProperties": false}),
        compatible [];
    pattern_properties_and_closed_model_with_property: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "string"}}})
        => json!({"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^x_": {"type": "integer"}}, "additionalProperties": false}),
        breaking ["additional-properties-narrowed"];
    pattern_properties_with_closed_model_added: Backward Strict,
        json!({"type": "object"})
        => json!({"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": false}),
        breaking ["additional-properties-narrowed"];
    pattern_properties_constrain_open_model: Backward Strict,
        json!({"type": "object"})
        => json!({"type": "object", "patternProperties": {"^x_": {"type": "integer"}}}),
        breaking ["additional-properties-narrowed"];
    property_names_added: Backward Strict,
        json!({"type": "object"}) => json!({"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}),
        breaking ["property-names-narrowed"];
    property_names_reject_declared_property: Backward Strict,
        json!({"type": "object", "properties": {"Name": {"type": "string"}}, "additionalProperties": false})
        => json!({"type": "object", "properties": {"Name": {"type": "string"}}, "additionalProperties": false, "propertyNames": {"pattern": "^[a-z]+$"}}),
        breaking ["property-names-narrowed"];
    property_names_widened: Backward Strict,
        json!({"type": "object", "propertyNames": {"maxLength": 3}}) => json!({"type": "object", "propertyNames": {"maxLength": 5}}),
        compatible [];
    min_properties_increased: Backward Strict,
        json!({"type": "object", "minProperties": 1}) => json!({"type": "object", "minProperties": 2}),
        breaking ["min-properties-increased"];
    min_properties_implied_by_required: Backward Strict,
        json!({"type": "object", "properties": {"a": {}, "b": {}}, "required": ["a", "b"]})
        => json!({"type": "object", "properties": {"a": {}, "b": {}}, "required": ["a", "b"], "minProperties": 2}),
        compatible [];
    max_properties_decreased: Backward Strict,
        json!({"type": "object", "maxProperties": 3}) => json!({"type": "object", "maxProperties": 2}),
        breaking ["max-properties-decreased"];
    max_properties_implied_by_closed_model: Backward Strict,
        json!({"type": "object", "properties": {"a": {}, "b": {}}, "additionalProperties": false})
        => json!({"type": "object", "properties": {"a": {}, "b": {}}, "additionalProperties": false, "maxProperties": 2}),
        compatible [];
    empty_objects_have_no_undeclared_properties: Backward Strict,
        json!({"type": "object", "maxProperties": 0})
        => json!({"type": "object", "additionalProperties": false}),
        compatible [];
    closing_an_open_model_still_breaks: Backward Strict,
        json!({"type": "object", "maxProperties": 1})
        => json!({"type": "object", "additionalProperties": false}),
        breaking ["additional-properties-narrowed"];
    dependent_required_added: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})
        => json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "dependentRequired": {"a": ["b"]}}),
        breaking ["dependent-required-added"];
    dependent_required_removed: Backward Strict,
        json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "dependentRequired": {"a": ["b"]}})
        => json!({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}}),
        compatible [];
    draft7_array_dependencies_added: Backward Strict,
        json!({"$schema": D7, "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}})
        => json!({"$schema": D7, "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "dependencies": {"a": ["b"]}}),
        breaking ["dependent-required-added"];
    draft7_dependencies_equal_dependent_required: Full Strict,
        json!({"$schema": D7, "type": "object", "properties": {"a": {"type": "integer"}}, "dependencies": {"a": ["b"]}})
        => json!({"type": "object", "properties": {"a": {"type": "integer"}}, "dependentRequired": {"a": ["b"]}}),
        compatible [];
    dependent_schemas_added: Backward Strict,
        json!({"type": "object", "properties": {"a": {}, "b": {"type": ["string", "integer"]}}})
        => json!({"type": "object", "properties": {"a": {}, "b": {"type": ["string", "integer"]}}, "dependentSchemas": {"a": {"properties": {"b": {"type": "string"}}}}}),
        breaking ["dependent-schema-added"];
    dependent_schemas_removed: Backward Strict,
        json!({"type": "object", "properties": {"a": {}, "b": {"type": ["string", "integer"]}}, "dependentSchemas": {"a": {"properties": {"b": {"type": "string"}}}}})
        => json!({"type": "object", "properties": {"a": {}, "b": {"type": ["string", "integer"]}}}),
        compatible [];
    draft7_schema_dependencies_unchanged: Full Strict,
        json!({"$schema": D7, "type": "object", "dependencies": {"a": {"required": ["b"]}}})
        => json!({"$schema": D7, "type": "object", "dependencies": {"a": {"required": ["b"]}}, "title": "t"}),
        compatible [];

    // ---- combinators -----------------------------------------------------------------------
    any_of_narrowed: Backward Strict,
        json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}) => json!({"anyOf": [{"type": "string"}]}),
        breaking ["any-of-narrowed"];
    any_of_widened: Backward Strict,
        json!({"anyOf": [{"type": "string"}]}) => json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}),
        compatible [];
    any_of_covers_type_union: Backward Strict,
        json!({"type": ["string", "integer"]}) => json!({"anyOf": [{"type": "string"}, {"type": "number"}]}),
        compatible [];
    one_of_narrowed: Backward Strict,
        json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}) => json!({"oneOf": [{"type": "string"}]}),
        breaking ["one-of-narrowed"];
    one_of_ambiguous: Backward Strict,
        json!({"type": "string"}) => json!({"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 5}]}),
        breaking ["one-of-ambiguous"];
    one_of_disjoint_branches: Backward Strict,
        json!({"type": "string"}) => json!({"oneOf": [{"type": "string"}, {"type": "integer"}]}),
        compatible [];
    one_of_discriminated_objects: Full Strict,
        json!({"oneOf": [
            {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "string"}}, "required": ["kind"]},
            {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "integer"}}, "required": ["kind"]}
        ]})
        => json!({"oneOf": [
            {"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "string"}}, "required": ["kind"]},
            {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "integer"}}, "required": ["kind"]}
        ], "title": "Shape"}),
        compatible [];
    // Overlapping branches the writer's own `oneOf` already has: it never writes a value
    // matching both (Iglu's resolver-config 1-0-0 -> 1-0-1).
    one_of_overlap_kept_from_writer: Backward Strict,
        json!({"type": "object", "properties": {"n": {"type": "integer"}}, "oneOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"]}
        ]})
        => json!({"type": "object", "properties": {"n": {"type": "number"}}, "oneOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"]}
        ]}),
        compatible [];
    one_of_overlap_kept_but_for_descriptions: Backward Strict,
        json!({"oneOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"]}
        ]})
        => json!({"oneOf": [
            {"type": "object", "description": "anything", "properties": {"a": {"type": "string", "title": "A"}}},
            {"type": "object", "required": ["b"], "$comment": "b"}
        ]}),
        compatible [];
    // A closed branch that does not declare what the other requires (Iglu's resolver-config).
    one_of_closed_branches_disjoint: Backward Strict,
        json!({"type": "object", "oneOf": [
            {"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false},
            {"properties": {"b": {"type": "string"}}, "required": ["b"], "additionalProperties": false}
        ]})
        => json!({"type": "object", "oneOf": [
            {"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false},
            {"properties": {"b": {"type": "string"}, "c": {}}, "required": ["b"], "additionalProperties": false}
        ]}),
        compatible [];
    one_of_overlapping_branch_added: Backward Strict,
        json!({"type": "object", "oneOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"]}
        ]})
        => json!({"type": "object", "oneOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "required": ["b"]},
            {"type": "object", "required": ["c"]}
        ]}),
        breaking ["one-of-ambiguous"];
    // A tolerant reader keeps the discriminator (declared where the union stands), so the
    // branches stay apart in its reading.
    one_of_discriminated_objects_tolerant: Full Tolerant,
        json!({"type": "object",
            "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": "string"}, "y": {"type": "integer"}},
            "oneOf": [
                {"properties": {"kind": {"const": "a"}}, "required": ["kind", "x"]},
                {"properties": {"kind": {"const": "b"}}, "required": ["kind", "y"]}
            ]})
        => json!({"type": "object",
            "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": "string"}, "y": {"type": "integer"}, "z": {"type": "string"}},
            "oneOf": [
                {"properties": {"kind": {"const": "a"}}, "required": ["kind", "x"]},
                {"properties": {"kind": {"const": "b"}}, "required": ["kind", "y"]}
            ], "title": "Shape"}),
        compatible [];
    all_of_merged_into_one_schema: Full Strict,
        json!({"allOf": [{"type": "integer"}, {"minimum": 0}]}) => json!({"type": "integer", "minimum": 0}),
        compatible [];
    all_of_member_narrowed: Backward Strict,
        json!({"allOf": [{"type": "integer"}, {"minimum": 0}]}) => json!({"allOf": [{"type": "integer"}, {"minimum": 1}]}),
        breaking ["minimum-increased"];
    not_added: Backward Strict,
        json!({"type": "integer"}) => json!({"type": "integer", "not": {"const": 0}}),
        breaking ["not-added"];
    not_disjoint_from_producer: Backward Strict,
        json!({"type": "integer"}) => json!({"type": "integer", "not": {"type": "string"}}),
        compatible [];
    not_narrowed_to_what_producer_excludes: Backward Strict,
        json!({"type": "integer", "not": {"type": "integer", "minimum": 0, "maximum": 10}})
        => json!({"type": "integer", "not": {"type": "integer", "minimum": 0, "maximum": 5}}),
        compatible [];
    conditional_added: Backward Strict,
        json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": ["string", "integer"]}}})
        => json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": ["string", "integer"]}},
            "if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
            "then": {"properties": {"x": {"type": "string"}}}}),
        breaking ["conditional-narrowed"];
    conditional_else_added: Backward Strict,
        json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}, "required": ["kind"]})
        => json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}, "required": ["kind"],
            "if": {"properties": {"kind": {"const": "a"}}},
            "else": {"required": ["y"]}}),
        breaking ["conditional-narrowed"];
    conditional_satisfied_by_producer: Backward Strict,
        json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": "string"}}})
        => json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}, "x": {"type": "string"}},
            "if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
            "then": {"properties": {"x": {"type": "string"}}}}),
        compatible [];
    producer_conditional_split: Backward Strict,
        json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}, "required": ["kind"],
            "if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]}, "else": {"required": ["y"]}})
        => json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}, "required": ["kind"], "minProperties": 2}),
        compatible [];

    // ---- $ref, $defs, recursion --------------------------------------------------------------
    ref_target_narrowed: Backward Strict,
        json!({"$defs": {"name": {"type": "string"}}, "type": "object", "properties": {"n": {"$ref": "#/$defs/name"}}})
        => json!({"$defs": {"name": {"type": "string", "maxLength": 3}}, "type": "object", "properties": {"n": {"$ref": "#/$defs/name"}}}),
        breaking ["max-length-decreased"];
    ref_inlined: Full Strict,
        json!({"$defs": {"name": {"type": "string"}}, "type": "object", "properties": {"n": {"$ref": "#/$defs/name"}}})
        => json!({"type": "object", "properties": {"n": {"type": "string"}}}),
        compatible [];
    draft7_ref_ignores_siblings: Full Strict,
        json!({"$schema": D7, "definitions": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/definitions/n", "minimum": 5}}})
        => json!({"$schema": D7, "properties": {"a": {"type": "integer"}}}),
        compatible [];
    ref_with_siblings_2020: Backward Strict,
        json!({"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n"}}})
        => json!({"$defs": {"n": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/n", "minimum": 5}}}),
        breaking ["minimum-increased"];
    linked_list_against_itself: Full Strict,
        linked_list(json!({"type": "integer"})) => with_title(linked_list(json!({"type": "integer"}))),
        compatible [];
    linked_list_narrowed: Backward Strict,
        linked_list(json!({"type": "integer"})) => linked_list(json!({"type": "integer", "minimum": 0})),
        breaking ["minimum-increased"];
    linked_list_widened: Backward Strict,
        linked_list(json!({"type": "integer", "minimum": 0})) => linked_list(json!({"type": "integer"})),
        compatible [];
    tree_against_itself: Full Strict,
        tree(json!({"type": "array", "items": {"$ref": "#/$defs/tree"}})) => with_title(tree(json!({"type": "array", "items": {"$ref": "#/$defs/tree"}}))),
        compatible [];
    tree_narrowed: Backward Strict,
        tree(json!({"type": "array", "items": {"$ref": "#/$defs/tree"}})) => tree(json!({"type": "array", "items": {"$ref": "#/$defs/tree"}, "maxItems": 2})),
        breaking ["max-items-decreased"];

    // ---- boolean schemas ---------------------------------------------------------------------
    true_to_false: Backward Strict,
        json!(true) => json!(false),
        breaking ["value-forbidden"];
    false_to_true: Backward Strict,
        json!(false) => json!(true),
        compatible [];
    empty_to_true: Full Strict,
        json!({}) => json!(true),
        compatible [];

    // ---- different drafts --------------------------------------------------------------------
    draft7_to_2020_unchanged: Full Strict,
        json!({"$schema": D7, "type": "object", "properties": {"a": {"type": "string", "minLength": 1}}, "required": ["a"]})
        => json!({"type": "object", "properties": {"a": {"type": "string", "minLength": 1}}, "required": ["a"]}),
        compatible [];
    draft4_to_2019_narrowed: Backward Strict,
        json!({"$schema": D4, "type": "object", "properties": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": true}}})
        => json!({"$schema": D2019, "type": "object", "properties": {"n": {"type": "number", "exclusiveMinimum": 1}}}),
        breaking ["minimum-increased"];
    draft2020_integer_to_draft4_integer: Backward Strict,
        json!({"type": "integer"}) => json!({"$schema": D4, "type": "integer"}),
        breaking ["type-narrowed"];

    // ---- the engine's own rules --------------------------------------------------------------
    look_around_cannot_be_proven: Backward Strict,
        json!({"type": "string", "pattern": "^a"}) => json!({"type": "string", "pattern": "^(?!b)"}),
        breaking ["cannot-prove-compatible"];
    unevaluated_properties_break_named_by_search: Backward Strict,
        json!({"type": "object", "properties": {"a": {}, "b": {}}})
        => json!({"type": "object", "allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": false}),
        breaking ["breaking-change"];

    // ---- former engine bugs (soundness: herald said compatible, a document broke) -------------
    dependencies_keyword_in_2020_schema: Backward Strict,
        json!({"type": "object"}) => json!({"type": "object", "dependencies": {"a": ["b"]}}),
        breaking ["dependent-required-added"];
    // draft-06/07 `contentEncoding` is an assertion in the jsonschema crate: herald cannot decide it.
    draft7_content_encoding_added: Backward Strict,
        json!({"$schema": D7, "type": "string"}) => json!({"$schema": D7, "type": "string", "contentEncoding": "base64"}),
        breaking ["cannot-prove-compatible"];
    pattern_word_class_is_ascii: Backward Strict,
        json!({"type": "string", "pattern": "^[aé]$"}) => json!({"type": "string", "pattern": "^\\w$"}),
        breaking ["pattern-narrowed"];
    pattern_digit_class_is_ascii: Backward Strict,
        json!({"type": "string", "pattern": "^[1٣]$"}) => json!({"type": "string", "pattern": "^\\d$"}),
        breaking ["pattern-narrowed"];
    pattern_dot_excludes_carriage_return: Backward Strict,
        json!({"type": "string", "pattern": "^[a\r]$"}) => json!({"type": "string", "pattern": "^.$"}),
        breaking ["pattern-narrowed"];
    pattern_space_class_includes_bom: Backward Strict,
        json!({"type": "string", "pattern": "^\\s$"}) => json!({"type": "string", "pattern": "^[^\u{feff}]$"}),
        breaking ["pattern-narrowed"];
    draft4_const_is_not_a_keyword: Backward Strict,
        json!({"$schema": D4, "const": 1}) => json!({"$schema": D4, "type": "integer"}),
        breaking ["type-narrowed"];
    additional_properties_schema_narrowed_tolerant: Backward Tolerant,
        json!({"type": "object", "additionalProperties": {"type": "integer"}})
        => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        breaking ["additional-properties-narrowed"];

    // ---- former engine bugs under tolerant semantics: the rules read each schema node as if
    // the reader dropped what that node does not declare and filled that node's defaults; the
    // reader drops only what no schema at that place declares, and fills the defaults of the
    // schema at that place (and its `allOf`/`$ref`) only. The engine now tracks places
    // (`compat::tolerant`).
    tolerant_min_properties_counts_dropped_properties: Backward Tolerant,
        json!({"type": "object", "properties": {"a": {}, "b": {}}, "minProperties": 1})
        => json!({"type": "object", "properties": {"a": {}}, "minProperties": 1}),
        breaking ["min-properties-increased"];
    tolerant_closed_all_of_member: Backward Tolerant,
        json!({"type": "object", "patternProperties": {"^x_": {}}})
        => json!({"type": "object", "allOf": [{"additionalProperties": false}, {"patternProperties": {"^x_": {}}}]}),
        breaking ["additional-properties-narrowed"];
    tolerant_required_but_undeclared: Backward Tolerant,
        json!({"properties": {"a": {"required": ["a"]}, "b": {"required": ["b"], "additionalProperties": {}}}})
        => json!({"properties": {"a": {"required": ["a"], "additionalProperties": false}, "b": {"required": ["b"], "additionalProperties": false}}}),
        breaking ["required-property-added"];
    tolerant_default_switches_dependency_on: Backward Tolerant,
        json!({"type": "object", "properties": {"currency": {"type": "string", "default": "EUR"}, "amount": {"type": "number"}}, "dependentRequired": {"currency": ["amount"]}})
        => json!({"type": "object", "properties": {"currency": {"type": "string", "default": "EUR"}, "amount": {"type": "number"}}, "dependentRequired": {"currency": ["amount"]}, "title": "same"}),
        breaking ["dependent-required-added"];
    tolerant_default_inside_if_is_not_filled: Backward Tolerant,
        json!({"type": "object", "properties": {"kind": {"type": "string"}}})
        => json!({"type": "object", "properties": {"kind": {"type": "string"}}, "if": {"properties": {"kind": {"default": "a"}}, "required": ["kind"]}, "then": {}, "else": false}),
        breaking ["conditional-narrowed"];
    tolerant_contains_closed: Backward Tolerant,
        json!({"type": "array", "contains": {"type": "object"}})
        => json!({"type": "array", "contains": {"type": "object", "additionalProperties": false}}),
        breaking ["contains-added"];
}

fn linked_list(value: Value) -> Value {
    json!({
        "$defs": {"node": {
            "type": "object",
            "properties": {"value": value, "next": {"$ref": "#/$defs/node"}},
            "required": ["value"]
        }},
        "$ref": "#/$defs/node"
    })
}

fn tree(children: Value) -> Value {
    json!({
        "$defs": {"tree": {
            "type": "object",
            "properties": {"label": {"type": "string"}, "children": children},
            "required": ["label"]
        }},
        "$ref": "#/$defs/tree"
    })
}

fn with_title(mut schema: Value) -> Value {
    schema["title"] = json!("changed title");
    schema
}

/// The table names every breaking rule and every compatible rule the engine emits.
#[test]
fn every_rule_is_covered() {
    let emitted_infos = [
        "type-widened",
        "enum-value-added",
        "minimum-decreased",
        "maximum-increased",
        "min-length-decreased",
        "max-length-increased",
        "pattern-widened",
        "min-items-decreased",
        "max-items-increased",
        "unique-items-removed",
        "required-property-removed",
        "property-added",
        "property-removed",
        "additional-properties-widened",
    ];
    // Rules of `herald check` about a catalog, not about two schemas.
    let catalog_rules = [
        "published-version-edited",
        "event-removed",
        "version-removed",
        "producer-removed",
        "consumer-removed",
    ];
    for rule in RULES {
        if rule.breaking && !catalog_rules.contains(&rule.id) {
            assert!(
                TABLE
                    .iter()
                    .any(|(_, breaking, _)| breaking.contains(&rule.id)),
                "no case breaks with `{}`",
                rule.id
            );
        }
    }
    for info in emitted_infos {
        assert!(
            RULES.iter().any(|rule| rule.id == info && !rule.breaking),
            "`{info}` is not a compatible rule"
        );
        assert!(
            TABLE.iter().any(|(_, _, infos)| infos.contains(&info)),
            "no case reports `{info}`"
        );
    }
    let mut names: Vec<&str> = TABLE.iter().map(|(name, ..)| *name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), TABLE.len());
}

// ---- snapshots of the text report ------------------------------------------------------------

fn text_report(old: Value, new: Value, mode: Mode, semantics: Semantics) -> String {
    let pair = Pair::new(&old, &new);
    let report = pair.diff(mode, semantics);
    render_text(&report, false).replace(&pair.dir_display(), "[dir]")
}

#[test]
fn snapshot_pattern_narrowed() {
    insta::assert_snapshot!(text_report(
        json!({"type": "string", "pattern": "^[A-Z]+$"}),
        json!({"type": "string", "pattern": "^[A-Z]{3}$"}),
        Mode::Backward,
        Semantics::Strict,
    ));
}

#[test]
fn snapshot_enum_full() {
    insta::assert_snapshot!(text_report(
        json!({"type": "object", "properties": {"currency": {"enum": ["EUR", "USD", "GBP"]}}}),
        json!({"type": "object", "properties": {"currency": {"enum": ["EUR", "USD", "CHF"]}}}),
        Mode::Full,
        Semantics::Strict,
    ));
}

#[test]
fn snapshot_property_added_strict_and_tolerant() {
    let old =
        json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]});
    let new = json!({"type": "object", "properties": {"id": {"type": "string"}, "note": {"type": "string"}}, "required": ["id"]});
    let strict = text_report(old.clone(), new.clone(), Mode::Backward, Semantics::Strict);
    let tolerant = text_report(old, new, Mode::Full, Semantics::Tolerant);
    insta::assert_snapshot!(format!(
        "--- strict ---\n{strict}\n--- tolerant ---\n{tolerant}"
    ));
}

#[test]
fn snapshot_required_and_bounds() {
    insta::assert_snapshot!(text_report(
        json!({"type": "object", "properties": {"qty": {"type": "integer", "minimum": 1}, "sku": {"type": "string"}}, "required": ["qty"]}),
        json!({"type": "object", "properties": {"qty": {"type": "integer", "minimum": 1, "maximum": 100}, "sku": {"type": "string"}}, "required": ["qty", "sku"]}),
        Mode::Backward,
        Semantics::Strict,
    ));
}

#[test]
fn snapshot_one_of_ambiguous() {
    insta::assert_snapshot!(text_report(
        json!({"type": "string"}),
        json!({"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 5}]}),
        Mode::Backward,
        Semantics::Strict,
    ));
}

#[test]
fn snapshot_compatible() {
    insta::assert_snapshot!(text_report(
        json!({"type": "string", "pattern": "^[A-Z]{3}$", "title": "Currency"}),
        json!({"type": ["string", "null"], "pattern": "^[A-Z]+$", "title": "Currency code"}),
        Mode::Backward,
        Semantics::Strict,
    ));
}

/// `diff` returns on schemas whose `$ref`/`allOf` lead to a single-branch `anyOf`/`oneOf`.
#[test]
fn single_branch_any_of_behind_ref_terminates() {
    let cases = [
        (
            json!({"$ref": "#/$defs/a", "$defs": {"a": {"anyOf": [{"type": "string"}]}}}),
            json!({"type": "string"}),
        ),
        (
            json!({"allOf": [{"oneOf": [{"type": "string"}]}]}),
            json!({"type": "string"}),
        ),
    ];
    for (old, new) in cases {
        let (sender, receiver) = std::sync::mpsc::channel();
        let (old_copy, new_copy) = (old.clone(), new.clone());
        std::thread::spawn(move || {
            let report = Pair::new(&old_copy, &new_copy).diff(Mode::Full, Semantics::Strict);
            let _ = sender.send(report.compatible);
        });
        let outcome = receiver.recv_timeout(std::time::Duration::from_secs(10));
        assert_eq!(
            outcome,
            Ok(true),
            "diff did not return within 10 s (or broke)\nold: {old}\nnew: {new}"
        );
    }
}

/// The witnesses of a few breaks are the shortest or nearest documents.
#[test]
fn witnesses_are_minimal() {
    let witness = |old: Value, new: Value| {
        let report = Pair::new(&old, &new).diff(Mode::Backward, Semantics::Strict);
        let change = report
            .breaking()
            .next()
            .unwrap_or_else(|| panic!("no break\nold: {old}\nnew: {new}"));
        change
            .witness
            .clone()
            .unwrap_or_else(|| panic!("no witness\n{}", render_json(&report)))
    };
    // The shortest string `^[A-Z]+$` accepts and `^[A-Z]{3}$` rejects.
    assert_eq!(
        witness(
            json!({"type": "string", "pattern": "^[A-Z]+$"}),
            json!({"type": "string", "pattern": "^[A-Z]{3}$"})
        ),
        json!("A")
    );
    // The empty string is the shortest breaking string for a new `+` pattern.
    assert_eq!(
        witness(
            json!({"type": "string"}),
            json!({"type": "string", "pattern": "^[a-z]+$"})
        ),
        json!("")
    );
    // Bounds: the number next to the new bound.
    assert_eq!(
        witness(
            json!({"type": "integer", "minimum": 0}),
            json!({"type": "integer", "minimum": 5})
        ),
        json!(4)
    );
    assert_eq!(
        witness(
            json!({"type": "number", "maximum": 10}),
            json!({"type": "number", "exclusiveMaximum": 10})
        ),
        json!(10)
    );
    // 0.01 is a multiple of 0.01 and not of 0.05.
    let found = witness(
        json!({"type": "number", "multipleOf": 0.01}),
        json!({"type": "number", "multipleOf": 0.05}),
    );
    assert!(
        valid(&json!({"multipleOf": 0.01}), &found) && !valid(&json!({"multipleOf": 0.05}), &found),
        "{found}"
    );
    // Lengths: the longest string the old schema allows past the new limit.
    assert_eq!(
        witness(
            json!({"type": "string", "maxLength": 10}),
            json!({"type": "string", "maxLength": 5})
        ),
        json!("aaaaaa")
    );
}

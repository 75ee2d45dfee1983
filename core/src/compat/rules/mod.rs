//! The compatibility rules: named explanations on top of the sound engine. Each keyword family
//! has one file; every rule has a stable ID, a tag (what kind of change it is), its mirror (the
//! opposite change) and a page for `herald explain`. A break no rule names still fails, as
//! `breaking-change`, with its witness.

pub mod arrays;
pub mod combinators;
pub mod enums;
pub mod numbers;
pub mod objects;
pub mod strings;
pub mod types;

/// The kind of change a rule describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// Something new is required or constrained.
    Add,
    /// Something allowed before is gone.
    Remove,
    /// A constraint got tighter.
    Narrow,
    /// A constraint got looser.
    Widen,
    /// Not a change in the schema: a statement about the comparison itself.
    Engine,
}

/// A compatibility rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The stable ID.
    pub id: &'static str,
    /// Whether the change it names can reject documents the producer writes.
    pub breaking: bool,
    /// What kind of change it is.
    pub tag: Tag,
    /// The rule for the opposite change, or why there is none.
    pub mirror: Mirror,
    /// One line.
    pub summary: &'static str,
    /// The page `herald explain` prints.
    pub explanation: &'static str,
}

/// A rule's opposite.
#[derive(Debug, Clone, Copy)]
pub enum Mirror {
    /// The rule for the opposite change.
    Rule(&'static str),
    /// Why the rule has no opposite.
    Waiver(&'static str),
}

const fn rule(
    id: &'static str,
    breaking: bool,
    tag: Tag,
    mirror: Mirror,
    summary: &'static str,
    explanation: &'static str,
) -> Rule {
    Rule {
        id,
        breaking,
        tag,
        mirror,
        summary,
        explanation,
    }
}

use Mirror::{Rule as M, Waiver as W};
use Tag::*;

/// The rule set, version 1. Upgrading herald never changes what a released rule set decides.
pub const RULES: &[Rule] = &[
    rule(
        "type-narrowed",
        true,
        Narrow,
        M("type-widened"),
        "A JSON type the old schema allowed is no longer allowed.",
        "The consumer's `type` (or the types its keywords allow) excludes a type the producer may write, e.g. `[string, null]` became `string`: a document with `null` there is now rejected.",
    ),
    rule(
        "type-widened",
        false,
        Widen,
        M("type-narrowed"),
        "The schema accepts more JSON types than before.",
        "The consumer accepts every type the producer writes and more. Compatible in this direction.",
    ),
    rule(
        "integer-required",
        true,
        Narrow,
        M("type-widened"),
        "Numbers with a fractional part are no longer accepted.",
        "`type: number` became `type: integer` (or a `multipleOf` now excludes fractions): a producer may write 1.5.",
    ),
    rule(
        "enum-value-removed",
        true,
        Remove,
        M("enum-value-added"),
        "A value the producer may write is no longer accepted.",
        "The producer's values are a finite set (`enum` or `const`) and at least one of them is rejected by the consumer's schema, usually because it was removed from `enum`.",
    ),
    rule(
        "enum-value-added",
        false,
        Widen,
        M("enum-value-removed"),
        "The consumer accepts new values.",
        "The consumer's `enum` grew. Compatible for consumers; producers using the new values break forward compatibility.",
    ),
    rule(
        "enum-added",
        true,
        Add,
        M("enum-removed"),
        "The value is now limited to a list, which the producer's values are not.",
        "The consumer added `enum` or `const` where the producer could write other values.",
    ),
    rule(
        "enum-removed",
        false,
        Widen,
        M("enum-added"),
        "The value is no longer limited to a list.",
        "The consumer dropped `enum`/`const`. Compatible in this direction.",
    ),
    rule(
        "minimum-increased",
        true,
        Narrow,
        M("minimum-decreased"),
        "The lower bound went up.",
        "`minimum` or `exclusiveMinimum` excludes numbers the producer may write.",
    ),
    rule(
        "minimum-decreased",
        false,
        Widen,
        M("minimum-increased"),
        "The lower bound went down.",
        "Compatible in this direction.",
    ),
    rule(
        "maximum-decreased",
        true,
        Narrow,
        M("maximum-increased"),
        "The upper bound went down.",
        "`maximum` or `exclusiveMaximum` excludes numbers the producer may write.",
    ),
    rule(
        "maximum-increased",
        false,
        Widen,
        M("maximum-decreased"),
        "The upper bound went up.",
        "Compatible in this direction.",
    ),
    rule(
        "multiple-of-narrowed",
        true,
        Narrow,
        M("multiple-of-widened"),
        "`multipleOf` excludes numbers the producer may write.",
        "The consumer's `multipleOf` does not divide every number the producer may write (e.g. 0.01 became 0.05).",
    ),
    rule(
        "multiple-of-widened",
        false,
        Widen,
        M("multiple-of-narrowed"),
        "`multipleOf` was relaxed.",
        "Every number the producer writes is still a multiple. Compatible in this direction.",
    ),
    rule(
        "min-length-increased",
        true,
        Narrow,
        M("min-length-decreased"),
        "Strings must be longer than before.",
        "`minLength` excludes strings the producer may write.",
    ),
    rule(
        "min-length-decreased",
        false,
        Widen,
        M("min-length-increased"),
        "Shorter strings are accepted.",
        "Compatible in this direction.",
    ),
    rule(
        "max-length-decreased",
        true,
        Narrow,
        M("max-length-increased"),
        "Strings must be shorter than before.",
        "`maxLength` excludes strings the producer may write.",
    ),
    rule(
        "max-length-increased",
        false,
        Widen,
        M("max-length-decreased"),
        "Longer strings are accepted.",
        "Compatible in this direction.",
    ),
    rule(
        "pattern-narrowed",
        true,
        Narrow,
        M("pattern-widened"),
        "A `pattern` rejects strings the producer may write.",
        "The consumer's `pattern` is not implied by the producer's patterns and lengths; herald decides this exactly with regex automata and shows the shortest string that breaks.",
    ),
    rule(
        "pattern-widened",
        false,
        Widen,
        M("pattern-narrowed"),
        "The `pattern` accepts every string it did before.",
        "Proven with regex automata. Compatible in this direction.",
    ),
    rule(
        "min-items-increased",
        true,
        Narrow,
        M("min-items-decreased"),
        "Arrays must have more items than before.",
        "`minItems` excludes arrays the producer may write.",
    ),
    rule(
        "min-items-decreased",
        false,
        Widen,
        M("min-items-increased"),
        "Shorter arrays are accepted.",
        "Compatible in this direction.",
    ),
    rule(
        "max-items-decreased",
        true,
        Narrow,
        M("max-items-increased"),
        "Arrays must have fewer items than before.",
        "`maxItems` excludes arrays the producer may write.",
    ),
    rule(
        "max-items-increased",
        false,
        Widen,
        M("max-items-decreased"),
        "Longer arrays are accepted.",
        "Compatible in this direction.",
    ),
    rule(
        "unique-items-added",
        true,
        Add,
        M("unique-items-removed"),
        "Array items must now be unique.",
        "The consumer added `uniqueItems: true`; the producer may write the same item twice.",
    ),
    rule(
        "unique-items-removed",
        false,
        Widen,
        M("unique-items-added"),
        "Array items no longer need to be unique.",
        "Compatible in this direction.",
    ),
    rule(
        "contains-added",
        true,
        Add,
        M("contains-removed"),
        "Arrays must now contain a matching item.",
        "The consumer's `contains` (with `minContains`/`maxContains`) is not guaranteed by what the producer writes.",
    ),
    rule(
        "contains-removed",
        false,
        Widen,
        M("contains-added"),
        "Arrays no longer need a matching item.",
        "Compatible in this direction.",
    ),
    rule(
        "required-property-added",
        true,
        Add,
        M("required-property-removed"),
        "A property the producer may omit is now required.",
        "Documents written without the property are rejected. Under `--semantics tolerant` a required property with a `default` does not break: consumers fill it.",
    ),
    rule(
        "required-property-removed",
        false,
        Remove,
        M("required-property-added"),
        "A property is no longer required.",
        "Compatible in this direction; producers on the new schema may omit it, which breaks forward compatibility.",
    ),
    rule(
        "property-added-to-open-model",
        true,
        Add,
        M("property-removed"),
        "A new property constrains values an open model accepted.",
        "The producer's schema allows undeclared properties (no `additionalProperties: false`), so an old producer may have sent `extra: 5`; the consumer now declares `extra` with a schema that rejects it. Close the old model, or use `--semantics tolerant` if your producers emit only declared properties.",
    ),
    rule(
        "property-added",
        false,
        Add,
        M("property-removed"),
        "A new optional property is declared.",
        "The producer never writes it (closed model, or tolerant semantics), or any value it wrote is still accepted. Compatible in this direction.",
    ),
    rule(
        "property-removed-from-closed-model",
        true,
        Remove,
        M("property-added"),
        "A property the producer may write is no longer allowed.",
        "The consumer no longer declares the property and does not allow undeclared ones (`additionalProperties: false`).",
    ),
    rule(
        "property-removed",
        false,
        Remove,
        M("property-added"),
        "A property is no longer declared, but still accepted.",
        "The consumer's open model accepts it as an undeclared property. Compatible in this direction.",
    ),
    rule(
        "additional-properties-narrowed",
        true,
        Narrow,
        M("additional-properties-widened"),
        "Undeclared properties the producer may write are rejected.",
        "The consumer's `additionalProperties` (often `false`) rejects undeclared properties the producer's open model allows.",
    ),
    rule(
        "additional-properties-widened",
        false,
        Widen,
        M("additional-properties-narrowed"),
        "More undeclared properties are accepted.",
        "Compatible in this direction.",
    ),
    rule(
        "min-properties-increased",
        true,
        Narrow,
        M("min-properties-decreased"),
        "Objects need more properties than before.",
        "`minProperties` excludes objects the producer may write.",
    ),
    rule(
        "min-properties-decreased",
        false,
        Widen,
        M("min-properties-increased"),
        "Objects may have fewer properties.",
        "Compatible in this direction.",
    ),
    rule(
        "max-properties-decreased",
        true,
        Narrow,
        M("max-properties-increased"),
        "Objects may have fewer properties than before.",
        "`maxProperties` excludes objects the producer may write.",
    ),
    rule(
        "max-properties-increased",
        false,
        Widen,
        M("max-properties-decreased"),
        "Objects may have more properties.",
        "Compatible in this direction.",
    ),
    rule(
        "property-names-narrowed",
        true,
        Narrow,
        M("property-names-widened"),
        "`propertyNames` rejects names the producer may use.",
        "A property name the producer may write does not match the consumer's `propertyNames`.",
    ),
    rule(
        "property-names-widened",
        false,
        Widen,
        M("property-names-narrowed"),
        "`propertyNames` accepts every name it did.",
        "Compatible in this direction.",
    ),
    rule(
        "dependent-required-added",
        true,
        Add,
        M("dependent-required-removed"),
        "A property now requires another one.",
        "`dependentRequired` (or array-valued `dependencies`) requires a property the producer may omit when the first is present.",
    ),
    rule(
        "dependent-schema-added",
        true,
        Add,
        W("removing a dependent schema is reported by the rules of what it constrained"),
        "Objects with a property must now satisfy another schema.",
        "`dependentSchemas` (or schema-valued `dependencies`) applies a schema to objects that have the property, and the producer's objects with it do not all satisfy it.",
    ),
    rule(
        "dependent-required-removed",
        false,
        Remove,
        M("dependent-required-added"),
        "A dependency between properties was removed.",
        "Compatible in this direction.",
    ),
    rule(
        "any-of-narrowed",
        true,
        Narrow,
        M("any-of-widened"),
        "A value the producer may write matches no branch of `anyOf`.",
        "The consumer's `anyOf` does not cover every producer value.",
    ),
    rule(
        "any-of-widened",
        false,
        Widen,
        M("any-of-narrowed"),
        "`anyOf` accepts every value it did.",
        "Compatible in this direction.",
    ),
    rule(
        "one-of-narrowed",
        true,
        Narrow,
        M("one-of-widened"),
        "A value the producer may write matches no branch of `oneOf`.",
        "The consumer's `oneOf` does not cover every producer value.",
    ),
    rule(
        "one-of-widened",
        false,
        Widen,
        M("one-of-narrowed"),
        "`oneOf` accepts every value it did.",
        "Compatible in this direction.",
    ),
    rule(
        "one-of-ambiguous",
        true,
        Add,
        W("exclusivity has no opposite: losing it can only accept more"),
        "A value the producer may write matches two branches of `oneOf`.",
        "`oneOf` requires exactly one branch to match. A producer value that matches two (e.g. after a branch was widened, or a new branch overlaps an old one) is rejected.",
    ),
    rule(
        "not-added",
        true,
        Add,
        M("not-removed"),
        "`not` rejects values the producer may write.",
        "The consumer's `not` schema matches a value the producer may write.",
    ),
    rule(
        "not-removed",
        false,
        Remove,
        M("not-added"),
        "A `not` was removed.",
        "Compatible in this direction.",
    ),
    rule(
        "value-forbidden",
        true,
        Narrow,
        M("value-allowed"),
        "The schema at this place became `false`.",
        "Nothing is accepted where the producer may write a value (`false`, an `items: false` after a prefix, a property set to `false`).",
    ),
    rule(
        "value-allowed",
        false,
        Widen,
        M("value-forbidden"),
        "A `false` schema was opened.",
        "Compatible in this direction.",
    ),
    rule(
        "conditional-narrowed",
        true,
        Narrow,
        W("conditionals are reported by the rules of their branches when relaxed"),
        "An `if`/`then`/`else` rejects values the producer may write.",
        "A document the producer may write meets the consumer's `if` but not its `then` (or fails `if` and `else`).",
    ),
    rule(
        "cannot-prove-compatible",
        true,
        Engine,
        W("a statement about the engine, not a change"),
        "herald could not prove this change compatible.",
        "The change uses something the engine cannot decide (look-around in a pattern, `unevaluatedProperties`, overlapping `patternProperties` ...), or the comparison ran out of budget, and no breaking document was found either. herald never calls such a change compatible: review it and, if it is safe, ignore this rule for the event with a reason in herald.yaml.",
    ),
    rule(
        "published-version-edited",
        true,
        Engine,
        W("versions are immutable once published; there is nothing to mirror"),
        "A version that exists in the baseline was changed.",
        "Published versions are immutable: producers and consumers in production rely on exactly that schema (and on the shared files it references). Add a new version instead.",
    ),
    rule(
        "event-removed",
        true,
        Remove,
        W("adding an event never breaks anyone"),
        "An event that exists in the baseline is gone.",
        "Consumers may still receive it, and stored events still carry it. Deprecate it (`deprecated:`) instead, and remove it when nobody produces or consumes it.",
    ),
    rule(
        "version-removed",
        true,
        Remove,
        W("adding a version is checked by the compatibility rules"),
        "A version that exists in the baseline is gone.",
        "Events written with that version still exist in streams and stores; consumers must still decode them.",
    ),
    rule(
        "producer-removed",
        true,
        Remove,
        W("adding a producer link never breaks a consumer"),
        "A service no longer lists an event it produced.",
        "Consumers of the event may depend on this producer. Confirm nobody does, then ignore this finding with a reason.",
    ),
    rule(
        "consumer-removed",
        true,
        Remove,
        W("adding a consumer link never breaks a producer"),
        "A service no longer lists an event it consumed.",
        "Replicas fed by the event will stop being updated, and producers may rely on the consumer's effects. Confirm, then ignore with a reason.",
    ),
    rule(
        "breaking-change",
        true,
        Engine,
        W("a statement about a witness, not a change"),
        "A document the producer may write is rejected, and no narrower rule names why.",
        "The witness shows the document. herald's rules are explanations on top of a sound engine; this is what a break no rule names looks like.",
    ),
];

/// The rule with this ID.
pub fn rule_info(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// The rule that names a failing `jsonschema` keyword.
pub fn rule_for_keyword(keyword: &str) -> &'static str {
    match keyword {
        "type" => "type-narrowed",
        "enum" | "const" => "enum-value-removed",
        "minimum" | "exclusiveMinimum" => "minimum-increased",
        "maximum" | "exclusiveMaximum" => "maximum-decreased",
        "multipleOf" => "multiple-of-narrowed",
        "minLength" => "min-length-increased",
        "maxLength" => "max-length-decreased",
        "pattern" => "pattern-narrowed",
        "minItems" => "min-items-increased",
        "maxItems" => "max-items-decreased",
        "uniqueItems" => "unique-items-added",
        "contains" | "minContains" | "maxContains" => "contains-added",
        "required" => "required-property-added",
        "additionalProperties" => "additional-properties-narrowed",
        "minProperties" => "min-properties-increased",
        "maxProperties" => "max-properties-decreased",
        "propertyNames" => "property-names-narrowed",
        "dependentRequired" | "dependencies" => "dependent-required-added",
        "anyOf" => "any-of-narrowed",
        "oneOf" => "one-of-narrowed",
        "not" => "not-added",
        "falseSchema" => "value-forbidden",
        "if" | "then" | "else" => "conditional-narrowed",
        _ => "breaking-change",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_mirrors_exist() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.id), "duplicate rule {}", rule.id);
            if let Mirror::Rule(mirror) = rule.mirror {
                let other = rule_info(mirror)
                    .unwrap_or_else(|| panic!("{} mirrors unknown {mirror}", rule.id));
                assert!(
                    !(other.breaking && rule.breaking),
                    "{} and its mirror {mirror} cannot both break",
                    rule.id
                );
            }
        }
    }

    #[test]
    fn every_keyword_rule_exists() {
        for keyword in [
            "type",
            "enum",
            "minimum",
            "maximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "pattern",
            "minItems",
            "maxItems",
            "uniqueItems",
            "contains",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
            "propertyNames",
            "dependentRequired",
            "anyOf",
            "oneOf",
            "not",
            "falseSchema",
            "if",
            "unknown",
        ] {
            assert!(rule_info(rule_for_keyword(keyword)).is_some(), "{keyword}");
        }
    }
}

//! Where subschemas live inside a schema, across drafts 4 to 2020-12.
//!
//! Only keywords whose values are schemas are walked: `const`, `enum`, `examples` and
//! `default` hold data, and a `$ref` key inside them is not a reference.

use serde_json::Value;

use crate::source::pointer_join;

/// How a subschema is applied relative to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Application {
    /// To the same instance (`allOf`, `$ref`'s siblings, `if`/`then`/`else`, `not`, ...).
    InPlace,
    /// To a child of the instance (a property, an item, a property name).
    Child,
    /// Not applied by itself (`$defs`, `definitions`): only reachable through `$ref`.
    Definition,
}

const IN_PLACE_SINGLE: &[&str] = &["not", "if", "then", "else"];
const IN_PLACE_ARRAYS: &[&str] = &["allOf", "anyOf", "oneOf"];
const IN_PLACE_MAPS: &[&str] = &["dependentSchemas"];
const CHILD_SINGLE: &[&str] = &[
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
];
const CHILD_MAPS: &[&str] = &["properties", "patternProperties"];
const DEFINITION_MAPS: &[&str] = &["$defs", "definitions"];

/// Calls `visit(pointer, subschema, application)` for every direct subschema of `schema`,
/// where `pointer` is `base` extended to the subschema.
pub fn direct_subschemas<'a>(
    schema: &'a Value,
    base: &str,
    mut visit: impl FnMut(String, &'a Value, Application),
) {
    let Value::Object(object) = schema else {
        return;
    };
    for (keyword, value) in object {
        let keyword = keyword.as_str();
        let here = pointer_join(base, keyword);
        let each_item = |visit: &mut dyn FnMut(String, &'a Value, Application), application| {
            if let Value::Array(items) = value {
                for (at, item) in items.iter().enumerate() {
                    visit(format!("{here}/{at}"), item, application);
                }
            }
        };
        let each_entry = |visit: &mut dyn FnMut(String, &'a Value, Application), application| {
            if let Value::Object(entries) = value {
                for (name, item) in entries {
                    visit(pointer_join(&here, name), item, application);
                }
            }
        };
        if IN_PLACE_SINGLE.contains(&keyword) {
            visit(here.clone(), value, Application::InPlace);
        } else if IN_PLACE_ARRAYS.contains(&keyword) {
            each_item(&mut visit, Application::InPlace);
        } else if IN_PLACE_MAPS.contains(&keyword) {
            each_entry(&mut visit, Application::InPlace);
        } else if CHILD_SINGLE.contains(&keyword) {
            visit(here.clone(), value, Application::Child);
        } else if CHILD_MAPS.contains(&keyword) {
            each_entry(&mut visit, Application::Child);
        } else if DEFINITION_MAPS.contains(&keyword) {
            each_entry(&mut visit, Application::Definition);
        } else if keyword == "items" || keyword == "prefixItems" {
            match value {
                Value::Array(_) => each_item(&mut visit, Application::Child),
                _ => visit(here.clone(), value, Application::Child),
            }
        } else if keyword == "dependencies"
            && let Value::Object(entries) = value
        {
            // draft 4-7: an array value lists required names; an object or boolean is a schema.
            for (name, item) in entries {
                if !item.is_array() {
                    visit(pointer_join(&here, name), item, Application::InPlace);
                }
            }
        }
    }
}

/// Calls `visit(pointer, subschema)` for `schema` and every schema nested in it, depth first.
pub fn all_subschemas<'a>(schema: &'a Value, base: &str, visit: &mut impl FnMut(&str, &'a Value)) {
    visit(base, schema);
    direct_subschemas(schema, base, |pointer, subschema, _| {
        all_subschemas(subschema, &pointer, visit);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_subschemas_but_not_data() {
        let schema = json!({
            "properties": {"a": {"$ref": "#/$defs/x"}},
            "items": [{"type": "string"}],
            "allOf": [true],
            "const": {"$ref": "not a reference"},
            "dependencies": {"a": ["b"], "c": {"required": ["d"]}},
            "$defs": {"x": {"type": "integer"}}
        });
        let mut seen = Vec::new();
        all_subschemas(&schema, "", &mut |pointer, _| {
            seen.push(pointer.to_string())
        });
        seen.sort();
        assert_eq!(
            seen,
            [
                "",
                "/$defs/x",
                "/allOf/0",
                "/dependencies/c",
                "/items/0",
                "/properties/a"
            ]
        );
    }
}

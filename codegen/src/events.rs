//! The module of one event: its version structs (and the types they contain), the enum over
//! all versions with `upcast()`, and the `Event`/`Consumable` implementations.

use std::collections::BTreeSet;

use herald_core::catalog::EventVersion;
use serde_json::{Value, json};

use crate::defaults::string_literal;
use crate::definitions::definition_context;
use crate::doc::inner_doc_attrs;
use crate::error::GenerateError;
use crate::ir::{Definition, Ty, TypeRef, render_imports};
use crate::paths::{Types, plain_path};

/// What the event module template needs to know about one event.
pub struct EventInput<'a> {
    /// The catalog name.
    pub name: &'a str,
    /// Its versions, oldest first.
    pub versions: &'a [EventVersion],
    /// The module path.
    pub module: Vec<String>,
    /// The version structs, in version order.
    pub structs: Vec<TypeRef>,
    /// For each step vN → vN+1, whether herald generates it.
    pub compatible: Vec<bool>,
    /// Where the key of the version at an index is (`file:line:column`), for errors: only
    /// computed when one is reported, as finding it means indexing the version file's YAML.
    pub key_location: &'a dyn Fn(usize) -> String,
    /// Each version's embedded JSON Schema ([`crate::schemas::version_schema`]).
    pub schemas: Vec<Value>,
}

/// The template context of an event module.
pub fn event_context(
    input: &EventInput<'_>,
    definitions: &[Definition],
    types: &Types<'_>,
) -> Result<Value, GenerateError> {
    let mut imports = BTreeSet::from(["support".to_string()]);
    let definitions: Vec<Value> = definitions
        .iter()
        .map(|definition| definition_context(definition, &input.module, &mut imports))
        .collect();
    let enum_name = herald_core::names::type_name(input.name);
    let mut versions = Vec::new();
    for (at, ((version, reference), schema)) in input
        .versions
        .iter()
        .zip(&input.structs)
        .zip(&input.schemas)
        .enumerate()
    {
        let key_expression =
            key_expression(types, reference, &version.raw.key).ok_or_else(|| {
                GenerateError::Unsupported {
                    location: (input.key_location)(at),
                    reason: format!(
                        "the key `{}` must reach a property through required properties only",
                        version.raw.key
                    ),
                }
            })?;
        let mut context = json!({
            "version": version.raw.version,
            "struct_name": reference.name,
            "key_expression": key_expression,
            "event_version_literal": string_literal(&format!("{}/{}", input.name, version.raw.version)),
        });
        if let (Value::Object(context), Value::Object(schema)) = (&mut context, schema) {
            context.extend(schema.clone());
        }
        versions.push(context);
    }
    let event_literal = string_literal(input.name);
    let steps: Vec<Value> = input
        .compatible
        .iter()
        .enumerate()
        .map(|(at, generated)| {
            let from = input.versions[at].raw.version;
            let to = input.versions[at + 1].raw.version;
            let from_struct = &input.structs[at].name;
            let to_struct = &input.structs[at + 1].name;
            let trait_name = format!("Upcast{enum_name}V{from}");
            let call = if *generated {
                format!("support::upcast_compatible(&event, {event_literal}, {from}, {to})")
            } else {
                format!("{trait_name}::upcast(event)")
            };
            let message = string_literal(&format!(
                "`{}` v{from} → v{to} needs a hand-written upcast: implement `{trait_name}` for `{from_struct}`",
                input.name
            ));
            json!({
                "from": from, "to": to, "from_struct": from_struct, "to_struct": to_struct,
                "generated": generated, "trait_name": trait_name, "call": call, "message": message,
            })
        })
        .collect();
    let latest = input
        .structs
        .last()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let latest_version = input.versions.last().map_or(1, |v| v.raw.version);
    let description = input
        .versions
        .last()
        .map(|version| version.raw.description.clone())
        .unwrap_or_default();
    let module_doc = inner_doc_attrs(&[
        format!("`{}`: {description}", input.name),
        String::new(),
        format!(
            "Versions 1 to {latest_version}; `{enum_name}` decodes any of them and upcasts to `{latest}`."
        ),
    ]);
    Ok(json!({
        "module_doc": module_doc,
        "imports": render_imports(&input.module, &imports),
        "definitions": definitions,
        "versions": versions,
        "steps": steps,
        "event": input.name,
        "event_literal": event_literal,
        "expected_literal": string_literal(&format!("{}/1..{latest_version}", input.name)),
        "enum_name": enum_name,
        "latest_struct": latest,
        "latest_version": latest_version,
        "single": input.versions.len() == 1,
        "support": "support::",
    }))
}

/// `Event::key`'s body: the key property as text.
fn key_expression(types: &Types<'_>, root: &TypeRef, pointer: &str) -> Option<String> {
    let steps = types.walk(&Ty::Named(root.clone()), pointer)?;
    let path = plain_path("self", &steps)?;
    let last = steps.last()?;
    Some(if last.ty.is_option() {
        format!("{path}.as_ref().map(ToString::to_string).unwrap_or_default()")
    } else {
        format!("{path}.to_string()")
    })
}

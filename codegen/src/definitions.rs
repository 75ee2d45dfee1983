//! Template context for generated types (the `definition` partial): identifiers, type
//! expressions and attributes pre-rendered and escaped, so templates only arrange them.

use std::collections::BTreeSet;

use heck::ToSnakeCase;
use serde_json::{Value, json};

use crate::defaults::string_literal;
use crate::doc::doc_attrs;
use crate::ir::{Definition, Presence};

/// The context of one definition in module `module`; top-level modules it refers to are added
/// to `imports`.
pub fn definition_context(
    definition: &Definition,
    module: &[String],
    imports: &mut BTreeSet<String>,
) -> Value {
    let base = json!({
        "is_struct": false, "is_string_enum": false, "is_union": false, "is_alias": false,
        "support": "support::",
    });
    let mut context = match definition {
        Definition::Struct(def) => {
            let mut defaults = Vec::new();
            let fields: Vec<Value> = def
                .fields
                .iter()
                .map(|field| {
                    let ty = field.ty.render(module, imports);
                    let mut serde = Vec::new();
                    if field.json_name != field.ident {
                        serde.push(format!("rename = {}", string_literal(&field.json_name)));
                    }
                    match &field.presence {
                        Presence::Required => {}
                        Presence::Optional => {
                            serde.push("default".into());
                            serde.push("skip_serializing_if = \"Option::is_none\"".into());
                        }
                        Presence::Defaulted(expression) => {
                            let fn_name = format!(
                                "{}_{}_default",
                                def.name.to_snake_case(),
                                field.ident.trim_start_matches('_')
                            );
                            serde.push(format!("default = {}", string_literal(&fn_name)));
                            defaults.push(json!({
                                "fn_name": fn_name, "ty": ty, "expression": expression,
                            }));
                        }
                    }
                    let attrs = if serde.is_empty() {
                        String::new()
                    } else {
                        format!("#[serde({})]", serde.join(", "))
                    };
                    let doc = if field.doc.is_empty() {
                        vec![format!("The `{}` property.", field.json_name)]
                    } else {
                        field.doc.clone()
                    };
                    json!({"doc": doc_attrs(&doc), "attrs": attrs, "ident": field.ident, "ty": ty})
                })
                .collect();
            let extra = def.extra.as_ref().map(|ty| ty.render(module, imports));
            json!({
                "is_struct": true, "name": def.name, "doc": doc_attrs(&type_doc(&def.doc, &def.name)),
                "fields": fields, "extra": extra, "defaults": defaults,
            })
        }
        Definition::StringEnum(def) => {
            imports.insert("support".into());
            let variants: Vec<Value> = def
                .variants
                .iter()
                .map(|(ident, value)| {
                    json!({
                        "ident": ident, "json": string_literal(value),
                        "doc": string_literal(&format!(" `{value}`.")),
                    })
                })
                .collect();
            json!({
                "is_string_enum": true, "name": def.name,
                "doc": doc_attrs(&type_doc(&def.doc, &def.name)), "variants": variants,
            })
        }
        Definition::Union(def) => {
            let serde = match &def.tag {
                Some(tag) => format!("#[serde(tag = {})]", string_literal(tag)),
                None => "#[serde(untagged)]".to_string(),
            };
            let variants: Vec<Value> = def
                .variants
                .iter()
                .map(|(ident, tag_value, ty)| {
                    let attrs = match tag_value {
                        Some(value) => format!("#[serde(rename = {})]", string_literal(value)),
                        None => String::new(),
                    };
                    let doc = match tag_value {
                        Some(value) => {
                            format!(" `{}` is `{value}`.", def.tag.as_deref().unwrap_or(""))
                        }
                        None => format!(" The payload matches the `{ident}` branch."),
                    };
                    json!({
                        "ident": ident, "attrs": attrs, "ty": ty.render(module, imports),
                        "doc": string_literal(&doc),
                    })
                })
                .collect();
            json!({
                "is_union": true, "name": def.name, "serde": serde,
                "doc": doc_attrs(&type_doc(&def.doc, &def.name)), "variants": variants,
            })
        }
        Definition::Alias { name, doc, ty } => json!({
            "is_alias": true, "name": name, "doc": doc_attrs(&type_doc(doc, name)),
            "ty": ty.render(module, imports),
        }),
    };
    if let (Value::Object(context), Value::Object(base)) = (&mut context, base) {
        for (key, value) in base {
            context.entry(key).or_insert(value);
        }
    }
    context
}

fn type_doc(doc: &[String], name: &str) -> Vec<String> {
    if doc.is_empty() {
        vec![format!("`{name}` from the catalog.")]
    } else {
        doc.to_vec()
    }
}

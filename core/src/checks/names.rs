//! Names that become the same Rust identifier collide in generated code (`order-placed` and
//! `order_placed` are both `OrderPlaced`); names that are keywords get renamed.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::names::{field_name, is_keyword, type_name};
use crate::schema::walk::all_subschemas;
use crate::source::{FileId, pointer_join};

/// A name and where it is written.
struct Named {
    name: String,
    file: FileId,
    pointer: String,
}

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    let events: Vec<Named> = catalog
        .events
        .values()
        .filter_map(|versions| versions.last())
        .map(|version| Named {
            name: version.raw.event.clone(),
            file: version.file,
            pointer: "/event".to_string(),
        })
        .collect();
    collisions(catalog, diagnostics, "event", &events, type_name);

    if let Some((file, manifest)) = &catalog.manifest {
        let services: Vec<Named> = manifest
            .services
            .keys()
            .map(|name| Named {
                name: name.clone(),
                file: *file,
                pointer: pointer_join("/services", name),
            })
            .collect();
        collisions(catalog, diagnostics, "service", &services, field_name);
        for (service, definition) in &manifest.services {
            let base = pointer_join(&pointer_join("/services", service), "replicas");
            let tables: Vec<Named> = definition
                .replicas
                .keys()
                .map(|name| Named {
                    name: name.clone(),
                    file: *file,
                    pointer: pointer_join(&base, name),
                })
                .collect();
            collisions(catalog, diagnostics, "replica", &tables, field_name);
            for (table, replica) in &definition.replicas {
                let columns_pointer = format!("{}/columns", pointer_join(&base, table));
                let columns: Vec<Named> = replica
                    .columns
                    .keys()
                    .map(|name| Named {
                        name: name.clone(),
                        file: *file,
                        pointer: pointer_join(&columns_pointer, name),
                    })
                    .collect();
                collisions(catalog, diagnostics, "column", &columns, field_name);
            }
        }
    }

    for (_, doc) in catalog.schemas.docs() {
        let mut maps: Vec<(String, &'static str, Vec<Named>)> = Vec::new();
        all_subschemas(&doc.value, "", &mut |pointer, schema| {
            for (keyword, kind) in [
                ("properties", "property"),
                ("$defs", "definition"),
                ("definitions", "definition"),
            ] {
                if let Some(Value::Object(entries)) = schema.get(keyword) {
                    let base = format!("{}{pointer}/{}", doc.root, keyword);
                    let names = entries
                        .keys()
                        .map(|name| Named {
                            name: name.clone(),
                            file: doc.file,
                            pointer: pointer_join(&base, name),
                        })
                        .collect();
                    maps.push((base, kind, names));
                }
            }
        });
        for (_, kind, names) in maps {
            if kind == "property" {
                collisions(catalog, diagnostics, kind, &names, field_name);
                for named in &names {
                    if is_keyword(&named.name) {
                        diagnostics.push(
                            Diagnostic::new(
                                "names::keyword",
                                format!(
                                    "property `{}` is a Rust keyword; generated code calls it `{}`",
                                    named.name,
                                    field_name(&named.name)
                                ),
                            )
                            .at_key(
                                &catalog.sources,
                                named.file,
                                &named.pointer,
                                "keyword",
                            ),
                        );
                    }
                }
            } else {
                collisions(catalog, diagnostics, kind, &names, type_name);
            }
        }
    }
}

fn collisions(
    catalog: &Catalog,
    diagnostics: &mut Diagnostics,
    kind: &str,
    names: &[Named],
    convert: fn(&str) -> String,
) {
    let mut by_identifier: BTreeMap<String, Vec<&Named>> = BTreeMap::new();
    for named in names {
        by_identifier
            .entry(convert(&named.name))
            .or_default()
            .push(named);
    }
    for (identifier, group) in by_identifier {
        if group.len() < 2 {
            continue;
        }
        let first = group[0];
        for other in &group[1..] {
            let span = catalog.sources.get(first.file).span_of_key(&first.pointer);
            diagnostics.push(
                Diagnostic::new(
                    "names::collision",
                    format!(
                        "{kind} `{}` and `{}` both become the Rust identifier `{identifier}`",
                        other.name, first.name
                    ),
                )
                .at_key(&catalog.sources, other.file, &other.pointer, "this name")
                .with_label(
                    first.file,
                    span,
                    Some(&first.pointer),
                    "collides with this one",
                )
                .with_help("rename one of them"),
            );
        }
    }
}

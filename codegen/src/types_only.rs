//! Types-only generation: the same payload types `generate` emits (a struct per event version
//! and every type it contains, the shared types, the `support` aliases they use), without the
//! enums, upcasts, `Event`/`Consumable` implementations, publishers, consumers and replica
//! stores. The types are byte-identical to those of the full output; this is what compares
//! with JSON-Schema-to-Rust type generators such as typify.

use std::path::Path;

use serde_json::json;

use crate::convert::SHARED_MODULE;
use crate::doc::inner_doc_attrs;
use crate::error::GenerateError;
use crate::generate::{Generated, Options, RenderJob, definitions_context, event_module, finish};
use crate::prepare::{Prepared, prepare};
use crate::render::Renderer;

/// Generates only the payload types of the catalog at `root` (after the same validation and
/// conversion as [`crate::generate`]).
pub fn generate_types(root: &Path, options: &Options) -> Result<Generated, GenerateError> {
    let Prepared {
        catalog,
        event_names,
        definitions,
    } = prepare(root, options)?;
    let renderer = Renderer::new(options.templates.as_deref())?;
    let catalog_name = catalog
        .manifest
        .as_ref()
        .map_or("", |(_, manifest)| manifest.catalog.as_str());
    let mut jobs = vec![
        RenderJob {
            template: "types.rs.hbs",
            path: Vec::new(),
            context: json!({
                "module_doc": inner_doc_attrs(&[format!(
                    "The payload types of the `{catalog_name}` catalog: a struct per event version."
                )]),
                "imports": "",
                "definitions": [],
            }),
        },
        RenderJob {
            template: "support.rs.hbs",
            path: vec!["support".into()],
            context: json!({"referenced_documents": []}),
        },
    ];
    let shared = vec![SHARED_MODULE.to_string()];
    if let Some(shared_definitions) = definitions.get(&shared) {
        jobs.push(RenderJob {
            template: "shared.rs.hbs",
            path: shared.clone(),
            context: definitions_context(shared_definitions, &shared),
        });
    }
    jobs.push(RenderJob {
        template: "events.rs.hbs",
        path: vec!["events".into()],
        context: json!({}),
    });
    for name in &event_names {
        let module = event_module(name);
        let own = definitions.get(&module).map(Vec::as_slice).unwrap_or(&[]);
        let mut context = definitions_context(own, &module);
        context["module_doc"] = json!(inner_doc_attrs(&[format!(
            "The payload types of `{name}`, one struct per version."
        )]));
        jobs.push(RenderJob {
            template: "types.rs.hbs",
            path: module,
            context,
        });
    }
    finish(&catalog, &renderer, &jobs)
}

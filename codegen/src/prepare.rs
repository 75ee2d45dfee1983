//! The front half of generation, shared by the full output and the types-only one: load and
//! validate the catalog, pick the events to generate, and convert their payload schemas into
//! the type model.

use std::collections::BTreeSet;
use std::path::Path;

use herald_core::catalog::Catalog;
use herald_core::diagnostics::{Diagnostics, TextOptions, render_text};
use indexmap::IndexMap;

use crate::convert::Converter;
use crate::error::GenerateError;
use crate::generate::{Options, unsupported, version_struct};
use crate::ir::Definition;

/// Diagnostics `herald generate` resolves itself: property names that collide as Rust
/// identifiers get distinct ones, keywords get renamed.
const RESOLVED_BY_CODEGEN: &[&str] = &["names::collision", "names::keyword"];

/// A validated catalog, the events to generate, and their types.
pub struct Prepared {
    /// The loaded catalog.
    pub catalog: Catalog,
    /// The events to generate (all, or those of `Options::service`).
    pub event_names: BTreeSet<String>,
    /// The converted definitions by module.
    pub definitions: IndexMap<Vec<String>, Vec<Definition>>,
}

/// Validates the catalog at `root` (any error but the ones codegen resolves stops here) and
/// converts the payload schemas of the selected events.
pub fn prepare(root: &Path, options: &Options) -> Result<Prepared, GenerateError> {
    let validation = herald_core::validate_catalog(root)?;
    let catalog = validation.catalog;
    let blocking: Vec<_> = validation
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == herald_core::diagnostics::Severity::Error
                && !RESOLVED_BY_CODEGEN.contains(&d.code)
        })
        .cloned()
        .collect();
    if !blocking.is_empty() {
        let mut shown = Diagnostics::default();
        for diagnostic in blocking {
            shown.push(diagnostic);
        }
        return Err(GenerateError::Invalid(render_text(
            &catalog.sources,
            &shown,
            TextOptions::default(),
        )));
    }
    let Some((_, manifest)) = &catalog.manifest else {
        return Err(GenerateError::Invalid(
            "herald.yaml could not be read".into(),
        ));
    };
    if let Some(name) = &options.service
        && !manifest.services.contains_key(name)
    {
        let known: Vec<&str> = manifest.services.keys().map(String::as_str).collect();
        return Err(GenerateError::UnknownService(
            name.clone(),
            known.join(", "),
        ));
    }
    let event_names: BTreeSet<String> = match &options.service {
        Some(name) => {
            let service = &manifest.services[name];
            service
                .produces
                .iter()
                .chain(&service.consumes)
                .cloned()
                .collect()
        }
        None => catalog.events.keys().cloned().collect(),
    };

    let mut roots = Vec::new();
    for name in &event_names {
        for version in catalog.events.get(name).into_iter().flatten() {
            roots.push((
                version.catalog_path.clone(),
                version_struct(name, version.raw.version),
            ));
        }
    }
    let mut converter = Converter::new(&catalog.schemas, &roots);
    for name in &event_names {
        for version in catalog.events.get(name).into_iter().flatten() {
            converter
                .convert_root(&version.catalog_path, &version.raw.description)
                .map_err(|problem| unsupported(&catalog, problem))?;
        }
    }
    let definitions = converter.finish();
    Ok(Prepared {
        catalog,
        event_names,
        definitions,
    })
}

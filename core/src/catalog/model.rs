//! The catalog as the checks, the compatibility engine and codegen see it: events grouped by
//! name and sorted by version, with every payload schema and its `$ref`s resolved.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::load::{LoadedCatalog, Loader, UnusableCatalog, load_catalog};
use super::raw::{CompatibilityMode, EventVersionFile, Manifest};
use crate::diagnostics::Diagnostics;
use crate::schema::refs::{NodeRef, SchemaDoc, SchemaStore};
use crate::source::{FileId, SourceMap};

/// One version of one event.
#[derive(Debug, Clone)]
pub struct EventVersion {
    /// The file that defines it.
    pub file: FileId,
    /// That file's catalog path (also the payload schema's document name).
    pub catalog_path: String,
    /// The file's content.
    pub raw: EventVersionFile,
}

impl EventVersion {
    /// The payload schema's root node.
    pub fn payload_node(&self) -> NodeRef {
        NodeRef {
            doc: self.catalog_path.clone(),
            pointer: String::new(),
        }
    }
}

/// A loaded catalog.
#[derive(Debug)]
pub struct Catalog {
    /// The catalog directory, as given.
    pub root: PathBuf,
    /// Every file read.
    pub sources: SourceMap,
    /// The manifest, when it is usable.
    pub manifest: Option<(FileId, Manifest)>,
    /// Event versions by event name, sorted by version.
    pub events: BTreeMap<String, Vec<EventVersion>>,
    /// Every schema document and where its `$ref`s lead.
    pub schemas: SchemaStore,
    /// Events with a file that could not be loaded (already reported).
    pub unloadable_events: std::collections::BTreeSet<String>,
}

impl Catalog {
    /// The latest version of an event.
    pub fn latest(&self, event: &str) -> Option<&EventVersion> {
        self.events.get(event).and_then(|versions| versions.last())
    }

    /// The compatibility mode that applies to an event.
    pub fn mode_of(&self, event: &str) -> CompatibilityMode {
        let default = self
            .manifest
            .as_ref()
            .map(|(_, manifest)| manifest.compatibility)
            .unwrap_or_default();
        self.latest(event)
            .and_then(|version| version.raw.compatibility)
            .unwrap_or(default)
    }
}

/// Loads the catalog at `root` and resolves its schemas. Problems in files are returned as
/// diagnostics beside the catalog; only an unusable directory is an error.
pub fn open(root: &Path) -> Result<(Catalog, Diagnostics), UnusableCatalog> {
    let LoadedCatalog {
        root,
        sources,
        manifest,
        events,
        unloadable_events,
        diagnostics,
    } = load_catalog(root)?;
    let mut loader = Loader {
        root,
        sources,
        diagnostics,
    };
    let mut schemas = SchemaStore::default();
    let mut grouped: BTreeMap<String, Vec<EventVersion>> = BTreeMap::new();
    for loaded in events {
        let catalog_path = loader.sources.get(loaded.file).catalog_path.clone();
        schemas.add(
            &catalog_path,
            SchemaDoc {
                file: loaded.file,
                root: "/payload".to_string(),
                value: loaded.raw.payload.clone(),
            },
        );
        grouped
            .entry(loaded.raw.event.clone())
            .or_default()
            .push(EventVersion {
                file: loaded.file,
                catalog_path,
                raw: loaded.raw,
            });
    }
    for versions in grouped.values_mut() {
        versions.sort_by(|a, b| {
            a.raw
                .version
                .cmp(&b.raw.version)
                .then_with(|| a.catalog_path.cmp(&b.catalog_path))
        });
    }
    schemas.resolve_all(&mut loader);
    let catalog = Catalog {
        root: loader.root,
        sources: loader.sources,
        manifest,
        events: grouped,
        schemas,
        unloadable_events,
    };
    Ok((catalog, loader.diagnostics))
}

//! Reads a schema file for `herald diff`: a bare JSON Schema or a herald event version file
//! (its `payload`), JSON or YAML, with `$ref`s resolved next to it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::catalog::load::Loader;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::schema::draft;
use crate::schema::refs::{NodeRef, SchemaDoc, SchemaStore};
use crate::source::{FileId, SourceMap};

/// A loaded schema file.
#[derive(Debug)]
pub struct SchemaFile {
    /// The files read (the schema and what it references).
    pub sources: SourceMap,
    /// The documents.
    pub store: SchemaStore,
    /// The schema compared.
    pub root: NodeRef,
    /// The file of the schema.
    pub file: FileId,
}

impl SchemaFile {
    /// Maps a node to (file, pointer inside the file).
    pub fn locate(&self, node: &NodeRef) -> Option<(FileId, String)> {
        let doc = self.store.doc(&node.doc)?;
        Some((doc.file, format!("{}{}", doc.root, node.pointer)))
    }
}

/// Why a schema file cannot be compared (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum UnusableSchema {
    /// The file is missing or unreadable.
    #[error("{0}: cannot read the file")]
    Unreadable(String),
    /// The file or what it references has problems.
    #[error("{path}: the schema is not usable")]
    Invalid {
        /// The file.
        path: String,
        /// The problems.
        diagnostics: Diagnostics,
        /// The files, for rendering the problems.
        sources: SourceMap,
    },
}

/// The directory `$ref`s resolve in, and the file's path inside it: the enclosing catalog
/// (the nearest ancestor with a herald.yaml) when there is one, so `/common/money.yaml`
/// means what it means in the catalog; else the file's own directory.
fn schema_root(path: &Path) -> (PathBuf, String) {
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    // One `canonicalize`, then plain parents: the walk makes one `stat` per level.
    let Ok(full) = parent.canonicalize() else {
        return (parent, file_name);
    };
    let mut relative = vec![file_name.clone()];
    let mut directory = parent.clone();
    let mut at = Some(full.as_path());
    for _ in 0..32 {
        let Some(here) = at else { break };
        if here.join(crate::catalog::load::MANIFEST_FILE).is_file() {
            relative.reverse();
            return (directory, relative.join("/"));
        }
        let Some(name) = here.file_name() else { break };
        relative.push(name.to_string_lossy().into_owned());
        directory = directory.join("..");
        at = here.parent();
    }
    (parent, file_name)
}

/// Loads `path`.
pub fn load_schema_file(path: &Path) -> Result<SchemaFile, UnusableSchema> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(UnusableSchema::Unreadable(shown));
    }
    let (directory, name) = schema_root(path);
    let mut loader = Loader {
        root: directory,
        sources: SourceMap::default(),
        diagnostics: Diagnostics::default(),
    };
    let parsed = loader.read(&name);
    let Some(value) = parsed.value else {
        return Err(invalid(shown, loader));
    };
    let is_event_file = value.get("event").is_some() && value.get("payload").is_some();
    let (root, schema) = if is_event_file {
        (
            "/payload".to_string(),
            value.get("payload").cloned().unwrap_or(Value::Bool(true)),
        )
    } else {
        (String::new(), value)
    };
    let detected = draft::detect(&schema);
    if let Ok(draft) = detected {
        for error in draft.meta_validator().iter_errors(&schema) {
            let at = format!("{root}{}", error.instance_path().as_str());
            loader.diagnostics.push(
                Diagnostic::new(
                    "schema::invalid",
                    format!("invalid {} schema: {error}", draft.name()),
                )
                .at_value(&loader.sources, parsed.file, &at, "here"),
            );
        }
        if loader.diagnostics.has_errors() {
            return Err(invalid(shown, loader));
        }
    }
    if let Err(uri) = detected {
        loader.diagnostics.push(
            Diagnostic::new("schema::unknown-draft", format!("unknown `$schema`: {uri}")).at_value(
                &loader.sources,
                parsed.file,
                &format!("{root}/$schema"),
                "this draft",
            ),
        );
        return Err(invalid(shown, loader));
    }
    if !matches!(schema, Value::Object(_) | Value::Bool(_)) {
        loader.diagnostics.push(
            Diagnostic::new("schema::invalid", "a schema must be an object or a boolean").at_value(
                &loader.sources,
                parsed.file,
                &root,
                "not a schema",
            ),
        );
        return Err(invalid(shown, loader));
    }
    let mut store = SchemaStore::default();
    store.add(
        &name,
        SchemaDoc {
            file: parsed.file,
            root,
            value: schema,
        },
    );
    store.resolve_all(&mut loader);
    if loader.diagnostics.has_errors() {
        return Err(invalid(shown, loader));
    }
    Ok(SchemaFile {
        sources: loader.sources,
        store,
        root: NodeRef {
            doc: name,
            pointer: String::new(),
        },
        file: parsed.file,
    })
}

fn invalid(path: String, loader: Loader) -> UnusableSchema {
    UnusableSchema::Invalid {
        path,
        diagnostics: loader.diagnostics,
        sources: loader.sources,
    }
}

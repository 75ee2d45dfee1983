//! Finds a catalog's files, reads and parses them, and checks them against herald's own
//! schemas. Problems with single files become diagnostics; only a catalog that cannot be used
//! at all (no directory, no `herald.yaml`) is an error.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::own_schemas::{self, OwnSchema};
use super::raw::{EventVersionFile, Manifest};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{FileId, SourceFile, SourceMap, display_path};

/// The name of the manifest at a catalog's root.
pub const MANIFEST_FILE: &str = "herald.yaml";

/// Files larger than this are not read: no catalog file is anywhere near it, and reading a
/// multi-gigabyte file by mistake should not exhaust memory.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// How deep herald looks for event files below the events directory.
const MAX_DEPTH: usize = 16;

/// A catalog that cannot be used at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum UnusableCatalog {
    /// The path does not exist.
    #[error("{0}: no such directory")]
    NotFound(String),
    /// The path is a file.
    #[error("{0}: not a directory (a catalog is a directory with a herald.yaml)")]
    NotADirectory(String),
    /// The directory has no manifest.
    #[error("{0}: no herald.yaml here, so this is not a herald catalog")]
    NoManifest(String),
    /// The manifest could not be read.
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A parsed file: its id and its content, when it parsed.
#[derive(Debug)]
pub struct ParsedFile {
    /// The file.
    pub file: FileId,
    /// Its content, or `None` when it did not parse (a diagnostic says why).
    pub value: Option<Value>,
}

/// One event version file that parsed and matched herald's schema.
#[derive(Debug, Clone)]
pub struct LoadedEventVersion {
    /// The file.
    pub file: FileId,
    /// Its content.
    pub raw: EventVersionFile,
}

/// Everything read from a catalog directory.
#[derive(Debug)]
pub struct LoadedCatalog {
    /// The catalog directory, as given.
    pub root: PathBuf,
    /// Every file read.
    pub sources: SourceMap,
    /// The manifest, when it parsed and matched herald's schema.
    pub manifest: Option<(FileId, Manifest)>,
    /// The event version files that parsed and matched herald's schema.
    pub events: Vec<LoadedEventVersion>,
    /// Names of events with a file that could not be loaded, so other checks do not also call
    /// them unknown.
    pub unloadable_events: std::collections::BTreeSet<String>,
    /// The problems found while loading.
    pub diagnostics: Diagnostics,
}

/// Reads the catalog at `root`.
pub fn load_catalog(root: &Path) -> Result<LoadedCatalog, UnusableCatalog> {
    let shown = root.display().to_string();
    let metadata = fs::metadata(root).map_err(|_| UnusableCatalog::NotFound(shown.clone()))?;
    if !metadata.is_dir() {
        return Err(UnusableCatalog::NotADirectory(shown));
    }
    let manifest_path = root.join(MANIFEST_FILE);
    if !manifest_path.is_file() {
        return Err(UnusableCatalog::NoManifest(shown));
    }
    let mut loader = Loader {
        root: root.to_path_buf(),
        sources: SourceMap::default(),
        diagnostics: Diagnostics::default(),
    };
    let manifest_text = fs::read(&manifest_path).map_err(|source| UnusableCatalog::Unreadable {
        path: display_path(root, MANIFEST_FILE),
        source,
    })?;
    let manifest_file = loader.parse_bytes(MANIFEST_FILE, manifest_text);
    let manifest = manifest_file
        .value
        .as_ref()
        .and_then(|value| loader.typed::<Manifest>(OwnSchema::Manifest, value, manifest_file.file))
        .map(|manifest| (manifest_file.file, manifest));

    let events_dir = manifest.as_ref().map_or_else(
        || "events".to_string(),
        |(_, manifest)| manifest.events_dir.clone(),
    );
    let mut events = Vec::new();
    let mut unloadable_events = std::collections::BTreeSet::new();
    let paths = loader.discover(&events_dir, manifest_file.file);
    // Event files are independent: read and check them on every core, each worker with its
    // own loader, then merge in path order so file ids and output stay deterministic.
    let parsed_files = read_in_parallel(&loader.root, &paths);
    for (catalog_path, worker) in paths.iter().zip(parsed_files) {
        let Some((mut worker, typed, value)) = worker else {
            continue;
        };
        let offset = loader.absorb(&mut worker);
        match typed {
            Some(raw) => events.push(LoadedEventVersion {
                file: FileId(offset),
                raw,
            }),
            None => {
                let named = value
                    .as_ref()
                    .and_then(|value| value.get("event"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let from_directory = catalog_path.rsplit('/').nth(1).map(crate::names::type_name);
                unloadable_events.extend(named.into_iter().chain(from_directory));
            }
        }
    }
    Ok(LoadedCatalog {
        root: loader.root,
        sources: loader.sources,
        manifest,
        events,
        unloadable_events,
        diagnostics: loader.diagnostics,
    })
}

/// One event file read by a worker: its loader (one file, its diagnostics), its typed content
/// when it matched herald's schema, and its raw content when it parsed.
type WorkerResult = Option<(Loader, Option<EventVersionFile>, Option<Value>)>;

fn read_in_parallel(root: &Path, paths: &[String]) -> Vec<WorkerResult> {
    let read_one = |catalog_path: &String| {
        let mut worker = Loader {
            root: root.to_path_buf(),
            sources: SourceMap::default(),
            diagnostics: Diagnostics::default(),
        };
        let parsed = worker.read(catalog_path);
        let typed = parsed.value.as_ref().and_then(|value| {
            worker.typed::<EventVersionFile>(OwnSchema::EventVersion, value, parsed.file)
        });
        Some((worker, typed, parsed.value))
    };
    crate::parallel::map(paths, read_one)
}

/// Reads files of one catalog into a source map, recording problems as diagnostics.
pub struct Loader {
    /// The catalog directory.
    pub root: PathBuf,
    /// The files read so far.
    pub sources: SourceMap,
    /// The problems found so far.
    pub diagnostics: Diagnostics,
}

impl Loader {
    /// Moves another loader's files and diagnostics into this one (file ids shift by the
    /// number of files already here) and returns the shift.
    pub fn absorb(&mut self, other: &mut Loader) -> usize {
        let offset = self.sources.len();
        for file in other.sources.take_all() {
            self.sources.add(file);
        }
        for mut diagnostic in std::mem::take(&mut other.diagnostics).into_items() {
            for label in &mut diagnostic.labels {
                label.file = FileId(label.file.0 + offset);
            }
            self.diagnostics.push(diagnostic);
        }
        offset
    }

    /// Reads and parses the file at a catalog path.
    pub fn read(&mut self, catalog_path: &str) -> ParsedFile {
        let path = self.root.join(catalog_path);
        let too_large = fs::metadata(&path).is_ok_and(|meta| meta.len() > MAX_FILE_BYTES);
        match fs::read(&path) {
            Ok(_) if too_large => self.unreadable(catalog_path, "the file is larger than 16 MiB"),
            Ok(bytes) => self.parse_bytes(catalog_path, bytes),
            Err(error) => self.unreadable(catalog_path, &error.to_string()),
        }
    }

    fn unreadable(&mut self, catalog_path: &str, why: &str) -> ParsedFile {
        let file = self.add(catalog_path, String::new());
        self.diagnostics.push(
            Diagnostic::new("io::unreadable", format!("cannot read this file: {why}")).with_label(
                file,
                0..0,
                None,
                "",
            ),
        );
        ParsedFile { file, value: None }
    }

    fn add(&mut self, catalog_path: &str, text: String) -> FileId {
        let display = display_path(&self.root, catalog_path);
        let path = self.root.join(catalog_path);
        self.sources.add(SourceFile::new(
            display,
            catalog_path.to_string(),
            path,
            text,
        ))
    }

    /// Parses bytes already read from a catalog path.
    pub fn parse_bytes(&mut self, catalog_path: &str, bytes: Vec<u8>) -> ParsedFile {
        let text =
            match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(error) => {
                    let at = error.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                    let file = self.add(catalog_path, text);
                    self.diagnostics.push(
                        Diagnostic::new("io::unreadable", "the file is not valid UTF-8")
                            .with_label(file, at..at, None, "invalid byte here"),
                    );
                    return ParsedFile { file, value: None };
                }
            };
        let is_json = catalog_path.ends_with(".json");
        let parsed = if is_json {
            parse_json(&text)
        } else {
            crate::yaml::parse_tracked(&text).map_err(|error| (error.message, error.offset))
        };
        let file = self.add(catalog_path, text);
        // The parse notes repeated keys; only then (or when it failed) is the position index
        // built to say where they are.
        let duplicates = match &parsed {
            Ok(tracked) if !tracked.duplicate_keys => Vec::new(),
            _ => self.sources.get(file).index().duplicates().to_vec(),
        };
        let parsed = parsed.map(|tracked| tracked.value);
        for (pointer, span) in duplicates {
            self.diagnostics.push(
                Diagnostic::new(
                    "syntax::duplicate-key",
                    format!(
                        "key `{}` appears twice in one mapping",
                        last_token(&pointer)
                    ),
                )
                .with_label(file, span, Some(&pointer), "second time here")
                .with_note("only one of the two values would be kept"),
            );
            if let Some(first) = self.sources.get(file).index().key_span(&pointer)
                && let Some(last) = self.diagnostics.last_mut()
            {
                last.labels.push(crate::diagnostics::Label {
                    file,
                    span: first,
                    pointer: Some(pointer.clone()),
                    message: "first time here".to_string(),
                });
            }
        }
        match parsed {
            Ok(value) => ParsedFile {
                file,
                value: Some(value),
            },
            Err((message, offset)) => {
                let code = if is_json {
                    "syntax::json"
                } else {
                    "syntax::yaml"
                };
                // Parsers may report a position inside a multi-byte character: step back to
                // its start so the span stays on character boundaries.
                let text = &self.sources.get(file).text;
                let mut at = offset.unwrap_or(0).min(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                let end = next_char_boundary(&self.sources.get(file).text, at);
                self.diagnostics
                    .push(Diagnostic::new(code, message).with_label(file, at..end, None, "here"));
                ParsedFile { file, value: None }
            }
        }
    }

    /// Checks a parsed value against herald's schema and converts it to its serde type. A value
    /// with schema errors is still converted when it can be, so cross-checks see it.
    fn typed<T: serde::de::DeserializeOwned>(
        &mut self,
        kind: OwnSchema,
        value: &Value,
        file: FileId,
    ) -> Option<T> {
        let problems = own_schemas::check(kind, value, &self.sources, file);
        let reported = !problems.is_empty();
        self.diagnostics.extend(problems);
        match T::deserialize(value) {
            Ok(typed) => Some(typed),
            // The schema errors already say what is wrong; serde's message would repeat it.
            Err(_) if reported => None,
            Err(error) => {
                self.diagnostics.push(
                    Diagnostic::new("catalog::schema", error.to_string()).at_value(
                        &self.sources,
                        file,
                        "",
                        "",
                    ),
                );
                None
            }
        }
    }

    /// Lists the event files below `events_dir`, sorted, as catalog paths.
    fn discover(&mut self, events_dir: &str, manifest: FileId) -> Vec<String> {
        let mut found = Vec::new();
        let resolved = if Path::new(events_dir).is_absolute() {
            None
        } else {
            crate::schema::refs::resolve_path(MANIFEST_FILE, events_dir)
        };
        let Some(events_dir) = resolved else {
            self.diagnostics.push(
                Diagnostic::new(
                    "catalog::events-dir-outside",
                    format!("`events_dir: {events_dir}` is outside the catalog"),
                )
                .at_value(
                    &self.sources,
                    manifest,
                    "/events_dir",
                    "must stay inside the catalog",
                ),
            );
            return found;
        };
        let start = self.root.join(&events_dir);
        if start.is_dir() {
            walk(&start, &events_dir, 0, &mut found);
        }
        found.sort();
        if found.is_empty() {
            let label = if self
                .sources
                .get(manifest)
                .index()
                .key_span("/events_dir")
                .is_some()
            {
                "events are read from here"
            } else {
                "no `events_dir` here, so events are read from `events/`"
            };
            self.diagnostics.push(
                Diagnostic::new(
                    "catalog::no-events",
                    format!("no event files (*.yaml, *.yml, *.json) under `{events_dir}/`"),
                )
                .at_key(&self.sources, manifest, "/events_dir", label)
                .with_note("each event version is one file, e.g. events/order_placed/v1.yaml"),
            );
        }
        found
    }
}

fn walk(dir: &Path, prefix: &str, depth: usize, found: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let catalog_path = format!("{prefix}/{name}");
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            walk(&entry.path(), &catalog_path, depth + 1, found);
        } else if [".yaml", ".yml", ".json"]
            .iter()
            .any(|extension| name.ends_with(extension))
        {
            found.push(catalog_path);
        }
    }
}

fn parse_json(text: &str) -> Result<crate::source::Tracked, (String, Option<usize>)> {
    serde_json::from_str(text).map_err(|error| {
        let offset = offset_of(text, error.line(), error.column());
        let mut message = error.to_string();
        if let Some(cut) = message.find(" at line ") {
            message.truncate(cut);
        }
        (message, Some(offset))
    })
}

/// Byte offset of a one-based line and column (serde_json counts columns in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

fn last_token(pointer: &str) -> String {
    pointer
        .rsplit('/')
        .next()
        .unwrap_or(pointer)
        .replace("~1", "/")
        .replace("~0", "~")
}

fn next_char_boundary(text: &str, at: usize) -> usize {
    let mut end = (at + 1).min(text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if text.get(at..end).is_some_and(|slice| slice == "\n") {
        return at;
    }
    end
}

//! Source files as herald read them: their text, their parsed value, and where each JSON
//! pointer sits in the text, so every diagnostic can name a file, line and column.

mod json_index;
mod pointer_index;
mod tracked;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use pointer_index::PointerIndex;
pub use tracked::Tracked;

/// Identifies a file inside a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub usize);

/// One file herald read: its display name, its text, and the pointer index of its content.
#[derive(Debug)]
pub struct SourceFile {
    /// The path shown to users (as given on the command line, joined with the catalog path).
    pub display: String,
    /// The file's path relative to the catalog root, with `/` separators.
    pub catalog_path: String,
    /// The file's full path on disk.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
    /// Where each JSON pointer of the file's content sits in `text`: built on first use,
    /// since it costs a second parse and most files never need a position.
    index: OnceLock<PointerIndex>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Builds a source file (its pointer index is built when first asked for).
    pub fn new(display: String, catalog_path: String, path: PathBuf, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        SourceFile {
            display,
            catalog_path,
            path,
            text,
            index: OnceLock::new(),
            line_starts,
        }
    }

    /// Where each JSON pointer of the file's content sits in its text.
    pub fn index(&self) -> &PointerIndex {
        self.index.get_or_init(|| PointerIndex::build(&self.text))
    }

    /// The byte range of the value at `pointer`, or of its closest indexed ancestor.
    pub fn span_of_value(&self, pointer: &str) -> Range<usize> {
        self.index()
            .value_span(pointer)
            .unwrap_or_else(|| self.fallback_span())
    }

    /// The byte range of the mapping key that holds `pointer` (its value when it has no key).
    pub fn span_of_key(&self, pointer: &str) -> Range<usize> {
        self.index()
            .key_span(pointer)
            .or_else(|| self.index().value_span(pointer))
            .unwrap_or_else(|| self.fallback_span())
    }

    /// The file's first character (not byte: the text may start with a multi-byte one).
    fn fallback_span(&self) -> Range<usize> {
        0..self.text.chars().next().map_or(0, char::len_utf8)
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line + 1, column + 1)
    }

    /// The start offsets of every line, for renderers.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

/// All files read during one herald run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    /// How many files there are.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Takes every file out, in order.
    pub fn take_all(&mut self) -> Vec<SourceFile> {
        std::mem::take(&mut self.files)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// The file whose catalog path is `catalog_path`, if it was read.
    pub fn find(&self, catalog_path: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|file| file.catalog_path == catalog_path)
            .map(FileId)
    }

    /// Every file, in the order they were read.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(at, file)| (FileId(at), file))
    }
}

/// Joins a catalog directory as the user gave it with a catalog-relative path, for display.
pub fn display_path(root: &Path, catalog_path: &str) -> String {
    let root = root.to_string_lossy();
    if root == "." || root.is_empty() {
        catalog_path.to_string()
    } else {
        format!("{}/{}", root.trim_end_matches('/'), catalog_path)
    }
}

/// Escapes one JSON pointer reference token (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_string()
    }
}

/// Appends a token to a JSON pointer.
pub fn pointer_join(pointer: &str, token: &str) -> String {
    let mut joined = String::with_capacity(pointer.len() + token.len() + 1);
    joined.push_str(pointer);
    joined.push('/');
    if token.contains(['~', '/']) {
        joined.push_str(&escape_token(token));
    } else {
        joined.push_str(token);
    }
    joined
}

//! The catalog hash in every generated file's header: FNV-1a (64 bit) over every catalog
//! file's path and text in path order. Not cryptographic; it only has to change when the
//! catalog does and be the same on every machine.

use herald_core::source::SourceMap;

const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// The hash of a catalog's files, as 16 hex digits.
pub fn catalog_hash(sources: &SourceMap) -> String {
    let mut files: Vec<(&str, &str)> = sources
        .iter()
        .map(|(_, file)| (file.catalog_path.as_str(), file.text.as_str()))
        .collect();
    files.sort();
    let mut hash = OFFSET;
    for (path, text) in files {
        for byte in path.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

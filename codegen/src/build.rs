//! The build-script entry point, for crates that do not check generated code in:
//!
//! ```text
//! // build.rs
//! fn main() {
//!     if let Err(error) = herald_codegen::build::generate("events") {
//!         panic!("{error}");
//!     }
//! }
//! // src/lib.rs
//! mod events { include!(concat!(env!("OUT_DIR"), "/herald.rs")); }
//! ```

use std::path::{Path, PathBuf};

use crate::error::GenerateError;
use crate::generate::{Options, generate as generate_modules};
use crate::output::as_single_file;

/// Generates the catalog at `catalog` (relative to the crate) into `$OUT_DIR/herald.rs` as one
/// file of nested modules, and tells cargo to rerun when any catalog file changes. Returns the
/// written path.
pub fn generate(catalog: impl AsRef<Path>) -> Result<PathBuf, GenerateError> {
    generate_with(catalog, &Options::default())
}

/// [`generate`] with options (one service, template overrides).
pub fn generate_with(
    catalog: impl AsRef<Path>,
    options: &Options,
) -> Result<PathBuf, GenerateError> {
    let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| GenerateError::Io {
        path: "OUT_DIR".into(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "not set: call this from a build script",
        ),
    })?;
    let target = PathBuf::from(out_dir).join("herald.rs");
    generate_into(catalog.as_ref(), options, &target)?;
    Ok(target)
}

/// Generates into `target` (one file), printing `cargo:rerun-if-changed` for the catalog
/// directory and every file the catalog loader read (shared `$ref` files included).
pub fn generate_into(
    catalog: &Path,
    options: &Options,
    target: &Path,
) -> Result<(), GenerateError> {
    let generated = generate_modules(catalog, options)?;
    let text = as_single_file(&generated.modules, &generated.header)?;
    println!("cargo:rerun-if-changed={}", catalog.display());
    for input in &generated.inputs {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    if std::fs::read_to_string(target).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(target, text).map_err(|source| GenerateError::Io {
            path: target.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

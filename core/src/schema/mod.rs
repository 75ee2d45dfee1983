//! JSON Schema knowledge shared by validation, compatibility and codegen: drafts, where
//! subschemas live, `$ref` resolution inside the catalog, and compiling validators.

pub mod compile;
pub mod draft;
pub mod navigate;
pub mod recursion;
pub mod refs;
pub mod walk;

pub use draft::Draft;

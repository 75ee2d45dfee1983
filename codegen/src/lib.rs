//! herald's code generator: typed Rust for every event version of a catalog, an enum per event
//! that upcasts to the latest version, typed publishers, handler traits with dispatch, and
//! replica stores, all targeting `herald-runtime`.
//!
//! The pipeline (`names → convert → context → render → format`): identifiers are computed in
//! one place ([`ident`], on top of herald-core's `names`), schemas become a small type model
//! ([`ir`]), handlebars templates (`templates/`, embedded; overridable) render each module,
//! and every module is parsed with `syn` and printed with `prettyplease` before anything is
//! written.
//!
//! ```no_run
//! let generated = herald_codegen::generate(
//!     std::path::Path::new("examples/webshop"),
//!     &herald_codegen::Options::default(),
//! )?;
//! let files = herald_codegen::output::as_files(&generated.modules, &generated.header)?;
//! herald_codegen::output::write(std::path::Path::new("src/generated"), &files)?;
//! # Ok::<(), herald_codegen::GenerateError>(())
//! ```

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod boxing;
pub mod build;
pub mod convert;
mod defaults;
mod definitions;
mod doc;
mod error;
mod events;
mod generate;
mod hash;
pub mod ident;
pub mod ir;
pub mod output;
mod parallel;
mod paths;
mod prepare;
mod render;
mod replicas;
mod schemas;
mod services;
mod sql;
mod types_only;
mod upcast;

pub use error::GenerateError;
pub use generate::{Generated, Options, generate};
pub use render::TEMPLATES;
pub use types_only::generate_types;

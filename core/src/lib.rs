//! herald's engine: the event catalog model and its validation, and (in later modules) the
//! compatibility engine and code generation. The `herald` binary is a thin door onto this.

// Library and binary code never unwraps what a user controls; tests may.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod catalog;
pub mod checks;
pub mod compat;
pub mod diagnostics;
pub mod events;
pub mod names;
mod parallel;
pub mod schema;
pub mod source;
mod validate;
pub mod yaml;

pub use validate::{Validation, validate_catalog};

//! Derive macros for herald events and handlers, re-exported by the runtime crate.
//!
//! The crate is part of the workspace from the start so that the dependency graph (runtime
//! re-exports macros, as serde does with serde_derive) is fixed before the derives arrive.

//! `herald validate`: load a catalog and run every check on it.

use std::path::Path;

use crate::catalog::{Catalog, UnusableCatalog, open};
use crate::checks::{Validators, run_all};
use crate::diagnostics::Diagnostics;

/// The outcome of validating a catalog.
#[derive(Debug)]
pub struct Validation {
    /// The catalog as loaded.
    pub catalog: Catalog,
    /// Every problem found, sorted by file and position.
    pub diagnostics: Diagnostics,
    /// The payload validators that compiled, for validating real events.
    pub validators: Validators,
}

/// Loads and checks the catalog at `root`.
pub fn validate_catalog(root: &Path) -> Result<Validation, UnusableCatalog> {
    let (catalog, mut diagnostics) = open(root)?;
    let validators = run_all(&catalog, &mut diagnostics);
    diagnostics.sort();
    Ok(Validation {
        catalog,
        diagnostics,
        validators,
    })
}

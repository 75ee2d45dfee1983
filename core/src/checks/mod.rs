//! The checks `herald validate` runs on a loaded catalog, one file per concern. Each check
//! reads the catalog and appends diagnostics; none stops the others.

mod examples;
mod ignores;
mod keys;
mod names;
mod payloads;
mod replicas;
mod services;
mod versions;

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::Validator;

use crate::catalog::Catalog;
use crate::diagnostics::Diagnostics;

/// Compiled payload validators by (event name, version).
pub type Validators = HashMap<(String, u32), Arc<Validator>>;

/// Runs every check and returns the compiled validators of the payloads that compiled.
pub fn run_all(catalog: &Catalog, diagnostics: &mut Diagnostics) -> Validators {
    let validators = payloads::check(catalog, diagnostics);
    examples::check(catalog, &validators, diagnostics);
    services::check(catalog, diagnostics);
    versions::check(catalog, diagnostics);
    keys::check(catalog, diagnostics);
    replicas::check(catalog, diagnostics);
    names::check(catalog, diagnostics);
    ignores::check(catalog, diagnostics);
    validators
}

/// Renders a validation error's instance path for messages (`/lines/0/quantity`, or `the root`).
pub(crate) fn describe_path(path: &str) -> String {
    if path.is_empty() {
        "the root".to_string()
    } else {
        format!("`{path}`")
    }
}

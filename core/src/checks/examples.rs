//! Every example validates against its own version's payload schema.

use super::{Validators, describe_path};
use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Diagnostics};

pub(super) fn check(catalog: &Catalog, validators: &Validators, diagnostics: &mut Diagnostics) {
    for version in catalog.events.values().flatten() {
        let key = (version.raw.event.clone(), version.raw.version);
        let Some(validator) = validators.get(&key) else {
            continue;
        };
        for (at, example) in version.raw.examples.iter().enumerate() {
            let name = example.name.as_deref().map_or_else(
                || format!("example {}", at + 1),
                |name| format!("example `{name}`"),
            );
            for error in validator.iter_errors(&example.payload) {
                let path = error.instance_path().as_str().to_string();
                let pointer = format!("/examples/{at}/payload{path}");
                diagnostics.push(
                    Diagnostic::new(
                        "example::invalid",
                        format!(
                            "{name} does not match the payload schema at {}",
                            describe_path(&path)
                        ),
                    )
                    .at_value(&catalog.sources, version.file, &pointer, &error.to_string())
                    .with_note(format!("schema location: {}", error.schema_path().as_str())),
                );
            }
        }
    }
}

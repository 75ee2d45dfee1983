//! An event's key pointer reaches a property every payload has, holding a string or integer:
//! brokers partition and order by it, so it can never be missing.

use crate::catalog::Catalog;
use crate::catalog::own_schemas::did_you_mean;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::schema::navigate::reach;

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    for version in catalog.events.values().flatten() {
        let docs = catalog.schemas.reachable_docs(&version.catalog_path);
        if catalog.schemas.has_broken_refs_in(&docs) {
            continue;
        }
        let key = &version.raw.key;
        match reach(&catalog.schemas, &[version.payload_node()], key) {
            Err(unreached) => {
                let mut diagnostic = Diagnostic::new(
                    "catalog::key-missing",
                    format!(
                        "the key `{key}` is not a property of the payload: no `{}`",
                        unreached.missing
                    ),
                )
                .at_value(&catalog.sources, version.file, "/key", "key pointer");
                if let Some(close) = did_you_mean(&unreached.missing, &unreached.known) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
                }
                diagnostics.push(diagnostic);
            }
            Ok(reached) if !reached.always_present => diagnostics.push(
                Diagnostic::new(
                    "catalog::key-optional",
                    format!("the key `{key}` may be absent: not every step is `required`"),
                )
                .at_value(&catalog.sources, version.file, "/key", "key pointer")
                .with_help("add the property to `required`, or choose a key every event has"),
            ),
            Ok(reached) => {
                if let Some(types) = &reached.types
                    && types
                        .iter()
                        .any(|kind| kind != "string" && kind != "integer")
                {
                    diagnostics.push(
                        Diagnostic::new(
                            "catalog::key-not-scalar",
                            format!(
                                "the key `{key}` may be {}; keys must be strings or integers",
                                types.join(" or ")
                            ),
                        )
                        .at_value(
                            &catalog.sources,
                            version.file,
                            "/key",
                            "key pointer",
                        ),
                    );
                }
            }
        }
    }
}

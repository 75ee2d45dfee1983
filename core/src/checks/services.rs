//! Services and events name each other correctly: produced and consumed events exist, every
//! event's owner is a service that produces it.

use crate::catalog::Catalog;
use crate::catalog::own_schemas::did_you_mean;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::pointer_join;

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    let Some((manifest_file, manifest)) = &catalog.manifest else {
        return;
    };
    let event_names: Vec<String> = catalog.events.keys().cloned().collect();
    for (service_name, service) in &manifest.services {
        let service_pointer = pointer_join("/services", service_name);
        for (list, names) in [
            ("produces", &service.produces),
            ("consumes", &service.consumes),
        ] {
            for (at, event) in names.iter().enumerate() {
                if catalog.events.contains_key(event) || catalog.unloadable_events.contains(event) {
                    continue;
                }
                diagnostics.push(unknown_event(
                    catalog,
                    *manifest_file,
                    &format!("{service_pointer}/{list}/{at}"),
                    event,
                    &event_names,
                ));
            }
        }
    }
    let service_names: Vec<String> = manifest.services.keys().cloned().collect();
    for versions in catalog.events.values() {
        for version in versions {
            let owner = &version.raw.owner;
            match manifest.services.get(owner) {
                None => {
                    let mut diagnostic = Diagnostic::new(
                        "catalog::unknown-service",
                        format!("owner `{owner}` is not a service of the catalog"),
                    )
                    .at_value(
                        &catalog.sources,
                        version.file,
                        "/owner",
                        "no such service",
                    );
                    if let Some(close) = did_you_mean(owner, &service_names) {
                        diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
                    }
                    diagnostics.push(diagnostic);
                }
                Some(service) if !service.produces.contains(&version.raw.event) => {
                    diagnostics.push(
                        Diagnostic::new(
                            "catalog::owner-not-producer",
                            format!(
                                "`{owner}` owns `{}` but does not list it under `produces`",
                                version.raw.event
                            ),
                        )
                        .at_value(&catalog.sources, version.file, "/owner", "the owner")
                        .at_key(
                            &catalog.sources,
                            *manifest_file,
                            &pointer_join("/services", owner),
                            "its service",
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
}

/// A diagnostic for an event name that the catalog does not define.
pub(super) fn unknown_event(
    catalog: &Catalog,
    file: crate::source::FileId,
    pointer: &str,
    event: &str,
    known: &[String],
) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(
        "catalog::unknown-event",
        format!("no event `{event}` in the catalog"),
    )
    .at_key(&catalog.sources, file, pointer, "unknown event");
    if let Some(close) = did_you_mean(event, known) {
        diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
    }
    diagnostic
}

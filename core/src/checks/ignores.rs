//! `ignore:` entries in herald.yaml name a real compatibility rule (and a real event): an
//! entry with a typo would silently ignore nothing.

use crate::catalog::Catalog;
use crate::catalog::own_schemas::did_you_mean;
use crate::compat::rules::{RULES, rule_info};
use crate::diagnostics::{Diagnostic, Diagnostics};

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    let Some((file, manifest)) = &catalog.manifest else {
        return;
    };
    let rule_ids: Vec<String> = RULES.iter().map(|rule| rule.id.to_string()).collect();
    let events: Vec<String> = catalog.events.keys().cloned().collect();
    for (at, ignore) in manifest.ignore.iter().enumerate() {
        if rule_info(&ignore.rule).is_none() {
            let mut diagnostic = Diagnostic::new(
                "catalog::unknown-rule",
                format!("no compatibility rule `{}`", ignore.rule),
            )
            .at_value(
                &catalog.sources,
                *file,
                &format!("/ignore/{at}/rule"),
                "unknown rule",
            )
            .with_note("`herald explain --list` lists the rules");
            if let Some(close) = did_you_mean(&ignore.rule, &rule_ids) {
                diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
            }
            diagnostics.push(diagnostic);
        }
        if let Some(event) = &ignore.event
            && !catalog.events.contains_key(event)
            && !catalog.unloadable_events.contains(event)
        {
            diagnostics.push(super::services::unknown_event(
                catalog,
                *file,
                &format!("/ignore/{at}/event"),
                event,
                &events,
            ));
        }
    }
}

//! `herald diff OLD NEW`: two schema files compared under a mode.

use super::compare::compare;
use super::input::SchemaFile;
use super::options::{Mode, Semantics};
use super::report::{Report, report_changes};
use super::side::Side;

/// Compares two loaded schema files.
pub fn diff(old: &SchemaFile, new: &SchemaFile, mode: Mode, semantics: Semantics) -> Report {
    let old_side = Side::new(&old.store, old.root.clone());
    let new_side = Side::new(&new.store, new.root.clone());
    let mut changes = Vec::new();
    for direction in mode.directions() {
        let found = compare(&old_side, &new_side, *direction, semantics);
        changes.extend(report_changes(
            found,
            &old.sources,
            &new.sources,
            |node| old.locate(node),
            |node| new.locate(node),
            None,
        ));
    }
    Report::new(mode, semantics, changes)
}

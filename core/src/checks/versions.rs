//! Each event's versions run 1, 2, 3 ... with no gap and no duplicate, and a `vN` file name
//! agrees with the version inside the file.

use crate::catalog::Catalog;
use crate::diagnostics::{Diagnostic, Diagnostics};

pub(super) fn check(catalog: &Catalog, diagnostics: &mut Diagnostics) {
    for (event, versions) in &catalog.events {
        let mut expected: u64 = 1;
        for (at, version) in versions.iter().enumerate() {
            let number = version.raw.version;
            let wide = u64::from(number);
            if at > 0 && versions[at - 1].raw.version == number {
                let first = &versions[at - 1];
                let span = catalog.sources.get(first.file).span_of_value("/version");
                diagnostics.push(
                    Diagnostic::new(
                        "catalog::duplicate-version",
                        format!("version {number} of `{event}` is defined twice"),
                    )
                    .at_value(&catalog.sources, version.file, "/version", "defined here")
                    .with_label(first.file, span, Some("/version"), "and here"),
                );
            } else if wide != expected {
                let missing = if wide == 0 {
                    "versions start at 1".to_string()
                } else if wide == expected + 1 {
                    format!("version {expected} is missing")
                } else {
                    format!("versions {expected} to {} are missing", wide - 1)
                };
                diagnostics.push(
                    Diagnostic::new(
                        "catalog::version-gap",
                        format!("`{event}` jumps to version {number}: {missing}"),
                    )
                    .at_value(&catalog.sources, version.file, "/version", "after a gap")
                    .with_note("versions run 1, 2, 3 ...; a published version is never deleted"),
                );
            }
            expected = wide + 1;
            if let Some(from_name) = version_in_file_name(&version.catalog_path)
                && from_name != number
            {
                diagnostics.push(
                    Diagnostic::new(
                        "catalog::version-file-mismatch",
                        format!(
                            "the file is named for version {from_name} but defines version {number}"
                        ),
                    )
                    .at_value(
                        &catalog.sources,
                        version.file,
                        "/version",
                        "version inside the file",
                    ),
                );
            }
        }
    }
}

/// `events/order_placed/v2.yaml` → 2.
fn version_in_file_name(catalog_path: &str) -> Option<u32> {
    let name = catalog_path.rsplit('/').next()?;
    let stem = name.split('.').next()?;
    stem.strip_prefix('v')?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_from_file_name() {
        assert_eq!(version_in_file_name("events/a/v12.yaml"), Some(12));
        assert_eq!(version_in_file_name("events/a/order.yaml"), None);
    }
}

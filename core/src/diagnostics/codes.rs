//! The registry of diagnostic codes: each code is stable, has a severity and one line that
//! explains it. Adding a check means adding one line here.

use super::Severity;

/// A registered diagnostic code.
#[derive(Debug, Clone, Copy)]
pub struct Code {
    /// The stable identifier users see and can search for.
    pub id: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// One line saying what the code means.
    pub summary: &'static str,
}

const fn error(id: &'static str, summary: &'static str) -> Code {
    Code {
        id,
        severity: Severity::Error,
        summary,
    }
}

const fn warning(id: &'static str, summary: &'static str) -> Code {
    Code {
        id,
        severity: Severity::Warning,
        summary,
    }
}

/// Every diagnostic code herald emits.
pub const CODES: &[Code] = &[
    error("syntax::yaml", "The file is not valid YAML."),
    error("syntax::json", "The file is not valid JSON."),
    error(
        "syntax::duplicate-key",
        "A mapping has the same key twice; one value would be lost.",
    ),
    error(
        "io::unreadable",
        "A file could not be read (permissions, not UTF-8, ...).",
    ),
    error(
        "catalog::schema",
        "The file does not match herald's own schema for it.",
    ),
    error(
        "catalog::unknown-key",
        "The file has a key herald does not know (often a typo).",
    ),
    error(
        "catalog::events-dir-outside",
        "The manifest's `events_dir` points outside the catalog.",
    ),
    error(
        "catalog::no-events",
        "The catalog's events directory is missing or holds no event files.",
    ),
    error(
        "catalog::unknown-event",
        "A service or replica names an event the catalog does not define.",
    ),
    error(
        "catalog::unknown-rule",
        "An `ignore:` entry names a compatibility rule herald does not have.",
    ),
    error(
        "catalog::unknown-service",
        "An event's owner is not a service of the catalog.",
    ),
    warning(
        "catalog::owner-not-producer",
        "An event's owner does not list the event under `produces`.",
    ),
    error(
        "catalog::duplicate-version",
        "Two files define the same version of an event.",
    ),
    error(
        "catalog::version-gap",
        "An event's versions do not run 1, 2, 3 ... without gaps.",
    ),
    warning(
        "catalog::version-file-mismatch",
        "A `vN` file name disagrees with the `version` inside it.",
    ),
    error(
        "catalog::key-missing",
        "The event's key pointer does not reach a property of the payload.",
    ),
    error(
        "catalog::key-optional",
        "The event's key pointer reaches a property that may be absent.",
    ),
    error(
        "catalog::key-not-scalar",
        "The event's key must be a string or an integer.",
    ),
    error(
        "schema::unknown-draft",
        "The payload's `$schema` names a draft herald does not support.",
    ),
    error(
        "schema::invalid",
        "The payload is not a valid JSON Schema for its draft.",
    ),
    error(
        "ref::unresolved",
        "A `$ref` points to a file or location that does not exist.",
    ),
    error(
        "ref::escapes-catalog",
        "A `$ref` points outside the catalog root.",
    ),
    error(
        "ref::remote",
        "A `$ref` points to the network; herald never fetches schemas.",
    ),
    error(
        "ref::infinite-recursion",
        "Recursive `$ref`s that can never terminate.",
    ),
    error(
        "example::invalid",
        "An example does not validate against its version's payload schema.",
    ),
    error(
        "replica::unknown-column",
        "A replica rule writes a column the replica does not declare.",
    ),
    error(
        "replica::key-column",
        "A replica's key is not one of its columns.",
    ),
    error(
        "replica::event-not-consumed",
        "A replica applies an event its service does not consume.",
    ),
    error(
        "replica::unknown-field",
        "A replica rule reads a field the event's payload does not have.",
    ),
    error(
        "replica::invalid-rule",
        "A replica rule's action and its column updates do not fit together.",
    ),
    error(
        "replica::type-mismatch",
        "A replica column receives a value of another type.",
    ),
    error(
        "names::collision",
        "Two names become the same Rust identifier.",
    ),
    warning(
        "names::keyword",
        "A name is a Rust keyword; generated code renames it.",
    ),
];

/// The registered code with this id.
pub fn code_info(id: &str) -> Option<&'static Code> {
    CODES.iter().find(|code| code.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_namespaced() {
        let mut seen = std::collections::HashSet::new();
        for code in CODES {
            assert!(seen.insert(code.id), "duplicate code {}", code.id);
            assert!(code.id.contains("::"), "{} has no namespace", code.id);
            assert!(code.summary.ends_with('.'), "{} summary", code.id);
        }
    }
}

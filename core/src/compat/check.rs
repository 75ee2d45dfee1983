//! `herald check`: every event's versions under its compatibility mode, and the catalog
//! against a baseline (a directory or a git ref, read from git objects without touching the
//! work tree): published versions unchanged, no event, version or producer/consumer link
//! removed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::compare::{SafetyNet, compare_with};
use super::options::{Mode, Semantics};
use super::report::{Location, Report, ReportedChange, report_changes};
use super::side::Side;
use crate::catalog::raw::Ignore;
use crate::catalog::{Catalog, EventVersion, UnusableCatalog, open};
use crate::schema::compile::CatalogRetriever;
use crate::schema::refs::NodeRef;
use crate::source::FileId;

/// What `--against` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// A catalog directory.
    Directory(PathBuf),
    /// A git ref (`main`, `origin/main`, `HEAD~1`, a tag).
    GitRef(String),
}

impl Baseline {
    /// A directory when `text` is one, else a git ref.
    pub fn parse(text: &str) -> Self {
        if Path::new(text).is_dir() {
            Baseline::Directory(PathBuf::from(text))
        } else {
            Baseline::GitRef(text.to_string())
        }
    }
}

/// Why the check cannot run (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The catalog is unusable.
    #[error(transparent)]
    Catalog(#[from] UnusableCatalog),
    /// The baseline cannot be read.
    #[error("baseline {0}")]
    Baseline(String),
}

/// A baseline catalog, kept with the temporary directory it may live in.
pub struct LoadedBaseline {
    /// The catalog.
    pub catalog: Catalog,
    /// How to name it in messages (`main`, or the directory).
    pub label: String,
    /// For a git baseline, the catalog's path inside the repository, so its files can be
    /// named `main:catalog/events/x/v1.yaml` (what `git show` takes).
    git_prefix: Option<String>,
    _checkout: Option<tempfile::TempDir>,
}

/// Checks every event's versions under its mode.
pub fn check_versions(catalog: &Catalog, semantics: Semantics) -> Vec<ReportedChange> {
    let retriever = CatalogRetriever::new(&catalog.schemas);
    let events: Vec<(&String, &Vec<EventVersion>)> = catalog.events.iter().collect();
    crate::parallel::map(&events, |(name, versions)| {
        check_event(catalog, &retriever, name, versions, semantics)
    })
    .into_iter()
    .flatten()
    .collect()
}

fn check_event(
    catalog: &Catalog,
    retriever: &CatalogRetriever,
    name: &str,
    versions: &[EventVersion],
    semantics: Semantics,
) -> Vec<ReportedChange> {
    let mode = catalog.mode_of(name);
    let sides: Vec<Side<'_>> = versions
        .iter()
        .map(|version| {
            Side::with_retriever(&catalog.schemas, version.payload_node(), retriever.clone())
        })
        .collect();
    let locate = |node: &NodeRef| locate_node(catalog, node);
    let mut changes = Vec::new();
    for newer in 1..versions.len() {
        let earlier: Vec<usize> = if mode.is_transitive() {
            (0..newer).collect()
        } else {
            vec![newer - 1]
        };
        for older in earlier {
            let subject = format!(
                "{name} v{} → v{}",
                versions[older].raw.version, versions[newer].raw.version
            );
            for direction in mode.directions() {
                let net = SafetyNet::Documents(
                    &versions[older].raw.examples,
                    &versions[newer].raw.examples,
                );
                let found = compare_with(&sides[older], &sides[newer], *direction, semantics, net);
                let mut reported = report_changes(
                    found,
                    &catalog.sources,
                    &catalog.sources,
                    locate,
                    locate,
                    Some(subject.clone()),
                );
                for change in &mut reported {
                    change.event_version = Some((name.to_string(), versions[newer].raw.version));
                }
                changes.extend(reported);
            }
        }
    }
    changes
}

fn locate_node(catalog: &Catalog, node: &NodeRef) -> Option<(FileId, String)> {
    let doc = catalog.schemas.doc(&node.doc)?;
    Some((doc.file, format!("{}{}", doc.root, node.pointer)))
}

/// Loads the baseline catalog for `current_root`.
pub fn load_baseline(
    current_root: &Path,
    baseline: &Baseline,
) -> Result<LoadedBaseline, CheckError> {
    match baseline {
        Baseline::Directory(path) => {
            let (catalog, _) =
                open(path).map_err(|error| CheckError::Baseline(error.to_string()))?;
            Ok(LoadedBaseline {
                catalog,
                label: path.display().to_string(),
                git_prefix: None,
                _checkout: None,
            })
        }
        Baseline::GitRef(reference) => {
            let checkout = tempfile::tempdir().map_err(|error| {
                CheckError::Baseline(format!("cannot create a temporary directory: {error}"))
            })?;
            let prefix = export_git_tree(current_root, reference, checkout.path())?;
            let root = checkout.path().join(&prefix);
            if !root.join(crate::catalog::load::MANIFEST_FILE).is_file() {
                return Err(CheckError::Baseline(format!(
                    "`{reference}` has no catalog at `{}` (no herald.yaml there)",
                    if prefix.is_empty() { "." } else { &prefix }
                )));
            }
            let (catalog, _) =
                open(&root).map_err(|error| CheckError::Baseline(error.to_string()))?;
            Ok(LoadedBaseline {
                catalog,
                label: reference.clone(),
                git_prefix: Some(prefix),
                _checkout: Some(checkout),
            })
        }
    }
}

/// Writes the catalog directory as it is at `reference` into `into`, from git objects (the
/// work tree and index are not touched). Returns the catalog's path inside the repository.
fn export_git_tree(
    current_root: &Path,
    reference: &str,
    into: &Path,
) -> Result<String, CheckError> {
    let git = |args: &[&str]| -> Result<String, CheckError> {
        let output = Command::new("git")
            .arg("-C")
            .arg(current_root)
            .args(args)
            .output()
            .map_err(|error| {
                CheckError::Baseline(format!("`{reference}`: cannot run git: {error}"))
            })?;
        if !output.status.success() {
            let message = String::from_utf8_lossy(&output.stderr).trim().to_string();
            return Err(CheckError::Baseline(format!("`{reference}`: {message}")));
        }
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim_end_matches('\n')
            .to_string())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let prefix = git(&["rev-parse", "--show-prefix"])?
        .trim_end_matches('/')
        .to_string();
    git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{reference}^{{commit}}"),
    ])
    .map_err(|_| {
        CheckError::Baseline(format!(
            "`{reference}` is neither a directory nor a git ref of this repository"
        ))
    })?;
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(["archive", "--format=tar", reference])
        .args(if prefix.is_empty() {
            Vec::new()
        } else {
            vec!["--".to_string(), prefix.clone()]
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| CheckError::Baseline(format!("cannot run git archive: {error}")))?;
    let Some(tar_input) = archive.stdout.take() else {
        return Err(CheckError::Baseline(
            "git archive gave no output".to_string(),
        ));
    };
    let unpacked = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(tar_input)
        .output()
        .map_err(|error| CheckError::Baseline(format!("cannot run tar: {error}")))?;
    let archived = archive
        .wait_with_output()
        .map_err(|error| CheckError::Baseline(error.to_string()))?;
    if !archived.status.success() {
        let message = String::from_utf8_lossy(&archived.stderr).trim().to_string();
        return Err(CheckError::Baseline(format!(
            "`{reference}` has no catalog at `{prefix}`: {message}"
        )));
    }
    if !unpacked.status.success() {
        return Err(CheckError::Baseline(format!(
            "cannot unpack `{reference}`: {}",
            String::from_utf8_lossy(&unpacked.stderr).trim()
        )));
    }
    Ok(prefix)
}

/// Compares the catalog with its baseline: edited, removed, unlinked.
pub fn check_against(current: &Catalog, baseline: &LoadedBaseline) -> Vec<ReportedChange> {
    let old = &baseline.catalog;
    let mut changes = Vec::new();
    let mut push = |rule: &'static str,
                    message: String,
                    old_at: Option<Location>,
                    new_at: Option<Location>,
                    event: Option<(String, u32)>| {
        changes.push(ReportedChange {
            rule,
            severity: "error",
            breaking: true,
            message,
            direction: "baseline",
            old_path: old_at.as_ref().map(|_| "#".to_string()),
            new_path: new_at.as_ref().map(|_| "#".to_string()),
            old_location: old_at,
            new_location: new_at,
            instance_path: String::new(),
            witness: None,
            proven: true,
            subject: event
                .as_ref()
                .map(|(name, version)| format!("{name} v{version}")),
            ignored: None,
            event_version: event,
        });
    };
    for (name, versions) in &old.events {
        let current_versions = current.events.get(name);
        if current_versions.is_none() && !current.unloadable_events.contains(name) {
            let at = versions
                .last()
                .map(|version| baseline_location(baseline, version.file));
            push(
                "event-removed",
                format!("event `{name}` exists in {} but not here", baseline.label),
                at,
                None,
                versions
                    .last()
                    .map(|version| (name.clone(), version.raw.version)),
            );
            continue;
        }
        for version in versions {
            let number = version.raw.version;
            let Some(now) = current_versions.and_then(|list| {
                list.iter()
                    .find(|candidate| candidate.raw.version == number)
            }) else {
                if !current.unloadable_events.contains(name) {
                    push(
                        "version-removed",
                        format!(
                            "`{name}` v{number} exists in {} but not here",
                            baseline.label
                        ),
                        Some(baseline_location(baseline, version.file)),
                        None,
                        Some((name.clone(), number)),
                    );
                }
                continue;
            };
            if let Some(what) = edited(old, version, current, now) {
                push(
                    "published-version-edited",
                    format!(
                        "`{name}` v{number} is published in {} and was changed here ({what}); add a new version instead",
                        baseline.label
                    ),
                    Some(baseline_location(baseline, version.file)),
                    Some(current_location(current, now.file)),
                    Some((name.clone(), number)),
                );
            }
        }
    }
    if let (Some((_, was)), Some((manifest_file, now))) = (&old.manifest, &current.manifest) {
        for (service, definition) in &was.services {
            let kept = now.services.get(service);
            for (list, rule, names) in [
                ("produces", "producer-removed", &definition.produces),
                ("consumes", "consumer-removed", &definition.consumes),
            ] {
                for event in names {
                    let still = kept.is_some_and(|kept| {
                        if list == "produces" {
                            kept.produces.contains(event)
                        } else {
                            kept.consumes.contains(event)
                        }
                    });
                    if !still {
                        let latest = current
                            .latest(event)
                            .or_else(|| old.latest(event))
                            .map(|version| (event.clone(), version.raw.version));
                        let pointer = crate::source::pointer_join("/services", service);
                        let at = if kept.is_some() {
                            format!("{pointer}/{list}")
                        } else {
                            pointer
                        };
                        push(
                            rule,
                            format!("`{service}` no longer {list} `{event}`"),
                            None,
                            Some(current_location_at(current, *manifest_file, &at)),
                            latest,
                        );
                    }
                }
            }
        }
    }
    changes
}

/// What changed in a published version, if anything: its payload, key, or a shared file.
fn edited(
    old: &Catalog,
    was: &EventVersion,
    current: &Catalog,
    now: &EventVersion,
) -> Option<String> {
    if was.raw.payload != now.raw.payload {
        return Some("its payload schema".to_string());
    }
    if was.raw.key != now.raw.key {
        return Some(format!(
            "its key, from `{}` to `{}`",
            was.raw.key, now.raw.key
        ));
    }
    let docs = |catalog: &Catalog, version: &EventVersion| -> BTreeMap<String, Value> {
        catalog
            .schemas
            .reachable_docs(&version.catalog_path)
            .into_iter()
            .filter(|doc| doc != &version.catalog_path)
            .filter_map(|doc| {
                catalog
                    .schemas
                    .doc(&doc)
                    .map(|found| (doc.clone(), found.value.clone()))
            })
            .collect()
    };
    let before = docs(old, was);
    let after = docs(current, now);
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .find(|doc| before.get(*doc) != after.get(*doc))
        .map(|doc| format!("the shared schema `{doc}` it references"))
}

fn baseline_location(baseline: &LoadedBaseline, file: FileId) -> Location {
    let source = baseline.catalog.sources.get(file);
    let (line, column) = source.line_column(source.span_of_key("/payload").start);
    let file = match &baseline.git_prefix {
        // `REF:path/in/repo`, which `git show` understands.
        Some(prefix) if prefix.is_empty() => format!("{}:{}", baseline.label, source.catalog_path),
        Some(prefix) => format!("{}:{prefix}/{}", baseline.label, source.catalog_path),
        None => source.display.clone(),
    };
    Location { file, line, column }
}

fn current_location(catalog: &Catalog, file: FileId) -> Location {
    current_location_at(catalog, file, "/payload")
}

fn current_location_at(catalog: &Catalog, file: FileId, pointer: &str) -> Location {
    let source = catalog.sources.get(file);
    let (line, column) = source.line_column(source.span_of_key(pointer).start);
    Location {
        file: source.display.clone(),
        line,
        column,
    }
}

/// Marks the changes an entry of `ignore` covers.
pub fn apply_ignores(changes: &mut [ReportedChange], ignores: &[Ignore]) {
    for change in changes.iter_mut().filter(|change| change.breaking) {
        let matched = ignores.iter().find(|ignore| {
            ignore.rule == change.rule
                && ignore.event.as_ref().is_none_or(|event| {
                    change
                        .event_version
                        .as_ref()
                        .is_some_and(|(name, _)| name == event)
                })
                && ignore.version.is_none_or(|version| {
                    change
                        .event_version
                        .as_ref()
                        .is_some_and(|(_, number)| *number == version)
                })
        });
        if let Some(ignore) = matched {
            change.ignored = Some(ignore.reason.clone());
        }
    }
}

/// The whole `herald check`: versions, baseline, ignores.
pub fn check(catalog: &Catalog, baseline: Option<&LoadedBaseline>, semantics: Semantics) -> Report {
    let mut changes = check_versions(catalog, semantics);
    if let Some(baseline) = baseline {
        changes.extend(check_against(catalog, baseline));
    }
    if let Some((_, manifest)) = &catalog.manifest {
        apply_ignores(&mut changes, &manifest.ignore);
    }
    let mode = catalog
        .manifest
        .as_ref()
        .map_or(Mode::Backward, |(_, manifest)| manifest.compatibility);
    Report::new(mode, semantics, changes)
}

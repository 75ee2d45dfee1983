//! `herald validate --events`: streams NDJSON CloudEvents envelopes and validates each
//! event's `data` against its event version's compiled payload schema.
//!
//! Built for throughput: every schema is compiled once, lines are parsed straight from a
//! buffered reader, the lookup from (type, version) to validator allocates nothing, and the
//! detailed error walk runs only for events that fail the fast `is_valid` check.

mod envelope;
mod report;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use jsonschema::Validator;

use crate::catalog::Catalog;
use crate::checks::Validators;

pub use envelope::{Envelope, EnvelopeError, version_of};
pub use report::{EventFailure, EventsReport, FailureKind, VersionCounts};

/// Options for validating events.
#[derive(Debug, Clone, Copy)]
pub struct EventsOptions {
    /// How many failures to keep in detail (all are counted).
    pub max_failures: usize,
}

/// The events file could not be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum EventsInputError {
    /// Opening the file failed.
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// Reading failed part-way.
    #[error("{path}: read error after line {line}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The last line read.
        line: u64,
        /// Why.
        source: io::Error,
    },
}

/// Validators by event name, indexed by version, so a lookup needs no allocation.
pub struct ValidatorIndex {
    by_event: HashMap<String, Vec<Slot>>,
}

/// One event version's validator (None when its schema did not compile) and its counts.
struct Slot {
    version: u32,
    validator: Option<Arc<Validator>>,
}

impl ValidatorIndex {
    /// Indexes every event version of `catalog`.
    pub fn new(catalog: &Catalog, validators: &Validators) -> Self {
        let by_event = catalog
            .events
            .iter()
            .map(|(name, versions)| {
                let slots = versions
                    .iter()
                    .map(|version| Slot {
                        version: version.raw.version,
                        validator: validators
                            .get(&(name.clone(), version.raw.version))
                            .cloned(),
                    })
                    .collect();
                (name.clone(), slots)
            })
            .collect();
        ValidatorIndex { by_event }
    }

    fn find(&self, event: &str, version: u32) -> Lookup<'_> {
        match self.by_event.get(event) {
            None => Lookup::UnknownEvent,
            Some(slots) => match slots.iter().find(|slot| slot.version == version) {
                None => Lookup::UnknownVersion,
                Some(Slot {
                    validator: None, ..
                }) => Lookup::NotCompiled,
                Some(Slot {
                    validator: Some(validator),
                    ..
                }) => Lookup::Found(validator),
            },
        }
    }
}

enum Lookup<'a> {
    Found(&'a Validator),
    UnknownEvent,
    UnknownVersion,
    NotCompiled,
}

/// Validates the NDJSON file at `path` (`-` for stdin).
pub fn validate_events_path(
    path: &Path,
    validators: &Validators,
    catalog: &Catalog,
    options: EventsOptions,
) -> Result<EventsReport, EventsInputError> {
    let index = ValidatorIndex::new(catalog, validators);
    let shown = path.display().to_string();
    if shown == "-" {
        let stdin = io::stdin();
        validate_events(stdin.lock(), &index, &shown, options)
    } else {
        let file = File::open(path).map_err(|source| EventsInputError::Open {
            path: shown.clone(),
            source,
        })?;
        validate_events(
            BufReader::with_capacity(1 << 20, file),
            &index,
            &shown,
            options,
        )
    }
}

/// Validates every line of `reader`.
pub fn validate_events<R: Read>(
    reader: R,
    index: &ValidatorIndex,
    source_name: &str,
    options: EventsOptions,
) -> Result<EventsReport, EventsInputError>
where
    BufReader<R>: BufRead,
{
    let mut reader = BufReader::with_capacity(1 << 20, reader);
    let mut report = EventsReport::new(source_name, options.max_failures);
    let mut line = Vec::with_capacity(4096);
    let mut number: u64 = 0;
    loop {
        line.clear();
        let read =
            reader
                .read_until(b'\n', &mut line)
                .map_err(|source| EventsInputError::Read {
                    path: source_name.to_string(),
                    line: number,
                    source,
                })?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        check_line(&line, number, index, &mut report);
    }
    Ok(report)
}

fn check_line(line: &[u8], number: u64, index: &ValidatorIndex, report: &mut EventsReport) {
    let envelope = match Envelope::parse(line) {
        Ok(envelope) => envelope,
        Err(error) => {
            report.fail(
                number,
                None,
                None,
                FailureKind::Envelope(error.to_string()),
                Vec::new(),
            );
            return;
        }
    };
    let event = envelope.event_type.as_ref();
    match index.find(event, envelope.version) {
        Lookup::Found(validator) => {
            if validator.is_valid(&envelope.data) {
                report.pass(event, envelope.version);
            } else {
                let errors = validator
                    .iter_errors(&envelope.data)
                    .map(|error| {
                        (
                            error.instance_path().as_str().to_string(),
                            error.to_string(),
                        )
                    })
                    .collect();
                report.fail(
                    number,
                    Some(event),
                    Some(envelope.version),
                    FailureKind::Invalid,
                    errors,
                );
            }
        }
        Lookup::UnknownEvent => {
            report.fail(
                number,
                Some(event),
                Some(envelope.version),
                FailureKind::UnknownEvent,
                Vec::new(),
            );
        }
        Lookup::UnknownVersion => {
            report.fail(
                number,
                Some(event),
                Some(envelope.version),
                FailureKind::UnknownVersion,
                Vec::new(),
            );
        }
        Lookup::NotCompiled => {
            report.fail(
                number,
                Some(event),
                Some(envelope.version),
                FailureKind::SchemaUnusable,
                Vec::new(),
            );
        }
    }
}

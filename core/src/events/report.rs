//! What `--events` found: counts per event type and version, and the first failures.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

/// Valid and invalid counts of one event version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VersionCounts {
    /// Events that validated.
    pub valid: u64,
    /// Events that did not.
    pub invalid: u64,
}

/// Why an event failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// The line is not a usable envelope.
    Envelope(String),
    /// The catalog has no such event.
    UnknownEvent,
    /// The catalog has the event but not this version.
    UnknownVersion,
    /// The version's payload schema is broken (see the catalog diagnostics).
    SchemaUnusable,
    /// `data` does not match the payload schema.
    Invalid,
}

/// One failing event, kept in detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFailure {
    /// The one-based line number.
    pub line: u64,
    /// The event type, when the envelope had one.
    pub event: Option<String>,
    /// The version, when the envelope had one.
    pub version: Option<u32>,
    /// Why it failed.
    pub kind: FailureKind,
    /// For invalid data: (instance path, message) of every violation.
    pub errors: Vec<(String, String)>,
}

/// The outcome of validating a stream of events.
#[derive(Debug, Clone)]
pub struct EventsReport {
    source: String,
    max_failures: usize,
    /// Counts per event, in first-seen order; `rows_by_event` finds a row without allocating.
    rows: Vec<HashMap<u32, VersionCounts>>,
    row_names: Vec<String>,
    rows_by_event: HashMap<String, usize>,
    unusable: u64,
    failures: Vec<EventFailure>,
}

impl EventsReport {
    /// An empty report for events read from `source`.
    pub fn new(source: &str, max_failures: usize) -> Self {
        EventsReport {
            source: source.to_string(),
            max_failures,
            rows: Vec::new(),
            row_names: Vec::new(),
            rows_by_event: HashMap::new(),
            unusable: 0,
            failures: Vec::new(),
        }
    }

    /// Counts a valid event.
    pub fn pass(&mut self, event: &str, version: u32) {
        self.entry(event, version).valid += 1;
    }

    /// Counts a failing event, keeping the first `max_failures` in detail.
    pub fn fail(
        &mut self,
        line: u64,
        event: Option<&str>,
        version: Option<u32>,
        kind: FailureKind,
        errors: Vec<(String, String)>,
    ) {
        match (event, version) {
            (Some(event), Some(version)) => self.entry(event, version).invalid += 1,
            _ => self.unusable += 1,
        }
        if self.failures.len() < self.max_failures {
            self.failures.push(EventFailure {
                line,
                event: event.map(str::to_string),
                version,
                kind,
                errors,
            });
        }
    }

    fn entry(&mut self, event: &str, version: u32) -> &mut VersionCounts {
        let row = match self.rows_by_event.get(event) {
            Some(&row) => row,
            None => {
                self.rows.push(HashMap::new());
                self.row_names.push(event.to_string());
                self.rows_by_event
                    .insert(event.to_string(), self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        self.rows[row].entry(version).or_default()
    }

    /// Counts per (event, version), sorted.
    pub fn counts(&self) -> BTreeMap<(String, u32), VersionCounts> {
        self.row_names
            .iter()
            .zip(&self.rows)
            .flat_map(|(event, versions)| {
                versions
                    .iter()
                    .map(move |(version, counts)| ((event.clone(), *version), *counts))
            })
            .collect()
    }

    /// The failures kept in detail.
    pub fn failures(&self) -> &[EventFailure] {
        &self.failures
    }

    /// Valid events.
    pub fn valid(&self) -> u64 {
        self.rows
            .iter()
            .flat_map(HashMap::values)
            .map(|counts| counts.valid)
            .sum()
    }

    /// Failing events, unusable envelopes included.
    pub fn invalid(&self) -> u64 {
        self.rows
            .iter()
            .flat_map(HashMap::values)
            .map(|counts| counts.invalid)
            .sum::<u64>()
            + self.unusable
    }

    /// Whether any event failed.
    pub fn has_failures(&self) -> bool {
        self.invalid() > 0
    }

    /// The report for a terminal.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "events: {} checked, {} valid, {} invalid ({})\n",
            self.valid() + self.invalid(),
            self.valid(),
            self.invalid(),
            self.source
        );
        for ((event, version), counts) in &self.counts() {
            out.push_str(&format!(
                "  {event} v{version}: {} valid, {} invalid\n",
                counts.valid, counts.invalid
            ));
        }
        if self.unusable > 0 {
            out.push_str(&format!(
                "  (no usable envelope): {} invalid\n",
                self.unusable
            ));
        }
        if !self.failures.is_empty() {
            let shown = if (self.failures.len() as u64) < self.invalid() {
                format!("first {} failures", self.failures.len())
            } else {
                "failures".to_string()
            };
            out.push_str(&format!("{shown}:\n"));
            for failure in &self.failures {
                out.push_str(&format!(
                    "  {}:{}: {}\n",
                    self.source,
                    failure.line,
                    describe(failure)
                ));
                for (path, message) in &failure.errors {
                    let path = if path.is_empty() { "(root)" } else { path };
                    out.push_str(&format!("      at {path}: {message}\n"));
                }
            }
        }
        out
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        let by_type: Vec<Value> = self
            .counts()
            .iter()
            .map(|((event, version), counts)| {
                json!({"type": event, "version": version, "valid": counts.valid, "invalid": counts.invalid})
            })
            .collect();
        let failures: Vec<Value> = self
            .failures
            .iter()
            .map(|failure| {
                json!({
                    "line": failure.line,
                    "type": failure.event,
                    "version": failure.version,
                    "reason": describe(failure),
                    "errors": failure.errors.iter().map(|(path, message)| json!({"path": path, "message": message})).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "source": self.source,
            "checked": self.valid() + self.invalid(),
            "valid": self.valid(),
            "invalid": self.invalid(),
            "by_type": by_type,
            "failures": failures,
        })
    }
}

fn describe(failure: &EventFailure) -> String {
    let name = match (&failure.event, failure.version) {
        (Some(event), Some(version)) => format!("{event} v{version}"),
        _ => String::new(),
    };
    match &failure.kind {
        FailureKind::Envelope(why) => format!("unusable envelope: {why}"),
        FailureKind::UnknownEvent => format!("{name}: no such event in the catalog"),
        FailureKind::UnknownVersion => format!("{name}: the catalog has no such version"),
        FailureKind::SchemaUnusable => {
            format!("{name}: the payload schema has errors (see above), event not checked")
        }
        FailureKind::Invalid => format!("{name}: data does not match the payload schema"),
    }
}

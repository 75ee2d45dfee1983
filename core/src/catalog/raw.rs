//! The catalog's files as serde types, exactly as a user writes them.
//!
//! Files are first checked against herald's own JSON Schemas (`schemas/`), which give better
//! messages and reject unknown keys; these types then carry the data into the model. They
//! tolerate unknown keys on purpose: a file with a typo'd key still takes part in the
//! cross-checks, so one run reports everything.

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

/// A compatibility mode, as Confluent Schema Registry names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompatibilityMode {
    /// NEW reads everything OLD wrote (checked against the previous version).
    #[default]
    Backward,
    /// OLD reads everything NEW writes.
    Forward,
    /// Both backward and forward.
    Full,
    /// Backward against every earlier version.
    BackwardTransitive,
    /// Forward against every earlier version.
    ForwardTransitive,
    /// Full against every earlier version.
    FullTransitive,
    /// No check.
    None,
}

/// `herald.yaml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// The catalog's name.
    pub catalog: String,
    /// What the catalog is for.
    #[serde(default)]
    pub description: Option<String>,
    /// The default compatibility mode of every event.
    #[serde(default)]
    pub compatibility: CompatibilityMode,
    /// Where the event version files live, relative to the catalog root.
    #[serde(default = "default_events_dir")]
    pub events_dir: String,
    /// The services, by name.
    #[serde(default)]
    pub services: IndexMap<String, Service>,
    /// Compatibility findings that do not fail `herald check`.
    #[serde(default)]
    pub ignore: Vec<Ignore>,
}

/// A compatibility finding `herald check` reports but does not fail on.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Ignore {
    /// The rule ID.
    pub rule: String,
    /// Only for this event.
    #[serde(default)]
    pub event: Option<String>,
    /// Only for the comparison introducing this version.
    #[serde(default)]
    pub version: Option<u32>,
    /// Why it is safe.
    pub reason: String,
}

fn default_events_dir() -> String {
    "events".to_string()
}

/// A service: what it produces, consumes, and which replicas it keeps.
#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    /// What the service does.
    #[serde(default)]
    pub description: Option<String>,
    /// Event names the service publishes.
    #[serde(default)]
    pub produces: Vec<String>,
    /// Event names the service subscribes to.
    #[serde(default)]
    pub consumes: Vec<String>,
    /// Local read models, by table name.
    #[serde(default)]
    pub replicas: IndexMap<String, Replica>,
}

/// A local table a consuming service keeps up to date from events.
#[derive(Debug, Clone, Deserialize)]
pub struct Replica {
    /// What the table holds.
    #[serde(default)]
    pub description: Option<String>,
    /// The primary-key column.
    pub key: String,
    /// The columns, by name.
    pub columns: IndexMap<String, Column>,
    /// How each event changes rows, by event name.
    pub apply: IndexMap<String, ApplyRule>,
}

/// A replica column.
#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    /// The column's type.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// Whether the column may hold NULL.
    #[serde(default)]
    pub nullable: bool,
    /// What the column holds.
    #[serde(default)]
    pub description: Option<String>,
}

/// The types a replica column can have; codegen maps them to SQLite and PostgreSQL types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text.
    String,
    /// A 64-bit integer.
    Integer,
    /// A double.
    Number,
    /// true or false.
    Boolean,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// Any JSON value.
    Json,
}

impl ColumnType {
    /// The type's name as written in `herald.yaml`.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Integer => "integer",
            ColumnType::Number => "number",
            ColumnType::Boolean => "boolean",
            ColumnType::Timestamp => "timestamp",
            ColumnType::Json => "json",
        }
    }
}

/// How one event changes a replica's rows.
#[derive(Debug, Clone, Deserialize)]
pub struct ApplyRule {
    /// What happens to the row.
    pub action: Action,
    /// Pointer into the payload (or the `each` element) giving the row's key.
    pub key: String,
    /// Apply once per element of the array at this pointer.
    #[serde(default)]
    pub each: Option<String>,
    /// Columns set from the event.
    #[serde(default)]
    pub set: IndexMap<String, SetValue>,
    /// Columns incremented by a value of the event.
    #[serde(default)]
    pub add: IndexMap<String, String>,
    /// Columns decremented by a value of the event.
    #[serde(default)]
    pub subtract: IndexMap<String, String>,
}

/// What happens to a replica row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Insert a new row; an existing row is left alone.
    Insert,
    /// Insert or replace the row's set columns.
    Upsert,
    /// Change columns of an existing row.
    Update,
    /// Remove the row.
    Delete,
}

/// A column's new value: a pointer into the event or a constant.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SetValue {
    /// A JSON pointer into the payload.
    Pointer(String),
    /// A constant.
    Const {
        /// The value.
        #[serde(rename = "const")]
        value: Value,
    },
}

/// One event version file.
#[derive(Debug, Clone, Deserialize)]
pub struct EventVersionFile {
    /// The event's name.
    pub event: String,
    /// The version number, from 1.
    pub version: u32,
    /// What happened.
    pub description: String,
    /// The producing service.
    pub owner: String,
    /// Pointer into the payload giving the ordering/partition key.
    pub key: String,
    /// Overrides the catalog's default compatibility mode for this event.
    #[serde(default)]
    pub compatibility: Option<CompatibilityMode>,
    /// Whether, and why, the version is deprecated.
    #[serde(default)]
    pub deprecated: Option<Deprecation>,
    /// The payload's JSON Schema.
    pub payload: Value,
    /// Example payloads.
    #[serde(default)]
    pub examples: Vec<Example>,
}

/// Deprecation: a flag or details.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Deprecation {
    /// `deprecated: true`.
    Flag(bool),
    /// `deprecated: {reason, replaced_by, since}`.
    Details {
        /// Why.
        reason: String,
        /// What to use instead.
        #[serde(default)]
        replaced_by: Option<String>,
        /// Since when.
        #[serde(default)]
        since: Option<String>,
    },
}

/// An example payload.
#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    /// A short name.
    #[serde(default)]
    pub name: Option<String>,
    /// What it shows.
    #[serde(default)]
    pub summary: Option<String>,
    /// The payload.
    pub payload: Value,
}

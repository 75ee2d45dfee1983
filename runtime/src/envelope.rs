//! The CloudEvents 1.0 envelope in JSON structured mode: every event herald moves is one of these.
//!
//! `data` is kept as the raw JSON text it arrived with, so re-encoding an envelope never changes
//! the bytes of its payload, and attributes are written in one fixed order: decode then encode is
//! byte-stable. Decoding is hand-written (not `#[serde(flatten)]`) because flattening cannot
//! carry raw JSON and would silently drop the CloudEvents extension attributes.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::event::Event;
use crate::trace::TraceParent;

/// The only CloudEvents version herald speaks.
pub const SPEC_VERSION: &str = "1.0";
/// The content type of every payload herald writes.
pub const JSON_CONTENT_TYPE: &str = "application/json";
/// How `dataschema` names an event version: `herald:OrderPlaced/2`.
const SCHEMA_SCHEME: &str = "herald:";

/// A CloudEvents 1.0 event, structured JSON mode.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Unique per event (UUIDv7 when herald makes it): the dedupe key of inboxes and brokers.
    pub id: String,
    /// Who produced the event (a service name or URI reference).
    pub source: String,
    /// The event name from the catalog, e.g. `OrderPlaced`.
    pub event_type: String,
    /// The event key: the entity the event is about. Order is kept per key.
    pub subject: Option<String>,
    /// RFC 3339 time the event happened.
    pub time: Option<String>,
    /// `herald:<name>/<version>`: the catalog version the payload follows.
    pub dataschema: Option<String>,
    /// Always `application/json` for herald's own events.
    pub datacontenttype: Option<String>,
    /// W3C trace context of the producer's span.
    pub traceparent: Option<String>,
    /// Further CloudEvents extension attributes, kept as they came.
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// The payload, as raw JSON text.
    pub data: Box<RawValue>,
}

/// Why bytes are not a usable envelope, or an envelope not the event a caller asked for.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, or JSON of the wrong shape.
    #[error("not a CloudEvents JSON envelope: {0}")]
    Json(#[from] serde_json::Error),
    /// A required attribute is absent.
    #[error("the envelope has no `{0}` attribute")]
    MissingAttribute(&'static str),
    /// An attribute is present but unusable.
    #[error("the envelope's `{name}` attribute is invalid: {reason}")]
    InvalidAttribute {
        /// The attribute.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A typed decode of an envelope carrying another event or version.
    #[error("expected {expected}, the envelope carries {found}")]
    WrongEvent {
        /// `Name/version` asked for.
        expected: String,
        /// `Name/version` found.
        found: String,
    },
    /// The payload does not deserialize into the event type.
    #[error("the payload of {event} does not decode: {source}")]
    Payload {
        /// `Name/version` decoded.
        event: String,
        /// serde's reason, with its path.
        source: serde_json::Error,
    },
}

impl Envelope {
    /// Wraps a typed event: a fresh UUIDv7 id, the current time, `dataschema` from the event's
    /// name and version, `subject` from its key, and a new trace (or `trace`'s child).
    pub fn wrap<E: Event>(
        source: &str,
        event: &E,
        trace: Option<&TraceParent>,
    ) -> Result<Envelope, EnvelopeError> {
        let data = serde_json::value::to_raw_value(event)?;
        let traceparent = match trace {
            Some(parent) => parent.child(),
            None => TraceParent::new_root(),
        };
        Ok(Envelope {
            id: uuid::Uuid::now_v7().to_string(),
            source: source.to_owned(),
            event_type: E::NAME.to_owned(),
            subject: Some(event.key()),
            time: Some(now_rfc3339()),
            dataschema: Some(schema_uri(E::NAME, E::VERSION)),
            datacontenttype: Some(JSON_CONTENT_TYPE.to_owned()),
            traceparent: Some(traceparent.to_string()),
            extensions: BTreeMap::new(),
            data,
        })
    }

    /// Parses and checks an envelope (required attributes present and non-empty, spec 1.0).
    pub fn from_slice(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        let envelope: Envelope = serde_json::from_slice(bytes)?;
        envelope.check()?;
        Ok(envelope)
    }

    /// The envelope's canonical JSON bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        // Serializing owned strings, a map of JSON values and raw JSON cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The event key (`subject`), or the empty string for events without one.
    pub fn key(&self) -> &str {
        self.subject.as_deref().unwrap_or("")
    }

    /// The catalog version of the payload, from `dataschema` (`None` when absent or foreign).
    pub fn version(&self) -> Option<u32> {
        let (_, version) = self.schema()?;
        Some(version)
    }

    /// `(name, version)` from `dataschema`.
    pub fn schema(&self) -> Option<(&str, u32)> {
        parse_schema_uri(self.dataschema.as_deref()?)
    }

    /// `Name/version` for messages.
    pub fn describe(&self) -> String {
        match self.version() {
            Some(version) => format!("{}/{}", self.event_type, version),
            None => self.event_type.clone(),
        }
    }

    /// Decodes the payload as `E`, after checking the envelope carries `E`'s name and version.
    pub fn decode<E: Event>(&self) -> Result<E, EnvelopeError> {
        // The `Name/version` text only when it goes into an error: this runs for every event.
        let expected = || format!("{}/{}", E::NAME, E::VERSION);
        if self.event_type != E::NAME || self.version() != Some(E::VERSION) {
            return Err(EnvelopeError::WrongEvent {
                expected: expected(),
                found: self.describe(),
            });
        }
        serde_json::from_str(self.data.get()).map_err(|source| EnvelopeError::Payload {
            event: expected(),
            source,
        })
    }

    /// The payload as a JSON value (for schema validation and generic handlers).
    pub fn data_value(&self) -> Result<serde_json::Value, EnvelopeError> {
        Ok(serde_json::from_str(self.data.get())?)
    }

    /// The parsed trace context, when the envelope carries a valid one.
    pub fn trace(&self) -> Option<TraceParent> {
        self.traceparent.as_deref()?.parse().ok()
    }

    fn check(&self) -> Result<(), EnvelopeError> {
        for (name, value) in [
            ("id", &self.id),
            ("source", &self.source),
            ("type", &self.event_type),
        ] {
            if value.is_empty() {
                return Err(EnvelopeError::InvalidAttribute {
                    name: name.to_owned(),
                    reason: "it is empty".to_owned(),
                });
            }
        }
        if let Some(traceparent) = &self.traceparent {
            traceparent.parse::<TraceParent>().map_err(|reason| {
                EnvelopeError::InvalidAttribute {
                    name: "traceparent".to_owned(),
                    reason,
                }
            })?;
        }
        if let Some(time) = &self.time {
            time::OffsetDateTime::parse(time, &time::format_description::well_known::Rfc3339)
                .map_err(|err| EnvelopeError::InvalidAttribute {
                    name: "time".to_owned(),
                    reason: format!("not an RFC 3339 timestamp ({err})"),
                })?;
        }
        Ok(())
    }
}

/// Equal when every attribute is equal and the payloads are the same JSON text.
impl PartialEq for Envelope {
    fn eq(&self, other: &Envelope) -> bool {
        self.id == other.id
            && self.source == other.source
            && self.event_type == other.event_type
            && self.subject == other.subject
            && self.time == other.time
            && self.dataschema == other.dataschema
            && self.datacontenttype == other.datacontenttype
            && self.traceparent == other.traceparent
            && self.extensions == other.extensions
            && self.data.get() == other.data.get()
    }
}

/// `herald:<name>/<version>`.
pub fn schema_uri(name: &str, version: u32) -> String {
    format!("{SCHEMA_SCHEME}{name}/{version}")
}

fn parse_schema_uri(uri: &str) -> Option<(&str, u32)> {
    let rest = uri.strip_prefix(SCHEMA_SCHEME)?;
    let (name, version) = rest.rsplit_once('/')?;
    Some((name, version.parse().ok()?))
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Serialize for Envelope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("specversion", SPEC_VERSION)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("source", &self.source)?;
        map.serialize_entry("type", &self.event_type)?;
        let optional = [
            ("subject", &self.subject),
            ("time", &self.time),
            ("dataschema", &self.dataschema),
            ("datacontenttype", &self.datacontenttype),
            ("traceparent", &self.traceparent),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                map.serialize_entry(name, value)?;
            }
        }
        for (name, value) in &self.extensions {
            map.serialize_entry(name, value)?;
        }
        map.serialize_entry("data", &self.data)?;
        map.end()
    }
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudEvents 1.0 JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
        let mut specversion_seen = false;
        let mut id = None;
        let mut source = None;
        let mut event_type = None;
        let mut subject = None;
        let mut time = None;
        let mut dataschema = None;
        let mut datacontenttype = None;
        let mut traceparent = None;
        let mut extensions = BTreeMap::new();
        let mut data: Option<Box<RawValue>> = None;
        // Attribute names are matched where they lie in the input (no string per name), and
        // `specversion` is compared the same way: a consumer parses every delivery, and these
        // allocations were most of what the parse cost.
        while let Some(attribute) = map.next_key::<Attribute>()? {
            let (slot, name) = match attribute {
                Attribute::SpecVersion => {
                    if specversion_seen {
                        return Err(de::Error::custom("duplicate attribute `specversion`"));
                    }
                    specversion_seen = true;
                    let SpecVersion(version) = map.next_value()?;
                    if let Some(other) = version {
                        return Err(de::Error::custom(format!(
                            "`specversion` is {other:?}, herald reads CloudEvents 1.0"
                        )));
                    }
                    continue;
                }
                Attribute::Id => (&mut id, "id"),
                Attribute::Source => (&mut source, "source"),
                Attribute::Type => (&mut event_type, "type"),
                Attribute::Subject => (&mut subject, "subject"),
                Attribute::Time => (&mut time, "time"),
                Attribute::DataSchema => (&mut dataschema, "dataschema"),
                Attribute::DataContentType => (&mut datacontenttype, "datacontenttype"),
                Attribute::TraceParent => (&mut traceparent, "traceparent"),
                Attribute::Data => {
                    if data.is_some() {
                        return Err(de::Error::duplicate_field("data"));
                    }
                    data = Some(map.next_value()?);
                    continue;
                }
                Attribute::DataBase64 => {
                    return Err(de::Error::custom(
                        "binary payloads (`data_base64`) are not supported: herald events are JSON",
                    ));
                }
                Attribute::Extension(name) => {
                    let value = map.next_value()?;
                    if extensions.insert(name.clone(), value).is_some() {
                        return Err(de::Error::custom(format!("duplicate attribute `{name}`")));
                    }
                    continue;
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(format!("duplicate attribute `{name}`")));
            }
            *slot = Some(map.next_value::<String>()?);
        }
        if !specversion_seen {
            return Err(de::Error::missing_field("specversion"));
        }
        Ok(Envelope {
            id: id.ok_or_else(|| de::Error::missing_field("id"))?,
            source: source.ok_or_else(|| de::Error::missing_field("source"))?,
            event_type: event_type.ok_or_else(|| de::Error::missing_field("type"))?,
            subject,
            time,
            dataschema,
            datacontenttype,
            traceparent,
            extensions,
            data: data.ok_or_else(|| de::Error::missing_field("data"))?,
        })
    }
}

/// An attribute name of the envelope object.
enum Attribute {
    SpecVersion,
    Id,
    Source,
    Type,
    Subject,
    Time,
    DataSchema,
    DataContentType,
    TraceParent,
    Data,
    DataBase64,
    /// Any other name: a CloudEvents extension attribute, kept with its value.
    Extension(String),
}

impl<'de> Deserialize<'de> for Attribute {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(AttributeVisitor)
    }
}

struct AttributeVisitor;

impl Visitor<'_> for AttributeVisitor {
    type Value = Attribute;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an attribute name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Attribute, E> {
        Ok(match name {
            "specversion" => Attribute::SpecVersion,
            "id" => Attribute::Id,
            "source" => Attribute::Source,
            "type" => Attribute::Type,
            "subject" => Attribute::Subject,
            "time" => Attribute::Time,
            "dataschema" => Attribute::DataSchema,
            "datacontenttype" => Attribute::DataContentType,
            "traceparent" => Attribute::TraceParent,
            "data" => Attribute::Data,
            "data_base64" => Attribute::DataBase64,
            other => Attribute::Extension(other.to_owned()),
        })
    }
}

/// The `specversion` value: `None` when it is herald's [`SPEC_VERSION`], else the other
/// version (for the error).
struct SpecVersion(Option<String>);

impl<'de> Deserialize<'de> for SpecVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(SpecVersionVisitor)
    }
}

struct SpecVersionVisitor;

impl Visitor<'_> for SpecVersionVisitor {
    type Value = SpecVersion;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, version: &str) -> Result<SpecVersion, E> {
        Ok(SpecVersion(
            (version != SPEC_VERSION).then(|| version.to_owned()),
        ))
    }
}

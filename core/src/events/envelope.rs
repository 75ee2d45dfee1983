//! The CloudEvents 1.0 envelope (JSON structured mode) as `--events` reads it.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

/// The parts of an envelope validation needs.
#[derive(Debug)]
pub struct Envelope<'a> {
    /// The event name (`type`).
    pub event_type: Cow<'a, str>,
    /// The event version, from `dataversion` or the end of `dataschema`.
    pub version: u32,
    /// The payload.
    pub data: Value,
}

/// Why a line is not a usable envelope.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Not JSON.
    #[error("not valid JSON: {0}")]
    Json(String),
    /// A required attribute is missing.
    #[error("the envelope has no `{0}`")]
    Missing(&'static str),
    /// No version could be found.
    #[error("no event version: set `dataversion` or a `dataschema` ending in /v<N> (got {0})")]
    NoVersion(String),
}

#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(rename = "type", borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    dataschema: Option<Cow<'a, str>>,
    dataversion: Option<Value>,
    data: Option<Value>,
}

impl<'a> Envelope<'a> {
    /// Parses one NDJSON line.
    pub fn parse(line: &'a [u8]) -> Result<Self, EnvelopeError> {
        let raw: Raw<'a> = serde_json::from_slice(line).map_err(|error| {
            // The line number is the file's; within one line only the column helps.
            let message = error.to_string();
            let message = match message.find(" at line ") {
                Some(cut) => format!("{} (column {})", &message[..cut], error.column()),
                None => message,
            };
            EnvelopeError::Json(message)
        })?;
        let event_type = raw.event_type.ok_or(EnvelopeError::Missing("type"))?;
        let data = raw.data.ok_or(EnvelopeError::Missing("data"))?;
        let version = version_of(raw.dataversion.as_ref(), raw.dataschema.as_deref())?;
        Ok(Envelope {
            event_type,
            version,
            data,
        })
    }
}

/// The event version: the `dataversion` extension attribute (a number or digits) when present,
/// else the trailing `v<N>` (or `<N>`) segment of `dataschema`.
pub fn version_of(
    dataversion: Option<&Value>,
    dataschema: Option<&str>,
) -> Result<u32, EnvelopeError> {
    if let Some(value) = dataversion {
        let parsed = match value {
            Value::Number(number) => number.as_u64().and_then(|n| u32::try_from(n).ok()),
            Value::String(text) => text.trim_start_matches('v').parse().ok(),
            _ => None,
        };
        return parsed.ok_or_else(|| EnvelopeError::NoVersion(format!("dataversion {value}")));
    }
    let Some(schema) = dataschema else {
        return Err(EnvelopeError::NoVersion("neither".to_string()));
    };
    let last = schema.rsplit(['/', '#', ':']).next().unwrap_or(schema);
    last.trim_start_matches(['v', 'V'])
        .parse()
        .map_err(|_| EnvelopeError::NoVersion(format!("dataschema {schema:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_version_from_dataschema_or_dataversion() {
        assert_eq!(
            version_of(None, Some("herald:webshop/OrderPlaced/v2")),
            Ok(2)
        );
        assert_eq!(version_of(None, Some("https://x/order_placed/3")), Ok(3));
        assert_eq!(version_of(Some(&json!(4)), Some("ignored/v1")), Ok(4));
        assert_eq!(version_of(Some(&json!("v5")), None), Ok(5));
        assert!(version_of(None, Some("herald:webshop/OrderPlaced")).is_err());
        assert!(version_of(None, None).is_err());
    }

    #[test]
    fn parses_a_structured_mode_envelope() {
        let line =
            br#"{"specversion":"1.0","type":"OrderPlaced","dataschema":"x/v2","data":{"a":1}}"#;
        let envelope = Envelope::parse(line).unwrap();
        assert_eq!(envelope.event_type, "OrderPlaced");
        assert_eq!(envelope.version, 2);
        assert_eq!(envelope.data, json!({"a": 1}));
    }

    #[test]
    fn rejects_incomplete_envelopes() {
        assert_eq!(
            Envelope::parse(br#"{"data":{}}"#).unwrap_err(),
            EnvelopeError::Missing("type")
        );
        assert_eq!(
            Envelope::parse(br#"{"type":"A","dataversion":1}"#).unwrap_err(),
            EnvelopeError::Missing("data")
        );
        assert!(matches!(
            Envelope::parse(b"{not json").unwrap_err(),
            EnvelopeError::Json(_)
        ));
    }
}

//! W3C trace context (`traceparent`), carried in every envelope so a consumer's span continues
//! the producer's trace.

use std::fmt;
use std::str::FromStr;

/// A parsed `traceparent` (version 00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    /// 16-byte trace id, never all zero.
    pub trace_id: [u8; 16],
    /// 8-byte id of the parent span, never all zero.
    pub parent_id: [u8; 8],
    /// Trace flags (bit 0: sampled).
    pub flags: u8,
}

impl TraceParent {
    /// A new trace with a random trace id and span id, sampled.
    pub fn new_root() -> TraceParent {
        let trace_id = *uuid::Uuid::new_v4().as_bytes();
        TraceParent {
            trace_id,
            parent_id: random_span_id(),
            flags: 1,
        }
    }

    /// The same trace with a new span id: what a producer stamps when it continues a trace.
    pub fn child(&self) -> TraceParent {
        TraceParent {
            parent_id: random_span_id(),
            ..*self
        }
    }

    /// The trace id as 32 lowercase hex digits.
    pub fn trace_id_hex(&self) -> String {
        hex(&self.trace_id)
    }
}

fn random_span_id() -> [u8; 8] {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut id = [0; 8];
    id.copy_from_slice(&bytes[..8]);
    if id == [0; 8] {
        id[7] = 1;
    }
    id
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            hex(&self.trace_id),
            hex(&self.parent_id),
            self.flags
        )
    }
}

impl FromStr for TraceParent {
    type Err = String;

    fn from_str(text: &str) -> Result<TraceParent, String> {
        let mut parts = text.split('-');
        let (Some(version), Some(trace), Some(parent), Some(flags), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(format!(
                "`{text}` is not `00-<trace-id>-<parent-id>-<flags>`"
            ));
        };
        if version != "00" {
            return Err(format!("traceparent version `{version}` is not 00"));
        }
        let trace_id: [u8; 16] = parse_hex(trace, "trace id")?;
        let parent_id: [u8; 8] = parse_hex(parent, "parent id")?;
        let [flags] = parse_hex::<1>(flags, "flags")?;
        if trace_id == [0; 16] || parent_id == [0; 8] {
            return Err("an all-zero trace or parent id is invalid".to_owned());
        }
        Ok(TraceParent {
            trace_id,
            parent_id,
            flags,
        })
    }
}

fn parse_hex<const N: usize>(text: &str, what: &str) -> Result<[u8; N], String> {
    let valid = text.len() == N * 2
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !valid {
        return Err(format!(
            "the {what} `{text}` is not {} lowercase hex digits",
            N * 2
        ));
    }
    let mut out = [0; N];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
        *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
    }
    Ok(out)
}

/// The value of a lowercase hex digit (checked by the caller): every consumed envelope's
/// `traceparent` goes through here, so no `from_str_radix` per byte.
fn nibble(digit: u8) -> u8 {
    if digit.is_ascii_digit() {
        digit - b'0'
    } else {
        digit - b'a' + 10
    }
}

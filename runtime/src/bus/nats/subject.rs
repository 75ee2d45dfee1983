//! Subject and name encoding: event types and keys become NATS subject tokens, consumer names
//! become JetStream durable names.
//!
//! A NATS token cannot be empty or contain `.`, `*`, `>` or whitespace, and an event key can be
//! any string, so keys are escaped. The escaping must be injective: two keys sharing a subject
//! would share per-key order and, worse, a single-type filter could not tell them apart.

use std::fmt::Write as _;

/// Bytes written as themselves; everything else (including `_` and `%`) is escaped.
fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-'
}

/// The token standing for the empty key. Never produced for a non-empty key, since `_` is
/// always escaped.
const EMPTY_TOKEN: &str = "_";

/// Encodes `text` as one subject token: bytes outside `[A-Za-z0-9-]` become `%XX` (upper-case
/// hex), and the empty string becomes `_`.
///
/// Injective: percent-escaping with one fixed alphabet is a prefix code over bytes, and `_` is
/// a token no non-empty input maps to.
pub fn token(text: &str) -> String {
    if text.is_empty() {
        return EMPTY_TOKEN.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if is_plain(byte) {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The subject an event of `event_type` with `key` is published on.
pub fn event_subject(prefix: &str, event_type: &str, key: &str) -> String {
    format!("{prefix}.{}.{}", token(event_type), token(key))
}

/// The filter covering every key of `event_type`.
pub fn type_filter(prefix: &str, event_type: &str) -> String {
    format!("{prefix}.{}.>", token(event_type))
}

/// The filter covering every event of the stream.
pub fn all_filter(prefix: &str) -> String {
    format!("{prefix}.>")
}

/// The event-type token of a subject published by [`event_subject`] under `prefix`.
pub fn type_token_of<'a>(prefix: &str, subject: &'a str) -> Option<&'a str> {
    let rest = subject.strip_prefix(prefix)?.strip_prefix('.')?;
    rest.split('.').next()
}

/// Longest durable name herald produces: names become file names on the server.
const MAX_NAME_LEN: usize = 64;

/// A valid JetStream durable name for `name`: characters outside `[A-Za-z0-9_-]` become `_`.
/// When anything was replaced or cut, a hash of the original is appended, so two different
/// names never share one durable consumer.
pub fn durable_name(name: &str) -> String {
    let mut cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned == name && !name.is_empty() && name.len() <= MAX_NAME_LEN {
        return cleaned;
    }
    let hash = format!("{:016x}", fnv1a(name.as_bytes()));
    cleaned.truncate(MAX_NAME_LEN - hash.len() - 1);
    format!("{cleaned}-{hash}")
}

/// A stream or subject-prefix part derived from a catalog name: `[A-Za-z0-9_-]` kept, the rest
/// replaced by `_`.
pub fn catalog_part(catalog: &str) -> String {
    let cleaned: String = catalog
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() {
        EMPTY_TOKEN.to_owned()
    } else {
        cleaned
    }
}

/// 64-bit FNV-1a: stable across releases and platforms, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn is_valid_token(token: &str) -> bool {
        !token.is_empty()
            && !token
                .chars()
                .any(|c| c == '.' || c == '*' || c == '>' || c.is_whitespace())
    }

    #[test]
    fn plain_keys_stay_readable() {
        assert_eq!(token("order-42"), "order-42");
        assert_eq!(token("ABCxyz019"), "ABCxyz019");
    }

    #[test]
    fn special_bytes_are_escaped() {
        assert_eq!(token(""), "_");
        assert_eq!(token("_"), "%5F");
        assert_eq!(token("a.b"), "a%2Eb");
        assert_eq!(token("*"), "%2A");
        assert_eq!(token(">"), "%3E");
        assert_eq!(token("a b"), "a%20b");
        assert_eq!(token("%"), "%25");
        assert_eq!(token("é"), "%C3%A9");
    }

    /// Every string of length 0..=3 over an alphabet holding each byte class that matters
    /// (plain letters, `_`, `%`, the escape digits, separators, multi-byte UTF-8) gets its own
    /// token, and every token is a valid NATS token.
    #[test]
    fn tokens_are_injective_on_a_small_alphabet() {
        let alphabet = [
            "a", "Z", "0", "5", "F", "-", "_", "%", ".", "*", ">", " ", "é",
        ];
        let mut words = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..3 {
            frontier = frontier
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(frontier.iter().cloned());
        }
        let mut seen: HashMap<String, String> = HashMap::new();
        for word in words {
            let encoded = token(&word);
            assert!(is_valid_token(&encoded), "{word:?} -> {encoded:?}");
            if let Some(previous) = seen.insert(encoded.clone(), word.clone()) {
                panic!("{previous:?} and {word:?} both encode to {encoded:?}");
            }
        }
        assert_eq!(
            seen.len(),
            (0..=3).map(|n| alphabet.len().pow(n)).sum::<usize>()
        );
    }

    #[test]
    fn the_type_token_is_read_back_from_a_subject() {
        let subject = event_subject("herald.shop", "OrderPlaced", "a.b");
        assert_eq!(subject, "herald.shop.OrderPlaced.a%2Eb");
        assert_eq!(type_token_of("herald.shop", &subject), Some("OrderPlaced"));
        assert_eq!(type_token_of("herald.other", &subject), None);
    }

    #[test]
    fn durable_names_are_valid_and_distinct() {
        assert_eq!(durable_name("billing"), "billing");
        let dotted = durable_name("billing.v2");
        let underscored = durable_name("billing_v2");
        assert_eq!(underscored, "billing_v2");
        assert_ne!(dotted, underscored);
        assert!(dotted.starts_with("billing_v2-"));
        let long = durable_name(&"x".repeat(200));
        assert!(long.len() <= MAX_NAME_LEN);
        assert_ne!(long, durable_name(&"x".repeat(201)));
        assert!(!durable_name("").is_empty());
    }

    /// The inverse of [`token`], which exists only to prove it injective.
    fn decode(token: &str) -> Option<String> {
        if token == EMPTY_TOKEN {
            return Some(String::new());
        }
        let mut bytes = Vec::new();
        let mut rest = token.as_bytes();
        while let Some((&first, tail)) = rest.split_first() {
            if first == b'%' {
                let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &tail[2..];
            } else {
                bytes.push(first);
                rest = tail;
            }
        }
        String::from_utf8(bytes).ok()
    }

    proptest! {
        #[test]
        fn every_token_decodes_back_to_its_key(key in ".{0,24}") {
            let encoded = token(&key);
            prop_assert!(is_valid_token(&encoded));
            prop_assert_eq!(decode(&encoded), Some(key));
        }

        #[test]
        fn distinct_keys_get_distinct_tokens(a in "[a_%.5F]{0,6}", b in "[a_%.5F]{0,6}") {
            prop_assert_eq!(a == b, token(&a) == token(&b));
        }

        #[test]
        fn durable_names_only_use_safe_characters(name in ".{0,80}") {
            let durable = durable_name(&name);
            prop_assert!(!durable.is_empty() && durable.len() <= MAX_NAME_LEN);
            prop_assert!(durable.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        }
    }
}

//! Routing keys: `{type_token}.{key_token}`, where each token is an injective, routing-key-safe
//! encoding of the event type and the event key.
//!
//! `.` separates words in a topic routing key and `*` / `#` are wildcards in bindings, so a key
//! such as `eu.*` must not reach the broker as is. Every byte outside `[A-Za-z0-9-]` is written
//! as `%XX` (upper-case hex) — `_` too, because the empty string is written `_`, which keeps the
//! encoding injective and every token non-empty (an empty word would change how `#` matches).

use std::fmt::Write as _;

/// The longest routing key AMQP 0-9-1 carries (a short string).
const MAX_ROUTING_KEY: usize = 255;

/// Why no routing key can be made for an event type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the event type `{event_type}` is too long for an AMQP routing key ({len} bytes encoded, 253 at most)"
)]
pub struct TypeTooLong {
    /// The event type.
    pub event_type: String,
    /// Its encoded length.
    pub len: usize,
}

/// Encodes one routing-key word: `[A-Za-z0-9-]` stays, every other byte becomes `%XX`, and the
/// empty string becomes `_`.
pub fn token(text: &str) -> String {
    if text.is_empty() {
        return "_".to_owned();
    }
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' {
            encoded.push(char::from(byte));
        } else {
            // Writing into a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// The routing key of an event: `{token(type)}.{token(key)}`.
///
/// Bindings only read the type word (`{type}.#`), so when the whole key would pass AMQP's 255
/// bytes the key token is cut (at an escape boundary) to fit: routing stays exact, and the key
/// token is then a readable prefix rather than the whole key.
pub fn routing_key(event_type: &str, key: &str) -> Result<String, TypeTooLong> {
    let type_token = token(event_type);
    // Room for the type word, the dot, and at least one byte of key token.
    if type_token.len() + 2 > MAX_ROUTING_KEY {
        return Err(TypeTooLong {
            event_type: event_type.to_owned(),
            len: type_token.len(),
        });
    }
    let mut key_token = token(key);
    let room = MAX_ROUTING_KEY - type_token.len() - 1;
    if key_token.len() > room {
        let mut cut = room;
        // Never split a `%XX` escape: step back to its `%` when the cut lands inside one.
        if let Some(percent) = key_token[cut.saturating_sub(2)..cut].rfind('%') {
            cut = cut.saturating_sub(2) + percent;
        }
        key_token.truncate(cut);
    }
    Ok(format!("{type_token}.{key_token}"))
}

/// The binding key that receives every key of `event_type`.
pub fn binding_key(event_type: &str) -> String {
    format!("{}.#", token(event_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_are_kept() {
        assert_eq!(token("OrderPlaced"), "OrderPlaced");
        assert_eq!(token("a-Z-09"), "a-Z-09");
    }

    #[test]
    fn topic_specials_and_underscore_are_escaped() {
        assert_eq!(token("eu.*"), "eu%2E%2A");
        assert_eq!(token("#"), "%23");
        assert_eq!(token("_"), "%5F");
        assert_eq!(token("%"), "%25");
        assert_eq!(token("a b"), "a%20b");
    }

    #[test]
    fn empty_is_an_underscore_and_differs_from_an_escaped_underscore() {
        assert_eq!(token(""), "_");
        assert_ne!(token(""), token("_"));
    }

    #[test]
    fn multibyte_characters_are_escaped_per_byte() {
        assert_eq!(token("é"), "%C3%A9");
    }

    #[test]
    fn distinct_keys_give_distinct_tokens() {
        let keys = [
            "", "_", "%5F", "a.b", "a%2Eb", "a", "A", "a-", "a_", "é", "%C3%A9",
        ];
        let tokens: std::collections::BTreeSet<String> = keys.iter().map(|k| token(k)).collect();
        assert_eq!(tokens.len(), keys.len());
    }

    #[test]
    fn routing_key_joins_type_and_key() {
        assert_eq!(
            routing_key("OrderPlaced", "o.1").as_deref(),
            Ok("OrderPlaced.o%2E1")
        );
        assert_eq!(
            routing_key("OrderPlaced", "").as_deref(),
            Ok("OrderPlaced._")
        );
        assert_eq!(binding_key("OrderPlaced"), "OrderPlaced.#");
    }

    #[test]
    fn long_keys_are_cut_to_fit_without_splitting_an_escape() {
        let key = ".".repeat(300);
        let routing = routing_key("T", &key).unwrap();
        assert!(routing.len() <= MAX_ROUTING_KEY);
        assert!(routing.starts_with("T.%2E"));
        assert!(routing.ends_with("%2E"), "{routing}");
        let plain = routing_key("T", &"k".repeat(300)).unwrap();
        assert_eq!(plain.len(), MAX_ROUTING_KEY);
    }

    #[test]
    fn an_overlong_type_is_an_error() {
        let err = routing_key(&"t".repeat(254), "k").unwrap_err();
        assert_eq!(err.len, 254);
    }
}

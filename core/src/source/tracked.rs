//! A JSON value read through serde from any format, noting whether some mapping repeated a
//! key: the parse that builds the value finds duplicates too, so the position index (a second
//! parse) is built only for files that have one.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A value, and whether a mapping inside it repeated a key (the last value is kept, as
/// `serde_json::Value` keeps it).
#[derive(Debug, Clone, PartialEq)]
pub struct Tracked {
    /// The value.
    pub value: Value,
    /// Whether some mapping repeated a key.
    pub duplicate_keys: bool,
}

impl Tracked {
    fn plain(value: Value) -> Self {
        Tracked {
            value,
            duplicate_keys: false,
        }
    }
}

impl<'de> Deserialize<'de> for Tracked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TrackedVisitor)
    }
}

/// Builds values exactly as `serde_json::Value`'s own visitor does.
struct TrackedVisitor;

impl<'de> Visitor<'de> for TrackedVisitor {
    type Value = Tracked;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Tracked, E> {
        Ok(Tracked::plain(Value::Bool(value)))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Tracked, E> {
        Ok(Tracked::plain(Value::Number(value.into())))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Tracked, E> {
        Ok(Tracked::plain(Value::Number(value.into())))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Tracked, E> {
        Ok(Tracked::plain(
            Number::from_f64(value).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_str<E>(self, value: &str) -> Result<Tracked, E> {
        Ok(Tracked::plain(Value::String(value.to_string())))
    }

    fn visit_string<E>(self, value: String) -> Result<Tracked, E> {
        Ok(Tracked::plain(Value::String(value)))
    }

    fn visit_none<E>(self) -> Result<Tracked, E> {
        Ok(Tracked::plain(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Tracked, D::Error> {
        Deserialize::deserialize(deserializer)
    }

    fn visit_unit<E>(self) -> Result<Tracked, E> {
        Ok(Tracked::plain(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Tracked, A::Error> {
        let mut items = Vec::with_capacity(access.size_hint().unwrap_or(0).min(4096));
        let mut duplicate_keys = false;
        while let Some(item) = access.next_element::<Tracked>()? {
            duplicate_keys |= item.duplicate_keys;
            items.push(item.value);
        }
        Ok(Tracked {
            value: Value::Array(items),
            duplicate_keys,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Tracked, A::Error> {
        let mut object = Map::new();
        let mut duplicate_keys = false;
        while let Some(key) = access.next_key::<String>()? {
            let item: Tracked = access.next_value()?;
            duplicate_keys |= item.duplicate_keys;
            duplicate_keys |= object.insert(key, item.value).is_some();
        }
        Ok(Tracked {
            value: Value::Object(object),
            duplicate_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_same_value_as_serde_json() {
        let text = r#"{"a": [1, -2, 2.5, "x", null, true], "b": {"c": {}}}"#;
        let tracked: Tracked = serde_json::from_str(text).unwrap();
        let plain: Value = serde_json::from_str(text).unwrap();
        assert_eq!(tracked.value, plain);
        assert!(!tracked.duplicate_keys);
    }

    #[test]
    fn notes_a_repeated_key_at_any_depth() {
        let tracked: Tracked = serde_json::from_str(r#"{"a": [{"b": 1, "b": 2}]}"#).unwrap();
        assert!(tracked.duplicate_keys);
        assert_eq!(tracked.value, serde_json::json!({"a": [{"b": 2}]}));
    }
}

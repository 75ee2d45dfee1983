//! Which JSON Schema draft a schema is written in, chosen by its `$schema`.

use serde_json::Value;

/// The drafts herald supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Draft {
    /// draft-04.
    Draft4,
    /// draft-06.
    Draft6,
    /// draft-07.
    Draft7,
    /// 2019-09.
    Draft201909,
    /// 2020-12, the default when `$schema` is absent.
    Draft202012,
}

impl Draft {
    /// The `jsonschema` crate's name for this draft.
    pub fn to_jsonschema(self) -> jsonschema::Draft {
        match self {
            Draft::Draft4 => jsonschema::Draft::Draft4,
            Draft::Draft6 => jsonschema::Draft::Draft6,
            Draft::Draft7 => jsonschema::Draft::Draft7,
            Draft::Draft201909 => jsonschema::Draft::Draft201909,
            Draft::Draft202012 => jsonschema::Draft::Draft202012,
        }
    }

    /// The validator of this draft's meta-schema (bundled with the `jsonschema` crate).
    pub fn meta_validator(self) -> jsonschema::meta::MetaValidator<'static> {
        match self {
            Draft::Draft4 => jsonschema::draft4::meta::validator(),
            Draft::Draft6 => jsonschema::draft6::meta::validator(),
            Draft::Draft7 => jsonschema::draft7::meta::validator(),
            Draft::Draft201909 => jsonschema::draft201909::meta::validator(),
            Draft::Draft202012 => jsonschema::draft202012::meta::validator(),
        }
    }

    /// The draft's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Draft::Draft4 => "draft-04",
            Draft::Draft6 => "draft-06",
            Draft::Draft7 => "draft-07",
            Draft::Draft201909 => "2019-09",
            Draft::Draft202012 => "2020-12",
        }
    }
}

/// The draft named by a `$schema` URI, if herald knows it.
pub fn from_uri(uri: &str) -> Option<Draft> {
    let trimmed = uri.trim_end_matches('#');
    let without_scheme = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))?;
    match without_scheme {
        "json-schema.org/draft-04/schema" => Some(Draft::Draft4),
        "json-schema.org/draft-06/schema" => Some(Draft::Draft6),
        "json-schema.org/draft-07/schema" => Some(Draft::Draft7),
        "json-schema.org/draft/2019-09/schema" => Some(Draft::Draft201909),
        "json-schema.org/draft/2020-12/schema" => Some(Draft::Draft202012),
        _ => None,
    }
}

/// Whether `uri` is one of the standard meta-schemas (or their vocabularies), which the
/// `jsonschema` crate bundles, so referring to them needs no network.
pub fn is_bundled_meta_schema(uri: &str) -> bool {
    let trimmed = uri.split('#').next().unwrap_or(uri);
    from_uri(trimmed).is_some()
        || trimmed.starts_with("https://json-schema.org/draft/2019-09/meta/")
        || trimmed.starts_with("https://json-schema.org/draft/2020-12/meta/")
}

/// The draft of `schema`: its `$schema`, or 2020-12 when it has none (or is a boolean).
/// `Err` carries an unknown `$schema` value.
pub fn detect(schema: &Value) -> Result<Draft, String> {
    match schema.get("$schema") {
        None => Ok(Draft::Draft202012),
        Some(Value::String(uri)) => from_uri(uri).ok_or_else(|| uri.clone()),
        Some(other) => Err(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_every_supported_draft() {
        let cases = [
            ("http://json-schema.org/draft-04/schema#", Draft::Draft4),
            ("http://json-schema.org/draft-06/schema#", Draft::Draft6),
            ("http://json-schema.org/draft-07/schema", Draft::Draft7),
            (
                "https://json-schema.org/draft/2019-09/schema",
                Draft::Draft201909,
            ),
            (
                "https://json-schema.org/draft/2020-12/schema",
                Draft::Draft202012,
            ),
        ];
        for (uri, draft) in cases {
            assert_eq!(detect(&json!({"$schema": uri})), Ok(draft), "{uri}");
        }
    }

    #[test]
    fn defaults_to_2020_12_and_rejects_unknown() {
        assert_eq!(detect(&json!({"type": "string"})), Ok(Draft::Draft202012));
        assert_eq!(detect(&json!(true)), Ok(Draft::Draft202012));
        assert_eq!(
            detect(&json!({"$schema": "http://example.com/mine"})),
            Err("http://example.com/mine".to_string())
        );
    }
}

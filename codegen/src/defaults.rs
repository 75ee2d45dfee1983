//! Rust expressions for schema `default`s, so serde fills an absent property the way
//! herald's tolerant semantics promise (`#[serde(default = "…")]`).

use serde_json::Value;

use crate::ir::{Ty, TypeRef};

/// Looks up the `(variant, JSON value)` pairs of a generated string enum.
pub type VariantsOf<'a> = &'a dyn Fn(&TypeRef) -> Option<Vec<(String, String)>>;

/// The expression building `default` as a `ty`, when herald can write one: strings, numbers,
/// booleans and string-enum variants. Other defaults (objects, arrays, formatted strings)
/// leave the field optional; the schema still documents them.
pub fn expression(default: &Value, ty: &Ty, variants_of: VariantsOf<'_>) -> Option<String> {
    match (ty, default) {
        (Ty::String, Value::String(text)) => Some(format!("{}.to_owned()", string_literal(text))),
        (Ty::Bool, Value::Bool(flag)) => Some(flag.to_string()),
        (Ty::Int(width), Value::Number(number)) => {
            let fits = match *width {
                "u8" | "u16" | "u32" | "u64" => number.as_u64().is_some(),
                _ => number.as_i64().is_some(),
            };
            fits.then(|| format!("{number}_{width}"))
        }
        (Ty::Float, Value::Number(number)) => {
            let value = number.as_f64()?;
            value.is_finite().then(|| format!("{value:?}_f64"))
        }
        (Ty::Named(reference), Value::String(text)) => {
            let variants = variants_of(reference)?;
            variants
                .iter()
                .find(|(_, json)| json == text)
                .map(|(ident, _)| format!("{}::{ident}", reference.name))
        }
        _ => None,
    }
}

/// A Rust string literal with every special character escaped.
pub fn string_literal(text: &str) -> String {
    proc_macro2::Literal::string(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_enums(_: &TypeRef) -> Option<Vec<(String, String)>> {
        None
    }

    #[test]
    fn defaults_become_typed_expressions() {
        assert_eq!(
            expression(&json!("EUR"), &Ty::String, &no_enums).as_deref(),
            Some("\"EUR\".to_owned()")
        );
        assert_eq!(
            expression(&json!(5), &Ty::Int("u8"), &no_enums).as_deref(),
            Some("5_u8")
        );
        assert_eq!(expression(&json!(-5), &Ty::Int("u8"), &no_enums), None);
        assert_eq!(
            expression(&json!(2), &Ty::Float, &no_enums).as_deref(),
            Some("2.0_f64")
        );
        assert_eq!(
            expression(&json!("a\"b\n"), &Ty::String, &no_enums).as_deref(),
            Some("\"a\\\"b\\n\".to_owned()")
        );
        assert_eq!(expression(&json!({}), &Ty::Json, &no_enums), None);
    }
}

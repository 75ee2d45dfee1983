//! Every identifier herald derives from catalog names, in one place, so validation (which
//! reports collisions) and codegen (which emits the identifiers) can never disagree.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust's strict and reserved keywords (2024 edition), plus the ones that cannot be raw.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Whether `word` is a Rust keyword.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// The Rust type name for an event, schema or enum variant name: `order-placed` → `OrderPlaced`.
pub fn type_name(name: &str) -> String {
    let cleaned = clean(name);
    let camel = cleaned.to_upper_camel_case();
    finish(camel, "T", "Value")
}

/// The Rust field, module or function name for a property or table: `orderId` → `order_id`.
pub fn field_name(name: &str) -> String {
    let cleaned = clean(name);
    let snake = cleaned.to_snake_case();
    finish(snake, "_", "value")
}

/// Replaces everything that cannot appear in an identifier by a word break.
fn clean(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                ' '
            }
        })
        .collect()
}

/// Makes a converted name a valid, non-keyword identifier.
fn finish(mut ident: String, digit_prefix: &str, empty: &str) -> String {
    if ident.is_empty() {
        ident = empty.to_string();
    }
    if ident.chars().next().is_some_and(|c| c.is_numeric()) {
        ident = format!("{digit_prefix}{ident}");
    }
    if is_keyword(&ident) {
        ident.push('_');
    }
    ident
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_names_to_identifiers() {
        let table = [
            // (catalog name, field name, type name)
            ("order_id", "order_id", "OrderId"),
            ("order-id", "order_id", "OrderId"),
            ("orderId", "order_id", "OrderId"),
            ("OrderPlaced", "order_placed", "OrderPlaced"),
            ("type", "type_", "Type"),
            ("self", "self_", "Self_"),
            ("1st", "_1st", "T1st"),
            ("ünïcode", "ünïcode", "Ünïcode"),
            ("a.b c", "a_b_c", "ABC"),
            ("", "value", "Value"),
            ("$ref", "ref_", "Ref"),
        ];
        for (name, field, ty) in table {
            assert_eq!(field_name(name), field, "field_name({name:?})");
            assert_eq!(type_name(name), ty, "type_name({name:?})");
        }
    }
}

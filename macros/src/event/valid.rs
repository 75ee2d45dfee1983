//! Checks what `#[event]` says against the struct: the required keys are there, the version is
//! a catalog version and the key names a field.

use proc_macro2::Literal;
use syn::ext::IdentExt;
use syn::{Field, Generics, Ident, LitInt, LitStr};

use super::ast::EventInput;
use super::attr::{EventAttr, Slot};
use crate::errors::Errors;
use crate::suggest::did_you_mean;

/// A checked event: everything the expansion needs, nothing left to go wrong but rustc's own
/// checks (the key's type implementing `Display`, serde's traits).
pub(crate) struct ValidEvent<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// The catalog name: `name = "..."`, or the type's name.
    pub(crate) name: LitStr,
    /// The catalog version, as an unsuffixed `u32` literal where it was written.
    pub(crate) version: Literal,
    /// The field holding the event key.
    pub(crate) key: &'a Field,
}

/// Checks `attr` against `input`; `None` after reporting what is wrong.
pub(crate) fn check<'a>(
    input: &EventInput<'a>,
    attr: &EventAttr<'_>,
    errors: &mut Errors,
) -> Option<ValidEvent<'a>> {
    let Some(attribute) = attr.attribute else {
        // Without any attribute, one error says everything that is needed.
        errors.spanned(
            input.ident,
            "`#[derive(Event)]` needs `#[event(version = N, key = \"field\")]` \
             (and optionally `name = \"...\"`, which defaults to the type's name)",
        );
        return None;
    };
    let name = match &attr.name {
        Slot::Given(name) => check_name(name, errors),
        Slot::Absent => Some(LitStr::new(
            &input.ident.unraw().to_string(),
            input.ident.span(),
        )),
        Slot::Invalid => None,
    };
    let version = match &attr.version {
        Slot::Given(version) => check_version(version, errors),
        Slot::Invalid => None,
        Slot::Absent if attr.malformed => None,
        Slot::Absent => {
            errors.spanned(
                attribute,
                "missing `version = N` in `#[event(...)]`: the catalog version this type is",
            );
            None
        }
    };
    let key = match (&attr.key, &input.fields) {
        (Slot::Given(key), Some(fields)) => find_key_field(input.ident, key, fields, errors),
        // Not a struct with named fields (already reported): nothing to look the key up in.
        (Slot::Given(_), None) | (Slot::Invalid, _) => None,
        (Slot::Absent, _) if attr.malformed => None,
        (Slot::Absent, _) => {
            errors.spanned(
                attribute,
                "missing `key = \"field\"` in `#[event(...)]`: the field holding the event key",
            );
            None
        }
    };
    Some(ValidEvent {
        ident: input.ident,
        generics: input.generics,
        name: name?,
        version: version?,
        key: key?,
    })
}

fn check_name(name: &LitStr, errors: &mut Errors) -> Option<LitStr> {
    if name.value().trim().is_empty() {
        errors.spanned(
            name,
            "the event `name` is empty: it is the catalog name, e.g. \"OrderPlaced\"",
        );
        return None;
    }
    Some(name.clone())
}

fn check_version(version: &LitInt, errors: &mut Errors) -> Option<Literal> {
    match version.base10_parse::<u32>() {
        Ok(0) => {
            errors.spanned(version, "catalog versions start at 1");
            None
        }
        Ok(number) => {
            let mut literal = Literal::u32_unsuffixed(number);
            literal.set_span(version.span());
            Some(literal)
        }
        Err(error) => {
            errors.spanned(version, format!("`version` must be a `u32`: {error}"));
            None
        }
    }
}

fn find_key_field<'a>(
    ident: &Ident,
    key: &LitStr,
    fields: &[&'a Field],
    errors: &mut Errors,
) -> Option<&'a Field> {
    let wanted = key.value();
    let names: Vec<String> = fields
        .iter()
        .filter_map(|field| field.ident.as_ref())
        .map(|name| name.unraw().to_string())
        .collect();
    if let Some(index) = names.iter().position(|name| *name == wanted) {
        return fields.get(index).copied();
    }
    let hint = match did_you_mean(&wanted, names.iter().map(String::as_str)).as_str() {
        "" if names.is_empty() => "; it has no fields".to_owned(),
        "" => format!(
            "; its fields are {}",
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        suggestion => suggestion.to_owned(),
    };
    errors.spanned(key, format!("`{ident}` has no field `{wanted}`{hint}"));
    None
}

//! Reads `#[event(name = "...", version = N, key = "field")]`, reporting unknown and repeated
//! keys where they are written and carrying on, so every mistake shows in one compile.

use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::parse::Parse;
use syn::{Attribute, LitInt, LitStr, Token};

use crate::errors::Errors;
use crate::suggest::did_you_mean;

/// The keys `#[event]` takes.
const KEYS: [&str; 3] = ["name", "version", "key"];

/// One key's value as written (for spans).
pub(crate) enum Slot<T> {
    /// Not written.
    Absent,
    /// Written with a value of the wrong kind (already reported).
    Invalid,
    /// Written.
    Given(T),
}

/// What the `#[event]` attributes say.
pub(crate) struct EventAttr<'a> {
    /// The first `#[event]` attribute: where a missing key is reported.
    pub(crate) attribute: Option<&'a Attribute>,
    pub(crate) name: Slot<LitStr>,
    pub(crate) version: Slot<LitInt>,
    pub(crate) key: Slot<LitStr>,
    /// An attribute did not parse to its end (already reported): keys after the mistake were
    /// not read, so none is reported missing.
    pub(crate) malformed: bool,
}

impl<'a> EventAttr<'a> {
    /// Reads every `#[event]` attribute of the input; keys may be split across several.
    pub(crate) fn from_attrs(attrs: &'a [Attribute], errors: &mut Errors) -> EventAttr<'a> {
        let mut event = EventAttr {
            attribute: None,
            name: Slot::Absent,
            version: Slot::Absent,
            key: Slot::Absent,
            malformed: false,
        };
        for attribute in attrs.iter().filter(|attr| attr.path().is_ident("event")) {
            event.attribute.get_or_insert(attribute);
            let parsed = attribute.parse_nested_meta(|meta| event.read_key(&meta, errors));
            if let Err(error) = parsed {
                errors.push(error);
                event.malformed = true;
            }
        }
        event
    }

    fn read_key(&mut self, meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<()> {
        let path = &meta.path;
        if path.is_ident("name") {
            let value = parse_value(meta, errors)?;
            set_once(&mut self.name, value, path, errors);
        } else if path.is_ident("version") {
            let value = parse_value(meta, errors)?;
            set_once(&mut self.version, value, path, errors);
        } else if path.is_ident("key") {
            let value = parse_value(meta, errors)?;
            set_once(&mut self.key, value, path, errors);
        } else {
            let typed = quote::quote!(#path).to_string().replace(' ', "");
            errors.spanned(
                path,
                format!(
                    "unknown `#[event]` key `{typed}`: expected `name`, `version` or `key`{}",
                    did_you_mean(&typed, KEYS)
                ),
            );
            skip_value(meta)?;
        }
        Ok(())
    }
}

/// Reads `= value` as a `T`. A value of another kind (`version = "2"`) is reported on the
/// value and read as [`Slot::Invalid`], so the key does not also count as missing and parsing
/// goes on.
fn parse_value<T: Parse>(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Slot<T>> {
    let value: syn::Expr = meta.value()?.parse()?;
    match syn::parse2(value.to_token_stream()) {
        Ok(value) => Ok(Slot::Given(value)),
        Err(error) => {
            errors.push(error);
            Ok(Slot::Invalid)
        }
    }
}

/// Stores the first value of a key; a second one is an error on the repeated key.
fn set_once<T>(slot: &mut Slot<T>, value: Slot<T>, path: &syn::Path, errors: &mut Errors) {
    if let Slot::Absent = slot {
        *slot = value;
    } else {
        let key = quote::quote!(#path);
        errors.spanned(path, format!("duplicate `{key}`: `#[event]` takes it once"));
    }
}

/// Consumes whatever follows an unknown key (`= value` or `(...)`), so parsing goes on to the
/// keys after it.
fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

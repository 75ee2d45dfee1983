//! The shape `#[derive(Event)]` accepts: a struct with named fields, since `key` names one.

use quote::quote;
use syn::{Data, DeriveInput, Field, Fields, Generics, Ident};

use crate::errors::Errors;

/// The parts of the input the derive reads.
pub(crate) struct EventInput<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// The named fields; `None` when the input is not such a struct (already reported).
    pub(crate) fields: Option<Vec<&'a Field>>,
}

impl<'a> EventInput<'a> {
    /// Reads the input, reporting an input that is not a struct with named fields on its
    /// keyword and name.
    pub(crate) fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> EventInput<'a> {
        let ident = &input.ident;
        let fields = match &input.data {
            Data::Struct(data) => {
                let struct_token = data.struct_token;
                match &data.fields {
                    Fields::Named(named) => Some(named.named.iter().collect()),
                    Fields::Unnamed(unnamed) => {
                        errors.spanned(
                            quote!(#struct_token #ident #unnamed),
                            "`#[derive(Event)]` needs named fields, not a tuple struct: \
                         `key` names the field that holds the event key",
                        );
                        None
                    }
                    Fields::Unit => {
                        errors.spanned(
                            quote!(#struct_token #ident),
                            "`#[derive(Event)]` needs named fields, not a unit struct: \
                         `key` names the field that holds the event key",
                        );
                        None
                    }
                }
            }
            Data::Enum(data) => {
                let enum_token = data.enum_token;
                errors.spanned(
                    quote!(#enum_token #ident),
                    "`#[derive(Event)]` works on structs with named fields, not enums: \
                     one type is one version of one event",
                );
                None
            }
            Data::Union(data) => {
                let union_token = data.union_token;
                errors.spanned(
                    quote!(#union_token #ident),
                    "`#[derive(Event)]` works on structs with named fields, not unions",
                );
                None
            }
        };
        EventInput {
            ident,
            generics: &input.generics,
            fields,
        }
    }
}

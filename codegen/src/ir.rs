//! The generated types as data: what `convert` builds from the schemas and the templates
//! render. Type expressions are rendered here, relative to the module that uses them.

use std::collections::BTreeSet;

/// Where a generated item lives: module path from the generated root, and its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeRef {
    /// Module path, e.g. `["events", "order_placed"]` or `["shared"]`.
    pub module: Vec<String>,
    /// The type's identifier.
    pub name: String,
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// An integer type chosen from the schema's bounds (`u8` … `i64`).
    Int(&'static str),
    /// `f64`.
    Float,
    /// Any JSON value (`serde_json::Value`).
    Json,
    /// `format: uuid`: `support::Uuid` (`uuid::Uuid` with the `uuid` feature, else `String`).
    Uuid,
    /// `format: date-time`: `support::DateTime` (`time::OffsetDateTime` with the `time`
    /// feature, else `String`).
    DateTime,
    /// A generated type.
    Named(TypeRef),
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>` (ordered, so re-encoding is deterministic).
    Map(Box<Ty>),
    /// `Option<T>`.
    Option(Box<Ty>),
    /// `Box<T>`: breaks a recursive type.
    Boxed(Box<Ty>),
}

impl Ty {
    /// The expression as written in module `from`; the top-level modules it names are added to
    /// `imports`.
    pub fn render(&self, from: &[String], imports: &mut BTreeSet<String>) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::Bool => "bool".into(),
            Ty::Int(name) => (*name).into(),
            Ty::Float => "f64".into(),
            Ty::Json => "serde_json::Value".into(),
            Ty::Uuid => support_path(from, "Uuid", imports),
            Ty::DateTime => support_path(from, "DateTime", imports),
            Ty::Named(reference) => reference.render(from, imports),
            Ty::Vec(inner) => format!("Vec<{}>", inner.render(from, imports)),
            Ty::Map(inner) => format!(
                "std::collections::BTreeMap<String, {}>",
                inner.render(from, imports)
            ),
            Ty::Option(inner) => format!("Option<{}>", inner.render(from, imports)),
            Ty::Boxed(inner) => format!("Box<{}>", inner.render(from, imports)),
        }
    }

    /// Whether the type is `Option<_>`.
    pub fn is_option(&self) -> bool {
        matches!(self, Ty::Option(_))
    }
}

fn support_path(from: &[String], name: &str, imports: &mut BTreeSet<String>) -> String {
    TypeRef {
        module: vec!["support".into()],
        name: name.into(),
    }
    .render(from, imports)
}

impl TypeRef {
    /// The path as written in module `from`.
    pub fn render(&self, from: &[String], imports: &mut BTreeSet<String>) -> String {
        if self.module == from {
            return self.name.clone();
        }
        if let Some(top) = self.module.first() {
            imports.insert(top.clone());
        }
        format!("{}::{}", self.module.join("::"), self.name)
    }
}

/// The `use` lines importing top-level generated modules into a module at `from`.
pub fn render_imports(from: &[String], imports: &BTreeSet<String>) -> String {
    let up = "super::".repeat(from.len());
    imports
        .iter()
        .map(|top| format!("use {up}{top};\n"))
        .collect()
}

/// How a field is filled when the payload leaves it out.
#[derive(Debug, Clone, PartialEq)]
pub enum Presence {
    /// Must be present (a nullable one is `Option` but still required).
    Required,
    /// May be absent: `Option`, left out when `None`.
    Optional,
    /// Absent means the schema's `default`: the expression building it.
    Defaulted(String),
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Rust identifier.
    pub ident: String,
    /// The property name in JSON.
    pub json_name: String,
    /// The field's type.
    pub ty: Ty,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// How absence is handled.
    pub presence: Presence,
}

/// A generated struct for an object schema.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// The type's identifier.
    pub name: String,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// The declared properties.
    pub fields: Vec<Field>,
    /// `additionalProperties` with a schema: the type of the flattened map's values.
    pub extra: Option<Ty>,
}

/// A string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct StringEnumDef {
    /// The type's identifier.
    pub name: String,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// `(variant identifier, JSON string)`.
    pub variants: Vec<(String, String)>,
}

/// `oneOf`/`anyOf` as an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionDef {
    /// The type's identifier.
    pub name: String,
    /// Documentation lines.
    pub doc: Vec<String>,
    /// The discriminating property, when every branch fixes it with a `const`.
    pub tag: Option<String>,
    /// `(variant identifier, tag value when tagged, content type)`.
    pub variants: Vec<(String, Option<String>, Ty)>,
}

/// One generated type.
#[derive(Debug, Clone, PartialEq)]
pub enum Definition {
    /// An object.
    Struct(StructDef),
    /// A string enum.
    StringEnum(StringEnumDef),
    /// A union.
    Union(UnionDef),
    /// A name for another type (`pub type OrderId = support::Uuid;`): a shared `$ref` target
    /// that is not an object, enum or union.
    Alias {
        /// The alias's identifier.
        name: String,
        /// Documentation lines.
        doc: Vec<String>,
        /// The type it names.
        ty: Ty,
    },
}

impl Definition {
    /// The type's identifier.
    pub fn name(&self) -> &str {
        match self {
            Definition::Struct(def) => &def.name,
            Definition::StringEnum(def) => &def.name,
            Definition::Union(def) => &def.name,
            Definition::Alias { name, .. } => name,
        }
    }
}

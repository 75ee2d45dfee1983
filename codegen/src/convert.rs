//! Payload schemas → generated types ([`Definition`]s grouped by module).
//!
//! Faithful where serde can be: integer widths from bounds, `Option` exactly where a property
//! may be absent or null, `default`s filled on decode, string enums, tagged and untagged
//! unions, shared types for `$ref` targets (identified by where they live, never by `title`),
//! `Box` where a type contains itself. Whatever a Rust type cannot express (patterns, lengths,
//! bounds) is left to the schema validator, so a type is never stricter than its schema.

use std::collections::{BTreeSet, HashMap};

use herald_core::names::type_name;
use herald_core::schema::refs::{NodeRef, SchemaStore};
use herald_core::source::pointer_join;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::doc::doc_lines;
use crate::ident::{Case, Scope};
use crate::ir::{Definition, Field, Presence, StringEnumDef, StructDef, Ty, TypeRef, UnionDef};

/// The module shared `$ref` targets (outside event files) go to.
pub const SHARED_MODULE: &str = "shared";

/// A definition slot: reserved when the name is taken, filled once converted, so parents are
/// listed before the types they contain.
type Slot = Option<Definition>;

/// Converts schemas into definitions.
pub struct Converter<'s> {
    store: &'s SchemaStore,
    /// The struct of each event version, by its payload document.
    roots: HashMap<String, TypeRef>,
    modules: IndexMap<Vec<String>, Vec<Slot>>,
    scopes: HashMap<Vec<String>, Scope>,
    named: HashMap<NodeRef, Ty>,
    /// Types whose definitions are aliases (`pub type X = …;`), by reference.
    aliases: Vec<(Vec<String>, String, Vec<String>, Ty)>,
}

/// How the type created for a schema is named.
#[derive(Clone)]
enum Name {
    /// A fresh identifier derived from this hint.
    Hint(String),
    /// This identifier, already reserved in the module.
    Reserved(String),
}

impl Name {
    fn text(&self) -> &str {
        match self {
            Name::Hint(text) | Name::Reserved(text) => text,
        }
    }
}

/// What went wrong converting one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    /// The node.
    pub node: NodeRef,
    /// Why.
    pub reason: String,
}

impl<'s> Converter<'s> {
    /// A converter for `store`, with the version structs reserved under their names.
    pub fn new(store: &'s SchemaStore, roots: &[(String, TypeRef)]) -> Self {
        let mut converter = Converter {
            store,
            roots: HashMap::new(),
            modules: IndexMap::new(),
            scopes: HashMap::new(),
            named: HashMap::new(),
            aliases: Vec::new(),
        };
        for (doc, root) in roots {
            converter
                .scope(&root.module)
                .allocate_all(&[root.name.as_str()]);
            converter.roots.insert(doc.clone(), root.clone());
        }
        converter
    }

    /// Converts one event version's payload into its struct (or union).
    pub fn convert_root(&mut self, doc: &str, description: &str) -> Result<(), Unsupported> {
        let Some(root) = self.roots.get(doc).cloned() else {
            return Ok(());
        };
        let node = NodeRef {
            doc: doc.to_string(),
            pointer: String::new(),
        };
        let before = self.modules.get(&root.module).map_or(0, Vec::len);
        let ty = self.ty_of(&node, &root.module, Name::Reserved(root.name.clone()));
        if ty != Ty::Named(root.clone()) {
            return Err(Unsupported {
                node,
                reason: "an event payload must be an object (or a `oneOf` of objects)".into(),
            });
        }
        // The version's description documents its struct.
        if let Some(slot) = self
            .modules
            .get_mut(&root.module)
            .and_then(|slots| slots.get_mut(before))
            && let Some(Definition::Struct(def)) = slot
        {
            def.doc = doc_lines(Some(description));
        }
        Ok(())
    }

    /// Every module's definitions, in declaration order, with recursive fields boxed.
    pub fn finish(self) -> IndexMap<Vec<String>, Vec<Definition>> {
        let mut modules: IndexMap<Vec<String>, Vec<Definition>> = self
            .modules
            .into_iter()
            .map(|(module, slots)| (module, slots.into_iter().flatten().collect()))
            .collect();
        for (module, name, doc, ty) in self.aliases {
            modules
                .entry(module)
                .or_default()
                .push(Definition::Alias { name, doc, ty });
        }
        crate::boxing::box_recursive_fields(&mut modules);
        modules
    }

    fn scope(&mut self, module: &[String]) -> &mut Scope {
        self.scopes
            .entry(module.to_vec())
            .or_insert_with(|| Scope::new(Case::Camel, &["Latest"]))
    }

    fn claim(&mut self, module: &[String], name: &Name) -> (String, usize) {
        let ident = match name {
            Name::Reserved(ident) => ident.clone(),
            Name::Hint(hint) => self.scope(module).allocate(hint),
        };
        let slots = self.modules.entry(module.to_vec()).or_default();
        slots.push(None);
        (ident, slots.len() - 1)
    }

    fn fill(&mut self, module: &[String], at: usize, definition: Definition) {
        if let Some(slot) = self
            .modules
            .get_mut(module)
            .and_then(|slots| slots.get_mut(at))
        {
            *slot = Some(definition);
        }
    }

    fn node_value(&self, node: &NodeRef) -> Value {
        self.store.node(node).cloned().unwrap_or(Value::Bool(true))
    }

    /// The type for the schema at `node`.
    fn ty_of(&mut self, node: &NodeRef, module: &[String], name: Name) -> Ty {
        let Value::Object(schema) = self.node_value(node) else {
            return Ty::Json;
        };
        if schema.contains_key("$ref") {
            return match self.store.target(node).cloned() {
                Some(target) => self.named_ref(&target),
                None => Ty::Json,
            };
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(keyword) {
                return self.union(node, keyword, branches.len(), module, name);
            }
        }
        if let Some(Value::Array(parts)) = schema.get("allOf") {
            let parts: Vec<NodeRef> = (0..parts.len())
                .map(|at| child(node, &format!("allOf/{at}")))
                .collect();
            if parts.len() == 1 {
                return self.ty_of(&parts[0], module, name);
            }
            let mut objects = vec![node.clone()];
            for part in parts {
                objects.push(self.follow(&part));
            }
            return self.object(&objects, module, name, &schema);
        }
        let (types, nullable) = instance_types(&schema);
        let base = if let Some(Value::Array(values)) = schema.get("enum") {
            self.enumeration(values, module, name, &schema)
        } else if types.len() > 1 {
            Ty::Json
        } else {
            match types.first().map(String::as_str) {
                Some("string") => string_type(&schema),
                Some("integer") => Ty::Int(integer_type(&schema)),
                Some("number") => Ty::Float,
                Some("boolean") => Ty::Bool,
                Some("array") => self.array(node, &schema, module, &name),
                Some("object") => self.object(std::slice::from_ref(node), module, name, &schema),
                Some(_) => Ty::Json,
                None if schema.contains_key("properties") => {
                    self.object(std::slice::from_ref(node), module, name, &schema)
                }
                None if schema.contains_key("items") => self.array(node, &schema, module, &name),
                None => Ty::Json,
            }
        };
        if nullable && !base.is_option() {
            Ty::Option(Box::new(base))
        } else {
            base
        }
    }

    /// Follows a `$ref` node to its target (for merging `allOf` parts).
    fn follow(&self, node: &NodeRef) -> NodeRef {
        let mut current = node.clone();
        for _ in 0..32 {
            let has_ref = matches!(self.store.node(&current), Some(Value::Object(map)) if map.contains_key("$ref"));
            match self.store.target(&current) {
                Some(target) if has_ref => current = target.clone(),
                _ => break,
            }
        }
        current
    }

    /// A `$ref` target: one named type per target node, shared by every reference.
    fn named_ref(&mut self, target: &NodeRef) -> Ty {
        if target.pointer.is_empty()
            && let Some(root) = self.roots.get(&target.doc)
        {
            return Ty::Named(root.clone());
        }
        if let Some(ty) = self.named.get(target) {
            return ty.clone();
        }
        let last = target
            .pointer
            .rsplit('/')
            .next()
            .filter(|token| !token.is_empty())
            .map(|token| token.replace("~1", "/").replace("~0", "~"));
        let (module, hint) = match self.event_module_of(&target.doc) {
            Some((module, root_name)) => (
                module,
                format!(
                    "{root_name}{}",
                    type_name(last.as_deref().unwrap_or("Root"))
                ),
            ),
            None => {
                let stem = target
                    .doc
                    .rsplit('/')
                    .next()
                    .and_then(|file| file.split('.').next())
                    .unwrap_or("Shared")
                    .to_string();
                (
                    vec![SHARED_MODULE.to_string()],
                    type_name(last.as_deref().unwrap_or(&stem)),
                )
            }
        };
        let ident = self.scope(&module).allocate(&hint);
        let reference = TypeRef {
            module: module.clone(),
            name: ident.clone(),
        };
        self.named
            .insert(target.clone(), Ty::Named(reference.clone()));
        let slots_before = self.modules.get(&module).map_or(0, Vec::len);
        let ty = self.ty_of(target, &module, Name::Reserved(ident.clone()));
        let created = self
            .modules
            .get(&module)
            .and_then(|slots| slots.get(slots_before))
            .and_then(|slot| slot.as_ref())
            .is_some_and(|def| def.name() == ident);
        if ty == Ty::Named(reference.clone()) || created {
            if ty != Ty::Named(reference.clone()) {
                self.named.insert(target.clone(), ty.clone());
            }
            return ty;
        }
        let description = self
            .node_value(target)
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.aliases
            .push((module, ident, doc_lines(description.as_deref()), ty.clone()));
        Ty::Named(reference)
    }

    fn event_module_of(&self, doc: &str) -> Option<(Vec<String>, String)> {
        let root = self.roots.get(doc)?;
        Some((root.module.clone(), root.name.clone()))
    }

    fn array(
        &mut self,
        node: &NodeRef,
        schema: &Map<String, Value>,
        module: &[String],
        name: &Name,
    ) -> Ty {
        match schema.get("items") {
            // Array-form `items` (a tuple before 2020-12) and `prefixItems` keep their
            // elements as JSON: the validator checks each position.
            Some(Value::Object(_)) if !schema.contains_key("prefixItems") => {
                let item = self.ty_of(
                    &child(node, "items"),
                    module,
                    Name::Hint(singular(name.text())),
                );
                Ty::Vec(Box::new(item))
            }
            _ => Ty::Vec(Box::new(Ty::Json)),
        }
    }

    fn enumeration(
        &mut self,
        values: &[Value],
        module: &[String],
        name: Name,
        schema: &Map<String, Value>,
    ) -> Ty {
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let has_null = values.iter().any(Value::is_null);
        if strings.is_empty() || strings.len() + usize::from(has_null) != values.len() {
            return Ty::Json;
        }
        let (ident, at) = self.claim(module, &name);
        let mut scope = Scope::new(Case::Camel, &[]);
        let variants = scope
            .allocate_all(&strings)
            .into_iter()
            .zip(strings.iter().map(|value| (*value).to_string()))
            .collect();
        let description = schema.get("description").and_then(Value::as_str);
        self.fill(
            module,
            at,
            Definition::StringEnum(StringEnumDef {
                name: ident.clone(),
                doc: doc_lines(description),
                variants,
            }),
        );
        let ty = Ty::Named(TypeRef {
            module: module.to_vec(),
            name: ident,
        });
        if has_null {
            Ty::Option(Box::new(ty))
        } else {
            ty
        }
    }

    fn union(
        &mut self,
        node: &NodeRef,
        keyword: &str,
        count: usize,
        module: &[String],
        name: Name,
    ) -> Ty {
        let branches: Vec<NodeRef> = (0..count)
            .map(|at| child(node, &format!("{keyword}/{at}")))
            .collect();
        let (nulls, others): (Vec<NodeRef>, Vec<NodeRef>) = branches
            .into_iter()
            .partition(|branch| is_null_schema(&self.node_value(&self.follow(branch))));
        if others.is_empty() {
            return Ty::Json;
        }
        if others.len() == 1 {
            let inner = self.ty_of(&others[0], module, name);
            return if nulls.is_empty() || inner.is_option() {
                inner
            } else {
                Ty::Option(Box::new(inner))
            };
        }
        let schema = self.node_value(node);
        let description = schema.get("description").and_then(Value::as_str);
        let (ident, at) = self.claim(module, &name);
        let tag = self.discriminator(&others);
        let mut scope = Scope::new(Case::Camel, &[]);
        let mut variants = Vec::new();
        for (index, branch) in others.iter().enumerate() {
            let target = self.follow(branch);
            let value = self.node_value(&target);
            let tag_value = tag.as_ref().and_then(|tag| const_of(&value, tag));
            let label = match (&tag_value, branch_label(&value, &target)) {
                (Some(tag_value), _) => tag_value.clone(),
                (None, Some(label)) => label,
                (None, None) => format!("Variant{index}"),
            };
            let variant = scope.allocate(&label);
            let hint = Name::Hint(format!("{ident}{variant}"));
            let content = self.ty_of(branch, module, hint);
            variants.push((variant, tag_value, content));
        }
        self.fill(
            module,
            at,
            Definition::Union(UnionDef {
                name: ident.clone(),
                doc: doc_lines(description),
                tag,
                variants,
            }),
        );
        let ty = Ty::Named(TypeRef {
            module: module.to_vec(),
            name: ident,
        });
        if nulls.is_empty() {
            ty
        } else {
            Ty::Option(Box::new(ty))
        }
    }

    /// The property every branch requires with a distinct string `const`, if there is one.
    fn discriminator(&self, branches: &[NodeRef]) -> Option<String> {
        let schemas: Vec<Value> = branches
            .iter()
            .map(|branch| self.node_value(&self.follow(branch)))
            .collect();
        let first = schemas.first()?;
        let candidates = first.get("properties")?.as_object()?.keys();
        'candidates: for candidate in candidates {
            let mut seen = BTreeSet::new();
            for schema in &schemas {
                let required = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|names| names.iter().any(|name| name == candidate.as_str()));
                match const_of(schema, candidate) {
                    Some(value) if required && !seen.contains(&value) => {
                        seen.insert(value);
                    }
                    _ => continue 'candidates,
                }
            }
            return Some(candidate.clone());
        }
        None
    }

    /// An object schema made of `parts` (one, or an `allOf`'s parts merged).
    fn object(
        &mut self,
        parts: &[NodeRef],
        module: &[String],
        name: Name,
        schema: &Map<String, Value>,
    ) -> Ty {
        let mut properties: IndexMap<String, NodeRef> = IndexMap::new();
        let mut required: BTreeSet<String> = BTreeSet::new();
        let mut extra_node = None;
        for part in parts {
            let Value::Object(part_schema) = self.node_value(part) else {
                continue;
            };
            if let Some(Value::Object(props)) = part_schema.get("properties") {
                for key in props.keys() {
                    properties
                        .entry(key.clone())
                        .or_insert_with(|| child(part, &format!("properties/{}", escape(key))));
                }
            }
            if let Some(Value::Array(names)) = part_schema.get("required") {
                required.extend(names.iter().filter_map(Value::as_str).map(str::to_string));
            }
            if let Some(Value::Object(_)) = part_schema.get("additionalProperties") {
                extra_node.get_or_insert_with(|| child(part, "additionalProperties"));
            }
        }
        if properties.is_empty() {
            let values = match extra_node {
                Some(extra) => {
                    self.ty_of(&extra, module, Name::Hint(format!("{}Value", name.text())))
                }
                None => Ty::Json,
            };
            return Ty::Map(Box::new(values));
        }
        let (ident, at) = self.claim(module, &name);
        let names: Vec<&str> = properties.keys().map(String::as_str).collect();
        let idents = Scope::new(Case::Snake, &[]).allocate_all(&names);
        let mut fields = Vec::new();
        for ((json_name, property), field_ident) in properties.iter().zip(idents) {
            let hint = Name::Hint(format!("{ident}{}", type_name(json_name)));
            let ty = self.ty_of(property, module, hint);
            let value = self.node_value(property);
            let description = value
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    self.node_value(&self.follow(property))
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
            let modules = &self.modules;
            let variants_of = |reference: &TypeRef| {
                modules
                    .get(&reference.module)?
                    .iter()
                    .flatten()
                    .find_map(|definition| match definition {
                        Definition::StringEnum(def) if def.name == reference.name => {
                            Some(def.variants.clone())
                        }
                        _ => None,
                    })
            };
            let default = value
                .get("default")
                .and_then(|default| crate::defaults::expression(default, &ty, &variants_of));
            let is_required = required.contains(json_name);
            let (ty, presence) = match default {
                Some(expression) => (ty, Presence::Defaulted(expression)),
                None if is_required => (ty, Presence::Required),
                None if ty.is_option() => (ty, Presence::Optional),
                None => (Ty::Option(Box::new(ty)), Presence::Optional),
            };
            fields.push(Field {
                ident: field_ident,
                json_name: json_name.clone(),
                ty,
                doc: doc_lines(description.as_deref()),
                presence,
            });
        }
        let extra =
            extra_node.map(|node| self.ty_of(&node, module, Name::Hint(format!("{ident}Extra"))));
        let description = schema.get("description").and_then(Value::as_str);
        self.fill(
            module,
            at,
            Definition::Struct(StructDef {
                name: ident.clone(),
                doc: doc_lines(description),
                fields,
                extra,
            }),
        );
        Ty::Named(TypeRef {
            module: module.to_vec(),
            name: ident,
        })
    }
}

fn child(node: &NodeRef, path: &str) -> NodeRef {
    NodeRef {
        doc: node.doc.clone(),
        pointer: format!("{}/{}", node.pointer, path),
    }
}

fn escape(token: &str) -> String {
    pointer_join("", token)[1..].to_string()
}

/// The instance types a schema allows besides `null`, and whether it allows `null`.
fn instance_types(schema: &Map<String, Value>) -> (Vec<String>, bool) {
    let mut types: Vec<String> = match schema.get("type") {
        Some(Value::String(name)) => vec![name.clone()],
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let nullable = types.iter().any(|name| name == "null")
        || schema.get("nullable") == Some(&Value::Bool(true));
    types.retain(|name| name != "null");
    // `integer` inside `number` is just a number.
    if types.len() == 2 && types.contains(&"integer".into()) && types.contains(&"number".into()) {
        types = vec!["number".into()];
    }
    (types, nullable)
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type") == Some(&Value::String("null".into()))
        || schema.get("const") == Some(&Value::Null)
}

fn string_type(schema: &Map<String, Value>) -> Ty {
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => Ty::Uuid,
        Some("date-time") => Ty::DateTime,
        _ => Ty::String,
    }
}

/// The narrowest integer type holding every value the bounds allow; `i64` without bounds and
/// `u64` for a non-negative range without a maximum.
pub fn integer_type(schema: &Map<String, Value>) -> &'static str {
    let bound = |inclusive: &str, exclusive: &str, step: f64| {
        let plain = schema.get(inclusive).and_then(Value::as_f64);
        let strict = schema
            .get(exclusive)
            .and_then(Value::as_f64)
            .map(|value| value + step);
        match (plain, strict) {
            (Some(a), Some(b)) => Some(if step > 0.0 { a.max(b) } else { a.min(b) }),
            (a, b) => a.or(b),
        }
    };
    let min = bound("minimum", "exclusiveMinimum", 1.0);
    let max = bound("maximum", "exclusiveMaximum", -1.0);
    match (min, max) {
        (Some(min), max) if min >= 0.0 => match max {
            Some(max) if max <= f64::from(u8::MAX) => "u8",
            Some(max) if max <= f64::from(u16::MAX) => "u16",
            Some(max) if max <= f64::from(u32::MAX) => "u32",
            _ => "u64",
        },
        (Some(min), Some(max)) if min >= f64::from(i8::MIN) && max <= f64::from(i8::MAX) => "i8",
        (Some(min), Some(max)) if min >= f64::from(i16::MIN) && max <= f64::from(i16::MAX) => "i16",
        (Some(min), Some(max)) if min >= f64::from(i32::MIN) && max <= f64::from(i32::MAX) => "i32",
        _ => "i64",
    }
}

fn const_of(schema: &Value, property: &str) -> Option<String> {
    let property = schema.get("properties")?.get(property)?;
    property
        .get("const")
        .and_then(Value::as_str)
        .or_else(|| match property.get("enum").and_then(Value::as_array) {
            Some(values) if values.len() == 1 => values[0].as_str(),
            _ => None,
        })
        .map(str::to_string)
}

/// A variant name for an untagged branch: the referenced type's name, its title, or its type.
fn branch_label(schema: &Value, target: &NodeRef) -> Option<String> {
    if let Some(title) = schema.get("title").and_then(Value::as_str) {
        return Some(title.to_string());
    }
    if !target.pointer.is_empty()
        && let Some(last) = target.pointer.rsplit('/').next()
        && last.parse::<usize>().is_err()
    {
        return Some(last.to_string());
    }
    match schema.get("type") {
        Some(Value::String(name)) => Some(match schema.get("format").and_then(Value::as_str) {
            Some(format) => format.to_string(),
            None => name.clone(),
        }),
        _ => None,
    }
}

/// The name of one element of a plural: `lines` → `Line`, `entries` → `Entry`.
fn singular(plural: &str) -> String {
    if let Some(stem) = plural.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if plural.ends_with("ss") || plural.ends_with("us") || plural.ends_with("ses") {
        return format!("{plural}Item");
    }
    match plural.strip_suffix('s') {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ => format!("{plural}Item"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn int(schema: Value) -> &'static str {
        integer_type(schema.as_object().unwrap())
    }

    #[test]
    fn integer_widths_follow_the_bounds() {
        assert_eq!(int(json!({})), "i64");
        assert_eq!(int(json!({"minimum": 0})), "u64");
        assert_eq!(int(json!({"minimum": 1, "maximum": 100})), "u8");
        assert_eq!(int(json!({"minimum": 0, "maximum": 65535})), "u16");
        assert_eq!(int(json!({"minimum": 0, "exclusiveMaximum": 65536})), "u16");
        assert_eq!(int(json!({"minimum": 0, "maximum": 4294967295u64})), "u32");
        assert_eq!(int(json!({"minimum": -128, "maximum": 127})), "i8");
        assert_eq!(int(json!({"minimum": -129, "maximum": 127})), "i16");
        assert_eq!(int(json!({"minimum": -5})), "i64");
        assert_eq!(int(json!({"exclusiveMinimum": -1, "maximum": 10})), "u8");
    }

    #[test]
    fn array_items_get_singular_names() {
        assert_eq!(singular("OrderPlacedV1Lines"), "OrderPlacedV1Line");
        assert_eq!(singular("Entries"), "Entry");
        assert_eq!(singular("Addresses"), "AddressesItem");
        assert_eq!(singular("Status"), "StatusItem");
    }
}

//! JSON pointers of the catalog (event keys, replica rules) → Rust field paths through the
//! generated structs.

use indexmap::IndexMap;

use crate::ir::{Definition, StructDef, Ty, TypeRef};

/// One field on the way.
#[derive(Debug, Clone)]
pub struct Step {
    /// The field's identifier.
    pub ident: String,
    /// The field's type.
    pub ty: Ty,
}

/// The generated definitions, for looking types up.
pub struct Types<'d> {
    modules: &'d IndexMap<Vec<String>, Vec<Definition>>,
}

impl<'d> Types<'d> {
    /// Wraps the converter's output.
    pub fn new(modules: &'d IndexMap<Vec<String>, Vec<Definition>>) -> Self {
        Types { modules }
    }

    /// The definition a reference names.
    pub fn find(&self, reference: &TypeRef) -> Option<&'d Definition> {
        self.modules
            .get(&reference.module)?
            .iter()
            .find(|definition| definition.name() == reference.name)
    }

    fn structure(&self, ty: &Ty) -> Option<&'d StructDef> {
        match ty {
            Ty::Named(reference) => match self.find(reference)? {
                Definition::Struct(def) => Some(def),
                Definition::Alias { ty, .. } => self.structure(ty),
                _ => None,
            },
            Ty::Boxed(inner) | Ty::Option(inner) => self.structure(inner),
            _ => None,
        }
    }

    /// The fields `pointer` walks through, starting at a value of type `start`.
    pub fn walk(&self, start: &Ty, pointer: &str) -> Option<Vec<Step>> {
        let mut steps = Vec::new();
        let mut current = start.clone();
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            let def = self.structure(&current)?;
            let field = def.fields.iter().find(|field| field.json_name == token)?;
            steps.push(Step {
                ident: field.ident.clone(),
                ty: field.ty.clone(),
            });
            current = field.ty.clone();
        }
        Some(steps)
    }
}

/// `base.a.b` for steps that never pass through an `Option` before the last one; `None`
/// otherwise.
pub fn plain_path(base: &str, steps: &[Step]) -> Option<String> {
    let (_, before_last) = steps.split_last()?;
    if before_last.iter().any(|step| step.ty.is_option()) {
        return None;
    }
    Some(
        std::iter::once(base.to_string())
            .chain(steps.iter().map(|step| step.ident.clone()))
            .collect::<Vec<_>>()
            .join("."),
    )
}

//! Recursive types need indirection: a field whose type contains the struct again (directly,
//! or through `Option`, other structs or unions, but not through `Vec` or a map, which are
//! already heap-allocated) is boxed.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;

use crate::ir::{Definition, Ty, TypeRef};

/// Boxes every field and variant that leads back to its own type.
pub fn box_recursive_fields(modules: &mut IndexMap<Vec<String>, Vec<Definition>>) {
    let mut edges: HashMap<TypeRef, BTreeSet<TypeRef>> = HashMap::new();
    for (module, definitions) in modules.iter() {
        for definition in definitions {
            let owner = TypeRef {
                module: module.clone(),
                name: definition.name().to_string(),
            };
            let mut targets = BTreeSet::new();
            for ty in contained(definition) {
                direct_refs(ty, &mut targets);
            }
            edges.insert(owner, targets);
        }
    }
    for (module, definitions) in modules.iter_mut() {
        for definition in definitions.iter_mut() {
            let owner = TypeRef {
                module: module.clone(),
                name: definition.name().to_string(),
            };
            for ty in contained_mut(definition) {
                let mut targets = BTreeSet::new();
                direct_refs(ty, &mut targets);
                if targets.iter().any(|target| reaches(&edges, target, &owner)) {
                    box_direct(ty);
                }
            }
        }
    }
}

fn contained(definition: &Definition) -> Vec<&Ty> {
    match definition {
        Definition::Struct(def) => def.fields.iter().map(|field| &field.ty).collect(),
        Definition::Union(def) => def.variants.iter().map(|(_, _, ty)| ty).collect(),
        Definition::Alias { ty, .. } => vec![ty],
        Definition::StringEnum(_) => Vec::new(),
    }
}

fn contained_mut(definition: &mut Definition) -> Vec<&mut Ty> {
    match definition {
        Definition::Struct(def) => def.fields.iter_mut().map(|field| &mut field.ty).collect(),
        Definition::Union(def) => def.variants.iter_mut().map(|(_, _, ty)| ty).collect(),
        // An alias cannot be boxed without changing what it names; its users are.
        Definition::Alias { .. } | Definition::StringEnum(_) => Vec::new(),
    }
}

/// The named types `ty` holds inline (not behind a `Vec`, map or `Box`).
fn direct_refs(ty: &Ty, into: &mut BTreeSet<TypeRef>) {
    match ty {
        Ty::Named(reference) => {
            into.insert(reference.clone());
        }
        Ty::Option(inner) => direct_refs(inner, into),
        _ => {}
    }
}

fn reaches(edges: &HashMap<TypeRef, BTreeSet<TypeRef>>, from: &TypeRef, to: &TypeRef) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.clone()];
    while let Some(at) = stack.pop() {
        if &at == to {
            return true;
        }
        if !seen.insert(at.clone()) {
            continue;
        }
        if let Some(next) = edges.get(&at) {
            stack.extend(next.iter().cloned());
        }
    }
    false
}

fn box_direct(ty: &mut Ty) {
    match ty {
        Ty::Option(inner) => box_direct(inner),
        Ty::Named(_) => {
            let named = std::mem::replace(ty, Ty::Json);
            *ty = Ty::Boxed(Box::new(named));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Field, Presence, StructDef};

    #[test]
    fn a_tree_boxes_its_parent_but_not_its_children() {
        let tree = TypeRef {
            module: vec!["shared".into()],
            name: "Tree".into(),
        };
        let field = |ident: &str, ty: Ty| Field {
            ident: ident.into(),
            json_name: ident.into(),
            ty,
            doc: Vec::new(),
            presence: Presence::Optional,
        };
        let mut modules = IndexMap::new();
        modules.insert(
            vec!["shared".to_string()],
            vec![Definition::Struct(StructDef {
                name: "Tree".into(),
                doc: Vec::new(),
                fields: vec![
                    field("parent", Ty::Option(Box::new(Ty::Named(tree.clone())))),
                    field("children", Ty::Vec(Box::new(Ty::Named(tree.clone())))),
                ],
                extra: None,
            })],
        );
        box_recursive_fields(&mut modules);
        let Definition::Struct(def) = &modules[0][0] else {
            panic!("a struct")
        };
        assert_eq!(
            def.fields[0].ty,
            Ty::Option(Box::new(Ty::Boxed(Box::new(Ty::Named(tree.clone())))))
        );
        assert_eq!(def.fields[1].ty, Ty::Vec(Box::new(Ty::Named(tree))));
    }
}

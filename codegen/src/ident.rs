//! Rust identifiers for the names inside one scope (the fields of a struct, the variants of an
//! enum), unique within it. Each name goes through herald-core's `names`, the same conversion
//! `herald validate` reports on, so the two never disagree about what a name becomes.

use std::collections::BTreeSet;

use herald_core::names::{field_name, type_name};

/// Whether a scope holds fields (snake case) or types and variants (upper camel case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// `order_id`.
    Snake,
    /// `OrderId`.
    Camel,
}

/// Hands out identifiers that are unique within one scope.
///
/// Names that convert to the same identifier (`order-id` next to `order_id`) keep their order:
/// a name that already *is* its identifier keeps it, the others get `_2`, `_3`… (or `2`, `3`…
/// for camel case) in the order they were declared. herald never merges two names into one.
#[derive(Debug)]
pub struct Scope {
    case: Case,
    taken: BTreeSet<String>,
}

impl Scope {
    /// An empty scope; `reserved` identifiers are never handed out.
    pub fn new(case: Case, reserved: &[&str]) -> Self {
        Scope {
            case,
            taken: reserved.iter().map(|name| (*name).to_string()).collect(),
        }
    }

    /// Allocates identifiers for all `names` at once, in order.
    pub fn allocate_all(&mut self, names: &[&str]) -> Vec<String> {
        let converted: Vec<String> = names.iter().map(|name| self.convert(name)).collect();
        // Names equal to their identifier claim it first, so `order_id` stays `order_id` even
        // when `order-id` is declared before it.
        let mut result: Vec<Option<String>> = vec![None; names.len()];
        for (at, (name, ident)) in names.iter().zip(&converted).enumerate() {
            if *name == ident && !self.taken.contains(ident) {
                self.taken.insert(ident.clone());
                result[at] = Some(ident.clone());
            }
        }
        for (at, ident) in converted.iter().enumerate() {
            if result[at].is_none() {
                result[at] = Some(self.claim(ident));
            }
        }
        result.into_iter().flatten().collect()
    }

    /// Allocates one identifier derived from `name`.
    pub fn allocate(&mut self, name: &str) -> String {
        let ident = self.convert(name);
        self.claim(&ident)
    }

    fn convert(&self, name: &str) -> String {
        match self.case {
            Case::Snake => field_name(name),
            Case::Camel => type_name(name),
        }
    }

    fn claim(&mut self, ident: &str) -> String {
        let mut candidate = ident.to_string();
        let mut counter = 2;
        while self.taken.contains(&candidate) {
            candidate = match self.case {
                Case::Snake => format!("{ident}_{counter}"),
                Case::Camel => format!("{ident}{counter}"),
            };
            counter += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_field_names_stay_distinct_and_the_exact_name_keeps_its_identifier() {
        let mut scope = Scope::new(Case::Snake, &[]);
        let idents =
            scope.allocate_all(&["order-id", "order_id", "type", "self", "1st", "ünïcode"]);
        assert_eq!(
            idents,
            [
                "order_id_2",
                "order_id",
                "type_",
                "self_",
                "_1st",
                "ünïcode"
            ]
        );
    }

    #[test]
    fn reserved_type_names_are_never_handed_out() {
        let mut scope = Scope::new(Case::Camel, &["OrderPlaced"]);
        assert_eq!(scope.allocate("order-placed"), "OrderPlaced2");
        assert_eq!(scope.allocate("line"), "Line");
        assert_eq!(scope.allocate("Line"), "Line2");
    }
}

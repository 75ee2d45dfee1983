//! Which version steps herald can upcast by itself: step vN → vN+1 is generated when vN+1
//! reads everything vN writes under the tolerant semantics (the semantics of generated code:
//! undeclared properties dropped, defaults filled), which the compatibility engine proves.
//! Every other step becomes a trait the user implements.

use herald_core::catalog::{Catalog, EventVersion};
use herald_core::compat::compare::{SafetyNet, compare_with};
use herald_core::compat::options::{Direction, Semantics};
use herald_core::compat::side::Side;
use herald_core::schema::compile::CatalogRetriever;

/// For each adjacent pair of `versions`, whether the step is compatible (backward, tolerant).
pub fn compatible_steps(
    catalog: &Catalog,
    retriever: &CatalogRetriever,
    versions: &[EventVersion],
) -> Vec<bool> {
    versions
        .windows(2)
        .map(|pair| {
            let old =
                Side::with_retriever(&catalog.schemas, pair[0].payload_node(), retriever.clone());
            let new =
                Side::with_retriever(&catalog.schemas, pair[1].payload_node(), retriever.clone());
            let net = SafetyNet::Documents(&pair[0].raw.examples, &pair[1].raw.examples);
            compare_with(&old, &new, Direction::Backward, Semantics::Tolerant, net)
                .iter()
                .all(|change| !change.breaking)
        })
        .collect()
}

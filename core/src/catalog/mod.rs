//! The event catalog: loading its files (`load`), checking them against herald's own schemas
//! (`own_schemas`), their serde shapes (`raw`) and the resolved model (`model`).

pub mod load;
mod model;
pub mod own_schemas;
pub mod raw;

pub use load::UnusableCatalog;
pub use model::{Catalog, EventVersion, open};

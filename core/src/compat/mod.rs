//! The compatibility engine: decides whether every document one schema accepts is accepted by
//! another (strict set inclusion, or herald's tolerant semantics), names each break with a
//! rule, and proves it with a witness document checked by the `jsonschema` crate.

pub mod check;
pub mod compare;
pub mod conj;
pub mod decimal;
pub mod diff;
pub mod engine;
pub mod facets;
pub mod finding;
pub mod input;
pub mod options;
pub mod render;
pub mod report;
pub mod rules;
pub mod sample;
pub mod side;
pub mod strings;
pub mod tolerant;
pub mod witness;

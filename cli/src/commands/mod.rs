//! One file per subcommand.

pub mod check;
pub mod diff;
pub mod explain;
pub mod generate;
pub mod validate;

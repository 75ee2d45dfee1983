//! One file per subcommand.

pub mod diff;
pub mod validate;

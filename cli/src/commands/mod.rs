//! One file per subcommand.

pub mod validate;

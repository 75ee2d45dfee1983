//! Compatibility modes and semantics.

use std::fmt;

pub use crate::catalog::raw::CompatibilityMode as Mode;

/// Which documents count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semantics {
    /// Strict set inclusion: what a consumer validating with the schema experiences. An open
    /// content model means an old producer may have sent any undeclared property.
    #[default]
    Strict,
    /// herald's generated code: producers emit only declared properties; consumers ignore
    /// undeclared properties and fill `default`s for absent ones.
    Tolerant,
}

impl Semantics {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Semantics::Strict => "strict",
            Semantics::Tolerant => "tolerant",
        }
    }
}

/// Which way a check reads: who writes, who reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Consumers on NEW read what producers on OLD wrote.
    Backward,
    /// Consumers on OLD read what producers on NEW write.
    Forward,
}

impl Direction {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

impl Mode {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Backward => "backward",
            Mode::Forward => "forward",
            Mode::Full => "full",
            Mode::BackwardTransitive => "backward_transitive",
            Mode::ForwardTransitive => "forward_transitive",
            Mode::FullTransitive => "full_transitive",
            Mode::None => "none",
        }
    }

    /// The directions the mode checks.
    pub fn directions(self) -> &'static [Direction] {
        match self {
            Mode::Backward | Mode::BackwardTransitive => &[Direction::Backward],
            Mode::Forward | Mode::ForwardTransitive => &[Direction::Forward],
            Mode::Full | Mode::FullTransitive => &[Direction::Backward, Direction::Forward],
            Mode::None => &[],
        }
    }

    /// Whether the mode checks against every earlier version rather than the previous one.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            Mode::BackwardTransitive | Mode::ForwardTransitive | Mode::FullTransitive
        )
    }
}

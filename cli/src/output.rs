//! Output settings shared by subcommands: format and colour.

use std::io::IsTerminal;

use clap::ValueEnum;

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: diagnostics with source snippets.
    Text,
    /// One JSON document, for machines.
    Json,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When stdout is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Color {
    /// Whether to emit colour on stdout.
    pub fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Exit code: everything fine.
pub const EXIT_OK: u8 = 0;
/// Exit code: problems found.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: unusable input (no catalog, unreadable path, bad flags).
pub const EXIT_UNUSABLE: u8 = 2;

//! The `herald` command: parses arguments and hands them to the engine. Exit codes: 0 success,
//! 1 problems found, 2 unusable input.

// Library and binary code never unwraps what a user controls; tests may.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `herald generate` builds and drops millions of small syntax-tree nodes; mimalloc does that
/// about 1.5x faster than the system allocator (BENCHMARKS.md, code generation).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// herald: validate, diff and generate code for a catalog of versioned event schemas.
#[derive(Debug, Parser)]
#[command(name = "herald", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a catalog: its files, payload schemas, examples and cross-references; optionally
    /// validate real events (NDJSON) against it.
    Validate(commands::validate::Args),
    /// Compare two schema files: is NEW backward/forward/full compatible with OLD? Every
    /// breaking change comes with a document that breaks.
    Diff(commands::diff::Args),
    /// Check every event's versions under its compatibility mode, and optionally the catalog
    /// against a baseline (git ref or directory).
    Check(commands::check::Args),
    /// Explain a compatibility rule or a diagnostic code.
    Explain(commands::explain::Args),
    /// Generate typed Rust from a catalog: event versions with upcasting, publishers,
    /// handler traits, replica stores.
    Generate(commands::generate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Validate(args) => commands::validate::run(args),
        Command::Diff(args) => commands::diff::run(args),
        Command::Check(args) => commands::check::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Generate(args) => commands::generate::run(args),
    };
    ExitCode::from(code)
}

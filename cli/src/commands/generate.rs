//! `herald generate [CATALOG] --out DIR [--service NAME] [--templates DIR] [--check]` (fixed
//! interface). Exit codes: 0 written or up to date, 1 stale (with `--check`), 2 unusable input.

use std::path::PathBuf;

use herald_codegen::output::{as_files, check, write};
use herald_codegen::{Options, generate};

/// Arguments of `herald generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The catalog directory (with herald.yaml).
    #[arg(value_name = "CATALOG", default_value = ".")]
    catalog: PathBuf,
    /// Where the generated module tree goes (its root is `DIR/mod.rs`).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Only what this service produces and consumes, and its replicas.
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    /// Templates that replace the embedded ones of the same name.
    #[arg(long, value_name = "DIR")]
    templates: Option<PathBuf>,
    /// Write nothing; exit 1 when the files in DIR are not what the catalog generates.
    #[arg(long)]
    check: bool,
}

/// Runs the command and returns its exit code.
pub fn run(args: Args) -> u8 {
    let options = Options {
        service: args.service,
        templates: args.templates,
    };
    let files = match generate(&args.catalog, &options)
        .and_then(|generated| as_files(&generated.modules, &generated.header))
    {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: {error}");
            return 2;
        }
    };
    if args.check {
        let stale = check(&args.out, &files);
        if stale.is_empty() {
            println!("{}: up to date ({} files)", args.out.display(), files.len());
            return 0;
        }
        for file in &stale {
            println!("{file}");
        }
        println!(
            "{}: {} file(s) out of date; run `herald generate` to update them",
            args.out.display(),
            stale.len()
        );
        return 1;
    }
    match write(&args.out, &files) {
        Ok(changes) => {
            println!(
                "{}: {} files, {} changed",
                args.out.display(),
                files.len(),
                changes.len()
            );
            0
        }
        Err(error) => {
            eprintln!("error: {error}");
            2
        }
    }
}

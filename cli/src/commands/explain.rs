//! `herald explain RULE`: a compatibility rule's page (or a diagnostic code's).

use herald_core::compat::rules::{Mirror, RULES, rule_info};
use herald_core::diagnostics::code_info;

use crate::output::{EXIT_OK, EXIT_UNUSABLE};

/// Arguments of `herald explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule ID (`required-property-added`) or a diagnostic code (`catalog::unknown-event`);
    /// `--list` shows them all.
    #[arg(required_unless_present = "list")]
    rule: Option<String>,
    /// List every compatibility rule.
    #[arg(long)]
    list: bool,
}

/// Runs the command and returns its exit code.
pub fn run(args: Args) -> u8 {
    if args.list {
        for rule in RULES {
            let kind = if rule.breaking { "breaking" } else { "info" };
            println!("{:<36} {:<9} {}", rule.id, kind, rule.summary);
        }
        return EXIT_OK;
    }
    let Some(id) = args.rule else {
        return EXIT_UNUSABLE;
    };
    if let Some(rule) = rule_info(&id) {
        println!(
            "{}  ({})",
            rule.id,
            if rule.breaking {
                "breaking"
            } else {
                "compatible, reported as info"
            }
        );
        println!();
        println!("{}", rule.summary);
        println!();
        println!("{}", rule.explanation);
        println!();
        match rule.mirror {
            Mirror::Rule(mirror) => println!("opposite change: {mirror}"),
            Mirror::Waiver(why) => println!("no opposite rule: {why}"),
        }
        println!("tag: {:?}", rule.tag);
        return EXIT_OK;
    }
    if let Some(code) = code_info(&id) {
        println!("{}  ({:?})", code.id, code.severity);
        println!();
        println!("{}", code.summary);
        return EXIT_OK;
    }
    eprintln!("error: no rule or diagnostic code `{id}`; `herald explain --list` shows the rules");
    EXIT_UNUSABLE
}

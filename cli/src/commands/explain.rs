//! `herald explain RULE`: a compatibility rule's page (or a diagnostic code's).

use herald_core::compat::rules::{Mirror, RULES, rule_info};
use herald_core::diagnostics::code_info;

use std::fmt::Write as _;

use crate::output::{EXIT_OK, EXIT_UNUSABLE, emit};

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
    let mut out = String::new();
    if args.list {
        for rule in RULES {
            let kind = if rule.breaking { "breaking" } else { "info" };
            let _ = writeln!(out, "{:<36} {:<9} {}", rule.id, kind, rule.summary);
        }
        emit(&out);
        return EXIT_OK;
    }
    let Some(id) = args.rule else {
        return EXIT_UNUSABLE;
    };
    if let Some(rule) = rule_info(&id) {
        let verdict = if rule.breaking {
            "breaking"
        } else {
            "compatible, reported as info"
        };
        let mirror = match rule.mirror {
            Mirror::Rule(mirror) => format!("opposite change: {mirror}"),
            Mirror::Waiver(why) => format!("no opposite rule: {why}"),
        };
        let _ = write!(
            out,
            "{}  ({verdict})\n\n{}\n\n{}\n\n{mirror}\nkind: {}\n",
            rule.id,
            rule.summary,
            rule.explanation,
            tag_name(rule.tag)
        );
        emit(&out);
        return EXIT_OK;
    }
    if let Some(code) = code_info(&id) {
        let _ = write!(
            out,
            "{}  ({})\n\n{}\n",
            code.id,
            severity_name(code.severity),
            code.summary
        );
        emit(&out);
        return EXIT_OK;
    }
    eprintln!("error: no rule or diagnostic code `{id}`; `herald explain --list` shows the rules");
    EXIT_UNUSABLE
}

fn tag_name(tag: herald_core::compat::rules::Tag) -> &'static str {
    use herald_core::compat::rules::Tag;
    match tag {
        Tag::Add => "something is added",
        Tag::Remove => "something is removed",
        Tag::Narrow => "a constraint narrows",
        Tag::Widen => "a constraint widens",
        Tag::Engine => "a statement about the comparison",
    }
}

fn severity_name(severity: herald_core::diagnostics::Severity) -> &'static str {
    use herald_core::diagnostics::Severity;
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

//! The README's CLI reference is the binary's `--help`, verbatim.

use assert_cmd::Command;

fn help(args: &[&str]) -> String {
    let output = Command::cargo_bin("herald")
        .expect("the herald binary is built for tests")
        .args(args)
        .output()
        .expect("herald runs");
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

fn readme_block(marker: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md exists");
    let start = format!("<!-- help:{marker} -->\n```text\n");
    let end = format!("```\n<!-- /help:{marker} -->");
    let from = readme.find(&start).expect("start marker") + start.len();
    let to = readme[from..].find(&end).expect("end marker") + from;
    readme[from..to].to_string()
}

#[test]
fn readme_shows_the_top_level_help() {
    assert_eq!(readme_block("herald"), help(&["--help"]));
}

#[test]
fn readme_shows_the_validate_help() {
    assert_eq!(readme_block("validate"), help(&["validate", "--help"]));
}

#[test]
fn readme_lists_every_diagnostic_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md exists");
    for code in herald_core::diagnostics::CODES {
        assert!(
            readme.contains(&format!("| `{}` | {}", code.id, code.summary)),
            "README.md does not list `{}` with its summary",
            code.id
        );
    }
}

#[test]
fn readme_lists_every_compatibility_rule() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md exists");
    for rule in herald_core::compat::rules::RULES {
        assert!(
            readme.contains(&format!("| `{}` |", rule.id)) && readme.contains(rule.summary),
            "README.md does not list rule `{}` with its summary",
            rule.id
        );
    }
}

#[test]
fn readme_shows_every_subcommand_help() {
    for command in ["diff", "check", "explain"] {
        assert_eq!(
            readme_block(command),
            help(&[command, "--help"]),
            "herald {command} --help"
        );
    }
}

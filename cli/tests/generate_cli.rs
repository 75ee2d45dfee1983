//! `herald generate` as a process: writes, `--check` up to date and stale, unusable input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn webshop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/webshop")
}

fn herald() -> Command {
    Command::cargo_bin("herald").unwrap()
}

#[test]
fn generate_writes_then_check_passes_then_fails_after_an_edit() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("generated");
    herald()
        .arg("generate")
        .arg(webshop())
        .arg("--out")
        .arg(&dir)
        .assert()
        .code(0);
    assert!(dir.join("mod.rs").is_file());
    assert!(dir.join("events/order_placed.rs").is_file());
    herald()
        .arg("generate")
        .arg(webshop())
        .arg("--out")
        .arg(&dir)
        .arg("--check")
        .assert()
        .code(0);

    std::fs::write(dir.join("events/order_placed.rs"), "// edited\n").unwrap();
    let output = herald()
        .arg("generate")
        .arg(webshop())
        .arg("--out")
        .arg(&dir)
        .arg("--check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("changed: events/order_placed.rs"));
}

#[test]
fn check_on_an_empty_directory_is_stale_and_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    herald()
        .arg("generate")
        .arg(webshop())
        .arg("--out")
        .arg(out.path())
        .arg("--check")
        .assert()
        .code(1);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn an_unknown_service_or_a_missing_catalog_is_unusable_input() {
    let out = tempfile::tempdir().unwrap();
    let output = herald()
        .arg("generate")
        .arg(webshop())
        .arg("--out")
        .arg(out.path())
        .arg("--service")
        .arg("nope")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no service `nope`"));
    herald()
        .arg("generate")
        .arg("/no/such/catalog")
        .arg("--out")
        .arg(out.path())
        .assert()
        .code(2);
}

#[test]
fn a_broken_template_override_names_the_template_and_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let templates = tempfile::tempdir().unwrap();
    std::fs::write(templates.path().join("support.rs.hbs"), "pub struct {\n").unwrap();
    let output = herald()
        .arg("generate")
        .arg(webshop())
        .arg("--out")
        .arg(out.path())
        .arg("--templates")
        .arg(templates.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("template `support.rs.hbs`"), "{stderr}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

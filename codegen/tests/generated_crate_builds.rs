//! Generates the webshop into a fresh crate (path dependency on the runtime), then builds it,
//! lints it with `clippy -D warnings` and runs its tests, all offline. With
//! `HERALD_TEST_POSTGRES_URL` set, those tests also run the replicas' migrations, apply
//! functions and queries against that PostgreSQL (a schema per test). Slow on a cold target
//! directory; builds are reused from `$HOME/.cache/herald-gen-target`.

use std::path::{Path, PathBuf};
use std::process::Command;

use herald_codegen::output::{as_files, write};
use herald_codegen::{Options, generate};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn cargo(dir: &Path, args: &[&str]) {
    let target = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(".cache/herald-gen-target");
    let (command, rest) = args.split_first().unwrap();
    let output = Command::new(env!("CARGO"))
        .arg(command)
        .arg("--offline")
        .args(rest)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_generated_webshop_builds_lints_clean_and_passes_its_tests() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo();
    let manifest = format!(
        r#"[package]
name = "webshop-generated"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[features]
uuid = []
time = []

[dependencies]
herald-runtime = {{ path = {runtime:?}, features = ["postgres"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"

[dev-dependencies]
tokio = {{ version = "1", features = ["rt", "macros"] }}
"#,
        runtime = root.join("runtime").display().to_string(),
    );
    std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    // Reuse the workspace's lock file so the offline build resolves the same versions.
    std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "//! The webshop's generated code.\n\npub mod generated;\n\n#[cfg(test)]\nmod webshop_test;\n",
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated_crate/webshop_test.rs"),
        src.join("webshop_test.rs"),
    )
    .unwrap();
    let generated = generate(&root.join("examples/webshop"), &Options::default()).unwrap();
    let files = as_files(&generated.modules, &generated.header).unwrap();
    write(&src.join("generated"), &files).unwrap();

    cargo(dir.path(), &["build"]);
    cargo(
        dir.path(),
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    cargo(dir.path(), &["test"]);
}

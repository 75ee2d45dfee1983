//! The build-script entry point: one file of nested modules, the same code as the file
//! layout, rewritten only when it changed.

use std::path::{Path, PathBuf};

use herald_codegen::Options;
use herald_codegen::build::{generate, generate_into};

fn webshop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/webshop")
}

#[test]
fn generates_one_file_of_nested_modules_and_rewrites_it_only_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("herald.rs");
    generate_into(&webshop(), &Options::default(), &target).unwrap();
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.starts_with(herald_codegen::output::GENERATED_MARKER));
    // `include!` takes no inner attributes: the file has none at its root.
    let file = syn::parse_file(&text).unwrap();
    assert!(file.attrs.is_empty(), "{:?}", file.attrs.len());
    let modules: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(module) => Some(module.ident.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(modules, ["support", "shared", "events", "services"]);
    for expected in [
        "pub mod order_placed {",
        "pub struct OrderPlacedV2 {",
        "pub mod replica_products {",
        "pub struct InventoryConsumer<H> {",
    ] {
        assert!(text.contains(expected), "{expected} is missing");
    }

    // Unchanged input: the file is left alone (its modification time stays), so cargo does
    // not rebuild the crate that includes it.
    let written = std::fs::metadata(&target).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    generate_into(&webshop(), &Options::default(), &target).unwrap();
    assert_eq!(
        std::fs::metadata(&target).unwrap().modified().unwrap(),
        written
    );
    // A stale file is replaced.
    std::fs::write(&target, "// stale").unwrap();
    generate_into(&webshop(), &Options::default(), &target).unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), text);
}

#[test]
fn one_service_in_a_build_script_gets_only_its_modules() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("herald.rs");
    let options = Options {
        service: Some("payments".into()),
        ..Options::default()
    };
    generate_into(&webshop(), &options, &target).unwrap();
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("pub struct PaymentsPublisher"));
    assert!(!text.contains("BillingConsumer"));
}

#[test]
fn outside_a_build_script_the_missing_out_dir_is_a_clear_error() {
    // Integration tests of a crate without a build script run without OUT_DIR.
    if std::env::var_os("OUT_DIR").is_some() {
        eprintln!("skipped: OUT_DIR is set in this environment");
        return;
    }
    let error = generate(webshop()).unwrap_err().to_string();
    assert!(error.contains("OUT_DIR"), "{error}");
    assert!(error.contains("build script"), "{error}");
}

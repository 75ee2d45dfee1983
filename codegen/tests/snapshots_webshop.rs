//! The generated code, reviewed as snapshots: the webshop catalog and a catalog of
//! identifier edge cases. Also: generation is deterministic.

use std::path::{Path, PathBuf};

use herald_codegen::output::{Files, as_files};
use herald_codegen::{Options, generate};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn files(catalog: &Path, options: &Options) -> Files {
    let generated = generate(catalog, options).unwrap_or_else(|error| panic!("{error}"));
    as_files(&generated.modules, &generated.header).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn webshop_files_match_their_snapshots() {
    let files = files(&repo().join("examples/webshop"), &Options::default());
    for (path, text) in &files {
        insta::assert_snapshot!(format!("webshop__{}", path.replace('/', "__")), text);
    }
}

#[test]
fn identifier_edge_cases_match_their_snapshots() {
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/identifiers");
    let files = files(&catalog, &Options::default());
    for (path, text) in &files {
        insta::assert_snapshot!(format!("identifiers__{}", path.replace('/', "__")), text);
    }
}

#[test]
fn generating_twice_gives_identical_bytes() {
    let catalog = repo().join("examples/webshop");
    assert_eq!(
        files(&catalog, &Options::default()),
        files(&catalog, &Options::default())
    );
}

#[test]
fn one_service_gets_only_its_own_modules() {
    let options = Options {
        service: Some("payments".into()),
        ..Options::default()
    };
    let files = files(&repo().join("examples/webshop"), &options);
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    assert!(
        paths.contains(&"services/payments/producer.rs"),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains("billing")), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.contains("stock_adjusted")),
        "{paths:?}"
    );
    assert!(paths.contains(&"events/invoice_issued.rs"), "{paths:?}");
}

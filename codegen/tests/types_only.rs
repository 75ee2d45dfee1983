//! `generate_types`: the payload types of the full output, byte for byte, and nothing else.

use std::path::{Path, PathBuf};

use herald_codegen::output::{Files, as_files};
use herald_codegen::{Options, generate, generate_types};

fn webshop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("examples/webshop")
}

fn laid_out(generated: herald_codegen::Generated) -> Files {
    as_files(&generated.modules, &generated.header).unwrap_or_else(|error| panic!("{error}"))
}

/// A module's items after its inner docs and imports.
fn items(text: &str) -> String {
    text.lines()
        .skip_while(|line| {
            line.starts_with("//") || line.starts_with("#![doc") || line.starts_with("use ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_types_of_every_event_are_those_of_the_full_output() {
    let full = laid_out(generate(&webshop(), &Options::default()).unwrap());
    let types = laid_out(generate_types(&webshop(), &Options::default()).unwrap());
    let event_files: Vec<&String> = types
        .keys()
        .filter(|path| path.starts_with("events/") && path.as_str() != "events/mod.rs")
        .collect();
    assert_eq!(event_files.len(), 6, "{:?}", types.keys());
    for path in event_files {
        let only = items(&types[path]);
        assert!(only.contains("pub struct"), "{path}: {only}");
        assert!(!only.contains("impl herald_runtime"), "{path}: {only}");
        assert!(
            full[path].contains(&only),
            "{path}: the types-only items are not in the full module\n{only}"
        );
    }
}

#[test]
fn types_only_has_no_services() {
    let types = laid_out(generate_types(&webshop(), &Options::default()).unwrap());
    assert!(types.contains_key("support.rs"), "{:?}", types.keys());
    assert!(
        !types.keys().any(|path| path.starts_with("services")),
        "{:?}",
        types.keys()
    );
}

//! The fuzzer's bytes as an event version file, both as YAML (`events/x/v1.yaml`) and as JSON
//! (`events/y/v1.json`), in a catalog with a valid manifest, one valid
//! event and the webshop's `common/money.yaml`.
#![no_main]

use herald_fuzz::{MONEY, VALID_EVENT, VALID_MANIFEST, catalog_with, validate_and_check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = catalog_with(&[
        ("herald.yaml", VALID_MANIFEST.as_bytes()),
        ("events/ping/v1.yaml", VALID_EVENT.as_bytes()),
        ("common/money.yaml", MONEY.as_bytes()),
        ("events/x/v1.yaml", data),
        ("events/y/v1.json", data),
    ]);
    validate_and_check(&root);
});

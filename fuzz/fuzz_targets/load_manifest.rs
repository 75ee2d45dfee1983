//! The fuzzer's bytes as `herald.yaml`, next to one valid event file (and the
//! webshop's `common/money.yaml`).
#![no_main]

use herald_fuzz::{MONEY, VALID_EVENT, catalog_with, validate_and_check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = catalog_with(&[
        ("herald.yaml", data),
        ("events/ping/v1.yaml", VALID_EVENT.as_bytes()),
        ("common/money.yaml", MONEY.as_bytes()),
    ]);
    validate_and_check(&root);
});

//! The fuzzer's bytes, when they are UTF-8, through `PointerIndex::build`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        herald_fuzz::check_pointer_index(text);
    }
});

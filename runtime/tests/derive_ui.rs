//! Every error the derives report, as rustc shows it: one `tests/ui/*.rs` per mistake, with the
//! expected output beside it in a `.stderr` file (recorded with this machine's rustc 1.95;
//! regenerate with `TRYBUILD=overwrite` and review the diff when the toolchain changes).

#[test]
fn derive_errors_point_at_the_mistake() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

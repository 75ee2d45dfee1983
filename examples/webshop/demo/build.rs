//! Generates the webshop's code from its catalog (`examples/webshop`) into `OUT_DIR`, the way
//! a team that does not check generated code in would.

fn main() {
    if let Err(error) = herald_codegen::build::generate("..") {
        // A build script reports failure by exiting non-zero; cargo shows this output.
        eprintln!("herald generate failed:\n{error}");
        std::process::exit(1);
    }
}

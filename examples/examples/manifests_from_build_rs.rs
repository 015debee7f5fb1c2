//! Task: generate the manifests at build time, from `build.rs`, so that they change with the
//! code.
//!
//! This crate's `build.rs` builds a mesh and writes it to `$OUT_DIR/istio/` (one file per
//! object, rewritten only when it changes); this example prints what it wrote.
//!
//! `cargo run -p istio-grpc-examples --example manifests_from_build_rs`

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    Ok(include_str!(concat!(env!("OUT_DIR"), "/istio/all.yaml.txt")).to_owned())
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

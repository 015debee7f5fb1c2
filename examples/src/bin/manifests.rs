//! Prints the manifests that `build.rs` generated at build time (`$OUT_DIR/istio/`).
//!
//! `cargo run -p istio-grpc-examples --bin manifests`

fn main() {
    print!(
        "{}",
        include_str!(concat!(env!("OUT_DIR"), "/istio/all.yaml.txt"))
    );
}

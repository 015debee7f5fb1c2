//! Compiles the `.proto` files with protox (a pure-Rust protobuf compiler: no `protoc` to
//! install) and generates the tonic code with `#[routes]` on each server trait, so the Istio
//! routes follow the `.proto`. The compiled FileDescriptorSet is also written to
//! `$OUT_DIR/descriptor.bin` for the descriptor-based derivation.

use std::{env, error::Error, fs, path::PathBuf};

use prost::Message as _;

fn main() -> Result<(), Box<dyn Error>> {
    let protos = [
        "proto/helloworld.proto",
        "proto/grpc/health/v1/health.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let fds = protox::compile(protos, ["proto"])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out.join("descriptor.bin"), fds.encode_to_vec())?;

    // tonic-build matches `trait_attribute` patterns against the bare service name (`Greeter`),
    // not the package-qualified one: `"helloworld.Greeter"` would silently match nothing.
    tonic_prost_build::configure()
        // `package` names the proto package; the method names follow tonic's snake_case.
        .trait_attribute(
            "Greeter",
            "#[istio_grpc_builder::routes(package = \"helloworld\")]",
        )
        // The generated module's `SERVICE_NAME` const is the exact full name.
        .trait_attribute(
            "Health",
            "#[istio_grpc_builder::routes(service = SERVICE_NAME)]",
        )
        .compile_fds(fds)?;
    Ok(())
}

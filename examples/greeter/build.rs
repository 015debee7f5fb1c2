//! Compiles the `.proto` files with protox (a pure-Rust protobuf compiler: no `protoc` to
//! install) and generates the tonic code with `#[routes]` on each server trait, so the Istio
//! routes follow the `.proto`. The compiled FileDescriptorSet is also written to
//! `$OUT_DIR/descriptor.bin` for the descriptor-based derivation, and the Istio manifests are
//! derived from it here (`$OUT_DIR/istio.yaml`): a method made streaming in the `.proto` turns
//! its service's route into one without a timeout, with nobody remembering.

use std::{env, error::Error, fs, path::PathBuf};

use prost::Message as _;

fn main() -> Result<(), Box<dyn Error>> {
    let protos = [
        "proto/helloworld.proto",
        "proto/grpc/health/v1/health.proto",
        "proto/billing/v1/invoices.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let fds = protox::compile(protos, ["proto"])?;
    let out = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out.join("descriptor.bin"), fds.encode_to_vec())?;

    // tonic-build matches `trait_attribute` patterns against the bare service name (`Greeter`),
    // not the package-qualified one: `"helloworld.Greeter"` would silently match nothing.
    // `#[routes]` reads the exact `.proto` names (service and methods) from the descriptor set
    // just written (`descriptor` is relative to `$OUT_DIR`); the generated module's
    // `SERVICE_NAME` is checked against it at compile time.
    let routes =
        "#[istio_grpc_builder::routes(service = SERVICE_NAME, descriptor = \"descriptor.bin\")]";
    tonic_prost_build::configure()
        .trait_attribute("Greeter", routes)
        .trait_attribute("Health", routes)
        .trait_attribute("Invoices", routes)
        .compile_fds(fds.clone())?;

    // The manifests, from the same descriptor set: one prefix route per service, typed by
    // whether any of its methods streams (streaming: no timeout; unary: 10s).
    let mut backend = istio_grpc_builder::Backend::service("greeter");
    for service in istio_grpc_builder::descriptor::services(&fds.encode_to_vec())? {
        let route: istio_grpc_builder::Route = match service.route() {
            istio_grpc_builder::descriptor::DescribedRoute::UnaryOnly(r) => {
                r.timeout(std::time::Duration::from_secs(10)).into()
            }
            istio_grpc_builder::descriptor::DescribedRoute::Streams(r) => r.into(),
        };
        backend = backend.route(route);
    }
    let mesh = istio_grpc_builder::Ingress::new("grpc.example.com")
        .tls(istio_grpc_builder::TlsCredential::secret(
            "grpc-tls-credential",
        ))
        .backend(backend)
        .build()?;
    fs::write(out.join("istio.yaml"), mesh.to_yaml())?;

    // Or in one call, from the configuration file `istio-grpc generate` reads (timeouts and
    // retries per method; a timeout on a streaming method fails the build, naming it).
    let config = "../../schema/examples/greeter.yaml";
    println!("cargo:rerun-if-changed={config}");
    let configured =
        istio_grpc_builder::config::manifests_from_files(out.join("descriptor.bin"), config)?;
    fs::write(out.join("istio-configured.yaml"), configured.to_yaml())?;
    Ok(())
}

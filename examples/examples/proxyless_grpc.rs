//! Task: run a gRPC server proxyless (xDS straight from istiod, no Envoy sidecar) and reach it
//! from the mesh and through the gateway.
//!
//! The pod template takes `inject.istio.io/templates: grpc-agent` and, for a server,
//! `holdApplicationUntilProxyStarts` (from `Mesh::pod_annotations`); its DestinationRule takes
//! only what proxyless gRPC applies: `.load_balancer(lb::Random)` or
//! `.upstream_tls(upstream_tls::Simple)` do not compile on a proxyless backend. The
//! Deployments printed run Istio's xDS-enabled echo server (`samples/grpc-echo`); yours would
//! use `xds.NewGRPCServer` (Go) or its equivalent.
//!
//! `cargo run -p istio-grpc-examples --example proxyless_grpc`

use istio_grpc_builder::istio_grpc_types::Object;
use istio_grpc_builder::prelude::*;
use istio_grpc_examples::main_job::{PROXYLESS_GRPC_SERVICE, proxyless_deployments};

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let echo = Backend::service("echo")
        .route(ServiceRoute::unary(PROXYLESS_GRPC_SERVICE))
        .proxyless(ProxylessRole::Server)
        .load_balancer(lb::RoundRobin)
        .upstream_tls(upstream_tls::IstioMutual)
        .subset("v1", [("version", "v1")])
        .subset("v2", [("version", "v2")]);
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(echo)
        .build()?;
    // The server's pod templates, with the annotations the mesh gives the backend.
    let mut objects = mesh.objects().to_vec();
    objects.extend(proxyless_deployments(&mesh).into_iter().map(Object::from));
    Ok(format!(
        "{}{}",
        istio_grpc_builder::istio_grpc_types::yaml::to_string(&objects)?,
        istio_grpc_examples::checks(&mesh)
    ))
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

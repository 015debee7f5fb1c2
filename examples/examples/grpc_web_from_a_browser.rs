//! Task: call a gRPC service from a browser (gRPC-Web) through the ingress gateway.
//!
//! An EnvoyFilter puts `envoy.filters.http.grpc_web` into the gateway, and the backend's route
//! carries the CORS policy browsers need (origins, `POST`, the gRPC-Web headers, the exposed
//! `grpc-status`). Origins are named: a wildcard origin has to be asked for with
//! `Origins::any_explicitly()`. `GrpcWeb::service_port` is the alternative without an
//! EnvoyFilter (the backend's port declared `grpc-web`, translated by its sidecar).
//!
//! `cargo run -p istio-grpc-examples --example grpc_web_from_a_browser`

use istio_grpc_builder::prelude::*;

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let origins = Origins::exact("https://myapp.example.com").or_exact("http://localhost:3000");
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(
            Backend::service("grpc-service")
                .route(ServiceRoute::unary("mypackage.UserService"))
                .grpc_web(GrpcWeb::envoy_filter(origins)),
        )
        .build()?;
    Ok(istio_grpc_examples::with_checks(&mesh))
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

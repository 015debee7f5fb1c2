//! Task: expose a gRPC service through the ingress gateway in plaintext HTTP/2 (h2c), for
//! development or traffic that never leaves a trusted network.
//!
//! Port 80, no TLS block. Plaintext is never the default: `.h2c()` asks for it by name, and an
//! h2c gateway takes no credential (that does not compile). Clients must speak h2c with prior
//! knowledge: `grpcurl -plaintext`.
//!
//! `cargo run -p istio-grpc-examples --example h2c_gateway`

use istio_grpc_builder::prelude::*;

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let mesh = Ingress::new("grpc.example.com")
        .h2c()
        .backend(Backend::service("grpc-service"))
        .build()?;
    Ok(istio_grpc_examples::with_checks(&mesh))
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

//! Task: expose a gRPC service through the ingress gateway over TLS, with a certificate you
//! already have.
//!
//! HTTPS on 443 with `tls.mode: SIMPLE`: the client and the gateway agree on HTTP/2 through
//! ALPN. The Secret is yours, created once with `kubectl create secret tls` (printed first);
//! the builder references it and writes the Gateway, the VirtualService and a Service whose
//! port is declared gRPC. (The main job, `--bin seed`, makes a certificate instead.)
//!
//! `cargo run -p istio-grpc-examples --example tls_gateway`

use istio_grpc_builder::prelude::*;

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("grpc-service"))
        .build()?;
    let create_secret = "kubectl create secret tls grpc-tls-credential \
        --cert=grpc.example.com.crt --key=grpc.example.com.key -n istio-system";
    Ok(format!(
        "# First, the Secret the gateway reads:\n# {create_secret}\n{}",
        istio_grpc_examples::with_checks(&mesh)
    ))
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

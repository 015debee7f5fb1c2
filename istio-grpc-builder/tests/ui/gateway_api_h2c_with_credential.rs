// The TLS/h2c typestate carries over: an h2c Gateway API listener takes no credential.
use istio_grpc_builder::{Ingress, TlsCredential};

fn main() {
    let _ = Ingress::new("grpc.example.com")
        .gateway_api()
        .h2c()
        .tls(TlsCredential::secret("grpc-tls-credential"));
}

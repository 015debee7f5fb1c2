// An h2c gateway takes no TLS credential.
use istio_grpc_builder::{Backend, Ingress, TlsCredential};

fn main() {
    let _ = Ingress::new("grpc.example.com")
        .h2c()
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("grpc-service"))
        .build();
}

// Switching the API does not choose the transport: TLS or h2c is still needed.
use istio_grpc_builder::{Backend, Ingress};

fn main() {
    let _ = Ingress::new("grpc.example.com")
        .gateway_api()
        .backend(Backend::service("grpc-service"))
        .build();
}

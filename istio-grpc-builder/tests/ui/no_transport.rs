// No gateway is built before TLS or h2c is chosen.
use istio_grpc_builder::{Backend, Ingress};

fn main() {
    let _ = Ingress::new("grpc.example.com").backend(Backend::service("grpc-service")).build();
}

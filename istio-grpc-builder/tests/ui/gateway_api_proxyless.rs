// The Gateway API has no kind for what proxyless gRPC reads (a DestinationRule).
use istio_grpc_builder::{Backend, Ingress, ProxylessRole};

fn main() {
    let _ = Ingress::new("grpc.example.com")
        .h2c()
        .gateway_api()
        .backend(Backend::service("echo").proxyless(ProxylessRole::Server));
}

// Proxyless gRPC ignores load balancers other than ROUND_ROBIN and LEAST_REQUEST.
use istio_grpc_builder::{Backend, ProxylessRole, lb};

fn main() {
    let _ = Backend::service("echo").proxyless(ProxylessRole::Server).load_balancer(lb::Random);
}

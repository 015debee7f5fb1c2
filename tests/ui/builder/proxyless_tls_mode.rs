// Proxyless gRPC applies only DISABLE and ISTIO_MUTUAL.
use istio_grpc_builder::{Backend, ProxylessRole, tls};

fn main() {
    let _ = Backend::service("echo").proxyless(ProxylessRole::Client).tls(tls::Simple);
}

// Proxyless gRPC applies only the upstream TLS modes DISABLE and ISTIO_MUTUAL.
use istio_grpc_builder::{Backend, ProxylessRole, upstream_tls};

fn main() {
    let _ = Backend::service("echo").proxyless(ProxylessRole::Client).upstream_tls(upstream_tls::Simple);
}

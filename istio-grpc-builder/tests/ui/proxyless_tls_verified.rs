// Proxyless gRPC ignores SIMPLE upstream TLS, so a verified upstream does not compile either.
use istio_grpc_builder::{Backend, ProxylessRole, UpstreamCa};

fn main() {
    let _ = Backend::service("echo")
        .proxyless(ProxylessRole::Client)
        .upstream_tls_verified("echo.example.com", UpstreamCa::System);
}

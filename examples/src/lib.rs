//! Every configuration of the seed article ("gRPC through an Istio ingress gateway"), produced
//! by the builder. Each function returns the built [`Mesh`]; the integration tests snapshot
//! them and compare them with the article's YAML.
//!
//! Run `cargo run -p istio-grpc-examples --bin seed` to print the whole setup as YAML.

use std::time::Duration;

use istio_grpc_builder::marker::Unary;
use istio_grpc_builder::{
    Backend, BuildErrors, GrpcWeb, Ingress, Mesh, Origins, ProxylessRole, RetryOn, ServiceRoute,
    TlsCredential, lb, upstream_tls,
};

/// The host every seed configuration serves.
pub const HOST: &str = "grpc.example.com";

/// A stand-in certificate chain for the examples (PEM framing around placeholder bytes; a real
/// deployment reads its own files).
pub const EXAMPLE_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nRVhBTVBMRSBDRVJUSUZJQ0FURSBGT1IgZ3JwYy5leGFtcGxlLmNvbQ==\n-----END CERTIFICATE-----\n";
/// A stand-in private key for the examples: placeholder bytes, not a key.
pub const EXAMPLE_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nRVhBTVBMRSBLRVkgLSBOT1QgQSBSRUFMIEtFWQ==\n-----END PRIVATE KEY-----\n";

/// Seed 1: the TLS gateway (HTTPS on 443, `tls.mode: SIMPLE`, `credentialName`) with the
/// `kubernetes.io/tls` Secret in `istio-system`, written from PEM.
pub fn tls_gateway() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::from_pem(
            "grpc-tls-credential",
            EXAMPLE_CERT_PEM,
            EXAMPLE_KEY_PEM,
        ))
        .backend(Backend::service("grpc-service"))
        .build()
}

/// Seed 2: the h2c gateway: port 80, no TLS block, chosen by name.
pub fn h2c_gateway() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .h2c()
        .backend(Backend::service("grpc-service"))
        .build()
}

/// Seeds 3 and 4: VirtualService `grpc-vs` with an `http` route to `grpc-service:50051`, and the
/// backend Service with its port declared gRPC (`name: grpc`, `appProtocol: grpc`).
pub fn basic_route() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("grpc-service"))
        .build()
}

/// Seed 5: several services behind one gateway, routed by `/<package>.<Service>` prefix, plus
/// `grpc.health.v1.Health`.
pub fn routing() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-routing")
        .backend(
            Backend::service("user-grpc-service")
                .route(ServiceRoute::unary("mypackage.UserService"))
                .route(ServiceRoute::health()),
        )
        .backend(
            Backend::service("order-grpc-service")
                .route(ServiceRoute::unary("mypackage.OrderService")),
        )
        .build()
}

/// Seed 6: a streaming backend: its route carries no timeout (the seed writes `timeout: 0s`,
/// which the VirtualService CRD refuses; "no timeout" is what it means).
pub fn streaming() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-streaming")
        .backend(Backend::service("streaming-service").route(ServiceRoute::all_streaming()))
        .build()
}

/// The seed's resilient route: every call unary, 60s timeout, 3 retries of at most 20s each on
/// `unavailable`, `resource-exhausted` and `internal` (the seed's choice; the analyzer warns that
/// retrying `resource-exhausted` can feed a retry storm).
pub fn resilient_route() -> ServiceRoute<Unary> {
    ServiceRoute::all_unary()
        .timeout(Duration::from_secs(60))
        .retries(
            3,
            [
                RetryOn::Unavailable,
                RetryOn::ResourceExhausted,
                RetryOn::Internal,
            ],
        )
        .per_try_timeout(Duration::from_secs(20))
}

/// Seed 7: a unary backend with a 60s timeout and 3 retries of 20s on gRPC codes.
pub fn resilience() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-resilience")
        .backend(Backend::service("grpc-service").route(resilient_route()))
        .build()
}

/// Seed 8: a proxyless gRPC server: DestinationRule with `ROUND_ROBIN`, `ISTIO_MUTUAL` and
/// subsets; the pod-template annotations come from [`Mesh::pod_annotations`].
pub fn proxyless() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(
            Backend::service("echo")
                .proxyless(ProxylessRole::Server)
                .load_balancer(lb::RoundRobin)
                .upstream_tls(upstream_tls::IstioMutual)
                .subset("v1", [("version", "v1")])
                .subset("v2", [("version", "v2")]),
        )
        .build()
}

/// Seed 9: gRPC-Web through an EnvoyFilter at the gateway, with the CORS policy browsers need.
pub fn grpc_web() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-web-vs")
        .backend(
            Backend::service("grpc-service").grpc_web(GrpcWeb::envoy_filter(Origins::exact(
                "https://myapp.example.com",
            ))),
        )
        .build()
}

/// Seed 9, the cleaner way: the backend's port declared `grpc-web`, so Istio
/// inserts the filter itself and no EnvoyFilter is needed.
pub fn grpc_web_port() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-web-vs")
        .backend(
            Backend::service("grpc-service").grpc_web(GrpcWeb::service_port(Origins::exact(
                "https://myapp.example.com",
            ))),
        )
        .build()
}

/// The seed's whole setup in one mesh: TLS gateway with its Secret, the service routes and
/// health, a streaming service, the resilient catch-all with gRPC-Web.
pub fn whole_setup() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::from_pem(
            "grpc-tls-credential",
            EXAMPLE_CERT_PEM,
            EXAMPLE_KEY_PEM,
        ))
        .virtual_service("grpc-vs")
        .backend(
            Backend::service("user-grpc-service")
                .route(ServiceRoute::unary("mypackage.UserService"))
                .route(ServiceRoute::health()),
        )
        .backend(
            Backend::service("order-grpc-service")
                .route(ServiceRoute::unary("mypackage.OrderService")),
        )
        .backend(
            Backend::service("streaming-service")
                .route(ServiceRoute::streaming("mypackage.FeedService")),
        )
        .backend(
            Backend::service("grpc-service")
                .route(resilient_route())
                .grpc_web(GrpcWeb::envoy_filter(Origins::exact(
                    "https://myapp.example.com",
                ))),
        )
        .build()
}

//! Runnable examples of istio-grpc, named after the task each shows, and the main job.
//!
//! * `cargo run -p istio-grpc-examples --bin seed`: the main job, everything the seed article
//!   ("gRPC through an Istio ingress gateway") configures, applies as printed ([`main_job`]).
//! * `cargo run -p istio-grpc-examples --example NAME`: one task each ([`example`] lists them;
//!   the code is in `examples/examples/NAME.rs`, compiled here too so that tests run it).
//! * The functions below are the article's configurations one by one, as the integration tests
//!   compare them with the article's YAML (`tests/tests/it/builder/seed.rs`).

use std::time::Duration;

use istio_grpc_builder::marker::Unary;
use istio_grpc_builder::prelude::*;

// The examples name this crate `istio_grpc_examples`, as any user of it would; so does the
// library they are compiled into.
extern crate self as istio_grpc_examples;

pub mod main_job;

/// A mesh as the examples print it: its YAML, then the commands that check it through the
/// gateway, as YAML comments (so the output still applies with `kubectl apply -f -`).
pub fn with_checks(mesh: &Mesh) -> String {
    let mut out = mesh.to_yaml();
    out.push_str(&checks(mesh));
    out
}

/// The commands that check `mesh` through the gateway, as YAML comments.
pub fn checks(mesh: &Mesh) -> String {
    let mut out = String::from("# Check through the gateway:\n");
    out.push_str(&format!("# {}\n", mesh.gateway_ip_command()));
    for check in mesh.grpcurl_checks() {
        out.push_str(&format!("# {check}\n"));
    }
    for unchecked in mesh.unchecked_routes() {
        out.push_str(&format!("# {unchecked}\n"));
    }
    out
}

/// The examples (`examples/examples/*.rs`), compiled into the library as well, so that a test
/// runs each one's `main` and checks what it prints.
pub mod example;

/// The host every configuration serves.
pub const HOST: &str = "grpc.example.com";

/// Test fixture only, never applied: PEM framing around placeholder bytes, so that the
/// article's Secret can be compared with what the builder writes. The main job and the examples
/// make a real certificate ([`main_job::HostCertificate`]) or reference an existing Secret.
pub const EXAMPLE_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nRVhBTVBMRSBDRVJUSUZJQ0FURSBGT1IgZ3JwYy5leGFtcGxlLmNvbQ==\n-----END CERTIFICATE-----\n";
/// Test fixture only, never applied: placeholder bytes, not a key (see [`EXAMPLE_CERT_PEM`]).
pub const EXAMPLE_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----\nRVhBTVBMRSBLRVkgLSBOT1QgQSBSRUFMIEtFWQ==\n-----END PRIVATE KEY-----\n";

/// The article's TLS gateway (HTTPS on 443, `tls.mode: SIMPLE`, `credentialName`) with the
/// `kubernetes.io/tls` Secret in `istio-system`, written from the placeholder PEM (a fixture).
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

/// The article's h2c gateway: port 80, no TLS block, chosen by name.
pub fn h2c_gateway() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .h2c()
        .backend(Backend::service("grpc-service"))
        .build()
}

/// The article's VirtualService `grpc-vs` with an `http` route to `grpc-service:50051`, and the
/// backend Service with its port declared gRPC (`name: grpc`, `appProtocol: grpc`).
pub fn basic_route() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("grpc-service"))
        .build()
}

/// The article's routing: several services behind one gateway, routed by `/<package>.<Service>` prefix, plus
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

/// The article's streaming backend: its route carries no timeout (the seed writes `timeout: 0s`,
/// which the VirtualService CRD refuses; "no timeout" is what it means).
pub fn streaming() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-streaming")
        .backend(Backend::service("streaming-service").route(ServiceRoute::all_streaming()))
        .build()
}

/// The article's resilient route: every call unary, 60s timeout, 3 retries of at most 20s each on
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

/// The article's resilience: a unary backend with a 60s timeout and 3 retries of 20s on gRPC codes.
pub fn resilience() -> Result<Mesh, BuildErrors> {
    Ingress::new(HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-resilience")
        .backend(Backend::service("grpc-service").route(resilient_route()))
        .build()
}

/// The article's proxyless gRPC server: DestinationRule with `ROUND_ROBIN`, `ISTIO_MUTUAL` and
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

/// The article's gRPC-Web through an EnvoyFilter at the gateway, with the CORS policy browsers need.
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

/// The article's gRPC-Web, the cleaner way: the backend's port declared `grpc-web`, so Istio
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

/// The article's sidecar backends behind one host, added to `ingress` (virtual service
/// `grpc-vs`): the user service and health, the order service, a streaming service, and the
/// resilient catch-all ([`resilient_route`]) reached from browsers through gRPC-Web.
pub fn article_backends<T>(ingress: Ingress<T>) -> Ingress<T> {
    backends(ingress, Backend::service("user-grpc-service"))
}

/// [`article_backends`], with server reflection routed to `user-grpc-service` (which also
/// serves health), so that every grpcurl check the mesh prints runs as printed: grpcurl
/// encodes `-d '{}'` with the schema it asks the server for.
pub fn article_backends_with_reflection<T>(ingress: Ingress<T>) -> Ingress<T> {
    backends(ingress, Backend::service("user-grpc-service").reflection())
}

fn backends<T>(ingress: Ingress<T>, users: Backend) -> Ingress<T> {
    ingress
        .virtual_service("grpc-vs")
        .backend(
            users
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
}

/// The article's whole setup in one mesh (a fixture: placeholder Secret, no proxyless
/// server; the main job is [`main_job`]): TLS gateway with its Secret and
/// [`article_backends`].
pub fn whole_setup() -> Result<Mesh, BuildErrors> {
    article_backends(Ingress::new(HOST).tls(TlsCredential::from_pem(
        "grpc-tls-credential",
        EXAMPLE_CERT_PEM,
        EXAMPLE_KEY_PEM,
    )))
    .build()
}

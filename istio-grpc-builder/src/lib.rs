//! The istio-grpc builder: describe how gRPC services are exposed through Istio, get
//! manifests that are correct by construction.
//!
//! State intent — expose these services at `grpc.example.com` over TLS; this one streams; retry
//! that one on `unavailable` — and get the Gateway, VirtualService, DestinationRules,
//! EnvoyFilter, Kubernetes Services and Secret that make it work.
//!
//! What the compiler refuses (each with a message that says what to do instead):
//! * building a gateway before TLS or h2c is chosen, or giving an h2c gateway a credential;
//! * a timeout or per-try timeout on a streaming route;
//! * an HTTP-status retry condition on a gRPC route;
//! * a load balancer or TLS mode that proxyless gRPC ignores.
//!
//! What [`Ingress::build`] checks, returning every problem at once ([`BuildErrors`], one typed
//! [`BuildError`] each, naming the offending part): hosts, names, ports, durations, duplicates,
//! per-try timeouts above the route timeout, PEM credentials, user-given Services whose port is
//! not declared HTTP/2, and objects larger than Kubernetes accepts ([`limits`]).
//!
//! The compile-time markers and the traits that bound them are in [`marker`].
//!
//! # Cargo features
//!
//! None is on by default: the builder itself (everything above, [`Mesh::yaml`],
//! [`Mesh::write_dir`]) needs none, and a `build.rs` that writes its mesh in Rust compiles the
//! least. The `.proto`-driven ways each name theirs:
//!
//! | feature | gives | adds to the build |
//! | --- | --- | --- |
//! | `proto` | `descriptor`: the services, methods and streaming kinds of a compiled `.proto` descriptor set | prost, prost-types |
//! | `config` (with `proto`) | `config`: manifests from a descriptor set and an `istio-grpc/v1` YAML file, as `istio-grpc generate` | serde's derive, serde-saphyr's parser, schemars |
//! | `macros` | `#[routes]` on a tonic server trait (also in the [`prelude`]) | istio-grpc-macros (syn, darling) |
//! | `full` | all three | |
//!
//! One call, [`Ingress::gateway_api`], writes the same intent as Kubernetes Gateway API
//! resources instead (Gateway, GRPCRoute or HTTPRoute, ReferenceGrant, GAMMA mesh routes and
//! waypoints); what that API cannot say is refused with the reason (see [`gateway_api`]).
//!
//! ```
//! use std::time::Duration;
//! use istio_grpc_builder::{Backend, GrpcWeb, Ingress, Origins, RetryOn, ServiceRoute, TlsCredential};
//!
//! let mesh = Ingress::new("grpc.example.com")
//!     .tls(TlsCredential::secret("grpc-tls-credential"))
//!     .backend(Backend::service("user-grpc-service")
//!         .route(ServiceRoute::unary("mypackage.UserService")
//!             .timeout(Duration::from_secs(60))
//!             .retries(3, [RetryOn::Unavailable, RetryOn::ResourceExhausted, RetryOn::Internal])
//!             .per_try_timeout(Duration::from_secs(20)))
//!         .route(ServiceRoute::health())
//!         .grpc_web(GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com"))))
//!     .backend(Backend::service("streaming-service").route(ServiceRoute::streaming("mypackage.FeedService")))
//!     .build()?;
//!
//! let yaml = mesh.yaml();
//! assert!(!yaml.contains("timeout: 0s")); // streaming: no timeout (the CRD refuses `0s`)
//! // A timed-out try is retried only on `reset`, so the per-try timeout brings it along.
//! assert!(yaml.contains("retryOn: unavailable,resource-exhausted,internal,reset,cancelled,deadline-exceeded"));
//! assert!(yaml.contains("prefix: /mypackage.UserService/")); // not `/mypackage.UserServiceAdmin/…`
//! for check in mesh.grpcurl_checks() {
//!     println!("{check}");
//! }
//! for unchecked in mesh.unchecked_routes() { // what a route without reflection needs
//!     println!("# {unchecked}");
//! }
//! # Ok::<(), istio_grpc_builder::BuildErrors>(())
//! ```

mod assemble;
mod backend;
#[cfg(feature = "config")]
pub mod config;
#[cfg(feature = "proto")]
pub mod descriptor;
pub mod error;
pub mod gateway_api;
mod grpc_web;
mod ingress;
pub mod limits;
pub mod marker;
mod mesh;
mod outlier;
pub mod prelude;
mod route;
pub mod service;
mod spec;
mod validate;

pub use backend::{Backend, DEFAULT_GRPC_PORT, ProxylessRole, proxyless_pod_annotations};
pub use error::{BuildError, BuildErrors, WriteError};
pub use gateway_api::InMesh;
pub use grpc_web::{GrpcWeb, Origins};
pub use ingress::Ingress;
#[cfg(feature = "macros")]
pub use istio_grpc_macros::routes;
pub use marker::{lb, upstream_tls};
pub use mesh::{GrpcurlCheck, Mesh};
pub use outlier::OutlierDetection;
pub use route::{
    GrpcRetryCondition, HEALTH_SERVICE, MethodRoute, REFLECTION_SERVICES, RetryOn, Route,
    ServiceRoute, TypedRoute,
};
pub use spec::{TlsCredential, UpstreamCa};

/// The types crate, re-exported so versions match.
pub use istio_grpc_types;
/// Kubernetes types used in this API (re-exported from the types crate so versions match).
pub use istio_grpc_types::k8s_openapi;

/// What macro-generated code reaches. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::route::{MethodRoute, Route, ServiceRoute};
    pub use crate::service::*;
    pub use crate::{Backend, GrpcRetryCondition, RetryOn};
    /// The method-kind markers, where generated code names them.
    pub mod kind {
        pub use crate::marker::{
            BidiStreaming, ClientStreaming, ServerStreaming, Streaming, Unary,
        };
    }
}

/// The README's examples, compiled and run as doctests so that they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(all(doctest, feature = "macros", feature = "config"))]
pub struct ReadmeDoctests;

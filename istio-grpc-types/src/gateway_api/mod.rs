//! The Kubernetes Gateway API (`gateway.networking.k8s.io`, v1.6.1, standard channel): Gateway,
//! GRPCRoute, HTTPRoute, ReferenceGrant and BackendTLSPolicy, generated from the v1.6.1 CRDs
//! (`cargo xtask codegen`, inputs in `xtask/data/gateway-api/`).
//!
//! The same standards as the Istio types:
//! * every field of the standard channel's schema, with the CRD's JSON names; required fields
//!   are not `Option`; string enums are Rust enums; durations are GEP-2257 [`Duration`]s;
//! * discriminated unions are Rust enums: a filter is `type` plus the one field it names, so
//!   [`HttpRouteFilter`] holds an [`HttpRouteFilterKind`] (`RequestHeaderModifier(..)`,
//!   `RequestMirror(..)`, `Cors(..)`, …) and a filter with a payload of another type, or none,
//!   is refused on reading, as the CRD's CEL rules refuse it;
//! * lossless and strict as the Istio types are: keys the types do not know are kept in the
//!   `extra` map of the struct they appear in and written back;
//!   [`Object::unknown_fields`](crate::Object::unknown_fields) lists them with a did-you-mean,
//!   and [`yaml::from_str`](crate::yaml::from_str) refuses them;
//! * each kind implements `kube::Resource` (kube-core 5) and [`IstioKind`](crate::IstioKind)
//!   (whose name is historical: it is this crate's static identity of a kind).
//!
//! **Experimental channel.** Fields only the experimental channel has (HTTPRoute
//! `rules[].retry`, `rules[].sessionPersistence`, `useDefaultGateways`, GRPCRoute
//! `rules[].sessionPersistence`, Gateway `defaultScope`) are not typed: reading keeps them in
//! `extra` and writes them back (never lost), `unknown_fields` lists them, strict reading
//! refuses them (as an API server with the standard CRDs does), and the docs of each struct
//! name the experimental fields it may hold. An experimental-only filter type (`ExternalAuth`)
//! is refused on reading with an error that says it is experimental.
//!
//! **Versions.** Objects read keep the `apiVersion` they were written with; new objects use
//! `v1`, except ReferenceGrant: `v1beta1`, the version Istio watches and every Gateway API ≥ 1.0
//! cluster serves (v1 only since v1.5).
//!
//! ```
//! use istio_grpc_types::gateway_api::{GrpcRoute, GrpcRouteFilterKind};
//! use istio_grpc_types::{yaml, Object};
//!
//! let docs = yaml::from_str(r#"
//! apiVersion: gateway.networking.k8s.io/v1
//! kind: GRPCRoute
//! metadata: {name: greeter}
//! spec:
//!   parentRefs: [{name: grpc-gateway}]
//!   rules:
//!   - matches: [{method: {service: helloworld.Greeter}}]
//!     filters:
//!     - type: RequestHeaderModifier
//!       requestHeaderModifier: {set: [{name: x-route, value: greeter}]}
//!     backendRefs: [{name: greeter, port: 50051}]
//! "#)?;
//! let Object::GrpcRoute(route) = &docs[0].object else { unreachable!() };
//! let rule = &route.spec.rules.as_ref().unwrap()[0];
//! let filter = &rule.filters.as_ref().unwrap()[0].value;
//! assert!(matches!(filter, GrpcRouteFilterKind::RequestHeaderModifier(_)));
//!
//! // a filter whose payload is not the one its type names is refused, with the path
//! let bad = yaml::from_str("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nspec:\n  rules:\n  - filters:\n    - type: RequestMirror\n").unwrap_err();
//! assert!(bad.to_string().contains("`type: RequestMirror` needs `requestMirror`"), "{bad}");
//! # Ok::<(), istio_grpc_types::Error>(())
//! ```

mod duration;

pub mod backend_tls_policy;
pub mod common;
pub mod gateway;
pub mod grpc_route;
pub mod http_route;
pub mod reference_grant;

pub use backend_tls_policy::*;
pub use common::*;
pub use duration::{Duration, DurationError};
pub use gateway::*;
pub use grpc_route::*;
pub use http_route::*;
pub use reference_grant::*;

/// The API group of every kind in this module.
pub const GROUP: &str = "gateway.networking.k8s.io";

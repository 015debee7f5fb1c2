//! Istio's networking and security resources as serde types faithful to Istio's API.
//!
//! * Every field of `VirtualService`, `Gateway`, `DestinationRule`, `ServiceEntry`, `Sidecar`,
//!   `EnvoyFilter` and `PeerAuthentication`, with Istio's JSON names; protobuf oneofs are Rust
//!   enums, durations are [`Duration`] (Go syntax in, one canonical spelling out), enums keep
//!   their zero values, wrappers are `Option`, maps are ordered.
//! * Forward-compatible and lossless: a field these types do not know (one a newer Istio or
//!   Kubernetes added) is kept in the `extra` map of the struct it appears in and written back,
//!   so reading an object and writing it back keeps every field, and an update through the types
//!   does not drop what a newer Istio wrote. [`Object::unknown_fields`] lists such fields with
//!   their path and the nearest known name ("did you mean `timeout`?").
//! * Strictness is the reader's choice ([`Strictness`]), with the defaults a kube-rs user
//!   expects:
//!   * the serde implementations (`serde_json`, `serde_yaml`, `kube::Api<VirtualService>`
//!     reading from a cluster) keep unknown fields ([`Strictness::Keep`]);
//!   * [`yaml::parse`] and [`yaml::from_str`], which read files people write, refuse them
//!     ([`Strictness::Deny`]): the error names the path, line and column and the nearest known
//!     field. [`yaml::parse_with`] with [`Strictness::Keep`] keeps them and gives each its line.
//! * `apiVersion` and `kind` are always checked, and a misspelled group says which one was
//!   expected.
//! * Each kind implements `kube::Resource` (feature `kube`, default on), so
//!   `kube::Api<VirtualService>` works.
//! * The Kubernetes Gateway API's Gateway, HTTPRoute, GRPCRoute, ReferenceGrant and
//!   BackendTLSPolicy (v1.6.1, standard channel) are in [`gateway_api`], generated from their
//!   CRDs to the same standards; [`Object`] tells them from Istio's kinds by group, so a
//!   `gateway.networking.k8s.io` Gateway is [`Object::K8sGateway`], never Istio's Gateway.
//! * Kubernetes kinds (Service, Deployment, …) are k8s-openapi's types in a [`KubeObject`],
//!   which keeps the fields k8s-openapi does not know, so they too are read leniently without
//!   losing anything and stay typed.
//! * Cargo feature `read` (default): reading objects ([`yaml`]'s parse functions,
//!   `Deserialize for Object`, strict and lenient typing with field paths). A crate that only
//!   builds and writes objects (a `build.rs`, the builder) turns it off
//!   (`default-features = false`) and compiles none of the generated types' deserialization;
//!   `yaml::to_string` stays.
//!
//! ```
//! use istio_grpc_types::{yaml, Object};
//!
//! let docs = yaml::from_str(r#"
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata:
//!   name: grpc-vs
//! spec:
//!   hosts: ["grpc.example.com"]
//!   gateways: [grpc-gateway]
//!   http:
//!   - route:
//!     - destination:
//!         host: grpc-service
//!         port:
//!           number: 50051
//!     timeout: 0s
//! "#)?;
//! let Object::VirtualService(vs) = &docs[0].object else { unreachable!() };
//! assert_eq!(vs.spec.http.as_ref().unwrap()[0].timeout, Some(istio_grpc_types::Duration::ZERO));
//!
//! let bad = yaml::from_str("apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec:\n  htpp: []\n");
//! let err = bad.unwrap_err().to_string();
//! assert!(err.contains("spec.htpp"), "{err}");
//! # Ok::<(), istio_grpc_types::Error>(())
//! ```

// Without `read`, the reading functions the docs link to (`yaml::parse`, …) are not compiled;
// the links resolve in the default build (docs.rs's).
#![cfg_attr(not(feature = "read"), allow(rustdoc::broken_intra_doc_links))]

pub mod destination_rule;
mod duration;
pub mod envoy_filter;
mod error;
pub mod gateway;
pub mod gateway_api;
pub mod grpc;
mod kubernetes;
mod object;
mod path;
pub mod peer_authentication;
pub mod protocol;
#[doc(hidden)]
pub mod resource;
pub mod selector;
mod ser;
#[cfg(feature = "read")] // the generated types' `deserialize_with` helpers
mod serde_helpers;
pub mod service_entry;
pub mod sidecar;
mod size;
mod string_match;
mod unknown;
pub mod virtual_service;
pub mod workload_entry;
mod write;
#[cfg(feature = "read")]
pub mod yaml;
/// Writing YAML. Reading YAML, and the rest of this module, needs the `read` feature.
#[cfg(not(feature = "read"))]
pub mod yaml {
    pub use crate::write::to_string;
}

pub use destination_rule::DestinationRule;
pub use duration::{Duration, DurationError};
pub use envoy_filter::EnvoyFilter;
pub use error::{Error, Location};
pub use gateway::Gateway;
pub use kubernetes::KubeObject;
pub use object::{Object, UnknownObject};
pub use peer_authentication::PeerAuthentication;
pub use resource::{IstioKind, Version};
pub use service_entry::ServiceEntry;
pub use sidecar::Sidecar;
pub use string_match::StringMatch;
pub use unknown::{Extra, Strictness, UnknownField};
pub use virtual_service::VirtualService;

/// Kubernetes types this crate uses in its public API (re-exported so versions match).
pub use k8s_openapi;

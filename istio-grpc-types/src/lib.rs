//! Istio's networking and security resources as serde types faithful to Istio's API.
//!
//! * Every field of `VirtualService`, `Gateway`, `DestinationRule`, `ServiceEntry`, `Sidecar`,
//!   `EnvoyFilter` and `PeerAuthentication`, with Istio's JSON names; protobuf oneofs are Rust
//!   enums, durations are [`Duration`] (Go syntax in, one canonical spelling out), enums keep
//!   their zero values, wrappers are `Option`, maps are ordered.
//! * Strict: an unknown field is an error that names its path; `apiVersion` and `kind` are
//!   checked, and a misspelled group says which one was expected.
//! * Lossless: reading a manifest and writing it back keeps every field.
//! * Each kind implements `kube::Resource`, so `kube::Api<VirtualService>` works.
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

pub mod destination_rule;
mod duration;
pub mod envoy_filter;
mod error;
pub mod gateway;
pub mod grpc;
mod object;
pub mod peer_authentication;
pub mod protocol;
#[doc(hidden)]
pub mod resource;
pub mod selector;
mod serde_helpers;
pub mod service_entry;
pub mod sidecar;
mod string_match;
pub mod virtual_service;
pub mod workload_entry;
pub mod yaml;

pub use destination_rule::DestinationRule;
pub use duration::{Duration, DurationError};
pub use envoy_filter::EnvoyFilter;
pub use error::{Error, Location};
pub use gateway::Gateway;
pub use object::{Object, UnknownObject};
pub use peer_authentication::PeerAuthentication;
pub use resource::{IstioKind, Version};
pub use service_entry::ServiceEntry;
pub use sidecar::Sidecar;
pub use string_match::StringMatch;
pub use virtual_service::VirtualService;

/// Kubernetes types this crate uses in its public API (re-exported so versions match).
pub use k8s_openapi;

//! The names almost every user of the builder needs, in one import.
//!
//! ```
//! use istio_grpc_builder::prelude::*;
//!
//! let mesh = Ingress::new("grpc.example.com")
//!     .tls(TlsCredential::secret("grpc-tls-credential"))
//!     .backend(Backend::service("user-grpc-service").route(ServiceRoute::unary("mypackage.UserService")))
//!     .build()?;
//! assert_eq!(mesh.objects()[0].kind(), "Gateway");
//! # Ok::<(), BuildErrors>(())
//! ```
//!
//! The call kinds are here for [`MethodRoute`] (`MethodRoute::<Unary>::new(…)`). Left out on
//! purpose: the other compile-time markers and their traits (in [`marker`](crate::marker),
//! named only when a function signature needs them), the descriptor-set reader
//! (`descriptor`, feature `proto`) and the error types other than [`BuildErrors`].

pub use crate::marker::{BidiStreaming, ClientStreaming, ServerStreaming, Streaming, Unary};
/// `#[routes]` (feature `macros`).
#[cfg(feature = "macros")]
pub use crate::routes;
pub use crate::{
    Backend, BuildErrors, GrpcWeb, Ingress, Mesh, MethodRoute, Origins, OutlierDetection,
    ProxylessRole, RetryOn, Route, ServiceRoute, TlsCredential, lb, upstream_tls,
};

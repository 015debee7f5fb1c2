//! gRPC services read from a compiled `FileDescriptorSet`: the exact way to know a service's
//! full name, its methods' `.proto` names and their kinds.
//!
//! `#[routes]` reads a Rust trait, which carries neither the proto package nor the exact method
//! names (tonic turns `GetHTTPStatus` into `get_http_status`). The descriptor set that
//! `tonic_prost_build::configure().file_descriptor_set_path(..)` (or `protox::compile`) writes
//! in `build.rs` carries both.
//!
//! ```
//! use istio_grpc_builder::descriptor;
//! use istio_grpc_builder::service::MethodKind;
//! use prost::Message as _;
//! use prost_types::{FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto};
//!
//! let set = FileDescriptorSet {
//!     file: vec![FileDescriptorProto {
//!         package: Some("helloworld".into()),
//!         service: vec![ServiceDescriptorProto {
//!             name: Some("Greeter".into()),
//!             method: vec![MethodDescriptorProto {
//!                 name: Some("LotsOfReplies".into()),
//!                 server_streaming: Some(true),
//!                 ..Default::default()
//!             }],
//!             ..Default::default()
//!         }],
//!         ..Default::default()
//!     }],
//! };
//! let services = descriptor::services(&set.encode_to_vec())?;
//! assert_eq!(services[0].name, "helloworld.Greeter");
//! assert_eq!(services[0].methods[0].kind, MethodKind::ServerStreaming);
//! assert_eq!(services[0].method_path(&services[0].methods[0]), "/helloworld.Greeter/LotsOfReplies");
//! # Ok::<(), descriptor::DescriptorError>(())
//! ```

use prost::Message as _;
use prost_types::FileDescriptorSet;

use crate::service::{GrpcService, MethodKind};

/// A gRPC service as a descriptor set (or `#[routes]`) describes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DescribedService {
    /// The full name, `<package>.<Service>` (`helloworld.Greeter`), or `<Service>` without a
    /// package.
    pub name: String,
    /// The methods, in `.proto` order.
    pub methods: Vec<DescribedMethod>,
}

/// One method of a [`DescribedService`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DescribedMethod {
    /// The `.proto` name (`SayHello`).
    pub name: String,
    /// How it exchanges messages.
    pub kind: MethodKind,
}

impl DescribedService {
    /// The service as `#[routes]` derived it from a trait, to compare with a descriptor set.
    pub fn of<S: GrpcService>() -> Self {
        DescribedService {
            name: S::SERVICE_NAME.to_owned(),
            methods: S::METHODS
                .iter()
                .map(|m| DescribedMethod {
                    name: m.name.to_owned(),
                    kind: m.kind,
                })
                .collect(),
        }
    }

    /// Whether any method streams (then the service's route must carry no timeout).
    pub fn is_streaming(&self) -> bool {
        self.methods.iter().any(|m| m.kind.is_streaming())
    }

    /// The service's prefix route, typed by what its methods do: a
    /// [`ServiceRoute<Streaming>`](crate::ServiceRoute) (no timeout, ever) if any method
    /// streams, else a [`ServiceRoute<Unary>`](crate::ServiceRoute) that may take a timeout.
    /// This is how a `build.rs` gets routes that follow the `.proto` exactly.
    ///
    /// ```
    /// use std::time::Duration;
    /// use istio_grpc_builder::descriptor::{DescribedMethod, DescribedRoute, DescribedService};
    /// use istio_grpc_builder::{Backend, Route, service::MethodKind};
    ///
    /// let svc = DescribedService {
    ///     name: "mypackage.UserService".into(),
    ///     methods: vec![DescribedMethod { name: "GetUser".into(), kind: MethodKind::Unary }],
    /// };
    /// let route: Route = match svc.route() {
    ///     DescribedRoute::UnaryOnly(r) => r.timeout(Duration::from_secs(10)).into(),
    ///     DescribedRoute::Streams(r) => r.into(), // `.timeout()` does not exist here
    /// };
    /// let backend = Backend::service("user-grpc-service").route(route);
    /// # let _ = backend;
    /// ```
    pub fn route(&self) -> DescribedRoute {
        if self.is_streaming() {
            DescribedRoute::Streams(crate::ServiceRoute::streaming(self.name.clone()))
        } else {
            DescribedRoute::UnaryOnly(crate::ServiceRoute::unary(self.name.clone()))
        }
    }

    /// The HTTP/2 path prefix every call to the service has: `/helloworld.Greeter/`.
    pub fn path_prefix(&self) -> String {
        format!("/{}/", self.name)
    }

    /// The HTTP/2 path of a call to `method`: `/helloworld.Greeter/SayHello`.
    pub fn method_path(&self, method: &DescribedMethod) -> String {
        format!("/{}/{}", self.name, method.name)
    }
}

/// A route derived from a descriptor set, typed at run time by whether the service streams.
#[derive(Clone, Debug)]
pub enum DescribedRoute {
    /// Every method is unary: the route may take a timeout.
    UnaryOnly(crate::ServiceRoute<crate::marker::Unary>),
    /// Some method streams: the route never carries a timeout.
    Streams(crate::ServiceRoute<crate::marker::Streaming>),
}

impl From<DescribedRoute> for crate::Route {
    fn from(r: DescribedRoute) -> Self {
        match r {
            DescribedRoute::UnaryOnly(r) => r.into(),
            DescribedRoute::Streams(r) => r.into(),
        }
    }
}

/// Why a descriptor set could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DescriptorError {
    /// The bytes are not an encoded `google.protobuf.FileDescriptorSet`.
    #[error("not an encoded FileDescriptorSet")]
    Decode(#[source] prost::DecodeError),
    /// A service or method has no name.
    #[error("{file}: {at} has no name")]
    Unnamed {
        /// The `.proto` file it is declared in.
        file: String,
        /// Where in the file: `service #2` or `service Greeter, method #1`.
        at: String,
    },
}

/// Every service in an encoded `FileDescriptorSet`, in file order, with methods in `.proto`
/// order.
///
/// # Errors
/// If the bytes do not decode, or a service or method has no name.
pub fn services(encoded: &[u8]) -> Result<Vec<DescribedService>, DescriptorError> {
    let set = FileDescriptorSet::decode(encoded).map_err(DescriptorError::Decode)?;
    services_in(&set)
}

/// Every service in a decoded `FileDescriptorSet` (as `protox::compile` returns it).
///
/// # Errors
/// If a service or method has no name.
pub fn services_in(set: &FileDescriptorSet) -> Result<Vec<DescribedService>, DescriptorError> {
    let mut out = Vec::new();
    for file in &set.file {
        let file_name = file.name().to_owned();
        for (i, service) in file.service.iter().enumerate() {
            let Some(name) = service.name.as_deref().filter(|n| !n.is_empty()) else {
                return Err(DescriptorError::Unnamed {
                    file: file_name,
                    at: format!("service #{}", i + 1),
                });
            };
            let mut methods = Vec::with_capacity(service.method.len());
            for (j, method) in service.method.iter().enumerate() {
                let Some(method_name) = method.name.as_deref().filter(|n| !n.is_empty()) else {
                    return Err(DescriptorError::Unnamed {
                        file: file_name,
                        at: format!("service {name}, method #{}", j + 1),
                    });
                };
                let kind = match (method.client_streaming(), method.server_streaming()) {
                    (false, false) => MethodKind::Unary,
                    (true, false) => MethodKind::ClientStreaming,
                    (false, true) => MethodKind::ServerStreaming,
                    (true, true) => MethodKind::BidiStreaming,
                };
                methods.push(DescribedMethod {
                    name: method_name.to_owned(),
                    kind,
                });
            }
            let name = match file.package() {
                "" => name.to_owned(),
                package => format!("{package}.{name}"),
            };
            out.push(DescribedService { name, methods });
        }
    }
    Ok(out)
}

//! What a route needs to know about a gRPC service: its full name and its methods' kinds.
//!
//! This is the contract between the builder and `istio-grpc-macros`: the `#[routes]` attribute
//! on a tonic server trait implements [`GrpcService`] for it, and routes built from a service
//! know at compile time which methods stream (see the kinds and bounds in
//! [`marker`](crate::marker)).

/// How a gRPC method exchanges messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MethodKind {
    /// One request, one response.
    Unary,
    /// A stream of requests, one response.
    ClientStreaming,
    /// One request, a stream of responses.
    ServerStreaming,
    /// Streams both ways.
    BidiStreaming,
}

impl MethodKind {
    /// Whether either side streams; a streaming method's route must not carry a finite timeout.
    pub const fn is_streaming(self) -> bool {
        !matches!(self, MethodKind::Unary)
    }
}

/// One method of a gRPC service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MethodInfo {
    /// The method's name as in the `.proto` (`SayHello`), i.e. the last segment of its path.
    pub name: &'static str,
    /// How it exchanges messages.
    pub kind: MethodKind,
}

/// A gRPC service whose name and methods are known at compile time.
pub trait GrpcService {
    /// The full service name, `<package>.<Service>` (`helloworld.Greeter`); routes match the
    /// path prefix `/<package>.<Service>/`.
    const SERVICE_NAME: &'static str;
    /// Every method of the service, in `.proto` order.
    const METHODS: &'static [MethodInfo];
}

//! What a route needs to know about a gRPC service: its full name and its methods' kinds.
//!
//! This is the contract between the builder and `istio-grpc-macros`: the `#[routes]` attribute
//! on a tonic server trait implements [`GrpcService`] for it, and routes built from a service
//! know at compile time which methods stream (see [`CallKind`] and [`AcceptsTimeout`]).

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

/// Compile-time markers for the four method kinds.
pub mod kind {
    /// Marker: a unary method.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Unary;
    /// Marker: a client-streaming method.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct ClientStreaming;
    /// Marker: a server-streaming method.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct ServerStreaming;
    /// Marker: a bidirectional-streaming method.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct BidiStreaming;
    /// Marker for a route that covers several methods, at least one of which streams (a whole
    /// service, or every call to a backend). Not a method kind: it only marks routes.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Streaming;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::kind::Unary {}
    impl Sealed for super::kind::ClientStreaming {}
    impl Sealed for super::kind::ServerStreaming {}
    impl Sealed for super::kind::BidiStreaming {}
    pub trait SealedRoute {}
    impl SealedRoute for super::kind::Unary {}
    impl SealedRoute for super::kind::ClientStreaming {}
    impl SealedRoute for super::kind::ServerStreaming {}
    impl SealedRoute for super::kind::BidiStreaming {}
    impl SealedRoute for super::kind::Streaming {}
}

/// A method kind known at compile time. Sealed: the four markers in [`kind`] are the only ones.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a gRPC method kind",
    note = "use one of istio_grpc_builder::service::kind::{{Unary, ClientStreaming, ServerStreaming, BidiStreaming}}"
)]
pub trait CallKind: sealed::Sealed + Copy + Default + 'static {
    /// The kind as a value.
    const KIND: MethodKind;
}
impl CallKind for kind::Unary {
    const KIND: MethodKind = MethodKind::Unary;
}
impl CallKind for kind::ClientStreaming {
    const KIND: MethodKind = MethodKind::ClientStreaming;
}
impl CallKind for kind::ServerStreaming {
    const KIND: MethodKind = MethodKind::ServerStreaming;
}
impl CallKind for kind::BidiStreaming {
    const KIND: MethodKind = MethodKind::BidiStreaming;
}

/// Kinds whose routes may carry a finite timeout: only unary calls. A streaming call lives as
/// long as its stream, so its route carries no timeout (Istio's default: none; the CRD
/// refuses the spelling `timeout: 0s`).
#[diagnostic::on_unimplemented(
    message = "a `{Self}` route cannot take a timeout: a finite timeout cuts long-lived gRPC streams",
    label = "this route streams",
    note = "streaming routes carry no timeout, so streams live as long as they need; remove `.timeout(..)`/`.per_try_timeout(..)`, or route a unary method"
)]
pub trait AcceptsTimeout: CallKind {}
impl AcceptsTimeout for kind::Unary {}

/// What a route carries at compile time: one method kind, or [`kind::Streaming`] for a route
/// over several methods of which some stream. Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a route kind",
    note = "use one of istio_grpc_builder::service::kind::{{Unary, ClientStreaming, ServerStreaming, BidiStreaming, Streaming}}"
)]
pub trait RouteKind: sealed::SealedRoute + Copy + Default + 'static {
    /// Whether calls on this route may stream; such routes carry no timeout.
    const STREAMING: bool;
}
impl<K: CallKind> RouteKind for K
where
    K: sealed::SealedRoute,
{
    const STREAMING: bool = K::KIND.is_streaming();
}
impl RouteKind for kind::Streaming {
    const STREAMING: bool = true;
}

//! Every compile-time marker of the builder, and the traits that bound them.
//!
//! The builder's types carry these markers so that the compiler refuses what would break live
//! traffic: an [`Ingress`](crate::Ingress) is built only once its transport is chosen
//! ([`Unchosen`] → [`Https`] or [`H2c`]); a route knows whether its calls stream
//! ([`Unary`], [`ClientStreaming`], [`ServerStreaming`], [`BidiStreaming`], or [`Streaming`]
//! for a route over several methods), and only unary routes take a timeout; a
//! [`Backend`](crate::Backend) knows whether its pods run a sidecar or proxyless gRPC
//! ([`Sidecar`], [`Proxyless`]), and accepts only the load balancers ([`lb`]) and upstream TLS
//! modes ([`upstream_tls`]) its data plane applies; it also knows whether the builder writes its
//! Service ([`Written`]) or it is yours ([`Existing`]), whose port names and selector are not
//! the builder's to set. An ingress also knows the API it is
//! written in ([`Istio`] or [`GatewayApi`]), and offers only the settings that API can say.
//!
//! Every trait here is sealed: the markers in this module are the only implementors.

/// Marker: the gateway's transport is not chosen yet. No gateway is built in this state.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unchosen;
/// Marker: HTTPS on 443, TLS terminated at the gateway (HTTP/2 negotiated by ALPN); chosen
/// with [`Ingress::tls`](crate::Ingress::tls).
#[derive(Clone, Copy, Debug, Default)]
pub struct Https;
/// Marker: plaintext HTTP/2 (h2c) on port 80; chosen by name with
/// [`Ingress::h2c`](crate::Ingress::h2c).
#[derive(Clone, Copy, Debug, Default)]
pub struct H2c;

/// Marker: the output is Istio's API (Gateway, VirtualService, DestinationRule…), the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Istio;
/// Marker: the output is the Kubernetes Gateway API (Gateway, GRPCRoute, ReferenceGrant…),
/// chosen with [`Ingress::gateway_api`](crate::Ingress::gateway_api).
#[derive(Clone, Copy, Debug, Default)]
pub struct GatewayApi;

/// Marker: the backend's pods run an Envoy sidecar (the default).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sidecar;
/// Marker: the backend's pods run proxyless gRPC (xDS in the gRPC library, `grpc-agent`
/// injection template).
#[derive(Clone, Copy, Debug, Default)]
pub struct Proxyless;

/// Marker: the builder writes the backend's Service ([`Backend::service`](crate::Backend::service)),
/// the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Written;
/// Marker: the backend is your own Service ([`Backend::existing`](crate::Backend::existing)),
/// checked but not written.
#[derive(Clone, Copy, Debug, Default)]
pub struct Existing;

/// Marker: a unary method (one request, one response).
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
/// Marker: a route over several methods (a whole service, or every call to a backend) of which
/// at least one streams. Not a method kind: it only marks routes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Streaming;

/// Marker: a route for a whole gRPC service, or every call to a backend
/// ([`ServiceRoute`](crate::ServiceRoute)).
#[derive(Clone, Copy, Debug, Default)]
pub struct ByService;
/// Marker: a route for one method ([`MethodRoute`](crate::MethodRoute)).
#[derive(Clone, Copy, Debug, Default)]
pub struct ByMethod;

/// Load-balancing policies (`DestinationRule.trafficPolicy.loadBalancer.simple`).
pub mod lb {
    /// `ROUND_ROBIN`. Proxyless gRPC's default.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct RoundRobin;
    /// `LEAST_REQUEST`. Applied by proxyless gRPC too (Istio's `grpcgen/cds.go`).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct LeastRequest;
    /// `LEAST_CONN` (deprecated alias of `LEAST_REQUEST` in Envoy). Sidecars only: proxyless
    /// gRPC ignores it.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct LeastConn;
    /// `RANDOM`. Sidecars only: proxyless gRPC ignores it.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Random;
}

/// TLS modes from the gateway (or a client's sidecar) to a backend
/// (`DestinationRule.trafficPolicy.tls.mode`): the upstream side, not the gateway's own TLS.
pub mod upstream_tls {
    /// `DISABLE`: plaintext to the backend.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Disable;
    /// `ISTIO_MUTUAL`: mesh mTLS with Istio's workload certificates.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct IstioMutual;
    /// `SIMPLE`: TLS originated to a backend that terminates TLS itself. Sidecars only.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Simple;
}

mod sealed {
    pub trait Sealed {}
    macro_rules! sealed {
        ($($t:ty),*) => { $(impl Sealed for $t {})* };
    }
    sealed!(
        super::Unchosen,
        super::Https,
        super::H2c,
        super::Istio,
        super::GatewayApi,
        super::Sidecar,
        super::Proxyless,
        super::Written,
        super::Existing,
        super::Unary,
        super::ClientStreaming,
        super::ServerStreaming,
        super::BidiStreaming,
        super::Streaming,
        super::ByService,
        super::ByMethod,
        super::lb::RoundRobin,
        super::lb::LeastRequest,
        super::lb::LeastConn,
        super::lb::Random,
        super::upstream_tls::Disable,
        super::upstream_tls::IstioMutual,
        super::upstream_tls::Simple
    );
}

use istio_grpc_types::destination_rule::{ClientTlsMode, SimpleLb};

use crate::service::MethodKind;

/// A chosen transport: [`Https`] or [`H2c`]. `build()` needs one.
#[diagnostic::on_unimplemented(
    message = "no gateway is built before its transport is chosen",
    label = "TLS or h2c not chosen yet",
    note = "call `.tls(TlsCredential::secret(\"…\"))` for HTTPS on 443, or `.h2c()` for plaintext HTTP/2 on 80, before `.build()`"
)]
pub trait Transport: sealed::Sealed {
    /// Whether the gateway terminates TLS.
    const TLS: bool;
}
impl Transport for Https {
    const TLS: bool = true;
}
impl Transport for H2c {
    const TLS: bool = false;
}

/// A transport that may still be chosen: only [`Unchosen`].
#[diagnostic::on_unimplemented(
    message = "the gateway's transport is already chosen: an h2c gateway takes no TLS credential, and a TLS gateway is not also h2c",
    label = "transport chosen earlier in this chain",
    note = "choose exactly one of `.tls(..)` (HTTPS on 443) and `.h2c()` (plaintext on 80); remove the other call"
)]
pub trait TransportUnchosen: sealed::Sealed {}
impl TransportUnchosen for Unchosen {}

/// Where a backend's Service comes from: [`Written`] by the builder or your own, [`Existing`].
pub trait ServiceOrigin: sealed::Sealed + 'static {}
impl ServiceOrigin for Written {}
impl ServiceOrigin for Existing {}

/// A Service the builder writes, so that its port name, target port and selector can be set.
#[diagnostic::on_unimplemented(
    message = "the builder does not write your own Service (`Backend::existing`), so it has no port name, target port or selector to set",
    label = "a backend on your own Service",
    note = "set the port name, target port and selector in your Service itself (the builder checks that its port is declared HTTP/2), or let the builder write it with `Backend::service(..)`"
)]
pub trait WritesService: ServiceOrigin {}
impl WritesService for Written {}

/// How a backend's pods take part in the mesh: [`Sidecar`] or [`Proxyless`].
pub trait DataPlane: sealed::Sealed + 'static {
    /// Whether the pods are proxyless.
    const PROXYLESS: bool;
}
impl DataPlane for Sidecar {
    const PROXYLESS: bool = false;
}
impl DataPlane for Proxyless {
    const PROXYLESS: bool = true;
}

/// A method kind known at compile time: [`Unary`], [`ClientStreaming`], [`ServerStreaming`]
/// or [`BidiStreaming`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a gRPC method kind",
    note = "use one of istio_grpc_builder::marker::{{Unary, ClientStreaming, ServerStreaming, BidiStreaming}}"
)]
pub trait CallKind: RouteKind {
    /// The kind as a value.
    const KIND: MethodKind;
}
impl CallKind for Unary {
    const KIND: MethodKind = MethodKind::Unary;
}
impl CallKind for ClientStreaming {
    const KIND: MethodKind = MethodKind::ClientStreaming;
}
impl CallKind for ServerStreaming {
    const KIND: MethodKind = MethodKind::ServerStreaming;
}
impl CallKind for BidiStreaming {
    const KIND: MethodKind = MethodKind::BidiStreaming;
}

/// What a route carries at compile time: one method kind, or [`Streaming`] for a route over
/// several methods of which some stream.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a route kind",
    note = "use one of istio_grpc_builder::marker::{{Unary, ClientStreaming, ServerStreaming, BidiStreaming, Streaming}}"
)]
pub trait RouteKind: sealed::Sealed + Copy + Default + 'static {
    /// Whether calls on this route may stream; such routes carry no timeout.
    const STREAMING: bool;
}
impl RouteKind for Unary {
    const STREAMING: bool = false;
}
impl RouteKind for ClientStreaming {
    const STREAMING: bool = true;
}
impl RouteKind for ServerStreaming {
    const STREAMING: bool = true;
}
impl RouteKind for BidiStreaming {
    const STREAMING: bool = true;
}
impl RouteKind for Streaming {
    const STREAMING: bool = true;
}

/// Route kinds that may carry a finite timeout: only [`Unary`]. A streaming call lives as long
/// as its stream, so its route carries no timeout (Istio's default: none).
#[diagnostic::on_unimplemented(
    message = "a streaming route cannot take a timeout: a finite timeout cuts long-lived gRPC streams",
    label = "this route streams",
    note = "streaming routes carry no timeout, so streams live as long as they need; remove `.timeout(..)` and `.per_try_timeout(..)`, or route a unary method"
)]
pub trait AcceptsTimeout: RouteKind {}
impl AcceptsTimeout for Unary {}

/// What a route is for: [`ByService`] or [`ByMethod`].
pub trait Scope: sealed::Sealed + 'static {
    /// The type's name in `Debug` output.
    const NAME: &'static str;
}
impl Scope for ByService {
    const NAME: &'static str = "ServiceRoute";
}
impl Scope for ByMethod {
    const NAME: &'static str = "MethodRoute";
}

/// A data plane that applies a DestinationRule's outlier detection
/// ([`Backend::outlier_detection`](crate::Backend::outlier_detection)): the sidecar. Istio's
/// proxyless generator (`pilot/pkg/networking/grpcgen/cds.go`, `applyTrafficPolicy`) takes a
/// DestinationRule's TLS and load balancing to proxyless gRPC, not its outlier detection.
#[diagnostic::on_unimplemented(
    message = "proxyless gRPC does not eject failing pods: Istio does not give it a DestinationRule's outlier detection",
    label = "a proxyless backend",
    note = "Istio's proxyless generator takes only a DestinationRule's TLS and load balancing to proxyless gRPC; eject failing pods on a sidecar backend, or leave the call to `outlier_detection` out"
)]
pub trait EjectsOutliers: DataPlane {}
impl EjectsOutliers for Sidecar {}

/// A load-balancing policy that data plane `M` applies. Proxyless gRPC applies `ROUND_ROBIN`
/// and `LEAST_REQUEST` only; it ignores other simple policies with a log warning (Istio's
/// `pilot/pkg/networking/grpcgen/cds.go`).
#[diagnostic::on_unimplemented(
    message = "proxyless gRPC ignores the `{Self}` load balancer",
    label = "not applied by proxyless gRPC",
    note = "proxyless gRPC applies only `lb::RoundRobin` (its default) and `lb::LeastRequest`; use one of those, or a sidecar backend"
)]
pub trait LoadBalancerFor<M: DataPlane>: sealed::Sealed {
    /// The policy as Istio writes it.
    const SIMPLE: SimpleLb;
}
impl<M: DataPlane> LoadBalancerFor<M> for lb::RoundRobin {
    const SIMPLE: SimpleLb = SimpleLb::RoundRobin;
}
impl<M: DataPlane> LoadBalancerFor<M> for lb::LeastRequest {
    const SIMPLE: SimpleLb = SimpleLb::LeastRequest;
}
impl LoadBalancerFor<Sidecar> for lb::LeastConn {
    const SIMPLE: SimpleLb = SimpleLb::LeastConn;
}
impl LoadBalancerFor<Sidecar> for lb::Random {
    const SIMPLE: SimpleLb = SimpleLb::Random;
}

/// An upstream TLS mode that data plane `M` applies. Proxyless gRPC applies only `DISABLE`
/// and `ISTIO_MUTUAL`; it ignores `SIMPLE` and `MUTUAL` (Istio's `grpcgen/cds.go`).
#[diagnostic::on_unimplemented(
    message = "proxyless gRPC ignores upstream TLS mode `{Self}`",
    label = "not applied by proxyless gRPC",
    note = "proxyless gRPC applies only `upstream_tls::IstioMutual` and `upstream_tls::Disable`; use one of those, or a sidecar backend"
)]
pub trait TlsModeFor<M: DataPlane>: sealed::Sealed {
    /// The mode as Istio writes it.
    const MODE: ClientTlsMode;
}
impl<M: DataPlane> TlsModeFor<M> for upstream_tls::Disable {
    const MODE: ClientTlsMode = ClientTlsMode::Disable;
}
impl<M: DataPlane> TlsModeFor<M> for upstream_tls::IstioMutual {
    const MODE: ClientTlsMode = ClientTlsMode::IstioMutual;
}
impl TlsModeFor<Sidecar> for upstream_tls::Simple {
    const MODE: ClientTlsMode = ClientTlsMode::Simple;
}

/// The API the manifests are written in: [`Istio`] (the default) or [`GatewayApi`].
pub trait Api: sealed::Sealed + 'static {
    /// Whether the output is the Gateway API.
    const GATEWAY_API: bool;
}
impl Api for Istio {
    const GATEWAY_API: bool = false;
}
impl Api for GatewayApi {
    const GATEWAY_API: bool = true;
}

/// What only Istio's API says: an Istio `Gateway` selecting an existing gateway workload, a
/// named VirtualService. Implemented by [`Istio`] only.
#[diagnostic::on_unimplemented(
    message = "this setting exists only in Istio's API, not in the Gateway API",
    label = "not available once `.gateway_api()` is chosen",
    note = "with the Gateway API, Istio deploys the gateway workload itself, in the Gateway's namespace (set it with `.namespace(..)`), and the routes are GRPCRoutes named after their backends",
    note = "remove this call, or keep Istio's API by removing `.gateway_api()`"
)]
pub trait IstioOnly: Api {}
impl IstioOnly for Istio {}

/// What only the Gateway API says: a TLS Secret in another namespace (with its
/// ReferenceGrant), GAMMA mesh routes. Implemented by [`GatewayApi`] only.
#[diagnostic::on_unimplemented(
    message = "this setting exists only in the Gateway API output",
    label = "Istio's API is still the target",
    note = "call `.gateway_api()` first to write Gateway API resources"
)]
pub trait GatewayApiOnly: Api {}
impl GatewayApiOnly for GatewayApi {}

/// A data plane whose backends API `A` can route to: a [`Sidecar`] backend anywhere; a
/// [`Proxyless`] backend only with Istio's API, because proxyless gRPC takes its load balancer
/// and TLS mode from a DestinationRule, which the Gateway API has no kind for.
#[diagnostic::on_unimplemented(
    message = "a proxyless gRPC backend cannot be described with the Gateway API",
    label = "this backend is proxyless",
    note = "proxyless gRPC takes its load balancer and TLS mode from a DestinationRule, and the Gateway API has no kind for either (nor for the `grpc-agent` injection template)",
    note = "keep Istio's API for this mesh (remove `.gateway_api()`), or give the backend a sidecar or ambient data plane (remove `.proxyless(..)`)"
)]
pub trait RoutableWith<A: Api>: DataPlane {}
impl<A: Api> RoutableWith<A> for Sidecar {}
impl RoutableWith<Istio> for Proxyless {}

//! Backends: the Kubernetes Services that serve gRPC, their routes and traffic policy.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use istio_grpc_types::destination_rule::{ClientTlsMode, SimpleLb};
use k8s_openapi::api::core::v1::Service;

use crate::GrpcWeb;
use crate::route::Route;
use crate::service::GrpcService;

/// The port gRPC backends listen on unless told otherwise (the seed's).
pub const DEFAULT_GRPC_PORT: u16 = 50051;

/// Data-plane markers: how a backend's pods take part in the mesh.
pub mod data_plane {
    /// Marker: the pods run an Envoy sidecar (the default).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Sidecar;
    /// Marker: the pods run proxyless gRPC (xDS in the gRPC library, `grpc-agent` template).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Proxyless;
}
use data_plane::{Proxyless, Sidecar};

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::data_plane::Sidecar {}
    impl Sealed for super::data_plane::Proxyless {}
    impl Sealed for super::lb::RoundRobin {}
    impl Sealed for super::lb::LeastRequest {}
    impl Sealed for super::lb::LeastConn {}
    impl Sealed for super::lb::Random {}
    impl Sealed for super::tls::Disable {}
    impl Sealed for super::tls::IstioMutual {}
    impl Sealed for super::tls::Simple {}
}

/// How a backend's pods take part in the mesh: [`Sidecar`] or [`Proxyless`]. Sealed.
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

/// Load-balancing policies (`DestinationRule.trafficPolicy.loadBalancer.simple`).
pub mod lb {
    /// `ROUND_ROBIN`. Proxyless gRPC's default and the seed's only supported policy.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct RoundRobin;
    /// `LEAST_REQUEST`. Supported by proxyless gRPC since Istio's
    /// `grpc-proxyless-traffic-management` release note (REFERENCE §f, `grpcgen/cds.go`).
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

/// A load-balancing policy that data plane `M` applies. Proxyless gRPC applies `ROUND_ROBIN`
/// and `LEAST_REQUEST` only; other simple policies are ignored with a log warning
/// (REFERENCE §f, source `ISTIO:pilot/pkg/networking/grpcgen/cds.go` and the release note
/// `grpc-proxyless-traffic-management.yaml`).
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

/// TLS modes towards a backend (`DestinationRule.trafficPolicy.tls.mode`).
pub mod tls {
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

/// A TLS mode that data plane `M` applies. Proxyless gRPC applies only `DISABLE` and
/// `ISTIO_MUTUAL`; `SIMPLE`/`MUTUAL` are ignored (REFERENCE §f, `grpcgen/cds.go`).
#[diagnostic::on_unimplemented(
    message = "proxyless gRPC ignores TLS mode `{Self}`",
    label = "not applied by proxyless gRPC",
    note = "proxyless gRPC applies only `tls::IstioMutual` and `tls::Disable`; use one of those, or a sidecar backend"
)]
pub trait TlsModeFor<M: DataPlane>: sealed::Sealed {
    /// The mode as Istio writes it.
    const MODE: ClientTlsMode;
}
impl<M: DataPlane> TlsModeFor<M> for tls::Disable {
    const MODE: ClientTlsMode = ClientTlsMode::Disable;
}
impl<M: DataPlane> TlsModeFor<M> for tls::IstioMutual {
    const MODE: ClientTlsMode = ClientTlsMode::IstioMutual;
}
impl TlsModeFor<Sidecar> for tls::Simple {
    const MODE: ClientTlsMode = ClientTlsMode::Simple;
}

/// Whether a proxyless workload serves or only calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxylessRole {
    /// A gRPC server: also held until the agent's xDS bootstrap exists.
    Server,
    /// A gRPC client only.
    Client,
}

/// The pod-template annotations that make a workload proxyless (REFERENCE §f):
/// `inject.istio.io/templates: grpc-agent`, and for servers
/// `proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'`.
///
/// ```
/// use istio_grpc_builder::{ProxylessRole, proxyless_pod_annotations};
/// let a = proxyless_pod_annotations(ProxylessRole::Server);
/// assert_eq!(a["inject.istio.io/templates"], "grpc-agent");
/// ```
pub fn proxyless_pod_annotations(role: ProxylessRole) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    a.insert(
        "inject.istio.io/templates".to_owned(),
        "grpc-agent".to_owned(),
    );
    if role == ProxylessRole::Server {
        a.insert(
            "proxy.istio.io/config".to_owned(),
            r#"{"holdApplicationUntilProxyStarts": true}"#.to_owned(),
        );
    }
    a
}

/// Where the backend's Kubernetes Service comes from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ServiceSource {
    /// The builder writes it.
    Emit {
        port_name: String,
        selector: BTreeMap<String, String>,
        target_port: Option<u16>,
    },
    /// The user's own, checked.
    Given(Box<Service>),
}

/// Everything a backend holds, independent of its data plane.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BackendSpec {
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) port: u16,
    pub(crate) service: ServiceSource,
    pub(crate) routes: Vec<Route>,
    pub(crate) grpc_web: Option<GrpcWeb>,
    pub(crate) lb: Option<SimpleLb>,
    pub(crate) tls: Option<ClientTlsMode>,
    pub(crate) subsets: Vec<(String, BTreeMap<String, String>)>,
    pub(crate) proxyless: Option<ProxylessRole>,
}

/// A Kubernetes Service that serves gRPC, with the routes that reach it.
///
/// By default the builder writes the Service (port 50051 named `grpc`, `appProtocol: grpc`,
/// selector `app: <name>`); [`Backend::existing`] checks yours instead. Without routes, a
/// backend takes every call ([`ServiceRoute::all_unary`](crate::ServiceRoute::all_unary)).
///
/// ```
/// use istio_grpc_builder::{Backend, ServiceRoute};
/// let users = Backend::service("user-grpc-service")
///     .route(ServiceRoute::unary("mypackage.UserService"))
///     .route(ServiceRoute::health());
/// # let _ = users;
/// ```
#[must_use]
pub struct Backend<M: DataPlane = Sidecar> {
    pub(crate) spec: BackendSpec,
    plane: PhantomData<fn() -> M>,
}

impl<M: DataPlane> std::fmt::Debug for Backend<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("proxyless", &M::PROXYLESS)
            .field("spec", &self.spec)
            .finish()
    }
}

impl<M: DataPlane> Clone for Backend<M> {
    fn clone(&self) -> Self {
        Backend {
            spec: self.spec.clone(),
            plane: PhantomData,
        }
    }
}

impl Backend<Sidecar> {
    /// The Service `name`, on port 50051, written by the builder.
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service");
    /// # let _ = b;
    /// ```
    pub fn service(name: impl Into<String>) -> Self {
        let name = name.into();
        let mut selector = BTreeMap::new();
        selector.insert("app".to_owned(), name.clone());
        Backend {
            spec: BackendSpec {
                name,
                namespace: None,
                port: DEFAULT_GRPC_PORT,
                service: ServiceSource::Emit {
                    port_name: "grpc".to_owned(),
                    selector,
                    target_port: None,
                },
                routes: Vec::new(),
                grpc_web: None,
                lb: None,
                tls: None,
                subsets: Vec::new(),
                proxyless: None,
            },
            plane: PhantomData,
        }
    }

    /// Your own Service: not written out, but checked by `build()`: the routed port must be
    /// declared HTTP/2-capable (`appProtocol: grpc`/`http2`/`kubernetes.io/h2c`, or a name
    /// `grpc[-…]`/`http2[-…]`), or Istio speaks HTTP/1.1 to it and gRPC calls fail with
    /// `RST_STREAM`. Its name and namespace are taken from its metadata.
    ///
    /// ```
    /// use istio_grpc_builder::k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
    /// use istio_grpc_builder::Backend;
    ///
    /// let svc = Service {
    ///     metadata: istio_grpc_builder::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
    ///         name: Some("user-grpc-service".into()),
    ///         ..Default::default()
    ///     },
    ///     spec: Some(ServiceSpec {
    ///         ports: Some(vec![ServicePort { name: Some("grpc-api".into()), port: 50051, ..Default::default() }]),
    ///         ..Default::default()
    ///     }),
    ///     ..Default::default()
    /// };
    /// let b = Backend::existing(svc);
    /// # let _ = b;
    /// ```
    pub fn existing(service: Service) -> Self {
        let mut b = Backend::service(service.metadata.name.clone().unwrap_or_default());
        b.spec.namespace = service.metadata.namespace.clone();
        b.spec.service = ServiceSource::Given(Box::new(service));
        b
    }

    /// Make this backend proxyless gRPC: its pods use the `grpc-agent` injection template (see
    /// [`proxyless_pod_annotations`] and `Mesh::pod_annotations`), and its DestinationRule
    /// accepts only what proxyless gRPC applies. Load balancing defaults to `ROUND_ROBIN`.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, ProxylessRole, tls};
    /// let b = Backend::service("echo").proxyless(ProxylessRole::Server).tls(tls::IstioMutual);
    /// # let _ = b;
    /// ```
    pub fn proxyless(mut self, role: ProxylessRole) -> Backend<Proxyless> {
        self.spec.proxyless = Some(role);
        if self.spec.lb.is_none() {
            self.spec.lb = Some(SimpleLb::RoundRobin);
        }
        Backend {
            spec: self.spec,
            plane: PhantomData,
        }
    }
}

impl<M: DataPlane> Backend<M> {
    /// The Service's namespace (default: none, i.e. the namespace the manifests are applied
    /// to). With a namespace, routes use the host `<name>.<namespace>.svc.cluster.local`.
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").namespace("shop");
    /// # let _ = b;
    /// ```
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.spec.namespace = Some(namespace.into());
        self
    }

    /// The Service port routes go to (default 50051; 1–65535, checked by `build()`).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").port(9090);
    /// # let _ = b;
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.spec.port = port;
        self
    }

    /// The name of the written Service's port: `grpc` (default) or `grpc-<suffix>`, which is
    /// how Istio knows it speaks HTTP/2 (checked by `build()`). Ignored for [`Backend::existing`].
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").port_name("grpc-api");
    /// # let _ = b;
    /// ```
    pub fn port_name(mut self, name: impl Into<String>) -> Self {
        if let ServiceSource::Emit { port_name, .. } = &mut self.spec.service {
            *port_name = name.into();
        }
        self
    }

    /// The container port the written Service forwards to (default: the same as the port).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").port(80).target_port(50051);
    /// # let _ = b;
    /// ```
    pub fn target_port(mut self, port: u16) -> Self {
        if let ServiceSource::Emit { target_port, .. } = &mut self.spec.service {
            *target_port = Some(port);
        }
        self
    }

    /// The written Service's pod selector (default `app: <name>`).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").selector([("app", "users"), ("tier", "api")]);
    /// # let _ = b;
    /// ```
    pub fn selector<K: Into<String>, V: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        if let ServiceSource::Emit { selector, .. } = &mut self.spec.service {
            *selector = labels
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect();
        }
        self
    }

    /// A route to this backend: a [`ServiceRoute`](crate::ServiceRoute) or a
    /// [`MethodRoute`](crate::MethodRoute). Routes are ordered most specific first in the
    /// VirtualService (methods, services, health, then catch-alls), so none hides another.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, ServiceRoute};
    /// let b = Backend::service("streaming-service").route(ServiceRoute::all_streaming());
    /// # let _ = b;
    /// ```
    pub fn route(mut self, route: impl Into<Route>) -> Self {
        self.spec.routes.push(route.into());
        self
    }

    /// One prefix route for a whole service known at compile time (e.g. through
    /// `#[istio_grpc_builder::routes]`): streaming-safe if any of its methods streams.
    ///
    /// ```
    /// use istio_grpc_builder::Backend;
    /// use istio_grpc_builder::service::{GrpcService, MethodInfo, MethodKind};
    ///
    /// struct Greeter;
    /// impl GrpcService for Greeter {
    ///     const SERVICE_NAME: &'static str = "helloworld.Greeter";
    ///     const METHODS: &'static [MethodInfo] = &[MethodInfo { name: "SayHello", kind: MethodKind::Unary }];
    /// }
    /// let b = Backend::service("greeter").serves::<Greeter>();
    /// # let _ = b;
    /// ```
    pub fn serves<S: GrpcService>(self) -> Self {
        self.route(Route::for_service::<S>())
    }

    /// Several routes at once (for instance every method route of a service, as generated by
    /// the `routes` macro).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, MethodRoute, Route};
    /// use istio_grpc_builder::service::kind::{ServerStreaming, Unary};
    /// let routes: Vec<Route> = vec![
    ///     MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello").into(),
    ///     MethodRoute::<ServerStreaming>::new("helloworld.Greeter", "SayHellos").into(),
    /// ];
    /// let b = Backend::service("greeter").routes(routes);
    /// # let _ = b;
    /// ```
    pub fn routes<R: Into<Route>>(mut self, routes: impl IntoIterator<Item = R>) -> Self {
        self.spec.routes.extend(routes.into_iter().map(Into::into));
        self
    }

    /// gRPC-Web for this backend's calls from browsers (see [`GrpcWeb`]).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, GrpcWeb, Origins};
    /// let b = Backend::service("grpc-service")
    ///     .grpc_web(GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com")));
    /// # let _ = b;
    /// ```
    pub fn grpc_web(mut self, grpc_web: GrpcWeb) -> Self {
        self.spec.grpc_web = Some(grpc_web);
        self
    }

    /// The load-balancing policy (writes a DestinationRule). On a proxyless backend only the
    /// policies proxyless gRPC applies compile.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, lb};
    /// let b = Backend::service("grpc-service").load_balancer(lb::LeastRequest);
    /// # let _ = b;
    /// ```
    pub fn load_balancer<L: LoadBalancerFor<M>>(mut self, _policy: L) -> Self {
        self.spec.lb = Some(L::SIMPLE);
        self
    }

    /// The TLS mode towards the backend (writes a DestinationRule). On a proxyless backend only
    /// `DISABLE` and `ISTIO_MUTUAL` compile.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, tls};
    /// let b = Backend::service("grpc-service").tls(tls::IstioMutual);
    /// # let _ = b;
    /// ```
    pub fn tls<T: TlsModeFor<M>>(mut self, _mode: T) -> Self {
        self.spec.tls = Some(T::MODE);
        self
    }

    /// A DestinationRule subset: pods of this backend with these labels (e.g. a version).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").subset("v1", [("version", "v1")]);
    /// # let _ = b;
    /// ```
    pub fn subset<K: Into<String>, V: Into<String>>(
        mut self,
        name: impl Into<String>,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let labels = labels
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.spec.subsets.push((name.into(), labels));
        self
    }
}

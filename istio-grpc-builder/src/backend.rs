//! Backends: the Kubernetes Services that serve gRPC, their routes and traffic policy.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use istio_grpc_types::destination_rule::SimpleLb;
use k8s_openapi::api::core::v1::Service;

use crate::GrpcWeb;
use crate::marker::{
    DataPlane, Existing, LoadBalancerFor, Proxyless, ServiceOrigin, Sidecar, TlsModeFor,
    WritesService, Written, upstream_tls,
};
use crate::route::Route;
use crate::service::GrpcService;
use crate::spec::{BackendSpec, ServiceSource, SplitSpec, UpstreamCa, UpstreamVerify};

/// The port gRPC backends listen on unless told otherwise.
pub const DEFAULT_GRPC_PORT: u16 = 50051;

/// Whether a proxyless workload serves or only calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxylessRole {
    /// A gRPC server: also held until the agent's xDS bootstrap exists.
    Server,
    /// A gRPC client only.
    Client,
}

/// The pod-template annotations that make a workload proxyless
/// (<https://istio.io/latest/docs/ops/configuration/traffic-management/proxyless-grpc/>):
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
/// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(users).build()?;
/// assert!(mesh.yaml().contains("prefix: /mypackage.UserService/"), "{}", mesh.yaml());
/// assert!(mesh.yaml().contains("prefix: /grpc.health.v1.Health/"), "{}", mesh.yaml());
/// # Ok::<(), istio_grpc_builder::BuildErrors>(())
/// ```
#[must_use]
pub struct Backend<M: DataPlane = Sidecar, O: ServiceOrigin = Written> {
    pub(crate) spec: BackendSpec,
    plane: PhantomData<fn() -> (M, O)>,
}

impl<M: DataPlane, O: ServiceOrigin> std::fmt::Debug for Backend<M, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("proxyless", &M::PROXYLESS)
            .field("spec", &self.spec)
            .finish()
    }
}

impl<M: DataPlane, O: ServiceOrigin> Clone for Backend<M, O> {
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
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("host: grpc-service"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("number: 50051"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("appProtocol: grpc"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn service(name: impl Into<String>) -> Self {
        let name = name.into();
        Backend {
            spec: BackendSpec {
                name,
                namespace: None,
                port: DEFAULT_GRPC_PORT,
                service: ServiceSource::Emit {
                    port_name: "grpc".to_owned(),
                    selector: None,
                    target_port: None,
                },
                routes: Vec::new(),
                grpc_web: None,
                lb: None,
                upstream_tls: None,
                upstream_verify: None,
                subsets: Vec::new(),
                outlier: None,
                max_concurrent_calls: None,
                proxyless: None,
                reflection: false,
                splits: Vec::new(),
            },
            plane: PhantomData,
        }
    }
}

impl Backend<Sidecar, Existing> {
    /// Your own Service: not written out, but checked by `build()`: the routed port must be
    /// declared HTTP/2-capable (`appProtocol: grpc`/`http2`/`kubernetes.io/h2c`, or a name
    /// `grpc[-…]`/`http2[-…]`), or Istio speaks HTTP/1.1 to it and gRPC calls fail with
    /// `RST_STREAM`. Its name and namespace are taken from its metadata. Its port name, target
    /// port and selector are yours: the setters for them do not compile on it.
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
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.objects().iter().all(|o| o.kind() != "Service")); // yours, not written
    /// assert!(mesh.yaml().contains("host: user-grpc-service"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn existing(service: Service) -> Self {
        let mut spec = Backend::service(service.metadata.name.clone().unwrap_or_default()).spec;
        spec.namespace = service.metadata.namespace.clone();
        spec.service = ServiceSource::Given(Box::new(service));
        Backend {
            spec,
            plane: PhantomData,
        }
    }
}

impl<O: ServiceOrigin> Backend<Sidecar, O> {
    /// Make this backend proxyless gRPC: its pods use the `grpc-agent` injection template (see
    /// [`proxyless_pod_annotations`] and `Mesh::pod_annotations`), and its DestinationRule
    /// accepts only what proxyless gRPC applies. Load balancing defaults to `ROUND_ROBIN`.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, ProxylessRole, upstream_tls};
    /// let echo = Backend::service("echo").proxyless(ProxylessRole::Server).upstream_tls(upstream_tls::IstioMutual);
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(echo).build()?;
    /// assert!(mesh.yaml().contains("simple: ROUND_ROBIN"));
    /// assert_eq!(mesh.pod_annotations("echo").unwrap()["inject.istio.io/templates"], "grpc-agent");
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn proxyless(mut self, role: ProxylessRole) -> Backend<Proxyless, O> {
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

impl<M: DataPlane, O: ServiceOrigin> Backend<M, O> {
    /// The Service's namespace (default: none, i.e. the namespace the manifests are applied
    /// to). With a namespace, routes use the host `<name>.<namespace>.svc.cluster.local`.
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").namespace("shop");
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("host: grpc-service.shop.svc.cluster.local"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.spec.namespace = Some(namespace.into());
        self
    }

    /// The Service port routes go to (default 50051; 1–65535, checked by `build()`).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").port(9090);
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("number: 9090"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.spec.port = port;
        self
    }

    /// The name of the written Service's port: `grpc` (default) or `grpc-<suffix>`, which is
    /// how Istio knows it speaks HTTP/2 (checked by `build()`). Your own Service
    /// ([`Backend::existing`]) names its ports itself.
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").port_name("grpc-api");
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("name: grpc-api"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn port_name(mut self, name: impl Into<String>) -> Self
    where
        O: WritesService,
    {
        if let ServiceSource::Emit { port_name, .. } = &mut self.spec.service {
            *port_name = name.into();
        }
        self
    }

    /// The container port the written Service forwards to (default: the same as the port).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").port(80).target_port(50051);
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("port: 80"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("targetPort: 50051"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn target_port(mut self, port: u16) -> Self
    where
        O: WritesService,
    {
        if let ServiceSource::Emit { target_port, .. } = &mut self.spec.service {
            *target_port = Some(port);
        }
        self
    }

    /// The written Service's pod selector (default `app: <name>`).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").selector([("app", "users"), ("tier", "api")]);
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("tier: api"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn selector<K: Into<String>, V: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self
    where
        O: WritesService,
    {
        if let ServiceSource::Emit { selector, .. } = &mut self.spec.service {
            *selector = Some(
                labels
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            );
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
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(!mesh.yaml().contains("timeout"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
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
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("prefix: /helloworld.Greeter/"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn serves<S: GrpcService>(self) -> Self {
        self.route(Route::for_service::<S>())
    }

    /// Several routes at once (for instance every method route of a service, as generated by
    /// the `routes` macro).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, MethodRoute, Route};
    /// use istio_grpc_builder::marker::{ServerStreaming, Unary};
    /// let routes: Vec<Route> = vec![
    ///     MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello").into(),
    ///     MethodRoute::<ServerStreaming>::new("helloworld.Greeter", "SayHellos").into(),
    /// ];
    /// let b = Backend::service("greeter").routes(routes);
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("exact: /helloworld.Greeter/SayHello"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("exact: /helloworld.Greeter/SayHellos"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn routes<R: Into<Route>>(mut self, routes: impl IntoIterator<Item = R>) -> Self {
        self.spec.routes.extend(routes.into_iter().map(Into::into));
        self
    }

    /// Routes for gRPC server reflection to this backend (`grpc.reflection.v1.ServerReflection`
    /// and `grpc.reflection.v1alpha.ServerReflection`, streaming: no timeout), so that tools
    /// such as grpcurl learn its services through the gateway: [`Mesh::grpcurl_checks`]
    /// then prints `list`, `describe` and calls for this backend's routes. The backend must
    /// serve reflection (e.g. `tonic-reflection`) with the descriptors of the services routed
    /// to it (and of `grpc.health.v1` for the health check).
    ///
    /// Opt-in: it lets anyone who reaches the gateway read this backend's API. Only one
    /// backend of an ingress can take reflection (a second is a duplicate route). A backend
    /// without other routes still takes every call.
    ///
    /// [`Mesh::grpcurl_checks`]: crate::Mesh::grpcurl_checks
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, ServiceRoute};
    /// let b = Backend::service("greeter").route(ServiceRoute::unary("helloworld.Greeter")).reflection();
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("prefix: /grpc.reflection.v1.ServerReflection/"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("prefix: /grpc.reflection.v1alpha.ServerReflection/"), "{}", mesh.yaml());
    /// assert_eq!(
    ///     mesh.grpcurl_checks()[0].to_string(),
    ///     "grpcurl -plaintext -authority grpc.example.com $GATEWAY_IP:80 describe helloworld.Greeter"
    /// );
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn reflection(mut self) -> Self {
        self.spec.reflection = true;
        self
    }

    /// gRPC-Web for this backend's calls from browsers (see [`GrpcWeb`]).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, GrpcWeb, Origins};
    /// let b = Backend::service("grpc-service")
    ///     .grpc_web(GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com")));
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("exact: https://myapp.example.com"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("kind: EnvoyFilter"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn grpc_web(mut self, grpc_web: GrpcWeb) -> Self {
        self.spec.grpc_web = Some(Box::new(grpc_web));
        self
    }

    /// The load-balancing policy (writes a DestinationRule). On a proxyless backend only the
    /// policies proxyless gRPC applies compile.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, lb};
    /// let b = Backend::service("grpc-service").load_balancer(lb::LeastRequest);
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("simple: LEAST_REQUEST"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn load_balancer<L: LoadBalancerFor<M>>(mut self, _policy: L) -> Self {
        self.spec.lb = Some(L::SIMPLE);
        self
    }

    /// The TLS mode from the gateway to the backend, its upstream (writes a DestinationRule).
    /// Not the gateway's own TLS, which [`Ingress::tls`](crate::Ingress::tls) sets. On a
    /// proxyless backend only `DISABLE` and `ISTIO_MUTUAL` compile.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, upstream_tls};
    /// let mesh = Ingress::new("grpc.example.com").h2c()
    ///     .backend(Backend::service("grpc-service").upstream_tls(upstream_tls::IstioMutual))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("mode: ISTIO_MUTUAL"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn upstream_tls<T: TlsModeFor<M>>(mut self, _mode: T) -> Self {
        self.spec.upstream_tls = Some(T::MODE);
        self.spec.upstream_verify = None;
        self
    }

    /// TLS from the gateway to a backend that terminates TLS itself (`SIMPLE`), verified: the
    /// backend's certificate must be for `hostname` (also sent as SNI) and signed by `ca`.
    /// Istio's API: the DestinationRule's `tls` with `sni`, `subjectAltNames` and, for a
    /// ConfigMap CA, `credentialName: configmap://<name>`. Gateway API: a `BackendTLSPolicy`
    /// on the backend's Service (`validation.hostname`, `wellKnownCACertificates` or
    /// `caCertificateRefs`), the one form of upstream TLS it has. The Service must still
    /// declare its port HTTP/2, as for every backend: Istio's gateway offers `h2` over TLS
    /// only to ports it knows are HTTP/2 (istio/istio#60466). Sidecar backends only, as for
    /// [`upstream_tls::Simple`].
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, UpstreamCa};
    /// let b = Backend::service("payments").namespace("shop")
    ///     .upstream_tls_verified("payments.shop.svc.cluster.local", UpstreamCa::ConfigMap("payments-ca".into()));
    /// let istio = Ingress::new("grpc.example.com").h2c().backend(b.clone()).build()?;
    /// assert!(istio.yaml().contains("sni: payments.shop.svc.cluster.local"), "{}", istio.yaml());
    /// assert!(istio.yaml().contains("credentialName: configmap://payments-ca"), "{}", istio.yaml());
    /// let gateway_api = Ingress::new("grpc.example.com").h2c().gateway_api().namespace("shop").backend(b).build()?;
    /// assert!(gateway_api.yaml().contains("kind: BackendTLSPolicy"), "{}", gateway_api.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn upstream_tls_verified(mut self, hostname: impl Into<String>, ca: UpstreamCa) -> Self
    where
        upstream_tls::Simple: TlsModeFor<M>,
    {
        self.spec.upstream_tls = Some(<upstream_tls::Simple as TlsModeFor<M>>::MODE);
        self.spec.upstream_verify = Some(Box::new(UpstreamVerify {
            hostname: hostname.into(),
            ca,
        }));
        self
    }

    /// Eject a pod of this backend that keeps failing calls, for a while (writes the
    /// DestinationRule's `outlierDetection`): see [`OutlierDetection`](crate::OutlierDetection)
    /// for which gRPC statuses count. Sidecar backends only: Istio does not give it to
    /// proxyless gRPC. The Istio target only: the Gateway API has no outlier detection.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, OutlierDetection};
    /// let b = Backend::service("greeter").outlier_detection(OutlierDetection::server_errors(5));
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("consecutive5xxErrors: 5"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn outlier_detection(mut self, outlier: crate::OutlierDetection) -> Self
    where
        M: crate::marker::EjectsOutliers,
    {
        self.spec.outlier = Some(Box::new(outlier));
        self
    }

    /// At most `calls` calls open at once from one gateway (or client) proxy to this backend,
    /// all its pods together (writes the DestinationRule's
    /// `connectionPool.http.http2MaxRequests`, Envoy's `max_requests` circuit breaker). A
    /// stream holds its place for as long as it is open, so size it for the streams the
    /// backend holds, not only the unary calls in flight. A call over the limit fails at once
    /// with `UNAVAILABLE` (`reset reason: overflow`, access log flag `UO`), without reaching
    /// the backend; Istio's own default is no limit. Shown on live Envoy in the lab. Proxyless
    /// gRPC applies this one connection-pool setting too (gRFC A32 circuit breaking). The
    /// Istio target only: the Gateway API has no connection pool. At least 1 and at most
    /// 2³¹ − 1 (checked by `build()`).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress};
    /// let b = Backend::service("greeter").max_concurrent_calls(1000);
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("http2MaxRequests: 1000"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn max_concurrent_calls(mut self, calls: u32) -> Self {
        self.spec.max_concurrent_calls = Some(calls);
        self
    }

    /// A DestinationRule subset: pods of this backend with these labels (e.g. a version).
    ///
    /// ```
    /// let b = istio_grpc_builder::Backend::service("grpc-service").subset("v1", [("version", "v1")]);
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c().backend(b).build()?;
    /// assert!(mesh.yaml().contains("name: v1"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("version: v1"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
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

    /// Sends `percent` % of this backend's calls to another Service (a canary, a blue/green
    /// switch); this backend's own Service keeps the rest of 100 %. Call it once per Service;
    /// the shares must add up to at most 100 (checked by `build()`), and a share may be 0 (the
    /// Service is routed to but takes no calls yet). Every route of this backend is split
    /// alike: Istio writes each route's destinations with `weight`s that sum to 100, the
    /// Gateway API writes `backendRefs` with the same `weight`s.
    ///
    /// `to` gives only the Service: its name, namespace (default: this backend's), port,
    /// port name, target port and selector, or your own Service ([`Backend::existing`], which
    /// must declare the port HTTP/2 as for any backend). `build()` refuses routes, gRPC-Web,
    /// policies or splits set on `to`: they belong to this backend, whose load balancer and
    /// upstream TLS the builder also writes for `to`'s Service.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, ServiceRoute};
    /// let greeter = Backend::service("greeter-v1")
    ///     .route(ServiceRoute::unary("helloworld.Greeter"))
    ///     .split_to(Backend::service("greeter-v2"), 10);
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(greeter).build()?;
    /// let yaml = mesh.yaml();
    /// assert!(yaml.contains("host: greeter-v1\n"), "{yaml}");
    /// assert!(yaml.contains("weight: 90"), "{yaml}");
    /// assert!(yaml.contains("host: greeter-v2\n"), "{yaml}");
    /// assert!(yaml.contains("weight: 10"), "{yaml}");
    /// // both Services are written, each declared gRPC
    /// assert_eq!(mesh.objects().iter().filter(|o| o.kind() == "Service").count(), 2);
    ///
    /// let too_much = Backend::service("greeter-v1")
    ///     .split_to(Backend::service("greeter-v2"), 60)
    ///     .split_to(Backend::service("greeter-v3"), 50);
    /// let errors = Ingress::new("grpc.example.com").h2c().backend(too_much).build().unwrap_err();
    /// assert!(errors.to_string().contains("110 %"), "{errors}");
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn split_to<T: ServiceOrigin>(mut self, to: Backend<Sidecar, T>, percent: u8) -> Self {
        self.spec.splits.push(SplitSpec {
            service: to.spec,
            percent,
        });
        self
    }
}

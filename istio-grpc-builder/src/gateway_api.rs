//! The Gateway API target: the same intent written as Kubernetes Gateway API resources
//! (`gateway.networking.k8s.io`), as Istio implements them. One call,
//! [`Ingress::gateway_api`], switches an ingress over.
//!
//! What is written (Gateway API v1.6.1):
//! * a `Gateway` of class `istio` with one listener: `HTTPS` on 443 terminating TLS
//!   (`tls.mode: Terminate`, `certificateRefs` to the Secret) or `HTTP` on 80, which Istio
//!   serves as prior-knowledge h2c; its `allowedRoutes` admit GRPCRoutes from the namespaces of
//!   the routes and nothing else;
//! * a `ReferenceGrant` (`v1beta1`, which Istio watches) when the TLS Secret lives in another
//!   namespace ([`Ingress::secret_namespace`]);
//! * one `GRPCRoute` per backend, in the backend's namespace, with a `method` match per route:
//!   a whole service (`service: pkg.Svc`, which Istio turns into the prefix `/pkg.Svc/`) or one
//!   method (`service` + `method`, exact); or, when asked for with [`Ingress::http_routes`], one
//!   `HTTPRoute` per backend, which also carries unary timeouts and gRPC-Web's CORS policy;
//! * with [`Ingress::in_mesh`], one more GRPCRoute per backend whose parent is the backend's
//!   Service (GAMMA), so that calls inside the mesh follow the same routes, through sidecars or
//!   an ambient waypoint (the waypoint `Gateway` and the `istio.io/use-waypoint` label);
//! * a backend that splits its calls ([`Backend::split_to`](crate::Backend::split_to)) has
//!   `backendRefs` to each Service with its share as `weight`;
//! * a `BackendTLSPolicy` for a backend that terminates TLS itself, verified
//!   ([`Backend::upstream_tls_verified`](crate::Backend::upstream_tls_verified));
//! * the backends' Services, their ports declared HTTP/2 as for Istio's API.
//!
//! What the Gateway API cannot say is refused, never dropped: a proxyless backend and Istio-only
//! settings at compile time (see [`marker::IstioOnly`](crate::marker::IstioOnly) and
//! [`marker::RoutableWith`](crate::marker::RoutableWith)); route timeouts (on GRPCRoutes) and
//! retries, gRPC-Web (on GRPCRoutes, or through an EnvoyFilter), load balancers, upstream TLS
//! modes other than verified `SIMPLE`, and subsets at `build()`, each as a
//! [`BuildError::GatewayApi`](crate::BuildError::GatewayApi) whose
//! [`GatewayApiProblem`](crate::error::GatewayApiProblem) says why and what to do instead.
//!
//! ```
//! use istio_grpc_builder::{Backend, Ingress, InMesh, ServiceRoute, TlsCredential};
//!
//! let mesh = Ingress::new("grpc.example.com")
//!     .tls(TlsCredential::secret("grpc-tls-credential"))
//!     .gateway_api()
//!     .namespace("shop")
//!     .in_mesh(InMesh::waypoint("waypoint"))
//!     .backend(Backend::service("user-grpc-service")
//!         .route(ServiceRoute::unary("mypackage.UserService"))
//!         .route(ServiceRoute::health()))
//!     .build()?;
//! let yaml = mesh.yaml();
//! assert!(yaml.contains("kind: GRPCRoute"));
//! assert!(yaml.contains("service: mypackage.UserService"));
//! assert!(yaml.contains("gatewayClassName: istio-waypoint"));
//! # Ok::<(), istio_grpc_builder::BuildErrors>(())
//! ```

use crate::ingress::Ingress;
use crate::marker::{Api, GatewayApi, GatewayApiOnly, Istio};

/// How calls inside the mesh reach the backends (GAMMA): besides the ingress routes, each
/// backend gets a GRPCRoute whose parent is its own Service, so in-mesh clients follow the same
/// routes.
///
/// A Service with such a route answers only the calls its rules match: a call to another
/// service on it gets `UNIMPLEMENTED` (HTTP 404), as through the gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct InMesh {
    pub(crate) waypoint: Option<Waypoint>,
}

/// An ambient waypoint and who labels the Services for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Waypoint {
    pub(crate) name: String,
    /// The builder labels the Services it writes (and checks the user's own); otherwise the
    /// user labels the namespaces.
    pub(crate) label_services: bool,
}

impl InMesh {
    /// Sidecar data planes: the clients' sidecars apply the routes. Nothing else is written.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, InMesh};
    /// let mesh = Ingress::new("grpc.example.com").h2c().gateway_api()
    ///     .in_mesh(InMesh::sidecars())
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("name: grpc-service-mesh"), "{}", mesh.yaml());
    /// assert!(!mesh.yaml().contains("istio-waypoint"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn sidecars() -> Self {
        InMesh { waypoint: None }
    }

    /// Ambient mode: a waypoint named `name` in each backend namespace (`gatewayClassName:
    /// istio-waypoint`, an `HBONE` listener on 15008) applies the routes. The Services the
    /// builder writes carry `istio.io/use-waypoint: <name>`; `build()` refuses a Service of
    /// your own ([`Backend::existing`](crate::Backend::existing)) without that label. The
    /// namespaces must be enrolled in ambient mode (`istio.io/dataplane-mode: ambient`).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, InMesh};
    /// let mesh = Ingress::new("grpc.example.com").h2c().gateway_api()
    ///     .in_mesh(InMesh::waypoint("waypoint"))
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("istio.io/use-waypoint: waypoint"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("protocol: HBONE"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn waypoint(name: impl Into<String>) -> Self {
        InMesh {
            waypoint: Some(Waypoint {
                name: name.into(),
                label_services: true,
            }),
        }
    }

    /// Ambient mode with a waypoint whose namespaces you label yourself
    /// (`istio.io/use-waypoint: <name>` on each backend namespace): the builder writes the
    /// waypoint and leaves the Services unlabelled.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, InMesh};
    /// let mesh = Ingress::new("grpc.example.com").h2c().gateway_api()
    ///     .in_mesh(InMesh::namespace_waypoint("waypoint"))
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// assert!(!mesh.yaml().contains("istio.io/use-waypoint"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("gatewayClassName: istio-waypoint"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn namespace_waypoint(name: impl Into<String>) -> Self {
        InMesh {
            waypoint: Some(Waypoint {
                name: name.into(),
                label_services: false,
            }),
        }
    }
}

/// What only the Gateway API output reads.
#[derive(Clone, Debug, Default)]
pub(crate) struct GatewayApiOptions {
    /// Where the TLS Secret lives, when not in the Gateway's namespace.
    pub(crate) secret_namespace: Option<String>,
    /// GAMMA mesh routes.
    pub(crate) in_mesh: Option<InMesh>,
    /// HTTPRoutes instead of GRPCRoutes.
    pub(crate) http_routes: bool,
}

impl<T> Ingress<T, Istio> {
    /// Write the Kubernetes Gateway API instead of Istio's API: a Gateway of class `istio`, a
    /// GRPCRoute per backend, a ReferenceGrant where needed, the Services. Everything else stays
    /// as it is; what the Gateway API cannot say is refused (see the [module](crate::gateway_api)).
    ///
    /// With the Gateway API, Istio deploys the gateway workload itself, in the Gateway's
    /// namespace, and a TLS Secret is read from that namespace too (see
    /// [`secret_namespace`](Ingress::secret_namespace)).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, TlsCredential};
    /// let mesh = Ingress::new("grpc.example.com")
    ///     .tls(TlsCredential::secret("grpc-tls-credential"))
    ///     .gateway_api()
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// let kinds: Vec<&str> = mesh.objects().iter().map(|o| o.kind()).collect();
    /// assert_eq!(kinds, ["Gateway", "GRPCRoute", "Service"]);
    /// assert!(mesh.yaml().contains("gatewayClassName: istio"));
    /// assert!(mesh.yaml().contains("mode: Terminate"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn gateway_api(self) -> Ingress<T, GatewayApi> {
        self.with::<T, GatewayApi>()
    }
}

impl<T, A: Api> Ingress<T, A> {
    /// The namespace of the TLS Secret, when it is not the Gateway's: the builder writes a
    /// ReferenceGrant there that lets the Gateway read it (and writes a Secret given as PEM
    /// there). The Gateway then needs a namespace too ([`namespace`](Ingress::namespace)).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, TlsCredential};
    /// let mesh = Ingress::new("grpc.example.com")
    ///     .tls(TlsCredential::secret("grpc-tls-credential"))
    ///     .gateway_api()
    ///     .namespace("shop")
    ///     .secret_namespace("istio-system")
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("kind: ReferenceGrant"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn secret_namespace(mut self, namespace: impl Into<String>) -> Self
    where
        A: GatewayApiOnly,
    {
        self.spec_mut().gateway_api.secret_namespace = Some(namespace.into());
        self
    }

    /// Write HTTPRoutes instead of GRPCRoutes, for what only HTTPRoute says: a unary route's
    /// timeout becomes `timeouts.request` (which Istio applies as the route timeout), and
    /// gRPC-Web translated at the backend's port ([`GrpcWeb::service_port`](crate::GrpcWeb::service_port))
    /// gets its CORS policy from HTTPRoute's `CORS` filter. A service route matches the path
    /// prefix `/<package>.<Service>` (whole path segments, so `/<package>.<Service>Admin/…` is
    /// not taken), a method route the exact path `/<package>.<Service>/<Method>`.
    ///
    /// Every route of the mesh is then an HTTPRoute: an HTTPRoute and a GRPCRoute on one
    /// hostname are a conflict the Gateway API lets implementations refuse (Istio 1.26 programmed
    /// only one of them, istio/istio#57172). Retries stay refused: HTTPRoute's `retry` is
    /// experimental and takes HTTP status codes only.
    ///
    /// **Preflights from origins not allowed are forwarded.** HTTPRoute's `CORS` filter (v1.6.1)
    /// has no equivalent of Istio's `unmatchedPreflights: IGNORE`, which the Istio target writes
    /// (see [`GrpcWeb`](crate::GrpcWeb)); Istio turns the filter into a `corsPolicy` without it,
    /// so Envoy's default applies (`forward_not_matching_preflights`). A browser's `OPTIONS`
    /// preflight from an origin that is not allowed then goes on to the gRPC server instead of
    /// being answered at the gateway. What the user observes (Envoy live,
    /// `../shared/istio/ENVOY.md` lab e and g): the gRPC server answered the preflight `200`
    /// with `grpc-status: 13` (`INTERNAL`, "Error parsing ':method' metadata") and no
    /// `Access-Control-*` headers, so the browser still refuses the cross-origin call, as it
    /// should; but every such preflight reaches the backend and shows in its logs and its error
    /// rate (the HTTPRoute carries no retries, so it is not retried). Preflights from allowed
    /// origins are answered by the gateway, as with Istio's API.
    ///
    /// ```
    /// use std::time::Duration;
    /// use istio_grpc_builder::{Backend, Ingress, MethodRoute, marker::Unary};
    /// let mesh = Ingress::new("grpc.example.com").h2c().gateway_api()
    ///     .http_routes()
    ///     .backend(Backend::service("users").route(
    ///         MethodRoute::<Unary>::new("mypackage.UserService", "GetUser").timeout(Duration::from_millis(1500))))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("kind: HTTPRoute"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("value: /mypackage.UserService/GetUser"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("request: 1s500ms"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn http_routes(mut self) -> Self
    where
        A: GatewayApiOnly,
    {
        self.spec_mut().gateway_api.http_routes = true;
        self
    }

    /// Route calls inside the mesh too (GAMMA): see [`InMesh`].
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, InMesh};
    /// let mesh = Ingress::new("grpc.example.com").h2c().gateway_api()
    ///     .in_mesh(InMesh::sidecars())
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("    kind: Service\n    name: grpc-service\n    port: 50051"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn in_mesh(mut self, in_mesh: InMesh) -> Self
    where
        A: GatewayApiOnly,
    {
        self.spec_mut().gateway_api.in_mesh = Some(in_mesh);
        self
    }
}

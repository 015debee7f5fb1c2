//! gRPC-Web: browsers calling gRPC services through the gateway
//! (<https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/>).

use std::time::Duration;

/// Which browser origins may call a gRPC-Web route (the CORS `allowOrigins`).
///
/// Origins are exact by default; allowing every origin takes the explicit
/// [`Origins::any_explicitly`].
///
/// ```
/// use istio_grpc_builder::Origins;
/// let origins = Origins::exact("https://myapp.example.com").or_exact("https://admin.example.com");
/// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(istio_grpc_builder::GrpcWeb::envoy_filter(origins)))
///     .build()?;
/// assert!(mesh.yaml().contains("exact: https://admin.example.com"), "{}", mesh.yaml());
/// # Ok::<(), istio_grpc_builder::BuildErrors>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Origins {
    pub(crate) exact: Vec<String>,
    pub(crate) any: bool,
}

impl Origins {
    /// One origin, `scheme://host[:port]` (checked by `build()`).
    ///
    /// ```
    /// let o = istio_grpc_builder::Origins::exact("https://myapp.example.com");
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(istio_grpc_builder::GrpcWeb::envoy_filter(o)))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("exact: https://myapp.example.com"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn exact(origin: impl Into<String>) -> Self {
        Origins {
            exact: vec![origin.into()],
            any: false,
        }
    }

    /// One more allowed origin.
    ///
    /// ```
    /// let o = istio_grpc_builder::Origins::exact("https://a.example.com").or_exact("https://b.example.com");
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(istio_grpc_builder::GrpcWeb::envoy_filter(o)))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("exact: https://b.example.com"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn or_exact(mut self, origin: impl Into<String>) -> Self {
        self.exact.push(origin.into());
        self
    }

    /// Every origin (`regex: ".*"`). Any web page may then call the service from a visitor's
    /// browser; say so on purpose.
    ///
    /// ```
    /// let o = istio_grpc_builder::Origins::any_explicitly();
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(istio_grpc_builder::GrpcWeb::envoy_filter(o)))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("regex: .*"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn any_explicitly() -> Self {
        Origins {
            exact: Vec::new(),
            any: true,
        }
    }
}

/// How the gateway translates gRPC-Web to gRPC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Translation {
    /// An EnvoyFilter inserts `envoy.filters.http.grpc_web` before the router at the gateway
    /// (works with any backend port).
    EnvoyFilter,
    /// The backend's Service port is declared `grpc-web` (name and `appProtocol`), so Istio adds
    /// the filter itself; no EnvoyFilter.
    ServicePort,
}

/// gRPC-Web for one backend: the CORS policy browsers need, on every route of the backend.
///
/// The policy sits on the routes that match the backend's paths, because a browser's CORS
/// preflight (`OPTIONS`, with no `content-type`) is answered with the policy of the route it
/// matches; a route that requires `content-type: application/grpc-web` never matches a
/// preflight. gRPC-Web calls and native gRPC calls then share the route's timeout and retries.
/// A preflight from an origin that is not allowed gets no `Access-Control-*` headers and is not
/// forwarded to the backend (`unmatchedPreflights: IGNORE`). With the Gateway API's HTTPRoutes
/// ([`Ingress::http_routes`](crate::Ingress::http_routes)) it is forwarded: HTTPRoute's `CORS`
/// filter has no such setting.
///
/// Defaults (what gRPC-Web needs): `allowMethods: [POST]`; `allowHeaders: [content-type,
/// grpc-timeout, x-grpc-web, x-user-agent]`; `exposeHeaders: [grpc-status, grpc-message,
/// grpc-status-details-bin]`; `maxAge: 24h`.
///
/// ```
/// use istio_grpc_builder::{GrpcWeb, Origins};
/// let web = GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com"));
/// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(web))
///     .build()?;
/// assert!(mesh.yaml().contains("kind: EnvoyFilter"), "{}", mesh.yaml());
/// assert!(mesh.yaml().contains("unmatchedPreflights: IGNORE"), "{}", mesh.yaml());
/// # Ok::<(), istio_grpc_builder::BuildErrors>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct GrpcWeb {
    pub(crate) origins: Origins,
    pub(crate) translation: Translation,
    pub(crate) max_age: Duration,
    pub(crate) extra_allow_headers: Vec<String>,
    pub(crate) allow_credentials: Option<bool>,
}

impl GrpcWeb {
    fn new(origins: Origins, translation: Translation) -> Self {
        GrpcWeb {
            origins,
            translation,
            max_age: Duration::from_secs(24 * 3600),
            extra_allow_headers: Vec::new(),
            allow_credentials: None,
        }
    }

    /// Translate with an EnvoyFilter at the gateway (`grpc-web-filter` in the gateway workload's
    /// namespace).
    ///
    /// ```
    /// let web = istio_grpc_builder::GrpcWeb::envoy_filter(istio_grpc_builder::Origins::exact("https://myapp.example.com"));
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(web))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("name: grpc-web-filter"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn envoy_filter(origins: Origins) -> Self {
        GrpcWeb::new(origins, Translation::EnvoyFilter)
    }

    /// Translate by declaring the backend's Service port as gRPC-Web (`name: grpc-web`,
    /// `appProtocol: grpc-web`): Istio then inserts the filter itself, with no EnvoyFilter to
    /// maintain (Istio's `grpc-web` protocol,
    /// <https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/>).
    /// Native gRPC calls on the port keep working.
    ///
    /// The filter goes on the **backend's sidecar** (its inbound listener), never on the
    /// gateway: istiod adds it at a gateway only for a plaintext `GRPC-WEB` server port. So this
    /// way needs an Istio sidecar on the backend's pods; without one (proxyless, or no
    /// injection), gRPC-Web calls reach the server untranslated. Use
    /// [`envoy_filter`](Self::envoy_filter) when the backend has no sidecar.
    ///
    /// ```
    /// let web = istio_grpc_builder::GrpcWeb::service_port(istio_grpc_builder::Origins::exact("https://myapp.example.com"));
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(web))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("name: grpc-web"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("appProtocol: grpc-web"), "{}", mesh.yaml());
    /// assert!(!mesh.yaml().contains("kind: EnvoyFilter"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn service_port(origins: Origins) -> Self {
        GrpcWeb::new(origins, Translation::ServicePort)
    }

    /// How long browsers may cache the preflight answer (whole seconds; default 24h).
    ///
    /// ```
    /// # use istio_grpc_builder::{GrpcWeb, Origins};
    /// let web = GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com"))
    ///     .max_age(std::time::Duration::from_secs(600));
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(web))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("maxAge: 600s"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// One more request header browsers may send (e.g. `authorization`).
    ///
    /// ```
    /// # use istio_grpc_builder::{GrpcWeb, Origins};
    /// let web = GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com")).allow_header("authorization");
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(web))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("- authorization"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn allow_header(mut self, header: impl Into<String>) -> Self {
        self.extra_allow_headers.push(header.into());
        self
    }

    /// Whether browsers may send credentials (cookies, HTTP auth) with calls.
    ///
    /// ```
    /// # use istio_grpc_builder::{GrpcWeb, Origins};
    /// let web = GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com")).allow_credentials(true);
    /// let mesh = istio_grpc_builder::Ingress::new("grpc.example.com").h2c()
    ///     .backend(istio_grpc_builder::Backend::service("grpc-service").grpc_web(web))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("allowCredentials: true"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn allow_credentials(mut self, allow: bool) -> Self {
        self.allow_credentials = Some(allow);
        self
    }
}

/// Request headers a gRPC-Web client sends.
pub(crate) const ALLOW_HEADERS: [&str; 4] =
    ["content-type", "grpc-timeout", "x-grpc-web", "x-user-agent"];
/// Response headers a gRPC-Web client must read.
pub(crate) const EXPOSE_HEADERS: [&str; 3] =
    ["grpc-status", "grpc-message", "grpc-status-details-bin"];

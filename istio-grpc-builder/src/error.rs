//! Errors of `build()` and of writing a mesh out.
//!
//! `build()` checks everything before it writes anything, and reports every problem at once:
//! [`BuildErrors`] holds one [`BuildError`] per problem, each naming the part at fault, with a
//! typed reason whose message says how to fix it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Every problem `build()` found, in the order of the configuration (at least one).
///
/// ```
/// use istio_grpc_builder::{Backend, BuildError, Ingress, error::{BackendProblem, NameKind}};
/// let errors = Ingress::new("grpc.example.com").h2c()
///     .backend(Backend::service("Users").port(0))
///     .build()
///     .expect_err("two problems");
/// assert_eq!(errors.len(), 2);
/// assert!(matches!(&errors[0], BuildError::Name { kind: NameKind::Backend, .. }));
/// assert!(matches!(&errors[1], BuildError::Backend { problem: BackendProblem::PortZero, .. }));
/// ```
#[derive(Debug)]
pub struct BuildErrors(pub(crate) Vec<BuildError>);

impl BuildErrors {
    /// The problems, in the order of the configuration.
    pub fn errors(&self) -> &[BuildError] {
        &self.0
    }

    /// The problems, owned.
    pub fn into_errors(self) -> Vec<BuildError> {
        self.0
    }
}

impl std::ops::Deref for BuildErrors {
    type Target = [BuildError];
    fn deref(&self) -> &[BuildError] {
        &self.0
    }
}

impl IntoIterator for BuildErrors {
    type Item = BuildError;
    type IntoIter = std::vec::IntoIter<BuildError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for BuildErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one}"),
            all => {
                write!(f, "{} problems:", all.len())?;
                for e in all {
                    write!(f, "\n- {e}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for BuildErrors {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self.0.as_slice() {
            [one] => one.source(),
            _ => None,
        }
    }
}

impl From<BuildError> for BuildErrors {
    fn from(e: BuildError) -> Self {
        BuildErrors(vec![e])
    }
}

/// One problem `build()` found. Each message names the offending part.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A host the gateway serves is not a fully qualified name or a `*.` wildcard.
    #[error("host {host:?}: {problem}")]
    Host {
        /// The host as given.
        host: String,
        /// What is wrong with it.
        problem: HostProblem,
    },
    /// A Kubernetes name (gateway, secret, backend, namespace, subset…) is not valid.
    #[error("{kind} {name:?}: {problem}")]
    Name {
        /// Which name.
        kind: NameKind,
        /// The name as given.
        name: String,
        /// What is wrong with it.
        problem: NameProblem,
    },
    /// The gateway selects no workload.
    #[error(
        "gateway {gateway:?} selects no gateway workload: give its labels with `.selector(..)`"
    )]
    NoGatewaySelector {
        /// The Gateway's name.
        gateway: String,
    },
    /// Something about one backend is wrong.
    #[error("backend {backend:?}: {problem}")]
    Backend {
        /// The backend's Service name.
        backend: String,
        /// What is wrong, and how to fix it.
        problem: BackendProblem,
    },
    /// Something about one route of a backend is wrong.
    #[error("backend {backend:?}: route {route}: {problem}")]
    Route {
        /// The backend's Service name.
        backend: String,
        /// The route (`/pkg.Service/`, `/pkg.Service/Method` or `(all calls)`).
        route: String,
        /// What is wrong, and how to fix it.
        problem: RouteProblem,
    },
    /// Two parts claim the same thing.
    #[error("duplicate {kind}: {value}")]
    Duplicate {
        /// What is duplicated.
        kind: DuplicateKind,
        /// The duplicated value (and where).
        value: String,
    },
    /// The TLS credential is not usable.
    #[error("tls credential {name:?}: {problem}")]
    Credential {
        /// The Secret name.
        name: String,
        /// What is wrong (never the key material itself).
        problem: CredentialProblem,
    },
    /// A CORS origin for gRPC-Web is not an origin.
    #[error("grpc-web origin {origin:?}: {problem}")]
    Origin {
        /// The origin as given.
        origin: String,
        /// What is wrong with it.
        problem: OriginProblem,
    },
    /// The mesh has nothing to route.
    #[error("no backend: add one with `.backend(Backend::service(..))`")]
    NoBackend,
    /// An object would be larger than Kubernetes accepts (see [`crate::limits`]).
    #[error(
        "{kind} {name:?} would be {bytes} bytes as JSON, above the limit of {limit} bytes ({why}); split its routes over fewer services per backend or fewer methods per service"
    )]
    TooLarge {
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// Its size as JSON.
        bytes: usize,
        /// The limit it exceeds.
        limit: usize,
        /// Which limit, and where it comes from.
        why: &'static str,
    },
    /// The objects could not be written as YAML.
    #[error("writing the manifests as YAML")]
    Yaml(#[source] istio_grpc_types::Error),
    /// Something the Gateway API output cannot say (see [`crate::gateway_api`]).
    #[error("{part}: {problem}")]
    GatewayApi {
        /// The part at fault (`backend "users": route /pkg.Svc/`, `gateway "grpc-gateway"`).
        part: String,
        /// Why the Gateway API cannot say it, and what to do instead.
        problem: GatewayApiProblem,
    },
}

/// What the Gateway API output cannot say, with the standard alternative where one exists.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayApiProblem {
    /// A route timeout (GRPCRoute has none).
    #[error(
        "GRPCRoute has no timeout field (kubernetes-sigs/gateway-api#3139 is open), so a timeout of {timeout:?} cannot be written; Istio gives GRPCRoute calls no route timeout and honours the client's own deadline (`grpc-timeout`). Set the deadline in the client; or write HTTPRoutes with `.http_routes()`, where a unary route's timeout is the standard `timeouts.request` on an exact `/<package>.<Service>/<Method>` path (or a `/<package>.<Service>` prefix); or keep Istio's API (remove `.gateway_api()`)"
    )]
    Timeout {
        /// The timeout asked for.
        timeout: Duration,
    },
    /// A timeout longer than a Gateway API duration holds.
    #[error(
        "a timeout of {timeout:?} is longer than a Gateway API duration holds (at most 99999h); give a shorter one"
    )]
    TimeoutTooLong {
        /// The timeout asked for.
        timeout: Duration,
    },
    /// Retries (GRPCRoute has none; HTTPRoute's are experimental and HTTP-only).
    #[error(
        "GRPCRoute has no retry field, and HTTPRoute's `retry` is experimental and retries on HTTP status codes only, which gRPC errors (HTTP 200 with a `grpc-status`) never carry; Istio applies its mesh-wide default instead (2 retries on connect-failure, refused-stream, unavailable, cancelled). Remove `.retries(..)` and `.per_try_timeout(..)`, or keep Istio's API (remove `.gateway_api()`)"
    )]
    Retries,
    /// gRPC-Web on GRPCRoutes, or through an EnvoyFilter (no Gateway API way to turn on
    /// Envoy's gRPC-Web filter at the gateway).
    #[error(
        "the Gateway API cannot turn on gRPC-Web at the gateway: Istio adds Envoy's grpc_web filter only for an Istio `GRPC-WEB` server port, which Gateway API listeners cannot declare, and GRPCRoute has no CORS filter (HTTPRoute's `CORS` filter is the standard place for the browsers' CORS policy). Translate at the backend's sidecar with `GrpcWeb::service_port(..)` and write HTTPRoutes with `.http_routes()`, whose `CORS` filter carries the policy; or keep Istio's API (remove `.gateway_api()`)"
    )]
    GrpcWeb,
    /// A gRPC-Web CORS max age longer than HTTPRoute's `maxAge` (int32 seconds) holds.
    #[error(
        "a CORS max age of {max_age:?} is longer than HTTPRoute's CORS `maxAge` holds (at most 2147483647 seconds); browsers cap it at hours anyway (Chrome 2h, Firefox 24h): give a shorter one with `GrpcWeb::max_age(..)`"
    )]
    MaxAgeTooLong {
        /// The max age asked for.
        max_age: Duration,
    },
    /// A load-balancing policy (no Gateway API equivalent).
    #[error(
        "the Gateway API has no load-balancer policy (XBackendTrafficPolicy, experimental, has none either), so {policy} cannot be written; remove `.load_balancer(..)` to get Istio's default (LEAST_REQUEST), or keep Istio's API (remove `.gateway_api()`)"
    )]
    LoadBalancer {
        /// The policy as Istio spells it.
        policy: String,
    },
    /// A limit of concurrent calls (no Gateway API equivalent).
    #[error(
        "the Gateway API has no connection pool, so a limit of concurrent calls cannot be written; remove `.max_concurrent_calls(..)`, or keep Istio's API (remove `.gateway_api()`)"
    )]
    ConcurrentCalls,
    /// Outlier detection (no Gateway API equivalent).
    #[error(
        "the Gateway API has no outlier detection (BackendTrafficPolicy has none either), so failing pods cannot be ejected from its routes; remove `.outlier_detection(..)`, or keep Istio's API (remove `.gateway_api()`)"
    )]
    OutlierDetection,
    /// An upstream TLS mode the Gateway API cannot say as given.
    #[error(
        "the Gateway API has no upstream TLS mode {mode}: in the mesh ISTIO_MUTUAL is automatic and cannot be turned off from a route (remove `.upstream_tls(..)`); TLS to a backend that terminates it itself is a BackendTLSPolicy, which needs the name the backend's certificate is for and its CA: give them with `.upstream_tls_verified(hostname, UpstreamCa::..)`; or keep Istio's API (remove `.gateway_api()`)"
    )]
    UpstreamTls {
        /// The mode as Istio spells it.
        mode: String,
    },
    /// Subsets (Gateway API backends are whole Services).
    #[error(
        "the Gateway API routes to whole Services and has no subsets, so subset {subset:?} cannot be written; give each version its own Service, or keep Istio's API (remove `.gateway_api()`)"
    )]
    Subset {
        /// The subset's name.
        subset: String,
    },
    /// An Istio-only setting given before `.gateway_api()`.
    #[error(
        "{setting} is a setting of Istio's API only and was given before `.gateway_api()`: with the Gateway API, Istio deploys the gateway workload itself in the Gateway's namespace and the routes are GRPCRoutes named after their backends; remove the call"
    )]
    IstioOnly {
        /// Which setting (`.virtual_service(..)`, `.selector(..)`, `.gateway_workload_namespace(..)`).
        setting: &'static str,
    },
    /// A namespace the Gateway API output must name is not known.
    #[error(
        "the Gateway has no namespace, but {why} must name it; give the Gateway one with `.namespace(..)`"
    )]
    GatewayNamespace {
        /// What must name it.
        why: &'static str,
    },
    /// A Service a backend splits to that lives in another namespace than the routes.
    #[error(
        "the Service {service:?} given to `.split_to(..)` is in namespace {namespace:?}, but the routes that split to it are in {route_namespace:?}; a `backendRef` to another namespace needs a ReferenceGrant there, which this builder does not write: put the Service in {route_namespace:?}, or keep Istio's API (remove `.gateway_api()`)"
    )]
    SplitNamespace {
        /// The Service's name.
        service: String,
        /// Its namespace.
        namespace: String,
        /// The routes' namespace.
        route_namespace: String,
    },
    /// A Service of the user's own that lacks the waypoint label.
    #[error(
        "the Service has no label `istio.io/use-waypoint: {waypoint}`, so its calls would not pass the waypoint that applies the mesh routes; add the label, or label its namespace and use `InMesh::namespace_waypoint(..)`"
    )]
    NotOnWaypoint {
        /// The waypoint's name.
        waypoint: String,
    },
}

/// Which Kubernetes name is at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameKind {
    /// The Gateway's name.
    #[error("gateway")]
    Gateway,
    /// The gateway workload's namespace.
    #[error("gateway workload namespace")]
    GatewayWorkloadNamespace,
    /// A namespace of the Gateway/VirtualService or of a backend.
    #[error("namespace")]
    Namespace,
    /// The VirtualService's name.
    #[error("virtual service")]
    VirtualService,
    /// An ambient waypoint's (Gateway API Gateway) name.
    #[error("waypoint")]
    Waypoint,
    /// The TLS credential's Secret name.
    #[error("tls credential")]
    TlsCredential,
    /// A backend's Service name.
    #[error("backend")]
    Backend,
    /// A DestinationRule subset's name.
    #[error("subset")]
    Subset,
    /// The name a backend's certificate must be for ([`Backend::upstream_tls_verified`](crate::Backend::upstream_tls_verified)).
    #[error("upstream TLS hostname")]
    UpstreamHostname,
    /// The ConfigMap holding a backend's CA ([`UpstreamCa::ConfigMap`](crate::UpstreamCa::ConfigMap)).
    #[error("upstream CA ConfigMap")]
    CaConfigMap,
}

/// What is wrong with a Kubernetes name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameProblem {
    /// The name is empty.
    #[error("must not be empty")]
    Empty,
    /// The name is too long.
    #[error("is {len} characters long; at most {max} are allowed")]
    TooLong {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A character outside `a-z`, `0-9`, `-`.
    #[error("may hold only lower-case letters, digits and '-' (a DNS-1123 label)")]
    Characters,
    /// Starts or ends with `-`.
    #[error("must start and end with a letter or digit (a DNS-1123 label)")]
    Edges,
    /// Not a DNS-1123 subdomain.
    #[error(
        "must be lower-case labels of letters, digits and '-', joined by '.' (a DNS-1123 subdomain)"
    )]
    NotSubdomain,
}

/// What is wrong with a gateway host.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostProblem {
    /// The host is empty.
    #[error("must not be empty")]
    Empty,
    /// A `*` elsewhere than as the whole left-most label.
    #[error("a wildcard may only be the whole left-most label, as in \"*.example.com\"")]
    Wildcard,
    /// A short name.
    #[error(
        "short names are not allowed on a gateway; use a fully qualified name such as \"grpc.example.com\""
    )]
    ShortName,
    /// Upper-case letters.
    #[error("must be lower case")]
    NotLowerCase,
    /// Not a DNS name.
    #[error("is not a DNS name: labels of letters, digits and '-', joined by '.'")]
    NotDns,
}

/// What is wrong with one backend.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendProblem {
    /// Port 0.
    #[error("port 0 is not a port; give 1–65535 with `.port(..)` (default 50051)")]
    PortZero,
    /// The written Service's port name does not declare gRPC.
    #[error(
        "port name {name:?}: Istio reads the protocol from it; name the port \"grpc\" or \"grpc-<suffix>\" (at most 15 characters)"
    )]
    PortName {
        /// The port name that would be written.
        name: String,
    },
    /// The written Service selects no pods.
    #[error("the Service selects no pods: give labels with `.selector(..)`")]
    NoSelector,
    /// The user's Service lacks the routed port.
    #[error(
        "the Service has no port {port} (it declares [{}]); route to one of its ports with `.port(..)`",
        declared.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
    )]
    NoSuchPort {
        /// The routed port.
        port: u16,
        /// The ports the Service declares.
        declared: Vec<i32>,
    },
    /// The user's Service port is not declared HTTP/2, so Istio speaks HTTP/1.1 to gRPC.
    #[error(
        "port {port} {declared}: Istio treats it as {protocol}, not HTTP/2, so gRPC calls fail with `UNAVAILABLE: upstream connect error or disconnect/reset before headers. reset reason: protocol error`; set appProtocol: grpc or name the port \"grpc\" or \"grpc-<suffix>\""
    )]
    NotHttp2 {
        /// The routed port.
        port: u16,
        /// How the port is declared (`is named "http"`, `has appProtocol "http"`…).
        declared: String,
        /// What Istio makes of it.
        protocol: String,
    },
    /// gRPC-Web without any allowed origin.
    #[error("grpc-web: no origin allowed; give one with `Origins::exact(..)`")]
    NoOrigin,
    /// gRPC-Web max age that is not a positive whole number of seconds.
    #[error("grpc-web: max age {max_age:?} must be a positive whole number of seconds")]
    MaxAge {
        /// The max age as given.
        max_age: Duration,
    },
    /// gRPC-Web allowed header that is not an HTTP header name.
    #[error("grpc-web: allowed header {header:?} is not an HTTP header name")]
    AllowHeader {
        /// The header as given.
        header: String,
    },
    /// A limit of concurrent calls Istio cannot write or that lets no call through.
    #[error(
        "at most {calls} concurrent calls: give 1 to 2147483647 (the DestinationRule's http2MaxRequests is an int32), or remove `.max_concurrent_calls(..)` for no limit"
    )]
    ConcurrentCalls {
        /// The limit as given.
        calls: u32,
    },
    /// Outlier detection that counts no failure.
    #[error(
        "outlier detection after 0 consecutive failures would turn ejection off: give at least 1, or remove `.outlier_detection(..)`"
    )]
    OutlierZero,
    /// Outlier detection that may eject more than all pods.
    #[error(
        "outlier detection: at most {percent} % of the pods ejected is more than all of them; give at most 100"
    )]
    OutlierPercent {
        /// The share as given.
        percent: u8,
    },
    /// An outlier detection interval Istio does not accept.
    #[error("outlier detection interval: {0}")]
    OutlierInterval(DurationProblem),
    /// An outlier ejection time Istio does not accept.
    #[error("outlier detection ejection time: {0}")]
    OutlierEjectionTime(DurationProblem),
    /// A subset without labels.
    #[error("subset {subset:?} has no labels: give the labels that select its pods")]
    SubsetWithoutLabels {
        /// The subset's name.
        subset: String,
    },
    /// The shares given to other Services add up to more than 100 %.
    #[error(
        "the shares given with `.split_to(..)` add up to {total} %, more than the 100 % of this backend's calls; lower them (this backend's own Service takes what they leave of 100 %)"
    )]
    SplitOver100 {
        /// The sum of the shares.
        total: u32,
    },
    /// A Service given to `.split_to(..)` carries a setting of a backend.
    #[error(
        "the Service {service:?} given to `.split_to(..)` has {setting}, which only the backend it splits can have: set it on this backend (its routes, gRPC-Web, load balancer and upstream TLS apply to every Service it splits to), not on the Service"
    )]
    SplitSetting {
        /// The Service's name.
        service: String,
        /// The setting (`routes`, `gRPC-Web`, …).
        setting: &'static str,
    },
}

/// What is wrong with one route.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteProblem {
    /// Not a gRPC service name.
    #[error("{service:?} is not a gRPC service name (`<package>.<Service>`)")]
    NotAServiceName {
        /// The name as given.
        service: String,
    },
    /// Not a gRPC method name.
    #[error("{method:?} is not a gRPC method name")]
    NotAMethodName {
        /// The name as given.
        method: String,
    },
    /// The route timeout is not a duration Istio accepts.
    #[error("timeout: {0}")]
    Timeout(DurationProblem),
    /// The per-try timeout is not a duration Istio accepts.
    #[error("per-try timeout: {0}")]
    PerTryTimeout(DurationProblem),
    /// The per-try timeout is above the route timeout.
    #[error(
        "per-try timeout {per_try:?} is above the route timeout {timeout:?}: the route times out first; lower it or raise the timeout"
    )]
    PerTryAboveTimeout {
        /// The per-try timeout.
        per_try: Duration,
        /// The route timeout.
        timeout: Duration,
    },
    /// A per-try timeout without retries.
    #[error("a per-try timeout needs retries: add `.retries(attempts, [RetryOn::…])`")]
    PerTryWithoutRetries,
    /// Retries with 0 attempts.
    #[error(
        "retries with 0 attempts: Istio rejects a retry policy when attempts is 0; leave out `.retries(..)` to keep Istio's default, or give at least 1"
    )]
    ZeroAttempts,
    /// More attempts than Istio's field holds.
    #[error("{attempts} retry attempts is too many")]
    TooManyAttempts {
        /// The attempts as given.
        attempts: u32,
    },
}

/// Why a duration is not one Istio accepts on a route.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationProblem {
    /// Below 1 ms.
    #[error("{0:?} is below Istio's minimum of 1ms")]
    BelowMinimum(Duration),
    /// Not whole milliseconds.
    #[error("{0:?} is not a whole number of milliseconds, which Istio requires")]
    NotWholeMilliseconds(Duration),
    /// Too large for Istio's duration type.
    #[error("{0:?} is too long for Istio's duration type")]
    TooLong(Duration),
}

/// What is duplicated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DuplicateKind {
    /// A gateway host.
    #[error("host")]
    Host,
    /// A backend (same name and namespace).
    #[error("backend")]
    Backend,
    /// A route (same service, method, or catch-all).
    #[error("route")]
    Route,
    /// A subset of one backend.
    #[error("subset")]
    Subset,
}

/// What is wrong with a PEM credential (never showing the key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialProblem {
    /// The certificate chain has no PEM block.
    #[error("the certificate chain holds no PEM block")]
    NoCertificate,
    /// A block of the chain is not a certificate.
    #[error("the certificate chain holds a PEM block that is not a CERTIFICATE")]
    NotACertificate,
    /// The chain is not PEM.
    #[error("the certificate chain is not valid PEM")]
    ChainNotPem,
    /// The key's block is not a private key.
    #[error("the private key's PEM block is not a PRIVATE KEY")]
    NotAPrivateKey,
    /// The key is not PEM.
    #[error("the private key is not valid PEM")]
    KeyNotPem,
}

/// What is wrong with a CORS origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OriginProblem {
    /// Not `scheme://host[:port]`.
    #[error("an origin is scheme://host[:port], as in \"https://myapp.example.com\"")]
    Shape,
    /// Scheme other than http/https.
    #[error("the scheme must be https or http")]
    Scheme,
    /// Bad port.
    #[error("the port must be a number from 1 to 65535")]
    Port,
    /// A path or wildcard.
    #[error(
        "an origin has no path and no wildcard; for any origin use `Origins::any_explicitly()`"
    )]
    PathOrWildcard,
}

/// Why writing a mesh's manifests (to a folder or a writer) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A file or folder could not be written.
    #[error("writing {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An object could not be written as YAML.
    #[error("writing the manifests as YAML")]
    Yaml(#[source] istio_grpc_types::Error),
    /// The writer given to [`Mesh::write_yaml`](crate::Mesh::write_yaml) failed.
    #[error("writing the manifests")]
    Writer(#[source] std::io::Error),
}

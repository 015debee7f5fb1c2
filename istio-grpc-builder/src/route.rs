//! Routes: which gRPC calls go to a backend, and with which timeout and retry policy.
//!
//! A route knows at compile time what it covers (its scope: [`ByService`] or [`ByMethod`]) and
//! whether its calls stream (its kind, see [`RouteKind`]). Only unary routes take
//! `.timeout(..)` and `.per_try_timeout(..)`; streaming routes carry no timeout, which Istio
//! reads as "disabled" (`timeout: 0s` is refused by the CRD's rule
//! `duration(self) >= duration('1ms')` and by Istio's webhook). Retry conditions are
//! [`RetryOn`] values: gRPC status codes and transport failures, never HTTP statuses.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use istio_grpc_types::{StringMatch, grpc};

use crate::marker::{
    AcceptsTimeout, ByMethod, ByService, CallKind, RouteKind, Scope, Streaming, Unary,
};
use crate::service::GrpcService;

/// A condition on which a gRPC route retries: a gRPC status code (Envoy's
/// `x-envoy-retry-grpc-on`) or a transport failure that gRPC calls meet (`x-envoy-retry-on`).
///
/// HTTP-status conditions (`5xx`, `gateway-error`, `retriable-4xx`, `503`, …) are deliberately
/// absent: a gRPC server answers HTTP 200 and reports failures in `grpc-status`, so they never
/// fire on gRPC routes. The spellings are Istio's (`supportedRetryOnPolicies`).
///
/// ```
/// use istio_grpc_builder::RetryOn;
/// assert_eq!(RetryOn::ResourceExhausted.as_str(), "resource-exhausted");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "config", derive(serde::Deserialize, schemars::JsonSchema))]
#[cfg_attr(feature = "config", serde(rename_all = "kebab-case"))] // as `as_str`, which `config` reads (tested there)
#[non_exhaustive]
pub enum RetryOn {
    /// gRPC status `CANCELLED`.
    Cancelled,
    /// gRPC status `DEADLINE_EXCEEDED`.
    DeadlineExceeded,
    /// gRPC status `INTERNAL`.
    Internal,
    /// gRPC status `RESOURCE_EXHAUSTED`.
    ResourceExhausted,
    /// gRPC status `UNAVAILABLE`.
    Unavailable,
    /// The connection to the backend could not be made.
    ConnectFailure,
    /// The backend reset the HTTP/2 stream with `REFUSED_STREAM`.
    RefusedStream,
    /// The backend did not respond (disconnect, reset, read timeout); also what retries a try
    /// that hit its per-try timeout.
    Reset,
    /// Like [`Reset`](Self::Reset), but only before the request was sent upstream.
    ResetBeforeRequest,
}

impl RetryOn {
    /// The token as written in `retryOn`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RetryOn::Cancelled => "cancelled",
            RetryOn::DeadlineExceeded => "deadline-exceeded",
            RetryOn::Internal => "internal",
            RetryOn::ResourceExhausted => "resource-exhausted",
            RetryOn::Unavailable => "unavailable",
            RetryOn::ConnectFailure => "connect-failure",
            RetryOn::RefusedStream => "refused-stream",
            RetryOn::Reset => "reset",
            RetryOn::ResetBeforeRequest => "reset-before-request",
        }
    }
}

impl fmt::Display for RetryOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::RetryOn {}
    impl Sealed for &super::RetryOn {}
}

/// What a gRPC route may retry on: [`RetryOn`] only. Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a gRPC retry condition: gRPC routes retry on gRPC status codes, not HTTP statuses",
    label = "not a `RetryOn`",
    note = "a gRPC server answers HTTP 200 and reports errors in `grpc-status`, so HTTP conditions such as \"5xx\" or 503 never fire",
    note = "use `RetryOn::Unavailable`, `RetryOn::ResourceExhausted`, `RetryOn::Internal`, … or a transport failure such as `RetryOn::ConnectFailure`"
)]
pub trait GrpcRetryCondition: sealed::Sealed {
    /// The condition as a value.
    fn condition(&self) -> RetryOn;
}
impl GrpcRetryCondition for RetryOn {
    fn condition(&self) -> RetryOn {
        *self
    }
}
#[diagnostic::do_not_recommend]
impl GrpcRetryCondition for &RetryOn {
    fn condition(&self) -> RetryOn {
        **self
    }
}

/// What a route matches.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Target {
    /// Every call (no `match`).
    All,
    /// `uri.prefix: /<service>/`.
    Service(String),
    /// `uri.exact: /<service>/<method>`.
    Method(String, String),
}

impl Target {
    /// The path prefix or exact path matched, or `None` for every call.
    pub(crate) fn path(&self) -> Option<String> {
        match self {
            Target::All => None,
            Target::Service(s) => Some(grpc::service_prefix(s)),
            Target::Method(s, m) => Some(grpc::method_path(s, m)),
        }
    }

    /// Whether a call to `path` matches this route (as Envoy matches Istio's `prefix`/`exact`).
    pub(crate) fn matches(&self, path: &str) -> bool {
        match self {
            Target::All => true,
            Target::Service(s) => path.starts_with(&grpc::service_prefix(s)),
            Target::Method(s, m) => path == grpc::method_path(s, m),
        }
    }

    /// How errors name the route.
    pub(crate) fn label(&self) -> String {
        self.path().unwrap_or_else(|| "(all calls)".to_owned())
    }

    /// The VirtualService `uri` match.
    pub(crate) fn uri_match(&self) -> Option<StringMatch> {
        match self {
            Target::All => None,
            Target::Service(s) => Some(StringMatch::Prefix(grpc::service_prefix(s))),
            Target::Method(s, m) => Some(StringMatch::Exact(grpc::method_path(s, m))),
        }
    }
}

/// The policy part of a route, shared by every route type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) timeout: Option<Duration>,
    pub(crate) attempts: Option<u32>,
    pub(crate) retry_on: Vec<RetryOn>,
    pub(crate) per_try_timeout: Option<Duration>,
}

/// A route whose kind has been checked: what [`Backend::route`](crate::Backend::route) stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub(crate) target: Target,
    pub(crate) streaming: bool,
    pub(crate) policy: Policy,
}

impl Route {
    fn new(target: Target, streaming: bool) -> Self {
        Route {
            target,
            streaming,
            policy: Policy {
                timeout: None,
                attempts: None,
                retry_on: Vec::new(),
                per_try_timeout: None,
            },
        }
    }

    /// One prefix route for a whole [`GrpcService`]: streaming-safe (no timeout) if any of its
    /// methods streams. Policy for individual methods goes on [`MethodRoute`]s.
    ///
    /// ```
    /// use istio_grpc_builder::Route;
    /// use istio_grpc_builder::service::{GrpcService, MethodInfo, MethodKind};
    ///
    /// struct Feed;
    /// impl GrpcService for Feed {
    ///     const SERVICE_NAME: &'static str = "mypackage.FeedService";
    ///     const METHODS: &'static [MethodInfo] =
    ///         &[MethodInfo { name: "Subscribe", kind: MethodKind::ServerStreaming }];
    /// }
    /// let route = Route::for_service::<Feed>();
    /// assert!(route.is_streaming());
    /// assert_eq!(route.path().as_deref(), Some("/mypackage.FeedService/"));
    /// ```
    #[must_use]
    pub fn for_service<S: GrpcService>() -> Route {
        let streaming = S::METHODS.iter().any(|m| m.kind.is_streaming());
        Route::new(Target::Service(S::SERVICE_NAME.to_owned()), streaming)
    }

    /// The path prefix (`/<package>.<Service>/`) or exact path (`/<package>.<Service>/<Method>`)
    /// this route matches, or `None` when it takes every call.
    ///
    /// ```
    /// use istio_grpc_builder::{Route, ServiceRoute};
    /// assert_eq!(Route::from(ServiceRoute::health()).path().as_deref(), Some("/grpc.health.v1.Health/"));
    /// assert_eq!(Route::from(ServiceRoute::all_unary()).path(), None);
    /// ```
    pub fn path(&self) -> Option<String> {
        self.target.path()
    }

    /// Whether calls on this route may stream.
    pub fn is_streaming(&self) -> bool {
        self.streaming
    }
}

/// A route with its scope `S` ([`ByService`] or [`ByMethod`]) and kind `K` known at compile
/// time. Use it through its two names, [`ServiceRoute`] and [`MethodRoute`]; its policy
/// methods are the same for both.
#[must_use]
pub struct TypedRoute<S, K> {
    route: Route,
    _marker: PhantomData<fn() -> (S, K)>,
}

/// A route for a whole gRPC service (`uri.prefix: /<package>.<Service>/`, with the trailing
/// slash so that `/<package>.<Service>Admin/…` is not taken), or for every call to a backend.
/// `K` is [`Unary`] when every covered method is unary, [`Streaming`] otherwise.
///
/// ```
/// use std::time::Duration;
/// use istio_grpc_builder::{Route, RetryOn, ServiceRoute};
///
/// let users = ServiceRoute::unary("mypackage.UserService")
///     .timeout(Duration::from_secs(60))
///     .retries(3, [RetryOn::Unavailable, RetryOn::ResourceExhausted, RetryOn::Internal])
///     .per_try_timeout(Duration::from_secs(20));
/// let feed = ServiceRoute::streaming("mypackage.FeedService"); // no timeout; .timeout() does not compile
/// assert_eq!(Route::from(users).path().as_deref(), Some("/mypackage.UserService/"));
/// assert!(Route::from(feed).is_streaming());
/// ```
pub type ServiceRoute<K = Unary> = TypedRoute<ByService, K>;

/// A route for one method: matches the exact path `/<service>/<method>`. Its kind `K` says
/// whether the method streams; `#[routes]` and the descriptor set build these from the
/// `.proto`.
///
/// ```
/// use std::time::Duration;
/// use istio_grpc_builder::{MethodRoute, Route, RetryOn};
/// use istio_grpc_builder::marker::{ServerStreaming, Unary};
///
/// let get = MethodRoute::<Unary>::new("mypackage.UserService", "GetUser")
///     .timeout(Duration::from_secs(5))
///     .retries(2, [RetryOn::Unavailable]);
/// let watch = MethodRoute::<ServerStreaming>::new("mypackage.UserService", "WatchUsers");
/// assert_eq!(Route::from(get).path().as_deref(), Some("/mypackage.UserService/GetUser"));
/// assert!(Route::from(watch).is_streaming());
/// ```
pub type MethodRoute<K> = TypedRoute<ByMethod, K>;

impl<S, K> TypedRoute<S, K> {
    fn of(target: Target, streaming: bool) -> Self {
        TypedRoute {
            route: Route::new(target, streaming),
            _marker: PhantomData,
        }
    }

    /// Retries: up to `attempts` retries, on the given gRPC conditions (written as `retryOn`,
    /// in the order given, without duplicates). `attempts` must be at least 1 (checked by
    /// `build()`). Only [`RetryOn`] values compile here; HTTP-status conditions do not.
    ///
    /// ```
    /// use istio_grpc_builder::{Ingress, Backend, RetryOn, ServiceRoute};
    /// let route = ServiceRoute::streaming("mypackage.FeedService")
    ///     .retries(2, [RetryOn::Unavailable, RetryOn::ConnectFailure]);
    /// let mesh = Ingress::new("grpc.example.com").h2c()
    ///     .backend(Backend::service("feed").route(route))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("retryOn: unavailable,connect-failure"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn retries<I>(mut self, attempts: u32, on: I) -> Self
    where
        I: IntoIterator,
        I::Item: GrpcRetryCondition,
    {
        self.route.policy.attempts = Some(attempts);
        let mut conditions: Vec<RetryOn> = Vec::new();
        for c in on {
            let c = c.condition();
            if !conditions.contains(&c) {
                conditions.push(c);
            }
        }
        self.route.policy.retry_on = conditions;
        self
    }

    /// The route timeout (whole call). Only unary routes take one: a streaming call lives as
    /// long as its stream. Must be at least 1 ms and whole milliseconds (checked by `build()`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use istio_grpc_builder::{Ingress, Backend, ServiceRoute};
    /// let mesh = Ingress::new("grpc.example.com").h2c()
    ///     .backend(Backend::service("users")
    ///         .route(ServiceRoute::unary("mypackage.UserService").timeout(Duration::from_millis(1500))))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("timeout: 1.500s"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self
    where
        K: AcceptsTimeout,
    {
        self.route.policy.timeout = Some(timeout);
        self
    }

    /// The timeout of each try when retrying; not above the route timeout, and only with
    /// [`retries`](Self::retries) (both checked by `build()`). Only unary routes take one.
    ///
    /// A try that times out is retried: `build()` adds [`RetryOn::Reset`],
    /// [`RetryOn::Cancelled`] and [`RetryOn::DeadlineExceeded`] to the conditions when they are
    /// missing. Envoy retries a try its per-try timer ends only on `reset` (or HTTP 5xx
    /// conditions, which gRPC routes do not use), and because Istio also sends the per-try
    /// timeout to the server as the call's deadline, the server may end the try first with
    /// `CANCELLED` (tonic) or `DEADLINE_EXCEEDED` (grpc-go). With no conditions given, Istio's
    /// default ones are written out first (`connect-failure,refused-stream,unavailable,cancelled`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use istio_grpc_builder::{Ingress, Backend, RetryOn, ServiceRoute};
    /// let route = ServiceRoute::unary("mypackage.UserService")
    ///     .timeout(Duration::from_secs(60))
    ///     .retries(3, [RetryOn::Unavailable])
    ///     .per_try_timeout(Duration::from_secs(20));
    /// let mesh = Ingress::new("grpc.example.com").h2c()
    ///     .backend(Backend::service("users").route(route))
    ///     .build()?;
    /// assert!(mesh.yaml().contains("perTryTimeout: 20s"));
    /// assert!(mesh.yaml().contains("retryOn: unavailable,reset,cancelled,deadline-exceeded"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn per_try_timeout(mut self, timeout: Duration) -> Self
    where
        K: AcceptsTimeout,
    {
        self.route.policy.per_try_timeout = Some(timeout);
        self
    }
}

impl<K: CallKind> TypedRoute<ByMethod, K> {
    /// A route for `/<service>/<method>`; `service` is the full name `<package>.<Service>`
    /// (both checked by `build()`).
    ///
    /// ```
    /// use istio_grpc_builder::{MethodRoute, Route};
    /// use istio_grpc_builder::marker::Unary;
    /// let r = MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello");
    /// assert_eq!(Route::from(r).path().as_deref(), Some("/helloworld.Greeter/SayHello"));
    /// ```
    pub fn new(service: impl Into<String>, method: impl Into<String>) -> Self {
        TypedRoute::of(
            Target::Method(service.into(), method.into()),
            K::KIND.is_streaming(),
        )
    }
}

impl TypedRoute<ByService, Unary> {
    /// A route for every method of `service` (`<package>.<Service>`), all of them unary.
    ///
    /// ```
    /// use istio_grpc_builder::{Route, ServiceRoute};
    /// let r = Route::from(ServiceRoute::unary("mypackage.UserService"));
    /// assert!(!r.is_streaming());
    /// ```
    pub fn unary(service: impl Into<String>) -> Self {
        TypedRoute::of(Target::Service(service.into()), false)
    }

    /// A route for every call to the backend (no `match`), all of them unary.
    ///
    /// ```
    /// use istio_grpc_builder::{Route, ServiceRoute};
    /// assert_eq!(Route::from(ServiceRoute::all_unary()).path(), None);
    /// ```
    pub fn all_unary() -> Self {
        TypedRoute::of(Target::All, false)
    }
}

impl TypedRoute<ByService, Streaming> {
    /// A route for a service some of whose methods stream: written without a timeout.
    ///
    /// ```
    /// use istio_grpc_builder::{Route, ServiceRoute};
    /// assert!(Route::from(ServiceRoute::streaming("mypackage.FeedService")).is_streaming());
    /// ```
    pub fn streaming(service: impl Into<String>) -> Self {
        TypedRoute::of(Target::Service(service.into()), true)
    }

    /// A route for every call to the backend (no `match`), some of which stream: written
    /// without a timeout.
    ///
    /// ```
    /// use istio_grpc_builder::{Route, ServiceRoute};
    /// let r = Route::from(ServiceRoute::all_streaming());
    /// assert!(r.is_streaming() && r.path().is_none());
    /// ```
    pub fn all_streaming() -> Self {
        TypedRoute::of(Target::All, true)
    }

    /// The standard health service `grpc.health.v1.Health`. Its `Watch` method streams, so the
    /// route takes no timeout.
    ///
    /// ```
    /// use istio_grpc_builder::{Route, ServiceRoute};
    /// let r = Route::from(ServiceRoute::health());
    /// assert_eq!(r.path().as_deref(), Some("/grpc.health.v1.Health/"));
    /// ```
    pub fn health() -> Self {
        TypedRoute::of(Target::Service(HEALTH_SERVICE.to_owned()), true)
    }
}

/// The full name of the standard gRPC health service.
pub const HEALTH_SERVICE: &str = "grpc.health.v1.Health";

/// The gRPC server reflection services: `v1`, and `v1alpha`, which grpcurl up to 1.8.7 asks
/// (later versions ask `v1` first and fall back to `v1alpha`).
pub const REFLECTION_SERVICES: [&str; 2] = [
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// The routes [`Backend::reflection`](crate::Backend::reflection) adds.
pub(crate) static REFLECTION_TARGETS: std::sync::LazyLock<[Target; 2]> =
    std::sync::LazyLock::new(|| REFLECTION_SERVICES.map(|s| Target::Service(s.to_owned())));

impl<S, K> From<TypedRoute<S, K>> for Route {
    fn from(r: TypedRoute<S, K>) -> Route {
        r.route
    }
}

impl<S: Scope, K: RouteKind> fmt::Debug for TypedRoute<S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(S::NAME)
            .field(
                "kind",
                &std::any::type_name::<K>().rsplit("::").next().unwrap_or(""),
            )
            .field("route", &self.route)
            .finish()
    }
}

impl<S, K> Clone for TypedRoute<S, K> {
    fn clone(&self) -> Self {
        TypedRoute {
            route: self.route.clone(),
            _marker: PhantomData,
        }
    }
}

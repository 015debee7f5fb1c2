//! Routes: which gRPC calls go to a backend, and with which timeout and retry policy.
//!
//! A route knows at compile time whether its calls stream (its kind, see
//! [`RouteKind`](crate::service::RouteKind)). Only unary routes take `.timeout(..)` and
//! `.per_try_timeout(..)`; streaming routes carry no timeout, which Istio reads as "disabled"
//! (`timeout: 0s`, the seed's spelling, is refused by the CRD's rule `duration(self) >=
//! duration('1ms')` and by Istio's webhook). Retry conditions are
//! [`RetryOn`] values: gRPC status codes and transport failures, never HTTP statuses.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use crate::service::kind::{Streaming, Unary};
use crate::service::{AcceptsTimeout, CallKind, GrpcService, RouteKind};

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
    /// The backend did not respond (disconnect, reset, read timeout).
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
    /// # let _ = route;
    /// ```
    #[must_use]
    pub fn for_service<S: GrpcService>() -> Route {
        let streaming = S::METHODS.iter().any(|m| m.kind.is_streaming());
        Route::new(Target::Service(S::SERVICE_NAME.to_owned()), streaming)
    }

    /// The path prefix or exact path this route matches, or `None` when it takes every call.
    pub fn path(&self) -> Option<String> {
        match &self.target {
            Target::All => None,
            Target::Service(s) => Some(istio_grpc_types::grpc::service_prefix(s)),
            Target::Method(s, m) => Some(istio_grpc_types::grpc::method_path(s, m)),
        }
    }

    /// Whether calls on this route may stream.
    pub fn is_streaming(&self) -> bool {
        self.streaming
    }
}

macro_rules! route_policy_methods {
    ($ty:ident, $bound:path, $example:literal, $example_retry:literal) => {
        impl<K: $bound> $ty<K> {
            /// Retries: up to `attempts` retries, on the given gRPC conditions (written as
            /// `retryOn`, in the order given, without duplicates). `attempts` must be at least 1
            /// (checked by `build()`).
            ///
            /// Only [`RetryOn`] values compile here; HTTP-status conditions do not.
            ///
            /// ```
            #[doc = $example_retry]
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

            /// The route timeout (whole call). Only unary routes take one: a streaming call lives
            /// as long as its stream. Must be at least 1 ms and whole milliseconds (`build()`).
            ///
            /// ```
            #[doc = $example]
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
            /// A try that times out is retried: `build()` adds [`RetryOn::Reset`] to the
            /// conditions when it is missing, because Envoy retries a timed-out try only on
            /// `reset` (or HTTP 5xx conditions, which gRPC routes do not use), never on gRPC
            /// status conditions alone. With no conditions given, Istio's default ones are
            /// written out before it (`connect-failure,refused-stream,unavailable,cancelled`).
            ///
            /// ```
            #[doc = $example]
            /// ```
            pub fn per_try_timeout(mut self, timeout: Duration) -> Self
            where
                K: AcceptsTimeout,
            {
                self.route.policy.per_try_timeout = Some(timeout);
                self
            }
        }

        impl<K: $bound> From<$ty<K>> for Route {
            fn from(r: $ty<K>) -> Route {
                r.route
            }
        }

        impl<K: $bound> fmt::Debug for $ty<K> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field(
                        "kind",
                        &std::any::type_name::<K>().rsplit("::").next().unwrap_or(""),
                    )
                    .field("route", &self.route)
                    .finish()
            }
        }

        impl<K: $bound> Clone for $ty<K> {
            fn clone(&self) -> Self {
                Self {
                    route: self.route.clone(),
                    kind: PhantomData,
                }
            }
        }
    };
}

/// A route for one method: matches the exact path `/<service>/<method>`. Its kind `K` says
/// whether the method streams; macro-generated code builds these from the `.proto`.
///
/// ```
/// use std::time::Duration;
/// use istio_grpc_builder::{MethodRoute, RetryOn};
/// use istio_grpc_builder::service::kind::{ServerStreaming, Unary};
///
/// let get = MethodRoute::<Unary>::new("mypackage.UserService", "GetUser")
///     .timeout(Duration::from_secs(5))
///     .retries(2, [RetryOn::Unavailable]);
/// let watch = MethodRoute::<ServerStreaming>::new("mypackage.UserService", "WatchUsers");
/// # let _ = (get, watch);
/// ```
#[must_use]
pub struct MethodRoute<K: CallKind> {
    route: Route,
    kind: PhantomData<fn() -> K>,
}

impl<K: CallKind> MethodRoute<K> {
    /// A route for `/<service>/<method>`; `service` is the full name `<package>.<Service>`.
    ///
    /// ```
    /// use istio_grpc_builder::MethodRoute;
    /// use istio_grpc_builder::service::kind::Unary;
    /// let r = MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello");
    /// # let _ = r;
    /// ```
    pub fn new(service: &'static str, method: &'static str) -> MethodRoute<K> {
        MethodRoute {
            route: Route::new(
                Target::Method(service.to_owned(), method.to_owned()),
                K::KIND.is_streaming(),
            ),
            kind: PhantomData,
        }
    }
}

route_policy_methods!(
    MethodRoute,
    CallKind,
    "# use std::time::Duration;\n# use istio_grpc_builder::{MethodRoute, service::kind::Unary};\nlet r = MethodRoute::<Unary>::new(\"helloworld.Greeter\", \"SayHello\")\n    .timeout(Duration::from_secs(10))\n    .retries(3, [istio_grpc_builder::RetryOn::Unavailable])\n    .per_try_timeout(Duration::from_secs(3));\n# let _ = r;",
    "# use istio_grpc_builder::{MethodRoute, RetryOn, service::kind::Unary};\nlet r = MethodRoute::<Unary>::new(\"helloworld.Greeter\", \"SayHello\")\n    .retries(3, [RetryOn::Unavailable, RetryOn::Internal]);\n# let _ = r;"
);

/// A route for a whole gRPC service (`uri.prefix: /<package>.<Service>/`, with the trailing slash
/// so that `/<package>.<Service>Admin/…` is not taken), or for every call to a
/// backend. `K` is [`Unary`] when every covered method is unary, [`Streaming`] otherwise.
///
/// ```
/// use std::time::Duration;
/// use istio_grpc_builder::{RetryOn, ServiceRoute};
///
/// let users = ServiceRoute::unary("mypackage.UserService")
///     .timeout(Duration::from_secs(60))
///     .retries(3, [RetryOn::Unavailable, RetryOn::ResourceExhausted, RetryOn::Internal])
///     .per_try_timeout(Duration::from_secs(20));
/// let feed = ServiceRoute::streaming("mypackage.FeedService"); // no timeout; .timeout() does not compile
/// # let _ = (users, feed);
/// ```
#[must_use]
pub struct ServiceRoute<K: RouteKind = Unary> {
    route: Route,
    kind: PhantomData<fn() -> K>,
}

impl ServiceRoute<Unary> {
    /// A route for every method of `service` (`<package>.<Service>`), all of them unary.
    ///
    /// ```
    /// let r = istio_grpc_builder::ServiceRoute::unary("mypackage.UserService");
    /// # let _ = r;
    /// ```
    pub fn unary(service: impl Into<String>) -> Self {
        ServiceRoute {
            route: Route::new(Target::Service(service.into()), false),
            kind: PhantomData,
        }
    }

    /// A route for every call to the backend (no `match`), all of them unary.
    ///
    /// ```
    /// let r = istio_grpc_builder::ServiceRoute::all_unary();
    /// # let _ = r;
    /// ```
    pub fn all_unary() -> Self {
        ServiceRoute {
            route: Route::new(Target::All, false),
            kind: PhantomData,
        }
    }
}

impl ServiceRoute<Streaming> {
    /// A route for a service some of whose methods stream: written without a timeout.
    ///
    /// ```
    /// let r = istio_grpc_builder::ServiceRoute::streaming("mypackage.FeedService");
    /// # let _ = r;
    /// ```
    pub fn streaming(service: impl Into<String>) -> Self {
        ServiceRoute {
            route: Route::new(Target::Service(service.into()), true),
            kind: PhantomData,
        }
    }

    /// A route for every call to the backend (no `match`), some of which stream: written without a timeout.
    ///
    /// ```
    /// let r = istio_grpc_builder::ServiceRoute::all_streaming();
    /// # let _ = r;
    /// ```
    pub fn all_streaming() -> Self {
        ServiceRoute {
            route: Route::new(Target::All, true),
            kind: PhantomData,
        }
    }

    /// The standard health service `grpc.health.v1.Health`. Its `Watch` method streams, so the
    /// route takes no timeout.
    ///
    /// ```
    /// let r = istio_grpc_builder::ServiceRoute::health();
    /// # let _ = r;
    /// ```
    pub fn health() -> Self {
        ServiceRoute {
            route: Route::new(Target::Service(HEALTH_SERVICE.to_owned()), true),
            kind: PhantomData,
        }
    }
}

/// The full name of the standard gRPC health service.
pub const HEALTH_SERVICE: &str = "grpc.health.v1.Health";

route_policy_methods!(
    ServiceRoute,
    RouteKind,
    "# use std::time::Duration;\n# use istio_grpc_builder::{RetryOn, ServiceRoute};\nlet r = ServiceRoute::unary(\"mypackage.UserService\")\n    .timeout(Duration::from_secs(60))\n    .retries(3, [RetryOn::Unavailable])\n    .per_try_timeout(Duration::from_secs(20));\n# let _ = r;",
    "# use istio_grpc_builder::{RetryOn, ServiceRoute};\nlet r = ServiceRoute::streaming(\"mypackage.FeedService\")\n    .retries(2, [RetryOn::Unavailable, RetryOn::ConnectFailure]);\n# let _ = r;"
);

//! The first half of `build()`: every value checked, every problem collected, nothing written.
//! What passes becomes a [`Checked`] spec that the writers turn into objects without failing.

use std::collections::{BTreeMap, HashSet};

use istio_grpc_types::destination_rule::OutlierDetection;
use istio_grpc_types::grpc;
use istio_grpc_types::protocol::PortProtocol;
use istio_grpc_types::virtual_service::{CorsPolicy, HttpRetry, UnmatchedPreflights};
use istio_grpc_types::{Duration, StringMatch};

use crate::error::{
    BackendProblem, BuildError, BuildErrors, CredentialProblem, DuplicateKind, NameKind,
    RouteProblem,
};
use crate::grpc_web::{ALLOW_HEADERS, EXPOSE_HEADERS, Translation};
use crate::outlier::Counted;
use crate::route::{REFLECTION_TARGETS, RetryOn, Route, Target};
use crate::spec::{BackendSpec, IngressSpec, ServiceSource, TlsCredential, UpstreamCa};
use crate::validate;

/// A spec whose every value `build()` accepted.
pub(super) struct Checked<'a> {
    pub(super) spec: &'a IngressSpec,
    pub(super) tls: bool,
    pub(super) backends: Vec<CheckedBackend<'a>>,
}

/// One backend, checked.
pub(super) struct CheckedBackend<'a> {
    pub(super) spec: &'a BackendSpec,
    pub(super) routes: Vec<CheckedRoute<'a>>,
    /// The CORS policy every route of a gRPC-Web backend carries.
    /// Boxed: few backends have one, and a large mesh holds one field per backend.
    pub(super) cors: Option<Box<CorsPolicy>>,
    /// The outlier detection of the backend's DestinationRules (its own and its splits').
    /// Boxed, as `cors`.
    pub(super) outlier: Option<Box<OutlierDetection>>,
    /// The name and `appProtocol` of the Service port the builder writes (`None` for the
    /// user's own Service).
    pub(super) port: Option<(String, &'static str)>,
    /// The other Services that take a share of the calls ([`BackendSpec::splits`]).
    pub(super) splits: Vec<CheckedSplit>,
}

impl CheckedBackend<'_> {
    /// The share of the calls this backend's own Service keeps: what the splits leave of 100.
    pub(super) fn own_percent(&self) -> u8 {
        let given: u8 = self.splits.iter().map(|s| s.percent).sum();
        100 - given
    }
}

/// A Service that takes a share of a backend's calls, checked: its spec with the namespace
/// resolved (the backend's unless given) and the backend's gRPC-Web, load balancer and
/// upstream TLS, which apply to it too.
pub(super) struct CheckedSplit {
    pub(super) spec: BackendSpec,
    pub(super) percent: u8,
    /// As [`CheckedBackend::port`].
    pub(super) port: Option<(String, &'static str)>,
}

/// One route, checked, with its values in Istio's types.
pub(super) struct CheckedRoute<'a> {
    pub(super) target: &'a Target,
    pub(super) timeout: Option<Duration>,
    pub(super) retries: Option<HttpRetry>,
}

/// A backend without routes takes every call.
static ALL_CALLS: Target = Target::All;

/// Checks the whole spec and returns it checked, or every problem found.
pub(super) fn check(spec: &IngressSpec, tls: bool) -> Result<Checked<'_>, BuildErrors> {
    let mut errs = Vec::new();
    let checked = check_into(spec, tls, true, &mut errs);
    if errs.is_empty() {
        Ok(checked)
    } else {
        Err(BuildErrors(errs))
    }
}

/// The checked form of a spec that [`check`] accepted, for writing its objects again (a
/// [`Mesh`](crate::Mesh) keeps the spec, not its objects). The checks that also compute what
/// the writers need run again and find nothing (the spec is the one `build()` accepted, shared
/// and never changed since); the search for duplicates, which computes nothing, is skipped.
pub(super) fn checked(spec: &IngressSpec, tls: bool) -> Checked<'_> {
    check_into(spec, tls, false, &mut Vec::new())
}

/// Checks the whole spec (with `duplicates`, also that no host, backend or route is given
/// twice), pushing every problem found to `errs`, and returns what passed.
fn check_into<'a>(
    spec: &'a IngressSpec,
    tls: bool,
    duplicates: bool,
    errs: &mut Vec<BuildError>,
) -> Checked<'a> {
    let mut push = |r: Result<(), BuildError>| {
        if let Err(e) = r {
            errs.push(e);
        }
    };
    let mut hosts_seen = HashSet::new();
    for host in &spec.hosts {
        push(validate::gateway_host(host));
        if !hosts_seen.insert(host) {
            push(Err(BuildError::Duplicate {
                kind: DuplicateKind::Host,
                value: host.clone(),
            }));
        }
    }
    push(validate::dns_label(NameKind::Gateway, &spec.gateway));
    push(validate::dns_label(
        NameKind::GatewayWorkloadNamespace,
        &spec.workload_namespace,
    ));
    if let Some(ns) = &spec.namespace {
        push(validate::dns_label(NameKind::Namespace, ns));
    }
    push(validate::dns_subdomain(
        NameKind::VirtualService,
        &spec.virtual_service,
    ));
    if spec.selector.is_empty() {
        push(Err(BuildError::NoGatewaySelector {
            gateway: spec.gateway.clone(),
        }));
    }
    if tls && let Some(cred) = &spec.credential {
        push(validate::dns_subdomain(NameKind::TlsCredential, &cred.name));
        credential(cred, errs);
    }
    if spec.backends.is_empty() {
        errs.push(BuildError::NoBackend);
    }

    let mut backends = Vec::with_capacity(spec.backends.len());
    let room = if duplicates { spec.backends.len() } else { 0 };
    let mut targets_seen: HashSet<&Target> = HashSet::with_capacity(room);
    let mut backends_seen: HashSet<(&str, Option<&str>)> = HashSet::with_capacity(room);
    for b in &spec.backends {
        if duplicates {
            duplicate_of(b, &mut backends_seen, &mut targets_seen, errs);
        }
        if let Some(checked) = backend(b, errs) {
            backends.push(checked);
        }
    }
    Checked {
        spec,
        tls,
        backends,
    }
}

/// The Services and routes of `b` seen before (in `backends_seen`, `targets_seen`), each an
/// error; adds them to those seen.
fn duplicate_of<'a>(
    b: &'a BackendSpec,
    backends_seen: &mut HashSet<(&'a str, Option<&'a str>)>,
    targets_seen: &mut HashSet<&'a Target>,
    errs: &mut Vec<BuildError>,
) {
    // A Service a backend splits to is written (or checked) like a backend's own.
    let services =
        std::iter::once((&b.name, b.namespace.as_deref())).chain(b.splits.iter().map(|s| {
            (
                &s.service.name,
                s.service.namespace.as_deref().or(b.namespace.as_deref()),
            )
        }));
    for (name, namespace) in services {
        if !backends_seen.insert((name, namespace)) {
            errs.push(BuildError::Duplicate {
                kind: DuplicateKind::Backend,
                value: format!("{name:?}"),
            });
        }
    }
    let mut targets: Vec<&Target> = if b.routes.is_empty() {
        vec![&ALL_CALLS]
    } else {
        b.routes.iter().map(|r| &r.target).collect()
    };
    if b.reflection {
        targets.extend(REFLECTION_TARGETS.iter());
    }
    for t in targets {
        if !targets_seen.insert(t) {
            errs.push(BuildError::Duplicate {
                kind: DuplicateKind::Route,
                value: format!("{} (backend {:?})", t.label(), b.name),
            });
        }
    }
}

/// The PEM credential, when the builder writes the Secret: the key's text never goes into an
/// error, only what kind of problem it has.
fn credential(cred: &TlsCredential, errs: &mut Vec<BuildError>) {
    let Some((cert, key)) = &cred.pem else {
        return;
    };
    let mut fail = |problem| {
        errs.push(BuildError::Credential {
            name: cred.name.clone(),
            problem,
        });
    };
    match pem::parse_many(cert.as_bytes()) {
        Ok(blocks) if blocks.is_empty() => fail(CredentialProblem::NoCertificate),
        Ok(blocks) if blocks.iter().any(|b| b.tag() != "CERTIFICATE") => {
            fail(CredentialProblem::NotACertificate);
        }
        Ok(_) => {}
        Err(_) => fail(CredentialProblem::ChainNotPem),
    }
    match pem::parse(key.0.as_bytes()) {
        Ok(block) if block.tag().ends_with("PRIVATE KEY") => {}
        Ok(_) => fail(CredentialProblem::NotAPrivateKey),
        Err(_) => fail(CredentialProblem::KeyNotPem),
    }
}

fn backend<'a>(b: &'a BackendSpec, errs: &mut Vec<BuildError>) -> Option<CheckedBackend<'a>> {
    let before = errs.len();
    let port = service(b, errs);
    subsets(b, errs);
    upstream_verify(b, errs);
    let splits = splits(b, errs);
    let cors = cors_policy(b, errs).map(Box::new);
    let outlier = outlier_detection(b, errs).map(Box::new);
    if let Some(calls) = b
        .max_concurrent_calls
        .filter(|c| *c == 0 || i32::try_from(*c).is_err())
    {
        errs.push(BuildError::Backend {
            backend: b.name.clone(),
            problem: BackendProblem::ConcurrentCalls { calls },
        });
    }
    // the exact size: a large mesh holds one per backend
    let reflection = if b.reflection {
        REFLECTION_TARGETS.len()
    } else {
        0
    };
    let mut routes: Vec<CheckedRoute<'a>> = Vec::with_capacity(b.routes.len().max(1) + reflection);
    if b.routes.is_empty() {
        routes.push(CheckedRoute {
            target: &ALL_CALLS,
            timeout: None,
            retries: None,
        });
    } else {
        routes.extend(b.routes.iter().filter_map(|r| route(b, r, errs)));
    }
    if b.reflection {
        // Reflection streams (`ServerReflectionInfo` is bidi): no timeout, Istio's retries.
        routes.extend(REFLECTION_TARGETS.iter().map(|target| CheckedRoute {
            target,
            timeout: None,
            retries: None,
        }));
    }
    (errs.len() == before).then_some(CheckedBackend {
        spec: b,
        routes,
        cors,
        outlier,
        port,
        splits,
    })
}

/// The share of a backend's pods outlier detection may eject when none is given: at 50 % one
/// pod of two or three can go and the last pod never does; Istio's default 10 % would eject
/// nothing on fewer than 10 pods (see [`crate::OutlierDetection`]).
const DEFAULT_MAX_EJECTION_PERCENT: u8 = 50;

/// A backend's outlier detection as Istio writes it: the counter asked for, the other one
/// written `0` so that Envoy's default (5 consecutive 5xx) does not apply unasked, and the
/// share of pods it may eject.
fn outlier_detection(b: &BackendSpec, errs: &mut Vec<BuildError>) -> Option<OutlierDetection> {
    let o = b.outlier.as_ref()?;
    let before = errs.len();
    let mut fail = |problem| {
        errs.push(BuildError::Backend {
            backend: b.name.clone(),
            problem,
        });
    };
    if o.consecutive == 0 {
        fail(BackendProblem::OutlierZero);
    }
    if let Some(percent) = o.max_ejection_percent.filter(|p| *p > 100) {
        fail(BackendProblem::OutlierPercent { percent });
    }
    let interval = o.interval.and_then(|d| {
        validate::duration(d)
            .map_err(|e| fail(BackendProblem::OutlierInterval(e)))
            .ok()
    });
    let base_ejection_time = o.ejection_time.and_then(|d| {
        validate::duration(d)
            .map_err(|e| fail(BackendProblem::OutlierEjectionTime(e)))
            .ok()
    });
    let (gateway, server) = match o.counted {
        Counted::Unavailable => (o.consecutive, 0),
        Counted::ServerErrors => (0, o.consecutive),
    };
    (errs.len() == before).then(|| OutlierDetection {
        consecutive_gateway_errors: Some(gateway),
        consecutive_5xx_errors: Some(server),
        interval,
        base_ejection_time,
        max_ejection_percent: Some(i32::from(
            o.max_ejection_percent
                .unwrap_or(DEFAULT_MAX_EJECTION_PERCENT),
        )),
        ..Default::default()
    })
}

/// The hostname and CA ConfigMap of a verified upstream: Kubernetes names (no wildcard: the
/// certificate is checked against this one name).
fn upstream_verify(b: &BackendSpec, errs: &mut Vec<BuildError>) {
    let Some(v) = &b.upstream_verify else {
        return;
    };
    if let Err(e) = validate::dns_subdomain(NameKind::UpstreamHostname, &v.hostname) {
        errs.push(e);
    }
    if let UpstreamCa::ConfigMap(name) = &v.ca
        && let Err(e) = validate::dns_subdomain(NameKind::CaConfigMap, name)
    {
        errs.push(e);
    }
}

/// The Services `b` splits to: the shares at most 100 % in all, each Service with only Service
/// settings, checked as a backend's own.
fn splits(b: &BackendSpec, errs: &mut Vec<BuildError>) -> Vec<CheckedSplit> {
    let mut fail = |problem| {
        errs.push(BuildError::Backend {
            backend: b.name.clone(),
            problem,
        });
    };
    let total: u32 = b.splits.iter().map(|s| u32::from(s.percent)).sum();
    if total > 100 {
        fail(BackendProblem::SplitOver100 { total });
    }
    for s in &b.splits {
        let t = &s.service;
        let settings = [
            (!t.routes.is_empty(), "routes"),
            (t.grpc_web.is_some(), "gRPC-Web"),
            (t.lb.is_some(), "a load balancer"),
            (t.upstream_tls.is_some(), "an upstream TLS mode"),
            (t.outlier.is_some(), "outlier detection"),
            (
                t.max_concurrent_calls.is_some(),
                "a limit of concurrent calls",
            ),
            (!t.subsets.is_empty(), "subsets"),
            (t.reflection, "server reflection"),
            (!t.splits.is_empty(), "splits of its own"),
        ];
        for (_, setting) in settings.into_iter().filter(|(set, _)| *set) {
            fail(BackendProblem::SplitSetting {
                service: t.name.clone(),
                setting,
            });
        }
    }
    let mut out = Vec::with_capacity(b.splits.len());
    for s in &b.splits {
        let spec = BackendSpec {
            namespace: s.service.namespace.clone().or_else(|| b.namespace.clone()),
            grpc_web: b.grpc_web.clone(),
            lb: b.lb,
            max_concurrent_calls: b.max_concurrent_calls,
            upstream_tls: b.upstream_tls,
            upstream_verify: b.upstream_verify.clone(),
            ..s.service.clone()
        };
        let port = service(&spec, errs);
        out.push(CheckedSplit {
            spec,
            percent: s.percent,
            port,
        });
    }
    out
}

/// The Service of a backend (or of a Service it splits to): its name, namespace and port, and
/// [`service_port`].
fn service(b: &BackendSpec, errs: &mut Vec<BuildError>) -> Option<(String, &'static str)> {
    if let Err(e) = validate::dns_label(NameKind::Backend, &b.name) {
        errs.push(e);
    }
    if let Some(ns) = &b.namespace
        && let Err(e) = validate::dns_label(NameKind::Namespace, ns)
    {
        errs.push(e);
    }
    if b.port == 0 {
        errs.push(BuildError::Backend {
            backend: b.name.clone(),
            problem: BackendProblem::PortZero,
        });
    }
    service_port(b, errs)
}

/// The Service port: for a written Service, its name (Istio reads the protocol from it); for
/// the user's own, that the routed port is declared HTTP/2.
fn service_port(b: &BackendSpec, errs: &mut Vec<BuildError>) -> Option<(String, &'static str)> {
    let mut fail = |problem| {
        errs.push(BuildError::Backend {
            backend: b.name.clone(),
            problem,
        });
    };
    match &b.service {
        ServiceSource::Emit {
            port_name,
            selector,
            ..
        } => {
            let web_port = b
                .grpc_web
                .as_ref()
                .is_some_and(|w| w.translation == Translation::ServicePort);
            let (name, app_protocol, wanted) = if web_port {
                let suffix = port_name.strip_prefix("grpc").unwrap_or("");
                (
                    format!("grpc-web{suffix}"),
                    "grpc-web",
                    PortProtocol::GrpcWeb,
                )
            } else {
                (port_name.clone(), "grpc", PortProtocol::Grpc)
            };
            if PortProtocol::select(Some(&name), None, None) != wanted
                || validate::dns_label(NameKind::Backend, &name).is_err()
                || name.len() > 15
            {
                fail(BackendProblem::PortName { name: name.clone() });
            }
            if selector.as_ref().is_some_and(BTreeMap::is_empty) {
                fail(BackendProblem::NoSelector);
            }
            Some((name, app_protocol))
        }
        ServiceSource::Given(svc) => {
            let ports = svc
                .spec
                .as_ref()
                .and_then(|s| s.ports.as_deref())
                .unwrap_or(&[]);
            let Some(port) = ports.iter().find(|p| p.port == i32::from(b.port)) else {
                fail(BackendProblem::NoSuchPort {
                    port: b.port,
                    declared: ports.iter().map(|p| p.port).collect(),
                });
                return None;
            };
            let proto = PortProtocol::select(
                port.name.as_deref(),
                port.app_protocol.as_deref(),
                port.protocol.as_deref(),
            );
            if !proto.is_http2() {
                let declared = match (&port.app_protocol, &port.name) {
                    (Some(a), _) => format!("has appProtocol {a:?}"),
                    (None, Some(n)) => format!("is named {n:?}"),
                    (None, None) => "has no name and no appProtocol".to_owned(),
                };
                fail(BackendProblem::NotHttp2 {
                    port: b.port,
                    declared,
                    protocol: proto.describe().to_string(),
                });
            }
            None
        }
    }
}

fn subsets(b: &BackendSpec, errs: &mut Vec<BuildError>) {
    let mut seen = HashSet::new();
    for (name, labels) in &b.subsets {
        if let Err(e) = validate::dns_label(NameKind::Subset, name) {
            errs.push(e);
        }
        if !seen.insert(name.as_str()) {
            errs.push(BuildError::Duplicate {
                kind: DuplicateKind::Subset,
                value: format!("{name:?} of backend {:?}", b.name),
            });
        }
        if labels.is_empty() {
            errs.push(BuildError::Backend {
                backend: b.name.clone(),
                problem: BackendProblem::SubsetWithoutLabels {
                    subset: name.clone(),
                },
            });
        }
    }
}

/// The CORS policy of a gRPC-Web backend. It goes on every route of the backend: a browser's
/// preflight (`OPTIONS`, no `content-type`) is answered with the policy of the route it
/// matches, so the policy must sit on the routes that match the backend's paths, not on a
/// route that requires `content-type: application/grpc-web` (which no preflight carries).
fn cors_policy(b: &BackendSpec, errs: &mut Vec<BuildError>) -> Option<CorsPolicy> {
    let web = b.grpc_web.as_ref()?;
    let before = errs.len();
    let mut fail = |problem| {
        errs.push(BuildError::Backend {
            backend: b.name.clone(),
            problem,
        });
    };
    let mut allow_origins = Vec::new();
    if web.origins.any {
        allow_origins.push(StringMatch::Regex(".*".to_owned()));
    }
    if allow_origins.is_empty() && web.origins.exact.is_empty() {
        fail(BackendProblem::NoOrigin);
    }
    let max_age = if web.max_age.subsec_nanos() != 0 || web.max_age.is_zero() {
        fail(BackendProblem::MaxAge {
            max_age: web.max_age,
        });
        None
    } else {
        validate::duration(web.max_age).ok()
    };
    let mut allow_headers: Vec<String> = ALLOW_HEADERS.iter().map(|h| (*h).to_owned()).collect();
    for h in &web.extra_allow_headers {
        let token = !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
        if !token {
            fail(BackendProblem::AllowHeader { header: h.clone() });
            continue;
        }
        let h = h.to_ascii_lowercase();
        if !allow_headers.contains(&h) {
            allow_headers.push(h);
        }
    }
    for o in &web.origins.exact {
        match validate::origin(o) {
            Ok(()) => allow_origins.push(StringMatch::Exact(o.clone())),
            Err(e) => errs.push(e),
        }
    }
    (errs.len() == before).then(|| CorsPolicy {
        allow_origins: Some(allow_origins),
        allow_methods: Some(vec!["POST".to_owned()]),
        allow_headers: Some(allow_headers),
        expose_headers: Some(EXPOSE_HEADERS.iter().map(|h| (*h).to_owned()).collect()),
        max_age,
        allow_credentials: web.allow_credentials,
        // A preflight from an origin not allowed is answered by the gateway without
        // Access-Control headers instead of reaching (and being retried on) the gRPC server.
        unmatched_preflights: Some(UnmatchedPreflights::Ignore),
        ..Default::default()
    })
}

/// Istio's default `retryOn` (`route/retry/retry.go`), as far as it names [`RetryOn`] values;
/// the rest of the default, `retriable-status-codes`, retries nothing without status codes.
const ISTIO_DEFAULT_RETRY_ON: [RetryOn; 4] = [
    RetryOn::ConnectFailure,
    RetryOn::RefusedStream,
    RetryOn::Unavailable,
    RetryOn::Cancelled,
];

/// What a timed-out try can end as, so that a per-try timeout really leads to a retry. Under
/// Istio the route carries `max_grpc_timeout`, so Envoy also sends the per-try timeout upstream
/// as the call's `grpc-timeout`: either Envoy's per-try timer fires first (retried only on
/// `reset` or the 5xx family, never on gRPC status conditions alone), or the server's own
/// deadline does and it answers `CANCELLED` (tonic) or `DEADLINE_EXCEEDED` (grpc-go, grpcio).
/// Measured on live Envoy: with `unavailable,reset` alone about 1 run in 12 failed with tonic's
/// `CANCELLED: Timeout expired`; with all three, none did.
const PER_TRY_TIMEOUT_OUTCOMES: [RetryOn; 3] = [
    RetryOn::Reset,
    RetryOn::Cancelled,
    RetryOn::DeadlineExceeded,
];

/// The `retryOn` text. With a per-try timeout, the conditions a timed-out try ends as
/// ([`PER_TRY_TIMEOUT_OUTCOMES`]) are added when missing.
fn retry_on(conditions: &[RetryOn], per_try_timeout: bool) -> Option<String> {
    let mut on: Vec<RetryOn> = conditions.to_vec();
    if per_try_timeout {
        if on.is_empty() {
            // Writing only the added conditions would replace Istio's default ones: keep them.
            on.extend(ISTIO_DEFAULT_RETRY_ON);
        }
        for outcome in PER_TRY_TIMEOUT_OUTCOMES {
            if !on.contains(&outcome) {
                on.push(outcome);
            }
        }
    }
    (!on.is_empty()).then(|| on.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","))
}

fn route<'a>(
    b: &BackendSpec,
    route: &'a Route,
    errs: &mut Vec<BuildError>,
) -> Option<CheckedRoute<'a>> {
    let before = errs.len();
    let mut fail = |problem| {
        errs.push(BuildError::Route {
            backend: b.name.clone(),
            route: route.target.label(),
            problem,
        });
    };
    match &route.target {
        Target::All => {}
        Target::Service(s) | Target::Method(s, _) if !grpc::is_service_name(s) => {
            fail(RouteProblem::NotAServiceName { service: s.clone() });
        }
        Target::Service(_) => {}
        Target::Method(_, m) => {
            if !grpc::is_method_name(m) {
                fail(RouteProblem::NotAMethodName { method: m.clone() });
            }
        }
    }
    let p = &route.policy;
    // A streaming route has no timeout: Istio's default, "disabled". (`0s` would mean the
    // same, but the CRD and the webhook refuse durations below 1ms.)
    let timeout = p.timeout.and_then(|t| {
        validate::duration(t)
            .map_err(|e| fail(RouteProblem::Timeout(e)))
            .ok()
    });
    let per_try = p.per_try_timeout.and_then(|t| {
        validate::duration(t)
            .map_err(|e| fail(RouteProblem::PerTryTimeout(e)))
            .ok()
    });
    if let (Some(pt), Some(t)) = (p.per_try_timeout, p.timeout)
        && pt > t
    {
        fail(RouteProblem::PerTryAboveTimeout {
            per_try: pt,
            timeout: t,
        });
    }
    let retries = match p.attempts {
        None => {
            if p.per_try_timeout.is_some() {
                fail(RouteProblem::PerTryWithoutRetries);
            }
            None
        }
        Some(0) => {
            fail(RouteProblem::ZeroAttempts);
            None
        }
        Some(n) => match i32::try_from(n) {
            Ok(attempts) => Some(HttpRetry {
                attempts: Some(attempts),
                per_try_timeout: per_try,
                retry_on: retry_on(&p.retry_on, per_try.is_some()),
                ..Default::default()
            }),
            Err(_) => {
                fail(RouteProblem::TooManyAttempts { attempts: n });
                None
            }
        },
    };
    (errs.len() == before).then_some(CheckedRoute {
        target: &route.target,
        timeout,
        retries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_per_try_timeout_brings_what_a_timed_out_try_ends_as() {
        use RetryOn::*;
        assert_eq!(
            retry_on(&[Unavailable], true).as_deref(),
            Some("unavailable,reset,cancelled,deadline-exceeded")
        );
        assert_eq!(
            retry_on(&[Reset, Internal], true).as_deref(),
            Some("reset,internal,cancelled,deadline-exceeded")
        );
        assert_eq!(
            retry_on(&[], true).as_deref(),
            Some("connect-failure,refused-stream,unavailable,cancelled,reset,deadline-exceeded")
        );
        assert_eq!(
            retry_on(&[Unavailable], false).as_deref(),
            Some("unavailable")
        );
        assert_eq!(retry_on(&[], false), None);
    }
}

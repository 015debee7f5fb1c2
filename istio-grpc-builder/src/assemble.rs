//! `build()`: check every value, then write the typed objects.

use std::collections::{BTreeMap, HashSet};

use istio_grpc_types::destination_rule::{
    ClientTlsSettings, DestinationRuleSpec, LbPolicy, LoadBalancerSettings, Subset, TrafficPolicy,
};
use istio_grpc_types::envoy_filter::{
    ApplyTo, EnvoyConfigObjectMatch, EnvoyConfigObjectPatch, EnvoyFilterSpec, FilterChainMatch,
    ListenerFilterMatch, ListenerMatch, ListenerSubFilterMatch, ObjectTypes, Patch, PatchContext,
    PatchOperation,
};
use istio_grpc_types::gateway::{GatewaySpec, Port, Server, ServerTlsMode, ServerTlsSettings};
use istio_grpc_types::virtual_service::{
    CorsPolicy, Destination, HttpMatchRequest, HttpRetry, HttpRoute, HttpRouteDestination,
    PortSelector, UnmatchedPreflights, VirtualServiceSpec,
};
use istio_grpc_types::{
    DestinationRule, EnvoyFilter, Gateway, Object, StringMatch, VirtualService,
};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{Secret, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::backend::{BackendSpec, ServiceSource};
use crate::grpc_web::{ALLOW_HEADERS, EXPOSE_HEADERS, Translation};
use crate::ingress::{IngressSpec, TlsCredential};
use crate::mesh::{CheckTarget, Mesh};
use crate::route::{HEALTH_SERVICE, RetryOn, Route, Target};
use crate::{BuildError, validate};
use istio_grpc_types::grpc;
use istio_grpc_types::protocol::PortProtocol;

/// Istio's protocol for a Service port (REFERENCE §c, `ConvertProtocol`), reduced to what
/// matters here.
fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        ..Default::default()
    }
}

fn route_label(target: &Target) -> String {
    match target {
        Target::All => "(all calls)".to_owned(),
        Target::Service(s) => format!("/{s}"),
        Target::Method(s, m) => format!("/{s}/{m}"),
    }
}

fn uri_match(target: &Target) -> Option<StringMatch> {
    match target {
        Target::All => None,
        Target::Service(s) => Some(StringMatch::Prefix(grpc::service_prefix(s))),
        Target::Method(s, m) => Some(StringMatch::Exact(grpc::method_path(s, m))),
    }
}

/// Sort rank: most specific first, so that no route hides another: methods, services, health,
/// then the catch-all.
fn rank(target: &Target) -> u8 {
    match target {
        Target::Method(..) => 0,
        Target::Service(s) if s == HEALTH_SERVICE => 2,
        Target::Service(_) => 1,
        Target::All => 3,
    }
}

fn backend_host(b: &BackendSpec) -> String {
    match &b.namespace {
        Some(ns) => format!("{}.{ns}.svc.cluster.local", b.name),
        None => b.name.clone(),
    }
}

fn destination(b: &BackendSpec) -> Vec<HttpRouteDestination> {
    vec![HttpRouteDestination {
        destination: Some(Destination {
            host: Some(backend_host(b)),
            port: Some(PortSelector {
                number: Some(u32::from(b.port)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }]
}

/// Istio's default `retryOn` (`route/retry/retry.go`), as far as it names [`RetryOn`] values;
/// the rest of the default, `retriable-status-codes`, retries nothing without status codes.
const ISTIO_DEFAULT_RETRY_ON: [RetryOn; 4] = [
    RetryOn::ConnectFailure,
    RetryOn::RefusedStream,
    RetryOn::Unavailable,
    RetryOn::Cancelled,
];

/// The `retryOn` text. With a per-try timeout, `reset` is added when missing: Envoy retries a
/// timed-out try only on `reset` or the 5xx family, never on gRPC status conditions alone
/// (measured: gRPC-only conditions gave one try and `UNAVAILABLE: upstream request timeout`).
fn retry_on(conditions: &[RetryOn], per_try_timeout: bool) -> Option<String> {
    let mut on: Vec<RetryOn> = conditions.to_vec();
    if per_try_timeout {
        if on.is_empty() {
            // Writing `reset` alone would replace Istio's default conditions: keep them.
            on.extend(ISTIO_DEFAULT_RETRY_ON);
        }
        if !on.contains(&RetryOn::Reset) {
            on.push(RetryOn::Reset);
        }
    }
    (!on.is_empty()).then(|| on.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","))
}

fn http_route(
    b: &BackendSpec,
    route: &Route,
    cors_policy: Option<&CorsPolicy>,
) -> Result<HttpRoute, BuildError> {
    let err = |reason: String| BuildError::Route {
        backend: b.name.clone(),
        route: route_label(&route.target),
        reason,
    };
    match &route.target {
        Target::All => {}
        Target::Service(s) => {
            if !grpc::is_service_name(s) {
                return Err(err(format!(
                    "{s:?} is not a gRPC service name (`<package>.<Service>`)"
                )));
            }
        }
        Target::Method(s, m) => {
            if !grpc::is_service_name(s) {
                return Err(err(format!(
                    "{s:?} is not a gRPC service name (`<package>.<Service>`)"
                )));
            }
            if !grpc::is_method_name(m) {
                return Err(err(format!("{m:?} is not a gRPC method name")));
            }
        }
    }
    let p = &route.policy;
    let timeout = match p.timeout {
        Some(t) => Some(validate::duration(t).map_err(|e| err(format!("timeout: {e}")))?),
        // A streaming route has no timeout: Istio's default, "disabled". (`0s` would mean the
        // same, but the CRD and the webhook refuse durations below 1ms.)
        None => None,
    };
    let per_try = match p.per_try_timeout {
        Some(t) => Some(validate::duration(t).map_err(|e| err(format!("per-try timeout: {e}")))?),
        None => None,
    };
    if let (Some(pt), Some(t)) = (p.per_try_timeout, p.timeout)
        && pt > t
    {
        return Err(err(format!(
            "per-try timeout {pt:?} is above the route timeout {t:?}: the route times out first; lower it or raise the timeout"
        )));
    }
    let retries = match p.attempts {
        None if per_try.is_some() => {
            return Err(err(
                "a per-try timeout needs retries: add `.retries(attempts, [RetryOn::…])`"
                    .to_owned(),
            ));
        }
        None => None,
        Some(0) => {
            return Err(err(
                "retries with 0 attempts: Istio rejects a retry policy when attempts is 0; leave out `.retries(..)` to keep Istio's default, or give at least 1".to_owned(),
            ));
        }
        Some(n) => Some(HttpRetry {
            attempts: Some(
                i32::try_from(n).map_err(|_| err(format!("{n} retry attempts is too many")))?,
            ),
            per_try_timeout: per_try,
            retry_on: retry_on(&p.retry_on, per_try.is_some()),
            ..Default::default()
        }),
    };
    Ok(HttpRoute {
        match_: uri_match(&route.target).map(|uri| {
            vec![HttpMatchRequest {
                uri: Some(uri),
                ..Default::default()
            }]
        }),
        route: Some(destination(b)),
        timeout,
        retries,
        cors_policy: cors_policy.cloned(),
        ..Default::default()
    })
}

/// The CORS policy of a gRPC-Web backend. It goes on every route of the backend: a browser's
/// preflight (`OPTIONS`, no `content-type`) is answered by the route it matches, so the policy
/// must sit on the routes that match the backend's paths, not on a route that requires
/// `content-type: application/grpc-web` (which no preflight carries).
fn cors_policy(b: &BackendSpec) -> Result<Option<CorsPolicy>, BuildError> {
    let Some(web) = &b.grpc_web else {
        return Ok(None);
    };
    let mut allow_origins = Vec::new();
    if web.origins.any {
        allow_origins.push(StringMatch::Regex(".*".to_owned()));
    }
    for o in &web.origins.exact {
        validate::origin(o)?;
        allow_origins.push(StringMatch::Exact(o.clone()));
    }
    if allow_origins.is_empty() {
        return Err(BuildError::Backend {
            backend: b.name.clone(),
            reason: "grpc-web: no origin allowed; give one with `Origins::exact(..)`".to_owned(),
        });
    }
    if web.max_age.subsec_nanos() != 0 || web.max_age.is_zero() {
        return Err(BuildError::Backend {
            backend: b.name.clone(),
            reason: format!(
                "grpc-web: max age {:?} must be a positive whole number of seconds",
                web.max_age
            ),
        });
    }
    let max_age = validate::duration(web.max_age).map_err(|e| BuildError::Backend {
        backend: b.name.clone(),
        reason: format!("grpc-web: max age: {e}"),
    })?;
    let mut allow_headers: Vec<String> = ALLOW_HEADERS.iter().map(|h| (*h).to_owned()).collect();
    for h in &web.extra_allow_headers {
        let token = !h.is_empty()
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
        if !token {
            return Err(BuildError::Backend {
                backend: b.name.clone(),
                reason: format!("grpc-web: allowed header {h:?} is not an HTTP header name"),
            });
        }
        let h = h.to_ascii_lowercase();
        if !allow_headers.contains(&h) {
            allow_headers.push(h);
        }
    }
    Ok(Some(CorsPolicy {
        allow_origins: Some(allow_origins),
        allow_methods: Some(vec!["POST".to_owned()]),
        allow_headers: Some(allow_headers),
        expose_headers: Some(EXPOSE_HEADERS.iter().map(|h| (*h).to_owned()).collect()),
        max_age: Some(max_age),
        allow_credentials: web.allow_credentials,
        // A preflight from an origin not allowed is answered by the gateway without
        // Access-Control headers instead of reaching (and being retried on) the gRPC server.
        unmatched_preflights: Some(UnmatchedPreflights::Ignore),
        ..Default::default()
    }))
}

fn secret(cred: &TlsCredential, namespace: &str) -> Result<Option<Secret>, BuildError> {
    let Some((cert, key)) = &cred.pem else {
        return Ok(None);
    };
    let fail = |reason: &str| {
        Err(BuildError::Credential {
            name: cred.name.clone(),
            reason: reason.to_owned(),
        })
    };
    match pem::parse_many(cert.as_bytes()) {
        Ok(blocks) if !blocks.is_empty() && blocks.iter().all(|b| b.tag() == "CERTIFICATE") => {}
        Ok(blocks) if blocks.is_empty() => return fail("the certificate chain holds no PEM block"),
        Ok(_) => return fail("the certificate chain holds a PEM block that is not a CERTIFICATE"),
        Err(_) => return fail("the certificate chain is not valid PEM"),
    }
    // The key's text never goes into an error: only what kind of problem it has.
    match pem::parse(key.0.as_bytes()) {
        Ok(block) if block.tag().ends_with("PRIVATE KEY") => {}
        Ok(_) => return fail("the private key's PEM block is not a PRIVATE KEY"),
        Err(_) => return fail("the private key is not valid PEM"),
    }
    Ok(Some(Secret {
        metadata: meta(&cred.name, Some(namespace)),
        type_: Some("kubernetes.io/tls".to_owned()),
        data: Some(BTreeMap::from([
            ("tls.crt".to_owned(), ByteString(cert.as_bytes().to_vec())),
            ("tls.key".to_owned(), ByteString(key.0.as_bytes().to_vec())),
        ])),
        ..Default::default()
    }))
}

fn service(b: &BackendSpec) -> Result<Option<Service>, BuildError> {
    let fail = |reason: String| {
        Err(BuildError::Backend {
            backend: b.name.clone(),
            reason,
        })
    };
    match &b.service {
        ServiceSource::Emit {
            port_name,
            selector,
            target_port,
        } => {
            let web_port = b
                .grpc_web
                .as_ref()
                .is_some_and(|w| w.translation == Translation::ServicePort);
            let (name, app_protocol) = if web_port {
                let suffix = port_name.strip_prefix("grpc").unwrap_or("");
                (format!("grpc-web{suffix}"), "grpc-web")
            } else {
                (port_name.clone(), "grpc")
            };
            let proto = PortProtocol::select(Some(&name), None, None);
            let wanted = if web_port {
                PortProtocol::GrpcWeb
            } else {
                PortProtocol::Grpc
            };
            if proto != wanted
                || validate::dns_label("port name", &name).is_err()
                || name.len() > 15
            {
                return fail(format!(
                    "port name {name:?}: Istio reads the protocol from it; name the port \"grpc\" or \"grpc-<suffix>\" (at most 15 characters)"
                ));
            }
            if selector.is_empty() {
                return fail(
                    "the Service selects no pods: give labels with `.selector(..)`".to_owned(),
                );
            }
            Ok(Some(Service {
                metadata: meta(&b.name, b.namespace.as_deref()),
                spec: Some(ServiceSpec {
                    selector: Some(selector.clone()),
                    ports: Some(vec![ServicePort {
                        name: Some(name),
                        port: i32::from(b.port),
                        target_port: Some(IntOrString::Int(i32::from(
                            target_port.unwrap_or(b.port),
                        ))),
                        app_protocol: Some(app_protocol.to_owned()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            }))
        }
        ServiceSource::Given(svc) => {
            let ports = svc
                .spec
                .as_ref()
                .and_then(|s| s.ports.as_deref())
                .unwrap_or(&[]);
            let Some(port) = ports.iter().find(|p| p.port == i32::from(b.port)) else {
                let declared: Vec<String> = ports.iter().map(|p| p.port.to_string()).collect();
                return fail(format!(
                    "the Service has no port {} (it declares [{}]); route to one of its ports with `.port(..)`",
                    b.port,
                    declared.join(", ")
                ));
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
                let speaks = format!("Istio treats it as {}", proto.describe());
                return fail(format!(
                    "port {} {declared}: {speaks}, not HTTP/2, and gRPC calls fail with RST_STREAM; set appProtocol: grpc or name the port \"grpc\" or \"grpc-<suffix>\"",
                    b.port
                ));
            }
            Ok(None)
        }
    }
}

fn destination_rule(b: &BackendSpec) -> Result<Option<DestinationRule>, BuildError> {
    if b.lb.is_none() && b.tls.is_none() && b.subsets.is_empty() {
        return Ok(None);
    }
    let mut seen = HashSet::new();
    let mut subsets = Vec::new();
    for (name, labels) in &b.subsets {
        validate::dns_label("subset", name)?;
        if !seen.insert(name.as_str()) {
            return Err(BuildError::Duplicate {
                what: "subset",
                value: format!("{name:?} of backend {:?}", b.name),
            });
        }
        if labels.is_empty() {
            return Err(BuildError::Backend {
                backend: b.name.clone(),
                reason: format!(
                    "subset {name:?} has no labels: give the labels that select its pods"
                ),
            });
        }
        subsets.push(Subset {
            name: Some(name.clone()),
            labels: Some(labels.clone()),
            ..Default::default()
        });
    }
    let traffic_policy = (b.lb.is_some() || b.tls.is_some()).then(|| TrafficPolicy {
        load_balancer: b.lb.map(|lb| LoadBalancerSettings {
            lb_policy: Some(LbPolicy::Simple(lb)),
            ..Default::default()
        }),
        tls: b.tls.map(|mode| ClientTlsSettings {
            mode: Some(mode),
            ..Default::default()
        }),
        ..Default::default()
    });
    let mut dr = DestinationRule::new(
        b.name.clone(),
        DestinationRuleSpec {
            host: Some(backend_host(b)),
            traffic_policy,
            subsets: (!subsets.is_empty()).then_some(subsets),
            ..Default::default()
        },
    );
    dr.metadata.namespace = b.namespace.clone();
    Ok(Some(dr))
}

fn grpc_web_filter(spec: &IngressSpec) -> EnvoyFilter {
    let mut value = serde_json::Map::new();
    value.insert("name".to_owned(), "envoy.filters.http.grpc_web".into());
    let mut typed = serde_json::Map::new();
    typed.insert(
        "@type".to_owned(),
        "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb".into(),
    );
    value.insert("typed_config".to_owned(), typed.into());
    let mut f = EnvoyFilter::new(
        "grpc-web-filter",
        EnvoyFilterSpec {
            workload_selector: Some(istio_grpc_types::sidecar::WorkloadSelector {
                labels: Some(spec.selector.iter().cloned().collect()),
                ..Default::default()
            }),
            config_patches: Some(vec![EnvoyConfigObjectPatch {
                apply_to: Some(ApplyTo::HttpFilter),
                match_: Some(EnvoyConfigObjectMatch {
                    context: Some(PatchContext::Gateway),
                    object_types: Some(ObjectTypes::Listener(ListenerMatch {
                        filter_chain: Some(FilterChainMatch {
                            filter: Some(ListenerFilterMatch {
                                name: Some(
                                    "envoy.filters.network.http_connection_manager".to_owned(),
                                ),
                                sub_filter: Some(ListenerSubFilterMatch {
                                    name: Some("envoy.filters.http.router".to_owned()),
                                    ..Default::default()
                                }),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })),
                    ..Default::default()
                }),
                patch: Some(Patch {
                    operation: Some(PatchOperation::InsertBefore),
                    value: Some(value),
                    ..Default::default()
                }),
                ..Default::default()
            }]),
            ..Default::default()
        },
    );
    f.metadata.namespace = Some(spec.workload_namespace.clone());
    f
}

pub(crate) fn assemble(spec: &IngressSpec, tls: bool) -> Result<Mesh, BuildError> {
    for host in &spec.hosts {
        validate::gateway_host(host)?;
    }
    let mut hosts_seen = HashSet::new();
    for host in &spec.hosts {
        if !hosts_seen.insert(host) {
            return Err(BuildError::Duplicate {
                what: "host",
                value: host.clone(),
            });
        }
    }
    validate::dns_label("gateway", &spec.gateway)?;
    validate::dns_label("gateway workload namespace", &spec.workload_namespace)?;
    if let Some(ns) = &spec.namespace {
        validate::dns_label("namespace", ns)?;
    }
    validate::dns_subdomain("virtual service", &spec.virtual_service)?;
    if spec.selector.is_empty() {
        return Err(BuildError::Name {
            what: "gateway",
            name: spec.gateway.clone(),
            reason: "selects no gateway workload: give its labels with `.selector(..)`".to_owned(),
        });
    }
    if spec.backends.is_empty() {
        return Err(BuildError::NoBackend);
    }

    let mut objects: Vec<Object> = Vec::with_capacity(3 + 2 * spec.backends.len());

    // Gateway.
    let server = if tls {
        let cred = spec.credential.as_ref();
        let name = cred.map(|c| c.name.clone()).unwrap_or_default();
        validate::dns_subdomain("tls credential", &name)?;
        Server {
            port: Some(Port {
                number: Some(443),
                name: Some("https".to_owned()),
                protocol: Some("HTTPS".to_owned()),
                ..Default::default()
            }),
            hosts: Some(spec.hosts.clone()),
            tls: Some(ServerTlsSettings {
                mode: Some(ServerTlsMode::Simple),
                credential_name: Some(name),
                ..Default::default()
            }),
            ..Default::default()
        }
    } else {
        Server {
            port: Some(Port {
                number: Some(80),
                name: Some("grpc".to_owned()),
                protocol: Some("GRPC".to_owned()),
                ..Default::default()
            }),
            hosts: Some(spec.hosts.clone()),
            ..Default::default()
        }
    };
    let mut gateway = Gateway::new(
        spec.gateway.clone(),
        GatewaySpec {
            servers: Some(vec![server]),
            selector: Some(spec.selector.iter().cloned().collect()),
            ..Default::default()
        },
    );
    gateway.metadata.namespace = spec.namespace.clone();
    objects.push(gateway.into());

    if tls
        && let Some(cred) = &spec.credential
        && let Some(secret) = secret(cred, &spec.workload_namespace)?
    {
        objects.push(secret.into());
    }

    // Routes, most specific first.
    let mut routes: Vec<(u8, usize, HttpRoute)> = Vec::with_capacity(spec.backends.len());
    let mut targets_seen: HashSet<&Target> = HashSet::with_capacity(spec.backends.len());
    let mut backends_seen: HashSet<(&str, Option<&str>)> =
        HashSet::with_capacity(spec.backends.len());
    let mut checks: Vec<CheckTarget> = Vec::new();
    let mut dest_rules = Vec::new();
    let mut services = Vec::new();
    let mut envoy_filter = false;
    let mut pod_annotations = BTreeMap::new();
    let catch_all = [Route::from(crate::ServiceRoute::all_unary())];
    for b in &spec.backends {
        validate::dns_label("backend", &b.name)?;
        if let Some(ns) = &b.namespace {
            validate::dns_label("namespace", ns)?;
        }
        if b.port == 0 {
            return Err(BuildError::Backend {
                backend: b.name.clone(),
                reason: "port 0 is not a port; give 1–65535 with `.port(..)` (default 50051)"
                    .to_owned(),
            });
        }
        if !backends_seen.insert((&b.name, b.namespace.as_deref())) {
            return Err(BuildError::Duplicate {
                what: "backend",
                value: format!("{:?}", b.name),
            });
        }
        let backend_routes: &[Route] = if b.routes.is_empty() {
            &catch_all
        } else {
            &b.routes
        };
        let cors = cors_policy(b)?;
        for r in backend_routes {
            if !targets_seen.insert(&r.target) {
                return Err(BuildError::Duplicate {
                    what: "route",
                    value: format!("{} (backend {:?})", route_label(&r.target), b.name),
                });
            }
            routes.push((
                rank(&r.target),
                routes.len(),
                http_route(b, r, cors.as_ref())?,
            ));
            checks.push(CheckTarget::from_target(&r.target));
        }
        envoy_filter |= b
            .grpc_web
            .as_ref()
            .is_some_and(|w| w.translation == Translation::EnvoyFilter);
        if let Some(dr) = destination_rule(b)? {
            dest_rules.push(dr);
        }
        if let Some(svc) = service(b)? {
            services.push(svc);
        }
        if let Some(role) = b.proxyless {
            pod_annotations.insert(b.name.clone(), crate::proxyless_pod_annotations(role));
        }
    }
    routes.sort_by_key(|(rank, order, _)| (*rank, *order));
    let http: Vec<HttpRoute> = routes.into_iter().map(|(_, _, r)| r).collect();

    let mut vs = VirtualService::new(
        spec.virtual_service.clone(),
        VirtualServiceSpec {
            hosts: Some(spec.hosts.clone()),
            gateways: Some(vec![spec.gateway.clone()]),
            http: Some(http),
            ..Default::default()
        },
    );
    vs.metadata.namespace = spec.namespace.clone();
    objects.push(vs.into());
    objects.extend(dest_rules.into_iter().map(Object::from));
    objects.extend(services.into_iter().map(Object::from));
    if envoy_filter {
        objects.push(grpc_web_filter(spec).into());
    }

    let yaml = istio_grpc_types::yaml::to_string(&objects).map_err(BuildError::Yaml)?;
    Ok(Mesh::new(
        objects,
        yaml,
        spec.hosts[0].clone(),
        tls,
        checks,
        pod_annotations,
    ))
}

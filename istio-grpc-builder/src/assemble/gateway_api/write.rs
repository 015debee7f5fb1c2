//! The Gateway API objects, typed (`istio_grpc_types::gateway_api`): Gateway, Secret,
//! ReferenceGrant, GRPCRoutes or HTTPRoutes, waypoints, BackendTLSPolicies; and the backends'
//! Services.

use std::collections::BTreeSet;

use istio_grpc_types::gateway_api::{
    AllowedRoutes, BackendTlsPolicy, BackendTlsPolicySpec, BackendTlsPolicyValidation,
    CorsAllowMethod, Duration, FromNamespaces, Gateway, GatewaySpec, GrpcBackendRef,
    GrpcMethodMatch, GrpcMethodMatchType, GrpcRoute, GrpcRouteMatch, GrpcRouteRule, GrpcRouteSpec,
    HttpBackendRef, HttpCorsFilter, HttpPathMatch, HttpRoute, HttpRouteFilterKind, HttpRouteMatch,
    HttpRouteRule, HttpRouteSpec, HttpRouteTimeouts, LabelSelector, LabelSelectorRequirement,
    Listener, ListenerTlsConfig, LocalObjectReference, LocalPolicyTargetReferenceWithSectionName,
    ParentReference, PathMatchType, ReferenceGrant, ReferenceGrantFrom, ReferenceGrantSpec,
    ReferenceGrantTo, RouteGroupKind, RouteNamespaces, SecretObjectReference, TlsMode,
};
use istio_grpc_types::{Object, StringMatch};
use k8s_openapi::api::core::v1::Service;

use super::super::check::{Checked, CheckedBackend};
use super::super::{secret, service};
use super::GROUP;
use super::refuse::{USE_WAYPOINT, route_namespace, secret_namespace};

use crate::route::{REFLECTION_TARGETS, Target};
use crate::spec::UpstreamCa;

/// A GRPCRoute or HTTPRoute takes at most 16 rules, 64 matches per rule and 128 matches in all
/// (v1.6.1 CRDs).
const RULES_PER_ROUTE: usize = 16;
const MATCHES_PER_ROUTE: usize = 128;
const MATCHES_PER_RULE: usize = 64;

/// Every object but the Services, in order, each handed to `each` before the next is written.
pub(super) fn all<E>(
    c: &Checked<'_>,
    each: &mut impl FnMut(Object) -> Result<(), E>,
) -> Result<(), E> {
    each(gateway(c).into())?;
    if let Some(secret) = secret(c) {
        each(secret.into())?;
    }
    if let Some(grant) = reference_grant(c) {
        each(grant.into())?;
    }
    for b in &c.backends {
        for route in routes(c, b, false) {
            each(route)?;
        }
    }
    if c.spec.gateway_api.in_mesh.is_some() {
        for b in &c.backends {
            for route in routes(c, b, true) {
                each(route)?;
            }
        }
    }
    for waypoint in waypoints(c) {
        each(waypoint.into())?;
    }
    for policy in c.backends.iter().filter_map(|b| backend_tls_policy(c, b)) {
        each(policy.into())?;
    }
    Ok(())
}

/// The BackendTLSPolicy of a backend with verified upstream TLS
/// ([`Backend::upstream_tls_verified`](crate::Backend::upstream_tls_verified)): on its Service
/// and those it splits to, in the routes' namespace (refuse.rs keeps them all there), named
/// after the backend.
fn backend_tls_policy(c: &Checked<'_>, b: &CheckedBackend<'_>) -> Option<BackendTlsPolicy> {
    let verify = b.spec.upstream_verify.as_ref()?;
    let target = |name: &str| LocalPolicyTargetReferenceWithSectionName {
        group: String::new(),
        kind: "Service".to_owned(),
        name: name.to_owned(),
        ..Default::default()
    };
    let (well_known, refs) = match &verify.ca {
        UpstreamCa::System => (Some("System".to_owned()), None),
        UpstreamCa::ConfigMap(name) => (
            None,
            Some(vec![LocalObjectReference {
                group: String::new(),
                kind: "ConfigMap".to_owned(),
                name: name.clone(),
                ..Default::default()
            }]),
        ),
    };
    let mut policy = BackendTlsPolicy::new(
        b.spec.name.clone(),
        BackendTlsPolicySpec {
            target_refs: std::iter::once(b.spec)
                .chain(b.splits.iter().map(|s| &s.spec))
                .map(|s| target(&s.name))
                .collect(),
            validation: BackendTlsPolicyValidation {
                hostname: verify.hostname.clone(),
                well_known_ca_certificates: well_known,
                ca_certificate_refs: refs,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    policy.metadata.namespace = route_namespace(c.spec, b.spec).map(str::to_owned);
    Some(policy)
}

/// The listener's name: `https` or `http`.
fn listener_name(tls: bool) -> &'static str {
    if tls { "https" } else { "http" }
}

/// The Gateway: class `istio`, one listener (HTTPS 443 terminating TLS, or HTTP 80, which Istio
/// serves as prior-knowledge h2c), admitting the routes' kind from the routes' namespaces only.
fn gateway(c: &Checked<'_>) -> Gateway {
    let spec = c.spec;
    let hostname = match spec.hosts.as_slice() {
        [host] if host != "*" => Some(host.clone()),
        _ => None,
    };
    let (port, protocol, tls) = if c.tls {
        let namespace = spec
            .gateway_api
            .secret_namespace
            .as_ref()
            .filter(|ns| spec.namespace.as_ref() != Some(*ns))
            .cloned();
        let tls = ListenerTlsConfig {
            mode: Some(TlsMode::Terminate),
            certificate_refs: Some(
                spec.credential
                    .iter()
                    .map(|cred| SecretObjectReference {
                        name: cred.name.clone(),
                        namespace: namespace.clone(),
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        };
        (443, "HTTPS", Some(tls))
    } else {
        (80, "HTTP", None)
    };
    let route_namespaces: BTreeSet<Option<&str>> = c
        .backends
        .iter()
        .map(|b| route_namespace(spec, b.spec))
        .collect();
    let namespaces = if route_namespaces
        .iter()
        .all(|ns| *ns == spec.namespace.as_deref())
    {
        RouteNamespaces {
            from_: Some(FromNamespaces::Same),
            ..Default::default()
        }
    } else {
        // Every route namespace is named (refuse.rs requires the Gateway's namespace).
        let values: Vec<String> = route_namespaces
            .iter()
            .flatten()
            .map(|ns| (*ns).to_owned())
            .collect();
        RouteNamespaces {
            from_: Some(FromNamespaces::Selector),
            selector: Some(LabelSelector {
                match_expressions: Some(vec![LabelSelectorRequirement {
                    key: "kubernetes.io/metadata.name".to_owned(),
                    operator: "In".to_owned(),
                    values: Some(values),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    };
    let listener = Listener {
        name: listener_name(c.tls).to_owned(),
        hostname,
        port,
        protocol: protocol.to_owned(),
        tls,
        allowed_routes: Some(AllowedRoutes {
            namespaces: Some(namespaces),
            kinds: Some(vec![RouteGroupKind {
                group: Some(GROUP.to_owned()),
                kind: route_kind(spec.gateway_api.http_routes).to_owned(),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut gw = Gateway::new(
        &spec.gateway,
        GatewaySpec {
            gateway_class_name: "istio".to_owned(),
            listeners: vec![listener],
            ..Default::default()
        },
    );
    gw.metadata.namespace.clone_from(&spec.namespace);
    gw
}

/// The TLS Secret, when given as PEM: in the Secret's namespace.
fn secret(c: &Checked<'_>) -> Option<k8s_openapi::api::core::v1::Secret> {
    let mut s = secret::write(c)?;
    s.metadata.namespace = secret_namespace(c.spec).map(str::to_owned);
    Some(s)
}

/// The ReferenceGrant that lets the Gateway read a Secret in another namespace.
fn reference_grant(c: &Checked<'_>) -> Option<ReferenceGrant> {
    let spec = c.spec;
    let cred = spec.credential.as_ref().filter(|_| c.tls)?;
    let secret_ns = spec.gateway_api.secret_namespace.as_deref()?;
    let gateway_ns = spec.namespace.as_deref()?;
    if secret_ns == gateway_ns {
        return None;
    }
    let mut grant = ReferenceGrant::new(
        format!("{}-tls", spec.gateway),
        ReferenceGrantSpec {
            from_: vec![ReferenceGrantFrom {
                group: GROUP.to_owned(),
                kind: "Gateway".to_owned(),
                namespace: gateway_ns.to_owned(),
                ..Default::default()
            }],
            to: vec![ReferenceGrantTo {
                group: String::new(),
                kind: "Secret".to_owned(),
                name: Some(cred.name.clone()),
                ..Default::default()
            }],
            ..Default::default()
        },
    );
    grant.metadata.namespace = Some(secret_ns.to_owned());
    Some(grant)
}

/// A route's match in the route kind written.
enum Match {
    /// A GRPCRoute `method` match.
    Grpc(GrpcRouteMatch),
    /// An HTTPRoute `path` match.
    Http(HttpRouteMatch),
}

/// The match of a route in the route kind written, or `None` for every call: a GRPCRoute
/// `method` match, or an HTTPRoute `path` match (`/<service>` as a prefix of whole segments,
/// `/<service>/<method>` exactly).
fn route_match(target: &Target, http: bool) -> Option<Match> {
    let method = |service: &str, method: Option<&str>| {
        Match::Grpc(GrpcRouteMatch {
            method: Some(GrpcMethodMatch {
                type_: Some(GrpcMethodMatchType::Exact),
                service: Some(service.to_owned()),
                method: method.map(str::to_owned),
                ..Default::default()
            }),
            ..Default::default()
        })
    };
    let path = |type_, value| {
        Match::Http(HttpRouteMatch {
            path: Some(HttpPathMatch {
                type_: Some(type_),
                value: Some(value),
                ..Default::default()
            }),
            ..Default::default()
        })
    };
    match (target, http) {
        (Target::All, _) => None,
        (Target::Service(s), false) => Some(method(s, None)),
        (Target::Method(s, m), false) => Some(method(s, Some(m))),
        (Target::Service(s), true) => Some(path(PathMatchType::PathPrefix, format!("/{s}"))),
        (Target::Method(s, m), true) => Some(path(PathMatchType::Exact, format!("/{s}/{m}"))),
    }
}

/// A duration as the Gateway API writes it (GEP-2257: `1h2m3s4ms`, each part at most 5
/// digits, so whole milliseconds), or `None` when it has more than 99999 hours.
pub(super) fn gep2257(d: std::time::Duration) -> Option<Duration> {
    let ms = u64::try_from(d.as_millis()).ok()?;
    (ms / 3_600_000 <= 99_999).then_some(Duration::from_millis(ms))
}

/// The methods an HTTPRoute CORS filter can allow.
const CORS_METHODS: [CorsAllowMethod; 10] = [
    CorsAllowMethod::Get,
    CorsAllowMethod::Head,
    CorsAllowMethod::Post,
    CorsAllowMethod::Put,
    CorsAllowMethod::Delete,
    CorsAllowMethod::Connect,
    CorsAllowMethod::Options,
    CorsAllowMethod::Trace,
    CorsAllowMethod::Patch,
    CorsAllowMethod::Wildcard,
];

/// The HTTPRoute `CORS` filter of a gRPC-Web backend: the same policy as Istio's `corsPolicy`.
fn cors_filter(b: &CheckedBackend<'_>) -> Option<HttpRouteFilterKind> {
    let cors = b.cors.as_ref()?;
    let web = b.spec.grpc_web.as_ref()?;
    let origins: Vec<String> = cors
        .allow_origins
        .iter()
        .flatten()
        .map(|o| match o {
            StringMatch::Exact(o) => o.clone(),
            // `Origins::any_explicitly()`, Istio's `regex: .*`
            _ => "*".to_owned(),
        })
        .collect();
    // The methods are the builder's own (`POST`), each one the filter can name.
    let methods = cors.allow_methods.as_ref().map(|ms| {
        ms.iter()
            .filter_map(|m| CORS_METHODS.into_iter().find(|c| c.as_str() == m))
            .collect()
    });
    Some(HttpRouteFilterKind::Cors(HttpCorsFilter {
        allow_origins: Some(origins),
        allow_credentials: web.allow_credentials,
        allow_methods: methods,
        allow_headers: cors.allow_headers.clone(),
        expose_headers: cors.expose_headers.clone(),
        // refuse.rs refuses a max age above `i32::MAX` seconds
        max_age: Some(i32::try_from(web.max_age.as_secs()).unwrap_or(i32::MAX)),
        ..Default::default()
    }))
}

/// One rule: its matches (none: every call), its timeout.
struct Rule {
    matches: Vec<Match>,
    timeout: Option<Duration>,
}

/// The rules of a backend: one per timeout (in the order first seen), at most
/// [`MATCHES_PER_RULE`] matches each, the catch-all (every call) in a rule of its own, last.
fn rules(b: &CheckedBackend<'_>, http: bool) -> Vec<Rule> {
    let mut routes: Vec<(&Target, Option<std::time::Duration>)> = if b.spec.routes.is_empty() {
        vec![(&Target::All, None)]
    } else {
        b.spec
            .routes
            .iter()
            .map(|r| (&r.target, r.policy.timeout))
            .collect()
    };
    // Server reflection's services when asked for (as in the Istio target), so that the
    // grpcurl checks planned for them reach a backend that answers.
    if b.spec.reflection {
        routes.extend(REFLECTION_TARGETS.iter().map(|t| (t, None)));
    }
    let mut groups: Vec<(Option<Duration>, Vec<Match>)> = Vec::new();
    let mut catch_all = None;
    for (target, timeout) in routes {
        let timeout = timeout.and_then(gep2257);
        match route_match(target, http) {
            None => catch_all = Some(timeout),
            Some(m) => match groups.iter_mut().find(|(t, _)| *t == timeout) {
                Some((_, ms)) => ms.push(m),
                None => groups.push((timeout, vec![m])),
            },
        }
    }
    let mut out = Vec::new();
    for (timeout, matches) in groups {
        let mut matches = matches.into_iter().peekable();
        while matches.peek().is_some() {
            out.push(Rule {
                matches: matches.by_ref().take(MATCHES_PER_RULE).collect(),
                timeout,
            });
        }
    }
    if let Some(timeout) = catch_all {
        out.push(Rule {
            matches: Vec::new(),
            timeout,
        });
    }
    out
}

/// One rule of a GRPCRoute.
fn grpc_rule(rule: Rule, backend_refs: &[GrpcBackendRef]) -> GrpcRouteRule {
    let matches: Vec<GrpcRouteMatch> = rule
        .matches
        .into_iter()
        .filter_map(|m| match m {
            Match::Grpc(m) => Some(m),
            Match::Http(_) => None,
        })
        .collect();
    GrpcRouteRule {
        matches: (!matches.is_empty()).then_some(matches),
        backend_refs: Some(backend_refs.to_vec()),
        ..Default::default()
    }
}

/// One rule of an HTTPRoute, with the backend's CORS filter and the rule's timeout.
fn http_rule(
    rule: Rule,
    filter: Option<&HttpRouteFilterKind>,
    backend_refs: &[HttpBackendRef],
) -> HttpRouteRule {
    let matches: Vec<HttpRouteMatch> = rule
        .matches
        .into_iter()
        .filter_map(|m| match m {
            Match::Http(m) => Some(m),
            Match::Grpc(_) => None,
        })
        .collect();
    HttpRouteRule {
        matches: (!matches.is_empty()).then_some(matches),
        filters: filter.map(|f| vec![f.clone().into()]),
        backend_refs: Some(backend_refs.to_vec()),
        timeouts: rule.timeout.map(|t| HttpRouteTimeouts {
            request: Some(t),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The `backendRefs` of a backend's rules as (name, port, weight): its Service, or, when it
/// splits, every Service with its share as `weight` (refuse.rs keeps them in the route's
/// namespace, so no `namespace` is written).
fn backend_refs(b: &CheckedBackend<'_>) -> Vec<(String, i32, Option<i32>)> {
    if b.splits.is_empty() {
        return vec![(b.spec.name.clone(), i32::from(b.spec.port), None)];
    }
    std::iter::once((b.spec, b.own_percent()))
        .chain(b.splits.iter().map(|s| (&s.spec, s.percent)))
        .map(|(spec, percent)| {
            (
                spec.name.clone(),
                i32::from(spec.port),
                Some(i32::from(percent)),
            )
        })
        .collect()
}

/// The routes of one backend, GRPCRoutes or HTTPRoutes: the ingress ones (parent: the Gateway,
/// with the hosts) or the mesh ones (parent: the backend's Service). One object while its rules
/// fit in [`RULES_PER_ROUTE`] and [`MATCHES_PER_ROUTE`], else `<name>`, `<name>-2`, …
fn routes(c: &Checked<'_>, b: &CheckedBackend<'_>, in_mesh: bool) -> Vec<Object> {
    let spec = c.spec;
    let http = spec.gateway_api.http_routes;
    let bs = b.spec;
    let ns = route_namespace(spec, bs);
    let filter = if http { cors_filter(b) } else { None };
    let parent = if in_mesh {
        ParentReference {
            group: Some(String::new()),
            kind: Some("Service".to_owned()),
            name: bs.name.clone(),
            port: Some(i32::from(bs.port)),
            ..Default::default()
        }
    } else {
        ParentReference {
            name: spec.gateway.clone(),
            namespace: spec
                .namespace
                .clone()
                .filter(|_| spec.namespace.as_deref() != ns),
            ..Default::default()
        }
    };
    let hostnames: Option<Vec<String>> =
        (!in_mesh && !spec.hosts.iter().any(|h| h == "*")).then(|| spec.hosts.clone());

    // Pack the rules into objects.
    let mut objects: Vec<Vec<Rule>> = vec![Vec::new()];
    let mut matches_in_last = 0;
    for rule in rules(b, http) {
        let last = objects.last().map_or(0, Vec::len);
        if last == RULES_PER_ROUTE || matches_in_last + rule.matches.len() > MATCHES_PER_ROUTE {
            objects.push(Vec::new());
            matches_in_last = 0;
        }
        matches_in_last += rule.matches.len();
        if let Some(o) = objects.last_mut() {
            o.push(rule);
        }
    }
    let base = if in_mesh {
        format!("{}-mesh", bs.name)
    } else {
        bs.name.clone()
    };
    let refs = backend_refs(b);
    let grpc_refs: Vec<GrpcBackendRef> = refs
        .iter()
        .map(|(name, port, weight)| GrpcBackendRef {
            name: name.clone(),
            port: Some(*port),
            weight: *weight,
            ..Default::default()
        })
        .collect();
    let http_refs: Vec<HttpBackendRef> = refs
        .into_iter()
        .map(|(name, port, weight)| HttpBackendRef {
            name,
            port: Some(port),
            weight,
            ..Default::default()
        })
        .collect();
    objects
        .into_iter()
        .enumerate()
        .map(|(i, rules)| {
            let name = if i == 0 {
                base.clone()
            } else {
                format!("{base}-{}", i + 1)
            };
            let parent_refs = Some(vec![parent.clone()]);
            let hostnames = hostnames.clone();
            if http {
                let mut route = HttpRoute::new(
                    name,
                    HttpRouteSpec {
                        parent_refs,
                        hostnames,
                        rules: Some(
                            rules
                                .into_iter()
                                .map(|r| http_rule(r, filter.as_ref(), &http_refs))
                                .collect(),
                        ),
                        ..Default::default()
                    },
                );
                route.metadata.namespace = ns.map(str::to_owned);
                Object::from(route)
            } else {
                let mut route = GrpcRoute::new(
                    name,
                    GrpcRouteSpec {
                        parent_refs,
                        hostnames,
                        rules: Some(
                            rules
                                .into_iter()
                                .map(|r| grpc_rule(r, &grpc_refs))
                                .collect(),
                        ),
                        ..Default::default()
                    },
                );
                route.metadata.namespace = ns.map(str::to_owned);
                Object::from(route)
            }
        })
        .collect()
}

/// `GRPCRoute`, or `HTTPRoute` when asked for with `.http_routes()`.
fn route_kind(http: bool) -> &'static str {
    if http { "HTTPRoute" } else { "GRPCRoute" }
}

/// The waypoints, one per backend namespace: class `istio-waypoint`, an `HBONE` listener on
/// 15008 (<https://istio.io/latest/docs/ambient/usage/waypoint/>).
fn waypoints(c: &Checked<'_>) -> Vec<Gateway> {
    let Some(w) = c
        .spec
        .gateway_api
        .in_mesh
        .as_ref()
        .and_then(|m| m.waypoint.as_ref())
    else {
        return Vec::new();
    };
    let namespaces: BTreeSet<Option<&str>> = c
        .backends
        .iter()
        .map(|b| route_namespace(c.spec, b.spec))
        .collect();
    namespaces
        .into_iter()
        .map(|ns| {
            let mut gw = Gateway::new(
                &w.name,
                GatewaySpec {
                    gateway_class_name: "istio-waypoint".to_owned(),
                    listeners: vec![Listener {
                        name: "mesh".to_owned(),
                        port: 15008,
                        protocol: "HBONE".to_owned(),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            );
            gw.metadata.namespace = ns.map(str::to_owned);
            gw
        })
        .collect()
}

/// The backend's Service and those it splits to, where the builder writes them: as for Istio's
/// API, but in the route's namespace (where its `backendRefs` look), labelled for the waypoint
/// when one applies the mesh routes.
pub(super) fn services(c: &Checked<'_>, b: &CheckedBackend<'_>) -> Vec<Service> {
    let mut out = service::write(b);
    let waypoint = c
        .spec
        .gateway_api
        .in_mesh
        .as_ref()
        .and_then(|m| m.waypoint.as_ref())
        .filter(|w| w.label_services);
    for s in &mut out {
        // Where the route's `backendRefs` look for it.
        if s.metadata.namespace.is_none() {
            s.metadata.namespace.clone_from(&c.spec.namespace);
        }
        if let Some(w) = waypoint {
            s.metadata
                .labels
                .get_or_insert_with(Default::default)
                .insert(USE_WAYPOINT.to_owned(), w.name.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::gep2257;
    use std::time::Duration as D;

    #[test]
    fn durations_are_written_as_gep_2257() {
        let text = |d| gep2257(d).map(|d| d.to_string());
        assert_eq!(text(D::from_millis(1500)).as_deref(), Some("1s500ms"));
        assert_eq!(text(D::from_secs(60)).as_deref(), Some("1m"));
        assert_eq!(text(D::from_secs(3723)).as_deref(), Some("1h2m3s"));
        assert_eq!(text(D::from_millis(1)).as_deref(), Some("1ms"));
        assert_eq!(text(D::from_secs(99_999 * 3600)).as_deref(), Some("99999h"));
        assert_eq!(gep2257(D::from_secs(100_000 * 3600)), None);
    }
}

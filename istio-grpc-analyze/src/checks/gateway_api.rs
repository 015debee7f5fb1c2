//! The gRPC pitfalls of the Kubernetes Gateway API (`gateway.networking.k8s.io`), as Istio
//! implements it (`../shared/gateway-api/NOTES.md` §3, §6):
//!
//! * GRPC018: a GRPCRoute's backend Service port not declared HTTP/2. A GRPCRoute does not make
//!   Istio speak HTTP/2 upstream: the protocol comes from the Service port (`appProtocol`, or
//!   the port name), and gateways do not sniff, so the call goes out as HTTP/1.1 and fails as in
//!   GRPC001 (open-feature/open-feature-operator#796).
//! * GRPC019: an HTTPRoute and a GRPCRoute claiming the same hostname on one listener: the
//!   Gateway API lets an implementation accept only one (istio/istio#57172: Istio 1.26
//!   programmed only one of them).
//! * GRPC020: a GRPCRoute attached to a Gateway none of whose listeners admits it
//!   (`allowedRoutes.kinds` without GRPCRoute, `allowedRoutes.namespaces` without the route's
//!   namespace, or a protocol that carries no HTTP): the route is not accepted.
//! * GRPC021: a reference into another namespace with no ReferenceGrant that allows it: a
//!   listener's certificate Secret, or a GRPCRoute's or HTTPRoute's backend Service behind a
//!   Gateway. The reference does not resolve (`ResolvedRefs=False`, `RefNotPermitted`).

use std::collections::BTreeMap;

use istio_grpc_types::gateway_api::{
    self, FromNamespaces, Gateway, GrpcRoute, HttpRoute, LabelSelector, Listener, ParentReference,
    ReferenceGrant,
};
use k8s_openapi::api::core::v1::Namespace;

use crate::checks::backend_protocol::{SYMPTOM, declared};
use crate::model::{Head, Model, diagnostic};
use crate::protocol::PortProtocol;
use crate::{Diagnostic, codes};

/// What gRPC clients see when a route is not programmed for their host: HTTP 404, which gRPC
/// maps to `UNIMPLEMENTED`.
const NOT_ROUTED: &str = "calls get HTTP 404, which gRPC clients see as UNIMPLEMENTED";

/// The Gateway API objects of the input.
struct Index<'a> {
    grpc_routes: Vec<(&'a Head, &'a GrpcRoute)>,
    http_routes: Vec<(&'a Head, &'a HttpRoute)>,
    grants: Vec<(&'a Head, &'a ReferenceGrant)>,
    namespaces: BTreeMap<&'a str, &'a Namespace>,
}

impl<'a> Index<'a> {
    fn new(model: &'a Model) -> Self {
        Index {
            grpc_routes: model.grpc_routes.iter().map(|(m, r)| (m, &**r)).collect(),
            http_routes: model.http_routes.iter().map(|(m, r)| (m, &**r)).collect(),
            grants: model
                .reference_grants
                .iter()
                .map(|(m, g)| (m, &**g))
                .collect(),
            namespaces: model
                .namespaces
                .iter()
                .filter_map(|(_, n)| Some((n.metadata.name.as_deref()?, &***n)))
                .collect(),
        }
    }

    fn granted(
        &self,
        from_kind: &str,
        from_namespace: &str,
        to_namespace: &str,
        to_kind: &str,
        to_name: &str,
    ) -> bool {
        self.grants.iter().any(|(m, g)| {
            m.namespace() == to_namespace
                && g.spec.from_.iter().any(|f| {
                    f.group == gateway_api::GROUP
                        && f.kind == from_kind
                        && f.namespace == from_namespace
                })
                && g.spec.to.iter().any(|t| {
                    t.group.is_empty()
                        && t.kind == to_kind
                        && t.name.as_deref().is_none_or(|n| n == to_name)
                })
        })
    }
}

/// Why a listener does not admit a route of `kind` from `route_namespace`; `None` when it does
/// (or when the input cannot tell: a namespace selector over a Namespace not in the input).
fn refusal(
    index: &Index<'_>,
    listener: &Listener,
    gateway_namespace: &str,
    kind: &str,
    route_namespace: &str,
) -> Option<String> {
    let protocol = listener.protocol.as_str();
    if !matches!(protocol, "HTTP" | "HTTPS") {
        return Some(format!(
            "its protocol is {protocol}, which carries no {kind} (only HTTP and HTTPS listeners do)"
        ));
    }
    let allowed = listener.allowed_routes.as_ref();
    let kinds = allowed.and_then(|a| a.kinds.as_deref()).unwrap_or_default();
    if !kinds.is_empty()
        && !kinds.iter().any(|k| {
            k.kind == kind && k.group.as_deref().unwrap_or(gateway_api::GROUP) == gateway_api::GROUP
        })
    {
        let listed: Vec<&str> = kinds.iter().map(|k| k.kind.as_str()).collect();
        return Some(format!(
            "its allowedRoutes.kinds admits only {}",
            listed.join(", ")
        ));
    }
    let namespaces = allowed.and_then(|a| a.namespaces.as_ref());
    match namespaces
        .and_then(|n| n.from_)
        .unwrap_or(FromNamespaces::Same)
    {
        FromNamespaces::All => None,
        FromNamespaces::Same if route_namespace == gateway_namespace => None,
        FromNamespaces::Same => Some(format!(
            "its allowedRoutes.namespaces.from is Same (the default), and the route is in namespace {route_namespace}, not {gateway_namespace}"
        )),
        FromNamespaces::Selector => {
            let ns = index.namespaces.get(route_namespace)?;
            let labels = ns.metadata.labels.clone().unwrap_or_default();
            let selector = namespaces.and_then(|n| n.selector.as_ref());
            if selector.is_some_and(|s| selects(s, &labels)) {
                None
            } else {
                Some(format!(
                    "its allowedRoutes.namespaces.selector does not select namespace {route_namespace}"
                ))
            }
        }
    }
}

/// Whether a label selector selects these labels (an empty selector selects everything).
fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let by_labels = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expressions = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        match e.operator.as_str() {
            "In" => labels.get(&e.key).is_some_and(|v| values.contains(v)),
            "NotIn" => labels.get(&e.key).is_none_or(|v| !values.contains(v)),
            "Exists" => labels.contains_key(&e.key),
            "DoesNotExist" => !labels.contains_key(&e.key),
            _ => false,
        }
    });
    by_labels && by_expressions
}

/// A parentRef that names a Gateway (`group`/`kind` default to the Gateway API's Gateway).
fn is_gateway_parent(p: &ParentReference) -> bool {
    p.group.as_deref().unwrap_or(gateway_api::GROUP) == gateway_api::GROUP
        && p.kind.as_deref().unwrap_or("Gateway") == "Gateway"
}

/// The Gateway a parentRef names, when it is in the input.
fn parent_gateway<'a>(
    model: &'a Model,
    p: &ParentReference,
    route_namespace: &str,
) -> Option<(&'a Head, &'a Gateway)> {
    if !is_gateway_parent(p) {
        return None;
    }
    let namespace = p.namespace.as_deref().unwrap_or(route_namespace);
    model
        .k8s_gateways
        .iter()
        .find(|(m, g)| m.namespace() == namespace && g.metadata.name.as_deref() == Some(&p.name))
        .map(|(m, g)| (m, &**g))
}

/// The listeners of `gateway` a parentRef selects (`sectionName`, `port`).
fn selected<'g>(
    gateway: &'g Gateway,
    p: &ParentReference,
) -> impl Iterator<Item = (usize, &'g Listener)> {
    let section = p.section_name.clone();
    let port = p.port;
    gateway
        .spec
        .listeners
        .iter()
        .enumerate()
        .filter(move |(_, l)| section.as_deref().is_none_or(|s| s == l.name))
        .filter(move |(_, l)| port.is_none_or(|p| p == l.port))
}

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    if model.k8s_gateways.is_empty() && model.grpc_routes.is_empty() {
        return;
    }
    let index = Index::new(model);
    backends_not_http2(model, &index, out);
    listeners_not_admitting(model, &index, out);
    shared_hostnames(model, &index, out);
    certificate_grants(model, &index, out);
    backend_grants(model, &index, out);
}

/// GRPC018.
fn backends_not_http2(model: &Model, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (manifest, route) in &index.grpc_routes {
        let ns = manifest.namespace();
        let parents = route.spec.parent_refs.as_deref().unwrap_or_default();
        // behind a gateway nothing sniffs; in the mesh a sidecar detects an unnamed port's
        // protocol, so there only a port declared as something else is wrong
        let via_gateway = parents.is_empty() || parents.iter().any(is_gateway_parent);
        for (i, rule) in route.spec.rules.iter().flatten().enumerate() {
            for (j, backend) in rule.backend_refs.iter().flatten().enumerate() {
                if !backend.group.as_deref().unwrap_or("").is_empty()
                    || backend.kind.as_deref().unwrap_or("Service") != "Service"
                {
                    continue;
                }
                let svc_ns = backend.namespace.as_deref().unwrap_or(ns);
                let Some((svc_manifest, svc)) =
                    model.service_for_host(&format!("{}.{svc_ns}", backend.name), ns)
                else {
                    continue;
                };
                let Some(port) = svc.ports.iter().find(|p| Some(p.port) == backend.port) else {
                    continue;
                };
                let (protocol, declared) = declared(port);
                if protocol.is_http2() || (!via_gateway && protocol == PortProtocol::Unnamed) {
                    continue;
                }
                let speaks = match protocol {
                    PortProtocol::Http | PortProtocol::Unnamed => {
                        "so Istio speaks HTTP/1.1 to it".to_owned()
                    }
                    other => format!("so Istio treats it as {}, not HTTP/2", other.describe()),
                };
                out.push(diagnostic(
                    manifest,
                    codes::GRPCROUTE_BACKEND_NOT_HTTP2,
                    format!("spec.rules[{i}].backendRefs[{j}]"),
                    format!(
                        "port {} of Service {}/{} {declared}: a GRPCRoute does not make Istio speak HTTP/2 upstream (the protocol comes from the Service port, and gateways do not detect it), {speaks}, and gRPC clients get {SYMPTOM}",
                        port.port,
                        svc_manifest.namespace(),
                        svc_manifest.name(),
                    ),
                    Some("set appProtocol: kubernetes.io/h2c (or grpc) on the Service port, or name it \"grpc\" / \"grpc-<suffix>\"".to_owned()),
                ));
            }
        }
    }
}

/// GRPC020.
fn listeners_not_admitting(model: &Model, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (manifest, route) in &index.grpc_routes {
        let ns = manifest.namespace();
        for (i, parent) in route.spec.parent_refs.iter().flatten().enumerate() {
            let Some((gw_manifest, gw)) = parent_gateway(model, parent, ns) else {
                continue;
            };
            let gw_ns = gw_manifest.namespace();
            let reasons: Vec<String> = selected(gw, parent)
                .map(|(_, l)| refusal(index, l, gw_ns, "GRPCRoute", ns).map(|r| (l, r)))
                .collect::<Option<Vec<_>>>()
                .unwrap_or_default()
                .into_iter()
                .map(|(l, r)| format!("listener {:?}: {r}", l.name))
                .collect();
            if reasons.is_empty() {
                continue; // a listener admits it, or none is selected (another problem)
            }
            let gw_name = gw.metadata.name.as_deref().unwrap_or("");
            out.push(diagnostic(
                manifest,
                codes::GRPCROUTE_NOT_ALLOWED_BY_LISTENER,
                format!("spec.parentRefs[{i}]"),
                format!(
                    "no listener of Gateway {gw_ns}/{gw_name} this parentRef selects admits the GRPCRoute ({}): the route is not accepted (Accepted=False, NotAllowedByListeners) and its {NOT_ROUTED}",
                    reasons.join("; ")
                ),
                Some(format!(
                    "on Gateway {gw_ns}/{gw_name}, let an HTTP or HTTPS listener admit it: add {{kind: GRPCRoute}} to allowedRoutes.kinds (or leave kinds out: HTTP and HTTPS listeners then admit GRPCRoute), and allowedRoutes.namespaces.from: All (or a Selector) for routes of other namespaces"
                )),
            ));
        }
    }
}

/// The hostnames a route serves on a listener: its own, narrowed to the listener's, or the
/// listener's when it has none (`*`: any).
fn hostnames_on<'a>(route: &'a [String], listener: Option<&'a str>) -> Vec<&'a str> {
    if route.is_empty() {
        return vec![listener.unwrap_or("*")];
    }
    route
        .iter()
        .map(String::as_str)
        .filter_map(|h| match listener {
            None => Some(h),
            Some(l) if crate::model::host_covers(l, h) => Some(h),
            Some(l) if crate::model::host_covers(h, l) => Some(l),
            Some(_) => None,
        })
        .collect()
}

/// GRPC019.
fn shared_hostnames(model: &Model, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // (gateway namespace, gateway name, listener name, hostname) -> the HTTPRoutes there
    let mut http: BTreeMap<(&str, &str, &str, &str), Vec<&Head>> = BTreeMap::new();
    for (manifest, route) in &index.http_routes {
        let ns = manifest.namespace();
        let hostnames = route.spec.hostnames.as_deref().unwrap_or_default();
        for parent in route.spec.parent_refs.iter().flatten() {
            let Some((gw_manifest, gw)) = parent_gateway(model, parent, ns) else {
                continue;
            };
            let gw_ns = gw_manifest.namespace();
            for (_, l) in selected(gw, parent) {
                if refusal(index, l, gw_ns, "HTTPRoute", ns).is_some() {
                    continue;
                }
                for h in hostnames_on(hostnames, l.hostname.as_deref()) {
                    let key = (
                        gw_ns,
                        gw.metadata.name.as_deref().unwrap_or(""),
                        l.name.as_str(),
                        h,
                    );
                    http.entry(key).or_default().push(manifest);
                }
            }
        }
    }
    for (manifest, route) in &index.grpc_routes {
        let ns = manifest.namespace();
        let hostnames = route.spec.hostnames.as_deref().unwrap_or_default();
        let mut reported = Vec::new();
        for (i, parent) in route.spec.parent_refs.iter().flatten().enumerate() {
            let Some((gw_manifest, gw)) = parent_gateway(model, parent, ns) else {
                continue;
            };
            let gw_ns = gw_manifest.namespace();
            let gw_name = gw.metadata.name.as_deref().unwrap_or("");
            for (_, l) in selected(gw, parent) {
                if refusal(index, l, gw_ns, "GRPCRoute", ns).is_some() {
                    continue;
                }
                for h in hostnames_on(hostnames, l.hostname.as_deref()) {
                    let Some(others) = http.get(&(gw_ns, gw_name, l.name.as_str(), h)) else {
                        continue;
                    };
                    for other in others {
                        let key = (h.to_owned(), other.resource());
                        if reported.contains(&key) {
                            continue;
                        }
                        let other_name = format!("{}/{}", other.namespace(), other.name());
                        let path = if hostnames.is_empty() {
                            format!("spec.parentRefs[{i}]")
                        } else {
                            "spec.hostnames".to_owned()
                        };
                        out.push(diagnostic(
                            manifest,
                            codes::GRPCROUTE_HTTPROUTE_SAME_HOSTNAME,
                            path,
                            format!(
                                "HTTPRoute {other_name} and this GRPCRoute both claim hostname {h:?} on listener {:?} of Gateway {gw_ns}/{gw_name}: the Gateway API lets an implementation accept only one of them (the GRPCRoute spec: \"MUST accept exactly one\", relaxed to \"may\" in v1.6), and Istio 1.26 programmed only one (istio/istio#57172), so the other's {NOT_ROUTED}",
                                l.name
                            ),
                            Some("give the gRPC services a hostname of their own (grpc.example.com beside www.example.com), or route everything on that hostname with one kind: gRPC calls are HTTP/2 POSTs to /<package>.<Service>/<Method>, which an HTTPRoute path match routes".to_owned()),
                        ));
                        reported.push(key);
                    }
                }
            }
        }
    }
}

/// GRPC021, listener certificates.
fn certificate_grants(model: &Model, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    for (manifest, gw) in &model.k8s_gateways {
        let gw_ns = manifest.namespace();
        let gw_name = gw.metadata.name.as_deref().unwrap_or("");
        for (i, l) in gw.spec.listeners.iter().enumerate() {
            let refs = l.tls.as_ref().and_then(|t| t.certificate_refs.as_deref());
            for (k, r) in refs.unwrap_or_default().iter().enumerate() {
                if !r.group.as_deref().unwrap_or("").is_empty()
                    || r.kind.as_deref().unwrap_or("Secret") != "Secret"
                {
                    continue;
                }
                let Some(secret_ns) = r.namespace.as_deref().filter(|n| *n != gw_ns) else {
                    continue;
                };
                if index.granted("Gateway", gw_ns, secret_ns, "Secret", &r.name) {
                    continue;
                }
                out.push(diagnostic(
                    manifest,
                    codes::REF_NOT_PERMITTED,
                    format!("spec.listeners[{i}].tls.certificateRefs[{k}]"),
                    format!(
                        "listener {:?} uses Secret {secret_ns}/{} from another namespace, and no ReferenceGrant in namespace {secret_ns} lets Gateways of namespace {gw_ns} use it: the reference does not resolve (ResolvedRefs=False, RefNotPermitted), the listener gets no certificate, and TLS handshakes to it fail (gRPC clients get UNAVAILABLE)",
                        l.name, r.name
                    ),
                    Some(format!(
                        "add a ReferenceGrant in namespace {secret_ns}: apiVersion: gateway.networking.k8s.io/v1beta1, spec: {{from: [{{group: gateway.networking.k8s.io, kind: Gateway, namespace: {gw_ns}}}], to: [{{group: \"\", kind: Secret, name: {}}}]}} (or move the Secret to namespace {gw_ns}, Gateway {gw_name}'s own)",
                        r.name
                    )),
                ));
            }
        }
    }
}

/// A route's backend reference, as GRPC021 reads it: group, kind, name, namespace.
type BackendRefView<'a> = (Option<&'a str>, Option<&'a str>, &'a str, Option<&'a str>);

/// GRPC021, GRPCRoute and HTTPRoute backends in another namespace, when the route is behind a
/// Gateway (Istio enforces ReferenceGrants for Gateway parents only: NOTES §3).
fn backend_grants(model: &Model, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    // Each route kind's backend references per rule (the two kinds' backendRef types differ).
    macro_rules! routes {
        ($routes:expr, $kind:literal) => {
            $routes.iter().map(|(m, r)| {
                let rules: Vec<Vec<BackendRefView<'_>>> = r
                    .spec
                    .rules
                    .iter()
                    .flatten()
                    .map(|rule| {
                        rule.backend_refs
                            .iter()
                            .flatten()
                            .map(|b| {
                                let (group, kind) = (b.group.as_deref(), b.kind.as_deref());
                                (group, kind, b.name.as_str(), b.namespace.as_deref())
                            })
                            .collect()
                    })
                    .collect();
                let parents = r.spec.parent_refs.as_deref().unwrap_or_default();
                (*m, $kind, parents, rules)
            })
        };
    }
    let grpc = routes!(index.grpc_routes, "GRPCRoute");
    let http = routes!(index.http_routes, "HTTPRoute");
    for (manifest, kind, parents, rules) in grpc.chain(http) {
        let ns = manifest.namespace();
        if !parents
            .iter()
            .any(|p| parent_gateway(model, p, ns).is_some())
        {
            continue;
        }
        for (i, refs) in rules.iter().enumerate() {
            for (j, (group, ref_kind, name, namespace)) in refs.iter().enumerate() {
                if !group.unwrap_or("").is_empty() || ref_kind.unwrap_or("Service") != "Service" {
                    continue;
                }
                let Some(svc_ns) = namespace.filter(|n| *n != ns) else {
                    continue;
                };
                if index.granted(kind, ns, svc_ns, "Service", name) {
                    continue;
                }
                out.push(diagnostic(
                    manifest,
                    codes::REF_NOT_PERMITTED,
                    format!("spec.rules[{i}].backendRefs[{j}]"),
                    format!(
                        "backend Service {svc_ns}/{name} is in another namespace, and no ReferenceGrant in namespace {svc_ns} lets {kind}s of namespace {ns} use it: the reference does not resolve (ResolvedRefs=False, RefNotPermitted), and the Gateway API has calls to an unresolved backend answered with HTTP 500, which gRPC clients see as UNKNOWN"
                    ),
                    Some(format!(
                        "add a ReferenceGrant in namespace {svc_ns}: apiVersion: gateway.networking.k8s.io/v1beta1, spec: {{from: [{{group: gateway.networking.k8s.io, kind: {kind}, namespace: {ns}}}], to: [{{group: \"\", kind: Service, name: {name}}}]}}"
                    )),
                ));
            }
        }
    }
}

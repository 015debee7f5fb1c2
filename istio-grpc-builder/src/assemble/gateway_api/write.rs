//! The Gateway API objects as JSON (the output model): Gateway, Secret, ReferenceGrant,
//! GRPCRoutes or HTTPRoutes, waypoints; and the backends' Services, typed.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Service;
use serde_json::{Map, Value, json};

use super::super::check::{Checked, CheckedBackend};
use super::super::{secret, service};
use super::GROUP;
use super::refuse::{USE_WAYPOINT, route_namespace, secret_namespace};
use istio_grpc_types::StringMatch;

use crate::route::{REFLECTION_TARGETS, Target};

/// A GRPCRoute or HTTPRoute takes at most 16 rules, 64 matches per rule and 128 matches in all
/// (v1.6.1 CRDs).
const RULES_PER_ROUTE: usize = 16;
const MATCHES_PER_ROUTE: usize = 128;
const MATCHES_PER_RULE: usize = 64;

fn meta(name: &str, namespace: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("name".to_owned(), name.into());
    if let Some(ns) = namespace {
        m.insert("namespace".to_owned(), ns.into());
    }
    Value::Object(m)
}

/// Every object but the Services, in order.
pub(super) fn all(c: &Checked<'_>) -> Vec<Value> {
    let mut out = vec![gateway(c)];
    out.extend(secret(c));
    out.extend(reference_grant(c));
    for b in &c.backends {
        out.extend(routes(c, b, false));
    }
    if c.spec.gateway_api.in_mesh.is_some() {
        for b in &c.backends {
            out.extend(routes(c, b, true));
        }
    }
    out.extend(waypoints(c));
    out
}

/// The listener's name: `https` or `http`.
fn listener_name(tls: bool) -> &'static str {
    if tls { "https" } else { "http" }
}

/// The Gateway: class `istio`, one listener (HTTPS 443 terminating TLS, or HTTP 80, which Istio
/// serves as prior-knowledge h2c), admitting the routes' kind from the routes' namespaces only.
fn gateway(c: &Checked<'_>) -> Value {
    let spec = c.spec;
    let mut listener = Map::new();
    listener.insert("name".to_owned(), listener_name(c.tls).into());
    if let [host] = spec.hosts.as_slice()
        && host != "*"
    {
        listener.insert("hostname".to_owned(), host.as_str().into());
    }
    if c.tls {
        listener.insert("port".to_owned(), 443.into());
        listener.insert("protocol".to_owned(), "HTTPS".into());
        let mut cert = Map::new();
        if let Some(cred) = &spec.credential {
            cert.insert("name".to_owned(), cred.name.as_str().into());
        }
        if let Some(ns) = &spec.gateway_api.secret_namespace
            && spec.namespace.as_ref() != Some(ns)
        {
            cert.insert("namespace".to_owned(), ns.as_str().into());
        }
        listener.insert(
            "tls".to_owned(),
            json!({"mode": "Terminate", "certificateRefs": [cert]}),
        );
    } else {
        listener.insert("port".to_owned(), 80.into());
        listener.insert("protocol".to_owned(), "HTTP".into());
    }
    let route_namespaces: BTreeSet<Option<&str>> = c
        .backends
        .iter()
        .map(|b| route_namespace(spec, b.spec))
        .collect();
    let namespaces = if route_namespaces
        .iter()
        .all(|ns| *ns == spec.namespace.as_deref())
    {
        json!({"from": "Same"})
    } else {
        // Every route namespace is named (refuse.rs requires the Gateway's namespace).
        let values: Vec<&str> = route_namespaces.iter().flatten().copied().collect();
        json!({"from": "Selector", "selector": {"matchExpressions": [{
            "key": "kubernetes.io/metadata.name",
            "operator": "In",
            "values": values,
        }]}})
    };
    listener.insert(
        "allowedRoutes".to_owned(),
        json!({
            "namespaces": namespaces,
            "kinds": [{"group": GROUP, "kind": route_kind(spec.gateway_api.http_routes)}],
        }),
    );
    json!({
        "apiVersion": format!("{GROUP}/v1"),
        "kind": "Gateway",
        "metadata": meta(&spec.gateway, spec.namespace.as_deref()),
        "spec": {
            "gatewayClassName": "istio",
            "listeners": [listener],
        },
    })
}

/// The TLS Secret, when given as PEM: in the Secret's namespace.
fn secret(c: &Checked<'_>) -> Option<Value> {
    let mut s = secret::write(c)?;
    s.metadata.namespace = secret_namespace(c.spec).map(str::to_owned);
    serde_json::to_value(s).ok()
}

/// The ReferenceGrant that lets the Gateway read a Secret in another namespace.
fn reference_grant(c: &Checked<'_>) -> Option<Value> {
    let spec = c.spec;
    let cred = spec.credential.as_ref().filter(|_| c.tls)?;
    let secret_ns = spec.gateway_api.secret_namespace.as_deref()?;
    let gateway_ns = spec.namespace.as_deref()?;
    if secret_ns == gateway_ns {
        return None;
    }
    Some(json!({
        "apiVersion": format!("{GROUP}/v1beta1"),
        "kind": "ReferenceGrant",
        "metadata": meta(&format!("{}-tls", spec.gateway), Some(secret_ns)),
        "spec": {
            "from": [{"group": GROUP, "kind": "Gateway", "namespace": gateway_ns}],
            "to": [{"group": "", "kind": "Secret", "name": cred.name}],
        },
    }))
}

/// The match of a route in the route kind written, or `None` for every call: a GRPCRoute
/// `method` match, or an HTTPRoute `path` match (`/<service>` as a prefix of whole segments,
/// `/<service>/<method>` exactly).
fn route_match(target: &Target, http: bool) -> Option<Value> {
    match (target, http) {
        (Target::All, _) => None,
        (Target::Service(s), false) => Some(json!({"method": {"type": "Exact", "service": s}})),
        (Target::Method(s, m), false) => {
            Some(json!({"method": {"type": "Exact", "service": s, "method": m}}))
        }
        (Target::Service(s), true) => {
            Some(json!({"path": {"type": "PathPrefix", "value": format!("/{s}")}}))
        }
        (Target::Method(s, m), true) => {
            Some(json!({"path": {"type": "Exact", "value": format!("/{s}/{m}")}}))
        }
    }
}

/// A duration as the Gateway API writes it (GEP-2257: `1h2m3s4ms`, each part at most 5
/// digits), or `None` when it has more than 99999 hours.
pub(super) fn gep2257(d: std::time::Duration) -> Option<String> {
    let ms = d.as_millis();
    let parts = [
        (ms / 3_600_000, "h"),
        (ms / 60_000 % 60, "m"),
        (ms / 1000 % 60, "s"),
        (ms % 1000, "ms"),
    ];
    if parts[0].0 > 99_999 {
        return None;
    }
    let text: String = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    Some(if text.is_empty() {
        "0s".to_owned()
    } else {
        text
    })
}

/// The HTTPRoute `CORS` filter of a gRPC-Web backend: the same policy as Istio's `corsPolicy`.
fn cors_filter(b: &CheckedBackend<'_>) -> Option<Value> {
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
    let mut f = Map::new();
    f.insert("allowOrigins".to_owned(), json!(origins));
    if let Some(c) = web.allow_credentials {
        f.insert("allowCredentials".to_owned(), c.into());
    }
    f.insert("allowMethods".to_owned(), json!(cors.allow_methods));
    f.insert("allowHeaders".to_owned(), json!(cors.allow_headers));
    f.insert("exposeHeaders".to_owned(), json!(cors.expose_headers));
    f.insert("maxAge".to_owned(), web.max_age.as_secs().into());
    Some(json!([{"type": "CORS", "cors": f}]))
}

/// One rule: its matches (none: every call), its timeout.
struct Rule {
    matches: Vec<Value>,
    timeout: Option<String>,
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
    let mut groups: Vec<(Option<String>, Vec<Value>)> = Vec::new();
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
        for chunk in matches.chunks(MATCHES_PER_RULE) {
            out.push(Rule {
                matches: chunk.to_vec(),
                timeout: timeout.clone(),
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

/// The routes of one backend, GRPCRoutes or HTTPRoutes: the ingress ones (parent: the Gateway,
/// with the hosts) or the mesh ones (parent: the backend's Service). One object while its rules
/// fit in [`RULES_PER_ROUTE`] and [`MATCHES_PER_ROUTE`], else `<name>`, `<name>-2`, …
fn routes(c: &Checked<'_>, b: &CheckedBackend<'_>, in_mesh: bool) -> Vec<Value> {
    let spec = c.spec;
    let http = spec.gateway_api.http_routes;
    let bs = b.spec;
    let ns = route_namespace(spec, bs);
    let backend_refs = json!([{"name": bs.name, "port": bs.port}]);
    let filters = if http { cors_filter(b) } else { None };
    let parent = if in_mesh {
        json!({"group": "", "kind": "Service", "name": bs.name, "port": bs.port})
    } else {
        let mut p = Map::new();
        p.insert("name".to_owned(), spec.gateway.as_str().into());
        if spec.namespace.as_deref() != ns
            && let Some(gw_ns) = &spec.namespace
        {
            p.insert("namespace".to_owned(), gw_ns.as_str().into());
        }
        Value::Object(p)
    };
    let hostnames: Option<Vec<&str>> = (!in_mesh && !spec.hosts.iter().any(|h| h == "*"))
        .then(|| spec.hosts.iter().map(String::as_str).collect());

    // Pack the rules into objects.
    let mut objects: Vec<Vec<Value>> = vec![Vec::new()];
    let mut matches_in_last = 0;
    for rule in rules(b, http) {
        let last = objects.last().map_or(0, Vec::len);
        if last == RULES_PER_ROUTE || matches_in_last + rule.matches.len() > MATCHES_PER_ROUTE {
            objects.push(Vec::new());
            matches_in_last = 0;
        }
        matches_in_last += rule.matches.len();
        let mut r = Map::new();
        if !rule.matches.is_empty() {
            r.insert("matches".to_owned(), Value::Array(rule.matches));
        }
        if let Some(f) = &filters {
            r.insert("filters".to_owned(), f.clone());
        }
        r.insert("backendRefs".to_owned(), backend_refs.clone());
        if let Some(t) = rule.timeout {
            r.insert("timeouts".to_owned(), json!({"request": t}));
        }
        if let Some(o) = objects.last_mut() {
            o.push(Value::Object(r));
        }
    }
    let base = if in_mesh {
        format!("{}-mesh", bs.name)
    } else {
        bs.name.clone()
    };
    objects
        .into_iter()
        .enumerate()
        .map(|(i, rules)| {
            let name = if i == 0 {
                base.clone()
            } else {
                format!("{base}-{}", i + 1)
            };
            let mut route_spec = Map::new();
            route_spec.insert("parentRefs".to_owned(), json!([parent]));
            if let Some(h) = &hostnames {
                route_spec.insert("hostnames".to_owned(), json!(h));
            }
            route_spec.insert("rules".to_owned(), Value::Array(rules));
            json!({
                "apiVersion": format!("{GROUP}/v1"),
                "kind": route_kind(http),
                "metadata": meta(&name, ns),
                "spec": route_spec,
            })
        })
        .collect()
}

/// `GRPCRoute`, or `HTTPRoute` when asked for with `.http_routes()`.
fn route_kind(http: bool) -> &'static str {
    if http { "HTTPRoute" } else { "GRPCRoute" }
}

/// The waypoints, one per backend namespace: class `istio-waypoint`, an `HBONE` listener on
/// 15008 (<https://istio.io/latest/docs/ambient/usage/waypoint/>).
fn waypoints(c: &Checked<'_>) -> Vec<Value> {
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
            json!({
                "apiVersion": format!("{GROUP}/v1"),
                "kind": "Gateway",
                "metadata": meta(&w.name, ns),
                "spec": {
                    "gatewayClassName": "istio-waypoint",
                    "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}],
                },
            })
        })
        .collect()
}

/// The backend's Service, when the builder writes it: as for Istio's API, but in the route's
/// namespace (where its `backendRefs` look), labelled for the waypoint when one applies the mesh routes.
pub(super) fn service(c: &Checked<'_>, b: &CheckedBackend<'_>) -> Option<Service> {
    let mut s = service::write(b)?;
    // Where the route's `backendRefs` look for it.
    s.metadata.namespace = route_namespace(c.spec, b.spec).map(str::to_owned);
    if let Some(w) = c
        .spec
        .gateway_api
        .in_mesh
        .as_ref()
        .and_then(|m| m.waypoint.as_ref())
        .filter(|w| w.label_services)
    {
        s.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert(USE_WAYPOINT.to_owned(), w.name.clone());
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::gep2257;
    use std::time::Duration as D;

    #[test]
    fn durations_are_written_as_gep_2257() {
        assert_eq!(gep2257(D::from_millis(1500)).as_deref(), Some("1s500ms"));
        assert_eq!(gep2257(D::from_secs(60)).as_deref(), Some("1m"));
        assert_eq!(gep2257(D::from_secs(3723)).as_deref(), Some("1h2m3s"));
        assert_eq!(gep2257(D::from_millis(1)).as_deref(), Some("1ms"));
        assert_eq!(
            gep2257(D::from_secs(99_999 * 3600)).as_deref(),
            Some("99999h")
        );
        assert_eq!(gep2257(D::from_secs(100_000 * 3600)), None);
    }
}

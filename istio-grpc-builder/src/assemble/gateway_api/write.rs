//! The Gateway API objects as JSON (the output model): Gateway, Secret, ReferenceGrant,
//! GRPCRoutes, waypoints; and the backends' Services, typed.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Service;
use serde_json::{Map, Value, json};

use super::super::check::{Checked, CheckedBackend};
use super::super::{secret, service};
use super::GROUP;
use super::refuse::{USE_WAYPOINT, route_namespace, secret_namespace};
use crate::route::Target;

/// A GRPCRoute takes at most 128 matches in all and 64 per rule (v1.6.1 CRD).
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
        out.extend(grpc_routes(c, b, false));
    }
    if c.spec.gateway_api.in_mesh.is_some() {
        for b in &c.backends {
            out.extend(grpc_routes(c, b, true));
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
/// serves as prior-knowledge h2c), admitting GRPCRoutes from the routes' namespaces only.
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
        json!({"namespaces": namespaces, "kinds": [{"group": GROUP, "kind": "GRPCRoute"}]}),
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

/// The `method` match of a route, or `None` for every call.
fn method_match(target: &Target) -> Option<Value> {
    match target {
        Target::All => None,
        Target::Service(s) => Some(json!({"method": {"type": "Exact", "service": s}})),
        Target::Method(s, m) => {
            Some(json!({"method": {"type": "Exact", "service": s, "method": m}}))
        }
    }
}

/// The GRPCRoutes of one backend: the ingress ones (parent: the Gateway, with the hosts) or the
/// mesh ones (parent: the backend's Service). One object while the matches fit in
/// [`MATCHES_PER_ROUTE`], else `<name>`, `<name>-2`, …
fn grpc_routes(c: &Checked<'_>, b: &CheckedBackend<'_>, in_mesh: bool) -> Vec<Value> {
    let spec = c.spec;
    let bs = b.spec;
    let ns = route_namespace(spec, bs);
    let matches: Vec<Value> = b
        .routes
        .iter()
        .filter_map(|r| method_match(r.target))
        .collect();
    let catch_all = b.routes.iter().any(|r| *r.target == Target::All);
    let backend_refs = json!([{"name": bs.name, "port": bs.port}]);
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

    let mut rule_sets: Vec<Vec<Value>> = matches
        .chunks(MATCHES_PER_ROUTE)
        .map(|route| {
            route
                .chunks(MATCHES_PER_RULE)
                .map(|rule| json!({"matches": rule, "backendRefs": backend_refs}))
                .collect()
        })
        .collect();
    if catch_all {
        let rule = json!({"backendRefs": backend_refs});
        match rule_sets.last_mut() {
            Some(last) => last.push(rule),
            None => rule_sets.push(vec![rule]),
        }
    }
    let base = if in_mesh {
        format!("{}-mesh", bs.name)
    } else {
        bs.name.clone()
    };
    rule_sets
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
                "kind": "GRPCRoute",
                "metadata": meta(&name, ns),
                "spec": route_spec,
            })
        })
        .collect()
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

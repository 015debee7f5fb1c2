//! Gateway API objects (`gateway.networking.k8s.io/v1` Gateway, GRPCRoute, HTTPRoute) → the
//! Istio Gateway and VirtualServices istiod derives from them, which [`render`](crate::render)
//! then turns into Envoy configuration (`shared/gateway-api/NOTES.md` §3; `ISTIO` =
//! `pilot/pkg/config/kube/gateway/`):
//!
//! * each listener → an Istio Gateway server (`buildListener`, `listenerProtocolToIstio`):
//!   `HTTP`, or `HTTPS` with `tls.mode: Terminate` → `SIMPLE` with the first certificateRef as
//!   `credentialName` (`buildTLS`);
//! * each route rule's match → one VirtualService `http` route (`convertGRPCRoute`,
//!   `convertHTTPRoute`), sorted by `sortHTTPRoutes`; the VirtualService carries
//!   `internal.istio.io/route-semantics: gateway`, so a prefix other than `/` becomes Envoy's
//!   `path_separated_prefix` (`route/route.go` `TranslateRouteMatch`);
//! * GRPCRoute methods through `createGRPCURIMatch`, headers through `createGRPCHeadersMatch`;
//! * no timeout on a GRPCRoute (the route gets `timeout: 0s` and `max_grpc_timeout: 0s`) and
//!   the mesh default retry policy: nothing in a GRPCRoute sets either; an HTTPRoute's
//!   `timeouts.request` becomes the route timeout.
//!
//! Anything else (filters, `retry`, `sessionPersistence`, TLS passthrough, route namespaces
//! chosen by selector, non-Service backends) is a [`RenderError::Unsupported`] naming the field.

use std::collections::BTreeMap;

use istio_grpc_types::Object;
use serde_json::{Map, Value, json};

use crate::RenderError;

const GROUP: &str = "gateway.networking.k8s.io";

/// The annotation istiod puts on the VirtualServices it converts from Gateway API routes.
pub const ROUTE_SEMANTICS: &str = "internal.istio.io/route-semantics";

/// Replaces the Gateway API objects in `objects` by the Istio Gateway and VirtualServices
/// istiod derives from them; other objects (Services, DestinationRules, …) pass through.
///
/// # Errors
/// A [`RenderError`] naming the object and field that cannot be converted.
pub fn to_istio(objects: &[Object]) -> Result<Vec<Object>, RenderError> {
    let mut out = Vec::new();
    let mut gateways = Vec::new();
    let mut routes = Vec::new();
    for o in objects {
        if o.group() != GROUP {
            out.push(o.clone());
            continue;
        }
        // Typed by `istio_grpc_types` (what the builder writes and what the YAML reader gives)
        // or kept as written: both are read through their JSON, so both ways convert alike.
        let json = match o.to_json() {
            Ok(Value::Object(m)) => m,
            Ok(_) | Err(_) => {
                return Err(invalid(
                    &format!("{} {}", o.kind(), o.name().unwrap_or("")),
                    "",
                    "the object does not serialize to a JSON mapping",
                ));
            }
        };
        match json.get("kind").and_then(Value::as_str) {
            Some("Gateway") => gateways.push(json),
            Some("GRPCRoute" | "HTTPRoute") => routes.push(json),
            Some("ReferenceGrant") => {} // checked by istiod; the local rendering trusts the refs
            _ => {
                return Err(RenderError::Unsupported {
                    object: ident(&json),
                    path: "kind".into(),
                    what: "only Gateway, GRPCRoute, HTTPRoute and ReferenceGrant are converted"
                        .into(),
                });
            }
        }
    }
    let mut listeners = Vec::new();
    for gw in &gateways {
        let (istio, ls) = gateway(gw)?;
        out.extend(istio);
        listeners.extend(ls);
    }
    for r in &routes {
        out.extend(route(r, &listeners)?);
    }
    Ok(out)
}

fn meta_str<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    o.get("metadata")?.get(key)?.as_str()
}

fn ident(o: &Map<String, Value>) -> String {
    format!(
        "{} {}",
        o.get("kind").and_then(Value::as_str).unwrap_or("?"),
        meta_str(o, "name").unwrap_or("")
    )
}

/// Refuses keys the conversion does not read, so that none is dropped silently.
fn only(v: &Value, object: &str, path: &str, known: &[&str]) -> Result<(), RenderError> {
    if let Some(m) = v.as_object() {
        for k in m.keys() {
            if !known.contains(&k.as_str()) {
                return Err(RenderError::Unsupported {
                    object: object.to_owned(),
                    path: format!("{path}.{k}"),
                    what: format!("`{k}` is not converted (known here: {})", known.join(", ")),
                });
            }
        }
    }
    Ok(())
}

fn invalid(object: &str, path: &str, message: &str) -> RenderError {
    RenderError::Invalid {
        object: object.to_owned(),
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

/// One Gateway API listener, as routes attach to it.
struct GwListener {
    gateway: String,
    namespace: String,
    name: String,
    port: u64,
    hostname: Option<String>,
    /// `allowedRoutes.namespaces.from: All` (else `Same`, the default).
    all_namespaces: bool,
    /// The Istio Gateway made for it.
    istio_gateway: String,
}

/// `gateway/conversion.go` `convertGateways` / `buildListener`: one Istio Gateway per listener,
/// named `<gateway>-istio-autogenerated-k8s-gateway-<listener>` as istiod names them.
fn gateway(gw: &Map<String, Value>) -> Result<(Vec<Object>, Vec<GwListener>), RenderError> {
    let object = ident(gw);
    let name = meta_str(gw, "name").unwrap_or_default().to_owned();
    let ns = meta_str(gw, "namespace").unwrap_or("default").to_owned();
    let spec = gw.get("spec").cloned().unwrap_or(Value::Null);
    only(
        &spec,
        &object,
        "spec",
        &[
            "gatewayClassName",
            "listeners",
            "infrastructure",
            "addresses",
        ],
    )?;
    if spec.get("addresses").is_some() {
        return Err(RenderError::Unsupported {
            object,
            path: "spec.addresses".into(),
            what: "addresses are the cluster's; the local rendering listens on loopback".into(),
        });
    }
    let mut objects = Vec::new();
    let mut listeners = Vec::new();
    for (i, l) in spec["listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = format!("spec.listeners[{i}]");
        only(
            l,
            &object,
            &path,
            &[
                "name",
                "hostname",
                "port",
                "protocol",
                "tls",
                "allowedRoutes",
            ],
        )?;
        let lname = l["name"]
            .as_str()
            .ok_or_else(|| invalid(&object, &path, "a listener needs a name"))?;
        let port = l["port"]
            .as_u64()
            .ok_or_else(|| invalid(&object, &format!("{path}.port"), "missing"))?;
        let hostname = l["hostname"].as_str().map(str::to_owned);
        let protocol = l["protocol"].as_str().unwrap_or("");
        let mut server = json!({
            "port": {"number": port, "name": lname, "protocol": protocol},
            "hosts": [hostname.clone().unwrap_or_else(|| "*".into())],
        });
        match protocol {
            "HTTP" => {}
            "HTTPS" => {
                let tls = &l["tls"];
                only(
                    tls,
                    &object,
                    &format!("{path}.tls"),
                    &["mode", "certificateRefs"],
                )?;
                if tls["mode"].as_str().unwrap_or("Terminate") != "Terminate" {
                    return Err(RenderError::Unsupported {
                        object,
                        path: format!("{path}.tls.mode"),
                        what: "only Terminate".into(),
                    });
                }
                let cert = tls["certificateRefs"][0]["name"].as_str().ok_or_else(|| {
                    invalid(
                        &object,
                        &format!("{path}.tls.certificateRefs"),
                        "HTTPS needs a certificateRef (istiod skips the listener without one)",
                    )
                })?;
                server["tls"] = json!({"mode": "SIMPLE", "credentialName": cert});
            }
            other => {
                return Err(RenderError::Unsupported {
                    object,
                    path: format!("{path}.protocol"),
                    what: format!(
                        "{other:?}: only HTTP and HTTPS listeners carry GRPCRoutes and HTTPRoutes"
                    ),
                });
            }
        }
        let allowed = &l["allowedRoutes"];
        only(
            allowed,
            &object,
            &format!("{path}.allowedRoutes"),
            &["namespaces", "kinds"],
        )?;
        let all_namespaces = match allowed["namespaces"]["from"].as_str() {
            None | Some("Same") => false,
            Some("All") => true,
            Some(other) => {
                return Err(RenderError::Unsupported {
                    object,
                    path: format!("{path}.allowedRoutes.namespaces.from"),
                    what: format!("{other:?} (only Same and All)"),
                });
            }
        };
        let istio_gateway = format!("{name}-istio-autogenerated-k8s-gateway-{lname}");
        let istio = json!({
            "apiVersion": "networking.istio.io/v1",
            "kind": "Gateway",
            "metadata": {"name": istio_gateway, "namespace": ns},
            "spec": {
                "selector": {"gateway.networking.k8s.io/gateway-name": name},
                "servers": [server],
            },
        });
        objects.push(to_object(istio, &object)?);
        listeners.push(GwListener {
            gateway: name.clone(),
            namespace: ns.clone(),
            name: lname.to_owned(),
            port,
            hostname,
            all_namespaces,
            istio_gateway,
        });
    }
    Ok((objects, listeners))
}

fn to_object(v: Value, object: &str) -> Result<Object, RenderError> {
    serde_json::from_value(v).map_err(|e| invalid(object, "(converted)", &e.to_string()))
}

/// `convertGRPCRoute` / `convertHTTPRoute` + `sortHTTPRoutes`: one VirtualService per route and
/// parent listener, its routes one per match.
fn route(r: &Map<String, Value>, listeners: &[GwListener]) -> Result<Vec<Object>, RenderError> {
    let object = ident(r);
    let grpc = r.get("kind").and_then(Value::as_str) == Some("GRPCRoute");
    let name = meta_str(r, "name").unwrap_or_default();
    let ns = meta_str(r, "namespace").unwrap_or("default");
    let spec = r.get("spec").cloned().unwrap_or(Value::Null);
    only(
        &spec,
        &object,
        "spec",
        &["parentRefs", "hostnames", "rules"],
    )?;
    let mut http = Vec::new();
    for (i, rule) in spec["rules"].as_array().into_iter().flatten().enumerate() {
        let path = format!("spec.rules[{i}]");
        let known: &[&str] = if grpc {
            &["name", "matches", "backendRefs"]
        } else {
            &["name", "matches", "backendRefs", "timeouts"]
        };
        only(rule, &object, &path, known)?;
        let destinations = backends(rule, ns, &object, &path)?;
        let timeout = if grpc {
            None
        } else {
            only(
                &rule["timeouts"],
                &object,
                &format!("{path}.timeouts"),
                &["request"],
            )?;
            // `convertHTTPRoute`: `0s` leaves it unset.
            rule["timeouts"]["request"]
                .as_str()
                .filter(|t| *t != "0s")
                .map(str::to_owned)
        };
        let rule_name = rule["name"]
            .as_str()
            .map_or_else(|| format!("{ns}.{name}.{i}"), str::to_owned);
        let matches: Vec<Value> = rule["matches"].as_array().cloned().unwrap_or_default();
        let matches = if matches.is_empty() {
            vec![Value::Null]
        } else {
            matches
        };
        for (j, m) in matches.iter().enumerate() {
            let mpath = format!("{path}.matches[{j}]");
            let mut out = json!({"name": rule_name, "route": destinations});
            if let Some(t) = &timeout {
                out["timeout"] = json!(t);
            }
            let matched = if grpc {
                grpc_match(m, &object, &mpath)?
            } else {
                http_match(m, &object, &mpath)?
            };
            if let Some(matched) = matched {
                out["match"] = json!([matched]);
            }
            http.push(out);
        }
    }
    sort_http_routes(&mut http);
    let hostnames: Vec<String> = spec["hostnames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str().map(str::to_owned))
        .collect();
    let mut out = Vec::new();
    for (p, parent) in spec["parentRefs"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ppath = format!("spec.parentRefs[{p}]");
        only(
            parent,
            &object,
            &ppath,
            &["group", "kind", "namespace", "name", "sectionName", "port"],
        )?;
        if parent["kind"].as_str().unwrap_or("Gateway") != "Gateway" {
            return Err(RenderError::Unsupported {
                object,
                path: format!("{ppath}.kind"),
                what: "mesh (GAMMA) parents: the local rendering is a gateway".into(),
            });
        }
        let pname = parent["name"].as_str().unwrap_or_default();
        let pns = parent["namespace"].as_str().unwrap_or(ns);
        let attached: Vec<&GwListener> = listeners
            .iter()
            .filter(|l| l.gateway == pname && l.namespace == pns)
            .filter(|l| parent["sectionName"].as_str().is_none_or(|s| s == l.name))
            .filter(|l| parent["port"].as_u64().is_none_or(|p| p == l.port))
            .filter(|l| l.all_namespaces || l.namespace == ns)
            .collect();
        for l in attached {
            // Hosts: the route's hostnames, else the listener's, else `*`.
            let hosts = if hostnames.is_empty() {
                vec![l.hostname.clone().unwrap_or_else(|| "*".into())]
            } else {
                hostnames.clone()
            };
            let vs_name = format!("{name}-{p}-{}-gateway", l.name);
            let mut meta = json!({
                "name": vs_name,
                "namespace": ns,
                "annotations": {ROUTE_SEMANTICS: "gateway"},
            });
            if let Some(t) = r.get("metadata").and_then(|m| m.get("creationTimestamp")) {
                meta["creationTimestamp"] = t.clone();
            }
            let vs = json!({
                "apiVersion": "networking.istio.io/v1",
                "kind": "VirtualService",
                "metadata": meta,
                "spec": {
                    "hosts": hosts,
                    "gateways": [format!("{}/{}", l.namespace, l.istio_gateway)],
                    "http": http,
                },
            });
            out.push(to_object(vs, &object)?);
        }
    }
    Ok(out)
}

/// `buildDestination`: a Service backend → `<name>.<ns>.svc.cluster.local`, port required.
fn backends(rule: &Value, ns: &str, object: &str, path: &str) -> Result<Value, RenderError> {
    let mut out = Vec::new();
    for (k, b) in rule["backendRefs"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let bpath = format!("{path}.backendRefs[{k}]");
        only(
            b,
            object,
            &bpath,
            &["group", "kind", "name", "namespace", "port", "weight"],
        )?;
        if b["kind"].as_str().unwrap_or("Service") != "Service"
            || !b["group"].as_str().unwrap_or("").is_empty()
        {
            return Err(RenderError::Unsupported {
                object: object.to_owned(),
                path: format!("{bpath}.kind"),
                what: "only core Service backends".into(),
            });
        }
        let name = b["name"].as_str().unwrap_or_default();
        if name.contains('.') {
            return Err(invalid(
                object,
                &format!("{bpath}.name"),
                "a Service name has no dots",
            ));
        }
        let port = b["port"].as_u64().ok_or_else(|| {
            invalid(
                object,
                &format!("{bpath}.port"),
                "port is required in backendRef",
            )
        })?;
        let bns = b["namespace"].as_str().unwrap_or(ns);
        let mut d = json!({"destination": {"host": format!("{name}.{bns}.svc.cluster.local"), "port": {"number": port}}});
        if let Some(w) = b["weight"].as_u64() {
            d["weight"] = json!(w);
        }
        out.push(d);
    }
    if out.is_empty() {
        return Err(RenderError::Unsupported {
            object: object.to_owned(),
            path: format!("{path}.backendRefs"),
            what: "a rule without backends (istiod answers 500)".into(),
        });
    }
    Ok(Value::Array(out))
}

/// `createGRPCURIMatch` + `createGRPCHeadersMatch`.
fn grpc_match(m: &Value, object: &str, path: &str) -> Result<Option<Value>, RenderError> {
    if m.is_null() {
        return Ok(None);
    }
    only(m, object, path, &["method", "headers"])?;
    let mut out = Map::new();
    let method = &m["method"];
    if !method.is_null() {
        only(
            method,
            object,
            &format!("{path}.method"),
            &["type", "service", "method"],
        )?;
        let exact = method["type"].as_str().unwrap_or("Exact") == "Exact";
        let uri = match (method["service"].as_str(), method["method"].as_str(), exact) {
            (Some(s), None, true) => json!({"prefix": format!("/{s}/")}),
            (None, Some(me), _) => json!({"regex": format!("/[^/]+/{me}")}),
            (Some(s), Some(me), true) => json!({"exact": format!("/{s}/{me}")}),
            (Some(s), None, false) => json!({"regex": format!("/{s}/.+")}),
            (Some(s), Some(me), false) => json!({"regex": format!("/{s}/{me}")}),
            (None, None, _) => Value::Null,
        };
        if !uri.is_null() {
            out.insert("uri".into(), uri);
        }
    }
    headers(m, object, path, &mut out)?;
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// `convertHTTPRoute` → `createURIMatch` (path) and the header matches.
fn http_match(m: &Value, object: &str, path: &str) -> Result<Option<Value>, RenderError> {
    if m.is_null() {
        return Ok(None);
    }
    only(m, object, path, &["path", "headers"])?;
    let mut out = Map::new();
    let p = &m["path"];
    if !p.is_null() {
        only(p, object, &format!("{path}.path"), &["type", "value"])?;
        let value = p["value"].as_str().unwrap_or("/");
        let uri = match p["type"].as_str().unwrap_or("PathPrefix") {
            "PathPrefix" => json!({"prefix": value}),
            "Exact" => json!({"exact": value}),
            "RegularExpression" => json!({"regex": value}),
            other => {
                return Err(invalid(
                    object,
                    &format!("{path}.path.type"),
                    &format!("unknown type {other:?}"),
                ));
            }
        };
        out.insert("uri".into(), uri);
    }
    headers(m, object, path, &mut out)?;
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

fn headers(
    m: &Value,
    object: &str,
    path: &str,
    out: &mut Map<String, Value>,
) -> Result<(), RenderError> {
    let mut hs = BTreeMap::new();
    for (k, h) in m["headers"].as_array().into_iter().flatten().enumerate() {
        let hpath = format!("{path}.headers[{k}]");
        only(h, object, &hpath, &["type", "name", "value"])?;
        let name = h["name"].as_str().unwrap_or_default().to_ascii_lowercase();
        let value = h["value"].as_str().unwrap_or_default();
        let sm = match h["type"].as_str().unwrap_or("Exact") {
            "Exact" => json!({"exact": value}),
            "RegularExpression" => json!({"regex": value}),
            other => {
                return Err(invalid(
                    object,
                    &format!("{hpath}.type"),
                    &format!("unknown type {other:?}"),
                ));
            }
        };
        hs.insert(name, sm);
    }
    if !hs.is_empty() {
        out.insert("headers".into(), json!(hs));
    }
    Ok(())
}

/// `conversion.go` `sortHTTPRoutes`: routes without a match last; then exact before prefix
/// before regex, longer URIs first, method matches, more header matches (stable).
fn sort_http_routes(routes: &mut [Value]) {
    fn key(r: &Value) -> (bool, i32, i64, i64) {
        let m = &r["match"][0];
        if m.is_null() {
            return (true, 0, 0, 0);
        }
        let (rank, len) = match m["uri"].as_object().and_then(|u| u.iter().next()) {
            Some((k, v)) => (
                match k.as_str() {
                    "exact" => 3,
                    "prefix" => 2,
                    _ => 1,
                },
                v.as_str().map_or(0, str::len) as i64,
            ),
            None => (0, 0),
        };
        let headers = m["headers"].as_object().map_or(0, Map::len) as i64;
        (false, -rank, -len, -headers)
    }
    routes.sort_by_key(key);
}

//! The VirtualServices: every backend's routes, most specific first, so that no route hides
//! another (Istio keeps the order of a VirtualService's `http` routes), split over several
//! VirtualServices when one would come near Kubernetes' size limits (see [`write`]).

use std::collections::HashMap;

use istio_grpc_types::VirtualService;
use istio_grpc_types::virtual_service::{
    Destination, HttpMatchRequest, HttpRoute, HttpRouteDestination, PortSelector,
    VirtualServiceSpec,
};

use super::check::{Checked, CheckedBackend, CheckedRoute};
use crate::limits;
use crate::route::{HEALTH_SERVICE, Target};
use crate::spec::BackendSpec;

/// Sort rank: methods (exact paths), services (prefixes), health, then the catch-all.
pub(super) fn rank(target: &Target) -> u8 {
    match target {
        Target::Method(..) => 0,
        Target::Service(s) if s == HEALTH_SERVICE => 2,
        Target::Service(_) => 1,
        Target::All => 3,
    }
}

/// Where a route sends its calls: the backend's Service, or, when it splits
/// ([`CheckedBackend::splits`]), every Service with its share as `weight` (they sum to 100, so
/// Istio takes them as they are).
fn destinations(b: &CheckedBackend<'_>) -> Vec<HttpRouteDestination> {
    let one = |spec: &BackendSpec, weight: Option<u8>| HttpRouteDestination {
        destination: Some(Destination {
            host: Some(spec.host()),
            port: Some(PortSelector {
                number: Some(u32::from(spec.port)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        weight: weight.map(i32::from),
        ..Default::default()
    };
    if b.splits.is_empty() {
        return vec![one(b.spec, None)];
    }
    std::iter::once(one(b.spec, Some(b.own_percent())))
        .chain(b.splits.iter().map(|s| one(&s.spec, Some(s.percent))))
        .collect()
}

fn http_route(b: &CheckedBackend<'_>, r: &CheckedRoute<'_>) -> HttpRoute {
    HttpRoute {
        match_: r.target.uri_match().map(|uri| {
            vec![HttpMatchRequest {
                uri: Some(uri),
                ..Default::default()
            }]
        }),
        route: Some(destinations(b)),
        timeout: r.timeout,
        retries: r.retries.clone(),
        cors_policy: b.cors.clone(),
        ..Default::default()
    }
}

/// Every route of every backend, most specific first (stable within a rank).
pub(super) fn routes<'a>(c: &Checked<'a>) -> Vec<(&'a Target, HttpRoute)> {
    let mut routes: Vec<(u8, usize, &Target, HttpRoute)> = Vec::new();
    for b in &c.backends {
        for r in &b.routes {
            routes.push((rank(r.target), routes.len(), r.target, http_route(b, r)));
        }
    }
    routes.sort_by_key(|(rank, order, _, _)| (*rank, *order));
    routes.into_iter().map(|(_, _, t, r)| (t, r)).collect()
}

/// Room a VirtualService takes besides its routes (metadata, hosts, gateways), generously.
const OVERHEAD_BYTES: usize = 1024;

/// The VirtualServices for the gateway's hosts: one, named as configured, while its routes fit
/// in [`limits::VIRTUAL_SERVICE_TARGET_BYTES`]; otherwise several, `<name>`, `<name>-2`, …
///
/// Istio merges the VirtualServices bound to one gateway host: their routes are appended in
/// the VirtualServices' creation order, which is not under the builder's control, and
/// catch-all routes are moved to the end (`SortVHostRoutes` in Istio's
/// `pilot/pkg/networking/core/route/route.go`). So a split keeps together, in order, the routes
/// whose relative order matters: every route of one gRPC service (method routes before the
/// service's prefix) lives in one VirtualService. Routes of different services never overlap
/// (prefixes end in `/`), and the one catch-all the builder allows comes last, in the last
/// VirtualService.
pub(super) fn write(c: &Checked<'_>) -> Vec<VirtualService> {
    let routes = routes(c);
    let name = &c.spec.virtual_service;
    let sizes: Vec<usize> = routes.iter().map(|(_, r)| r.json_len() + 1).collect();
    if OVERHEAD_BYTES + sizes.iter().sum::<usize>() <= limits::VIRTUAL_SERVICE_TARGET_BYTES {
        return vec![one(
            c,
            name.clone(),
            routes.into_iter().map(|(_, r)| r).collect(),
        )];
    }
    // Routes grouped by gRPC service, groups in order of their first (most specific) route.
    let mut group_of: HashMap<Option<&str>, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, (target, _)) in routes.iter().enumerate() {
        let key = match target {
            Target::All => None,
            Target::Service(s) | Target::Method(s, _) => Some(s.as_str()),
        };
        let g = *group_of.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    let mut routes: Vec<Option<HttpRoute>> = routes.into_iter().map(|(_, r)| Some(r)).collect();
    let mut out = Vec::new();
    let mut current: Vec<HttpRoute> = Vec::new();
    let mut size = OVERHEAD_BYTES;
    let flush = |current: &mut Vec<HttpRoute>, out: &mut Vec<VirtualService>| {
        let n = out.len() + 1;
        let vs_name = if n == 1 {
            name.clone()
        } else {
            format!("{name}-{n}")
        };
        out.push(one(c, vs_name, std::mem::take(current)));
    };
    for group in groups {
        let group_size: usize = group.iter().map(|&i| sizes[i]).sum();
        if !current.is_empty() && size + group_size > limits::VIRTUAL_SERVICE_TARGET_BYTES {
            flush(&mut current, &mut out);
            size = OVERHEAD_BYTES;
        }
        size += group_size;
        current.extend(group.iter().filter_map(|&i| routes[i].take()));
    }
    if !current.is_empty() {
        flush(&mut current, &mut out);
    }
    out
}

fn one(c: &Checked<'_>, name: String, http: Vec<HttpRoute>) -> VirtualService {
    let mut vs = VirtualService::new(
        name,
        VirtualServiceSpec {
            hosts: Some(c.spec.hosts.clone()),
            gateways: Some(vec![c.spec.gateway.clone()]),
            http: Some(http),
            ..Default::default()
        },
    );
    vs.metadata.namespace = c.spec.namespace.clone();
    vs
}

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
        cors_policy: b.cors.as_deref().cloned(),
        ..Default::default()
    }
}

/// Where a route is in the checked spec: its backend's index and its index among the
/// backend's routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RouteAt {
    backend: usize,
    route: usize,
}

/// Every route of every backend, most specific first (stable within a rank).
fn order<'a>(c: &Checked<'a>) -> Vec<(RouteAt, &'a Target)> {
    let mut routes: Vec<(u8, RouteAt, &Target)> = Vec::new();
    for (bi, b) in c.backends.iter().enumerate() {
        for (ri, r) in b.routes.iter().enumerate() {
            let at = RouteAt {
                backend: bi,
                route: ri,
            };
            routes.push((rank(r.target), at, r.target));
        }
    }
    // stable: the order of the backends and their routes within a rank
    routes.sort_by_key(|(rank, _, _)| *rank);
    routes.into_iter().map(|(_, at, t)| (at, t)).collect()
}

/// The route at `at`, written.
fn route_at(c: &Checked<'_>, at: RouteAt) -> HttpRoute {
    let b = &c.backends[at.backend];
    http_route(b, &b.routes[at.route])
}

/// Room a VirtualService takes besides its routes (metadata, hosts, gateways), generously.
const OVERHEAD_BYTES: usize = 1024;

/// The routes of each VirtualService, in order: one, named as configured, while its routes fit
/// in [`limits::VIRTUAL_SERVICE_TARGET_BYTES`]; otherwise several, `<name>`, `<name>-2`, …
/// ([`write`] names them). Each route is written once to measure it, and dropped.
///
/// Istio merges the VirtualServices bound to one gateway host: their routes are appended in
/// the VirtualServices' creation order, which is not under the builder's control, and
/// catch-all routes are moved to the end (`SortVHostRoutes` in Istio's
/// `pilot/pkg/networking/core/route/route.go`). So a split keeps together, in order, the routes
/// whose relative order matters: every route of one gRPC service (method routes before the
/// service's prefix) lives in one VirtualService. Routes of different services never overlap
/// (prefixes end in `/`), and the one catch-all the builder allows comes last, in the last
/// VirtualService.
pub(super) fn plan(c: &Checked<'_>) -> Vec<Vec<RouteAt>> {
    let routes = order(c);
    let sizes: Vec<usize> = routes
        .iter()
        .map(|&(at, _)| route_at(c, at).json_len() + 1)
        .collect();
    if OVERHEAD_BYTES + sizes.iter().sum::<usize>() <= limits::VIRTUAL_SERVICE_TARGET_BYTES {
        return vec![routes.into_iter().map(|(at, _)| at).collect()];
    }
    // Routes grouped by gRPC service, groups in order of their first (most specific) route.
    let mut group_of: HashMap<Option<&str>, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, (_, target)) in routes.iter().enumerate() {
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
    let mut out: Vec<Vec<RouteAt>> = Vec::new();
    let mut current: Vec<RouteAt> = Vec::new();
    let mut size = OVERHEAD_BYTES;
    for group in groups {
        let group_size: usize = group.iter().map(|&i| sizes[i]).sum();
        if !current.is_empty() && size + group_size > limits::VIRTUAL_SERVICE_TARGET_BYTES {
            out.push(std::mem::take(&mut current));
            size = OVERHEAD_BYTES;
        }
        size += group_size;
        current.extend(group.iter().map(|&i| routes[i].0));
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Writes the VirtualServices of `plan` ([`plan`]), one at a time: each is handed to `each`
/// before the next is built.
pub(super) fn write<E>(
    c: &Checked<'_>,
    plan: &[Vec<RouteAt>],
    mut each: impl FnMut(VirtualService) -> Result<(), E>,
) -> Result<(), E> {
    let name = &c.spec.virtual_service;
    for (i, routes) in plan.iter().enumerate() {
        let vs_name = if i == 0 {
            name.clone()
        } else {
            format!("{name}-{}", i + 1)
        };
        let http = routes.iter().map(|&at| route_at(c, at)).collect();
        each(one(c, vs_name, http))?;
    }
    Ok(())
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

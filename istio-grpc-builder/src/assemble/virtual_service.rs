//! The VirtualService: every backend's routes, most specific first, so that no route hides
//! another (Istio keeps the order of a VirtualService's `http` routes).

use istio_grpc_types::VirtualService;
use istio_grpc_types::virtual_service::{
    Destination, HttpMatchRequest, HttpRoute, HttpRouteDestination, PortSelector,
    VirtualServiceSpec,
};

use super::check::{Checked, CheckedBackend, CheckedRoute};
use crate::route::{HEALTH_SERVICE, Target};

/// Sort rank: methods (exact paths), services (prefixes), health, then the catch-all.
fn rank(target: &Target) -> u8 {
    match target {
        Target::Method(..) => 0,
        Target::Service(s) if s == HEALTH_SERVICE => 2,
        Target::Service(_) => 1,
        Target::All => 3,
    }
}

fn http_route(b: &CheckedBackend<'_>, r: &CheckedRoute<'_>) -> HttpRoute {
    HttpRoute {
        match_: r.target.uri_match().map(|uri| {
            vec![HttpMatchRequest {
                uri: Some(uri),
                ..Default::default()
            }]
        }),
        route: Some(vec![HttpRouteDestination {
            destination: Some(Destination {
                host: Some(b.spec.host()),
                port: Some(PortSelector {
                    number: Some(u32::from(b.spec.port)),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }]),
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

pub(super) fn write(c: &Checked<'_>) -> Vec<VirtualService> {
    let http: Vec<HttpRoute> = routes(c).into_iter().map(|(_, r)| r).collect();
    vec![one(c, c.spec.virtual_service.clone(), http)]
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

//! The checks, one file each. Each reads the [`Model`] and pushes diagnostics.

pub(crate) mod backend_protocol;
pub(crate) mod ca_certificates;
pub(crate) mod catch_all;
pub(crate) mod conditions;
pub(crate) mod crd_schema;
pub(crate) mod credentials;
pub(crate) mod deployment_services;
pub(crate) mod deprecation;
pub(crate) mod destination_hosts;
pub(crate) mod dup_matches;
pub(crate) mod envoy_filter_patches;
pub(crate) mod gateway_api;
pub(crate) mod gateway_binding;
pub(crate) mod gateway_certs;
pub(crate) mod gateway_conflicts;
pub(crate) mod gateway_ports;
pub(crate) mod grpc_web;
pub(crate) mod ingress_subsets;
pub(crate) mod mesh_hosts;
pub(crate) mod outlier;
pub(crate) mod peer_auth_ports;
pub(crate) mod port_names;
pub(crate) mod prefixes;
pub(crate) mod proxyless;
pub(crate) mod retries;
pub(crate) mod service_entry_addresses;
pub(crate) mod shadowing;
pub(crate) mod sidecar_selector;
pub(crate) mod subsets;
pub(crate) mod timeouts;

use istio_grpc_types::DestinationRule;
use istio_grpc_types::destination_rule::TrafficPolicy;
use istio_grpc_types::virtual_service::{HttpMatchRequest, HttpRoute};
use istio_grpc_types::{StringMatch, grpc};

use std::collections::BTreeSet;

use crate::lean;
use crate::model::{Head, Model};
use crate::protocol::PortProtocol;

/// The gRPC service a uri names (`/<package>.<Service>[/[<Method>]]`, by the one shared rule,
/// [`istio_grpc_types::grpc::split_path`]) when the analyzer takes it for gRPC: a service the
/// caller declared (a descriptor set), or a name shaped the way protobuf's style guide spells
/// services, with a package and a capitalised last part (`mypackage.UserService`). A bare
/// `/Greeter` is only taken for gRPC when declared: too many REST paths look like it.
pub(crate) fn grpc_service<'p>(grpc_services: &BTreeSet<String>, path: &'p str) -> Option<&'p str> {
    let (service, _) = grpc::split_path(path)?;
    let styled = service
        .rsplit_once('.')
        .is_some_and(|(_, last)| last.starts_with(|c: char| c.is_ascii_uppercase()));
    (styled || grpc_services.contains(service)).then_some(service)
}

/// A DestinationRule's traffic policies with their paths: the top-level one, then each
/// subset's.
pub(crate) fn traffic_policies(dr: &DestinationRule) -> Vec<(String, &TrafficPolicy)> {
    let mut policies: Vec<(String, &TrafficPolicy)> = Vec::new();
    if let Some(p) = &dr.spec.traffic_policy {
        policies.push(("spec.trafficPolicy".into(), p));
    }
    for (i, s) in dr.spec.subsets.iter().flatten().enumerate() {
        if let Some(p) = &s.traffic_policy {
            policies.push((format!("spec.subsets[{i}].trafficPolicy"), p));
        }
    }
    policies
}

/// The uri prefix or exact value of a match, if it is a plain string match.
pub(crate) fn uri_of(m: &HttpMatchRequest) -> Option<&StringMatch> {
    m.uri.as_ref()
}

/// For a match that constrains only the uri (nothing else narrows it), the uri match (`None`:
/// every request); `None` for a match that also looks at headers, method, port, ….
/// A route whose match is uri-only takes every request that uri matches.
pub(crate) fn uri_only(m: &HttpMatchRequest) -> Option<Option<&StringMatch>> {
    let only_uri = HttpMatchRequest {
        uri: m.uri.clone(),
        name: m.name.clone(),
        ..Default::default()
    };
    (only_uri == *m).then_some(m.uri.as_ref())
}

/// Whether a match selects gRPC-Web requests (`content-type: application/grpc-web…`).
pub(crate) fn is_grpc_web_match(m: &HttpMatchRequest) -> bool {
    m.headers
        .as_ref()
        .and_then(|h| h.get("content-type"))
        .and_then(StringMatch::value)
        .is_some_and(|v| v.starts_with("application/grpc-web"))
}

/// Whether a route's own matches say it carries gRPC: a match on a gRPC path (see
/// [`grpc_service`]) or on `content-type: application/grpc…`.
pub(crate) fn grpc_match(grpc_services: &BTreeSet<String>, route: &HttpRoute) -> bool {
    let matches = route.match_.as_deref().unwrap_or_default();
    matches.iter().any(|m| {
        uri_of(m)
            .and_then(StringMatch::value)
            .is_some_and(|p| grpc_service(grpc_services, p).is_some())
    }) || matches.iter().any(|m| {
        m.headers
            .as_ref()
            .and_then(|h| h.get("content-type"))
            .and_then(StringMatch::value)
            .is_some_and(|v| v.starts_with("application/grpc"))
    })
}

/// Whether a route carries gRPC. Signals, any of which is enough: its own matches
/// ([`grpc_match`]); a destination Service port or a bound Gateway server declared gRPC; or
/// "grpc" in the destination host, the VirtualService's name or a bound Gateway's name (as in
/// `grpc-service`, `grpc-gateway`).
pub(crate) fn route_is_grpc(
    model: &Model,
    manifest: &Head,
    vs: &lean::VirtualService,
    route: &lean::HttpRoute,
) -> bool {
    if route.grpc_match {
        return true;
    }
    let ns = manifest.namespace();
    if manifest.name().contains("grpc") {
        return true;
    }
    for gw in &vs.gateways {
        if gw.contains("grpc") {
            return true;
        }
        if let Some((_, g)) = model.gateway(gw, ns) {
            let grpc_server = g
                .spec
                .servers
                .iter()
                .flatten()
                .filter_map(|s| s.port.as_ref()?.protocol.as_deref())
                .any(|p| p.eq_ignore_ascii_case("GRPC") || p.eq_ignore_ascii_case("GRPC-WEB"));
            if grpc_server {
                return true;
            }
        }
    }
    for dest in route.route.iter().flatten() {
        let host = dest.host.as_deref().unwrap_or("");
        if host.contains("grpc") {
            return true;
        }
        if let Some((_, svc)) = model.service_for_host(host, ns) {
            let declared = svc.ports.iter().any(|p| {
                matches!(
                    PortProtocol::select(
                        p.name.as_deref(),
                        p.app_protocol.as_deref(),
                        p.protocol.as_deref()
                    ),
                    PortProtocol::Grpc | PortProtocol::GrpcWeb
                )
            });
            if declared {
                return true;
            }
        }
    }
    false
}

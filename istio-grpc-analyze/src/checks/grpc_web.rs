//! GRPC007: a gRPC-Web route (matched on `content-type: application/grpc-web…`) with neither an
//! EnvoyFilter that inserts `envoy.filters.http.grpc_web` nor a GRPC-Web port (REFERENCE §g);
//! GRPC008: its CORS policy does not expose `grpc-status` and `grpc-message`.

use istio_grpc_types::envoy_filter::{ApplyTo, PatchContext};

use istio_grpc_types::VirtualService;

use crate::Manifest;
use crate::checks::is_grpc_web_match;
use crate::model::{Model, diagnostic};
use crate::protocol::PortProtocol;
use crate::{Diagnostic, codes};

const FILTER: &str = "envoy.filters.http.grpc_web";

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let has_filter = model.envoy_filters.iter().any(|(_, ef)| {
        ef.spec.config_patches.iter().flatten().any(|p| {
            let http_filter = p.apply_to == Some(ApplyTo::HttpFilter);
            let context_ok = p
                .match_
                .as_ref()
                .and_then(|m| m.context)
                .is_none_or(|c| matches!(c, PatchContext::Gateway | PatchContext::Any));
            let named = p
                .patch
                .as_ref()
                .and_then(|p| p.value.as_ref())
                .and_then(|v| v.get("name"))
                .and_then(|n| n.as_str())
                == Some(FILTER);
            http_filter && context_ok && named
        })
    });
    for (manifest, vs) in &model.virtual_services {
        let ns = manifest.namespace();
        let web_port_on_gateway =
            vs.gateways
                .iter()
                .filter_map(|g| model.gateway(g, ns))
                .any(|(_, g)| {
                    g.spec
                        .servers
                        .iter()
                        .flatten()
                        .filter_map(|s| s.port.as_ref()?.protocol.as_deref())
                        .any(|p| p.eq_ignore_ascii_case("GRPC-WEB"))
                });
        for (i, route) in vs.http.iter().enumerate() {
            if !route.grpc_web_match {
                continue;
            }
            let web_port_on_service = route.route.iter().flatten().any(|d| {
                model
                    .service_for_host(d.host.as_deref().unwrap_or(""), ns)
                    .is_some_and(|(_, svc)| {
                        svc.ports.iter().any(|p| {
                            PortProtocol::select(
                                p.name.as_deref(),
                                p.app_protocol.as_deref(),
                                p.protocol.as_deref(),
                            ) == PortProtocol::GrpcWeb
                        })
                    })
            });
            if !has_filter && !web_port_on_gateway && !web_port_on_service {
                out.push(diagnostic(
                    manifest,
                    codes::GRPC_WEB_NOT_ENABLED,
                    format!("spec.http[{i}].match"),
                    "this route takes gRPC-Web requests, but nothing translates them: no EnvoyFilter inserts envoy.filters.http.grpc_web and no Gateway server or Service port is declared GRPC-Web",
                    Some("declare the gateway server port protocol GRPC-WEB (Istio then adds the filter), or add an EnvoyFilter inserting envoy.filters.http.grpc_web before envoy.filters.http.router at the gateway".to_owned()),
                ));
            }
        }
    }
}

/// GRPC008, which reads the route alone.
pub(crate) fn local(manifest: &Manifest, vs: &VirtualService, out: &mut Vec<Diagnostic>) {
    for (i, route) in vs.spec.http.iter().flatten().enumerate() {
        if !route.match_.iter().flatten().any(is_grpc_web_match) {
            continue;
        }
        if let Some(cors) = &route.cors_policy {
            let exposed: Vec<String> = cors
                .expose_headers
                .iter()
                .flatten()
                .map(|h| h.to_ascii_lowercase())
                .collect();
            let missing: Vec<&str> = ["grpc-status", "grpc-message"]
                .into_iter()
                .filter(|h| !exposed.iter().any(|e| e == h || e == "*"))
                .collect();
            if !missing.is_empty() {
                out.push(diagnostic(
                    manifest,
                    codes::GRPC_WEB_CORS_HEADERS,
                    format!("spec.http[{i}].corsPolicy.exposeHeaders"),
                    format!("the browser cannot read {missing:?}: gRPC-Web clients need them to see a call's status"),
                    Some("add grpc-status, grpc-message (and grpc-status-details-bin) to exposeHeaders".to_owned()),
                ));
            }
        }
    }
}

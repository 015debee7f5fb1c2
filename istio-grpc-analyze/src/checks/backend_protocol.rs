//! GRPC001: a gRPC route reaches a Service port that is not declared HTTP/2. The gateway then
//! speaks HTTP/1.1 upstream (it does not sniff), and gRPC calls fail with
//! `UNAVAILABLE: upstream connect error or disconnect/reset before headers. reset reason: protocol
//! error` (Envoy response flag `UPE`): ENVOY.md lab b, with grpcio and tonic servers. Not the
//! RST_STREAM the article describes: that is what a route timeout cutting a stream shows (GRPC002).

use crate::lean::ServicePort;

use crate::checks::route_is_grpc;
use crate::model::{Model, diagnostic};
use crate::protocol::PortProtocol;
use crate::{Diagnostic, codes};

/// What a gRPC client sees when the gateway speaks HTTP/1.1 to a gRPC server (ENVOY.md lab b).
pub(crate) const SYMPTOM: &str = "UNAVAILABLE: upstream connect error or disconnect/reset before headers. reset reason: protocol error (Envoy flag UPE)";

/// The protocol Istio takes a Service port for, and how the port declares it, in words:
/// `is named "http" and appProtocol "tcp"`, `has no name`.
pub(crate) fn declared(port: &ServicePort) -> (PortProtocol, String) {
    let protocol = PortProtocol::select(
        port.name.as_deref(),
        port.app_protocol.as_deref(),
        port.protocol.as_deref(),
    );
    let name = match port.name.as_deref() {
        Some(n) if !n.is_empty() => format!("is named {n:?}"),
        _ => "has no name".to_owned(),
    };
    let app = port
        .app_protocol
        .as_deref()
        .map(|a| format!(" and appProtocol {a:?}"))
        .unwrap_or_default();
    (protocol, format!("{name}{app}"))
}

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (manifest, vs) in &model.virtual_services {
        let ns = manifest.namespace();
        for (i, route) in vs.http.iter().enumerate() {
            if !route_is_grpc(model, manifest, vs, route) {
                continue;
            }
            for (j, dest) in route.route.iter().enumerate() {
                let Some(destination) = dest else {
                    continue;
                };
                let host = destination.host.as_deref().unwrap_or("");
                let Some((svc_manifest, svc)) = model.service_for_host(host, ns) else {
                    continue;
                };
                let ports = &svc.ports;
                let wanted = destination.port;
                let port = match wanted {
                    Some(n) => ports.iter().find(|p| i64::from(p.port) == i64::from(n)),
                    None if ports.len() == 1 => ports.first(),
                    None => None,
                };
                let Some(port) = port else { continue };
                let (protocol, declared) = declared(port);
                if protocol.is_http2() {
                    continue;
                }
                let consequence = match protocol {
                    PortProtocol::Http => "Istio will speak HTTP/1.1 to it".to_owned(),
                    PortProtocol::Unnamed => {
                        "gateways do not detect protocols, so Istio will speak HTTP/1.1 to it"
                            .to_owned()
                    }
                    other => format!("Istio treats it as {}, not HTTP/2", other.describe()),
                };
                out.push(diagnostic(
                    manifest,
                    codes::BACKEND_NOT_HTTP2,
                    format!("spec.http[{i}].route[{j}].destination"),
                    format!(
                        "port {} of Service {}/{} {declared}: {consequence}, and gRPC clients get {}",
                        port.port,
                        svc_manifest.namespace(),
                        svc_manifest.name(),
                        SYMPTOM,
                    ),
                    Some("name the port \"grpc\" (or \"grpc-<suffix>\") or set appProtocol: grpc".to_owned()),
                ));
            }
        }
    }
}

//! IST0118 PortNameIsNotUnderNamingConvention, following Istio's `service.PortNameAnalyzer`: a
//! Service port whose name (and `appProtocol`) names no protocol Istio knows. Sidecars then sniff
//! the protocol; gateways do not, and speak HTTP/1.1 — a gRPC backend behind such a port fails
//! with `UNAVAILABLE … reset reason: protocol error` (see GRPC001). Services in Istio's own and
//! Kubernetes' system namespaces are skipped, as Istio does.

use crate::Manifest;
use crate::model::diagnostic;
use crate::protocol::PortProtocol;
use crate::{Diagnostic, codes};
use k8s_openapi::api::core::v1::Service;

/// Namespaces Istio's injector ignores (`inject.IgnoredNamespaces`) and its control plane's.
const SKIPPED: &[&str] = &[
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "local-path-storage",
    "istio-system",
];

pub(crate) fn check(manifest: &Manifest, svc: &Service, out: &mut Vec<Diagnostic>) {
    if SKIPPED.contains(&manifest.namespace()) {
        return;
    }
    let Some(spec) = &svc.spec else { return };
    if spec.type_.as_deref() == Some("ExternalName") {
        return;
    }
    for (i, port) in spec.ports.iter().flatten().enumerate() {
        let protocol = PortProtocol::select(
            port.name.as_deref(),
            port.app_protocol.as_deref(),
            port.protocol.as_deref(),
        );
        if protocol != PortProtocol::Unnamed {
            continue;
        }
        let target = match &port.target_port {
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => {
                n.to_string()
            }
            Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s)) => s.clone(),
            None => port.port.to_string(),
        };
        out.push(diagnostic(
            manifest,
            codes::PORT_NAME_CONVENTION,
            format!("spec.ports[{i}]"),
            format!(
                "Port name {} (port: {}, targetPort: {target}) doesn't follow the naming convention of Istio port: sidecars sniff its protocol, gateways speak HTTP/1.1 to it",
                port.name.as_deref().unwrap_or(""),
                port.port
            ),
            Some("name it <protocol>[-<suffix>] (grpc, http2, http, https, tcp, …) or set appProtocol".to_owned()),
        ));
    }
}

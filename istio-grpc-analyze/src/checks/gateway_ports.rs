//! Gateway workloads and their Service ports, following Istio's
//! `gateway.IngressGatewayPortAnalyzer`:
//! - IST0101 ReferencedResourceNotFound: the Gateway's selector matches no workload, so no proxy
//!   serves it;
//! - IST0162 GatewayPortNotDefinedOnService: a server port that no Service in front of the
//!   selected workload targets (a TCP port's `targetPort`, else its `port`): the proxy listens
//!   on it, but clients reaching the gateway through its Service cannot connect to it.
//!
//! Checked only when the input holds a gateway workload (a pod or pod template with a label
//! value naming a gateway, as `istio: ingressgateway`): an application's manifests usually bind
//! to a gateway deployed elsewhere, and "no workload here" says nothing about the cluster.

use std::collections::BTreeSet;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let has_gateway_workload = model
        .workloads
        .iter()
        .any(|w| w.labels.values().any(|v| v.contains("gateway")));
    if !has_gateway_workload {
        return;
    }
    for (manifest, gw) in &model.gateways {
        let selector = gw.spec.selector.clone().unwrap_or_default();
        let selected =
            model.workloads_selected(selector.iter().map(|(k, v)| (k.as_str(), v.as_str())), None);
        let shown = selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        // the default gateways come with the Istio install, not with the manifests of an app
        let default_gateway = selector.len() == 1
            && selector
                .get("istio")
                .is_some_and(|v| v == "ingressgateway" || v == "egressgateway");
        if selected.is_empty() && default_gateway {
            continue;
        }
        if selected.is_empty() {
            out.push(diagnostic(
                manifest,
                codes::REFERENCED_RESOURCE_NOT_FOUND,
                "spec.selector",
                format!("Referenced selector not found: \"{shown}\" (no gateway workload has these labels, so no proxy serves this Gateway)"),
                Some("set the selector to the labels of the gateway deployment's pods (istio: ingressgateway for the default one)".to_owned()),
            ));
            continue;
        }
        let mut ports = BTreeSet::new();
        for workload in &selected {
            for (svc_manifest, svc) in &model.services {
                if svc_manifest.namespace() != workload.head.namespace() {
                    continue;
                }
                let Some(svc_selector) = svc.selector.as_ref().filter(|s| !s.is_empty()) else {
                    continue;
                };
                if !workload.labels.has_all(svc_selector.iter()) {
                    continue;
                }
                for port in svc.ports.iter() {
                    if port.protocol.as_deref().is_some_and(|p| p != "TCP") {
                        continue;
                    }
                    let target = match &port.target_port {
                        Some(IntOrString::Int(n)) if *n != 0 => i64::from(*n),
                        _ => i64::from(port.port),
                    };
                    ports.insert(target);
                }
            }
        }
        for (i, server) in gw.spec.servers.iter().flatten().enumerate() {
            let Some(number) = server.port.as_ref().and_then(|p| p.number) else {
                continue;
            };
            if !ports.contains(&i64::from(number)) {
                out.push(diagnostic(
                    manifest,
                    codes::GATEWAY_PORT_NOT_ON_SERVICE,
                    format!("spec.servers[{i}].port.number"),
                    format!("The gateway is listening on a target port (port {number}) that is not defined in the Service associated with its workload instances (Pod selector {shown}): clients that reach the gateway through that Service cannot connect to this port"),
                    Some(format!("add a port with targetPort {number} to the gateway's Service, or listen on a port the Service targets")),
                ));
            }
        }
    }
}

//! Deployments and the Services that select their pods, following Istio's
//! `deployment.ServiceAssociationAnalyzer`:
//! - IST0116 DeploymentAssociatedToMultipleServices: Services selecting the pods use one port
//!   number with different protocols (TCP and UDP); the sidecar builds one listener per port.
//! - IST0137 DeploymentConflictingPorts: Services selecting the pods send one `targetPort` from
//!   different `port`s; the sidecar's inbound listener for that target port gets one protocol
//!   and one port name, and traffic through the other Service may be treated as the wrong one.
//!
//! Services without a selector are left out (they select no pod by labels).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for workload in &model.workloads {
        let manifest = &workload.head;
        if manifest.kind() != "Deployment" {
            continue;
        }
        let name = manifest.name();
        let services: Vec<_> = model
            .services
            .iter()
            .filter(|(m, svc)| {
                m.namespace() == manifest.namespace()
                    && svc
                        .selector
                        .as_ref()
                        .is_some_and(|sel| !sel.is_empty() && workload.labels.has_all(sel.iter()))
            })
            .collect();
        // port -> protocol -> services; targetPort -> port -> service
        let mut protocols: BTreeMap<i32, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        let mut targets: BTreeMap<String, BTreeMap<i32, String>> = BTreeMap::new();
        for (m, svc) in &services {
            let svc_name = format!("{}/{}", m.namespace(), m.name());
            for port in svc.ports.iter() {
                let protocol = port
                    .protocol
                    .as_deref()
                    .map_or_else(|| "TCP".to_owned(), str::to_owned);
                protocols
                    .entry(port.port)
                    .or_default()
                    .entry(protocol)
                    .or_default()
                    .push(svc_name.clone());
                let target = match &port.target_port {
                    Some(IntOrString::Int(n)) if *n != 0 => n.to_string(),
                    Some(IntOrString::String(s)) if !s.is_empty() => s.clone(),
                    _ => port.port.to_string(),
                };
                targets
                    .entry(target)
                    .or_default()
                    .insert(port.port, svc_name.clone());
            }
        }
        for (port, by_protocol) in &protocols {
            if by_protocol.len() > 1 {
                let names: Vec<&String> = by_protocol.values().flatten().collect();
                out.push(diagnostic(
                    manifest,
                    codes::DEPLOYMENT_MULTIPLE_SERVICES,
                    "metadata.name",
                    format!("This deployment {name} is associated with multiple services using port {port} but different protocols: {names:?}: the sidecar has one listener per port, so one of the protocols is not served"),
                    Some("give each protocol its own port number".to_owned()),
                ));
            }
        }
        for (target, by_port) in &targets {
            if by_port.len() > 1 {
                let names: Vec<&String> = by_port.values().collect();
                let ports: Vec<&i32> = by_port.keys().collect();
                out.push(diagnostic(
                    manifest,
                    codes::DEPLOYMENT_CONFLICTING_PORTS,
                    "metadata.name",
                    format!("This deployment {name} is associated with multiple services {names:?} using targetPort {target:?} but different ports: {ports:?}: the sidecar's listener for that port takes one Service's port name and protocol"),
                    Some("make Services that share a targetPort use the same port (and port name)".to_owned()),
                ));
            }
        }
    }
}

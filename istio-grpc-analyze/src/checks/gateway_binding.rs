//! IST0101 for a VirtualService bound to a Gateway that is not in the input; IST0132 for a
//! VirtualService host that no server of its Gateway serves.

use crate::model::{Model, diagnostic, server_host_covers};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model<'_>, out: &mut Vec<Diagnostic>) {
    for (manifest, vs) in &model.virtual_services {
        let ns = manifest.namespace();
        for (i, reference) in vs.spec.gateways.iter().flatten().enumerate() {
            if reference == "mesh" {
                continue;
            }
            let path = format!("spec.gateways[{i}]");
            let Some((gw_manifest, gw)) = model.gateway(reference, ns) else {
                let (gw_ns, gw_name) = reference.split_once('/').unwrap_or((ns, reference));
                out.push(diagnostic(
                    manifest,
                    codes::REFERENCED_RESOURCE_NOT_FOUND,
                    path,
                    format!("Referenced gateway not found: \"{gw_ns}/{gw_name}\" (a short name means the VirtualService's own namespace)"),
                    Some(format!("add Gateway {gw_name} in namespace {gw_ns}, or write the reference as <namespace>/{gw_name}")),
                ));
                continue;
            };
            let server_hosts: Vec<&str> = gw
                .spec
                .servers
                .iter()
                .flatten()
                .flat_map(|s| s.hosts.iter().flatten())
                .map(String::as_str)
                .collect();
            let missing: Vec<&str> = vs
                .spec
                .hosts
                .iter()
                .flatten()
                .map(String::as_str)
                .filter(|h| {
                    !server_hosts
                        .iter()
                        .any(|sh| server_host_covers(sh, h, ns, gw_manifest.namespace()))
                })
                .collect();
            if !missing.is_empty() {
                out.push(diagnostic(
                    manifest,
                    codes::HOST_NOT_FOUND_IN_GATEWAY,
                    "spec.hosts",
                    format!("one or more host {missing:?} defined in VirtualService {ns}/{} not found in Gateway {}/{}", manifest.object.name().unwrap_or(""), gw_manifest.namespace(), gw.metadata.name.as_deref().unwrap_or("")),
                    Some(format!("add the host to a server of Gateway {} or correct the VirtualService host", gw.metadata.name.as_deref().unwrap_or(""))),
                ));
            }
        }
    }
}

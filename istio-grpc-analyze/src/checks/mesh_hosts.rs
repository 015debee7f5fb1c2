//! IST0109 ConflictingMeshGatewayVirtualServiceHosts, following Istio's
//! `virtualservice.ConflictingMeshGatewayHostsAnalyzer`: several VirtualServices bound to the
//! mesh (no `gateways`, or `mesh` among them) define the same host in the same export scope.
//! Sidecars then use one of them, and which one is undefined: requests may follow rules the
//! author did not mean for them.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Model, diagnostic, host_covers};
use crate::{Diagnostic, codes};

/// Istio's `ConvertHostToFQDN`: a short name is a Service in the VirtualService's namespace.
pub(crate) fn fqdn(host: &str, namespace: &str) -> String {
    if host.contains('.') || host.contains('*') {
        host.to_owned()
    } else {
        format!("{host}.{namespace}.svc.cluster.local")
    }
}

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // (scope, fqdn) -> VirtualService indexes; scope "*" is exported to every namespace
    let mut hosts: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (index, (manifest, vs)) in model.virtual_services.iter().enumerate() {
        let gateways = &vs.gateways;
        if !(gateways.is_empty() || gateways.iter().any(|g| &**g == "mesh")) {
            continue;
        }
        let ns = manifest.namespace();
        let export = &vs.export_to;
        let scopes: BTreeSet<String> = if export.is_empty() || export.iter().any(|e| &**e == "*") {
            ["*".to_owned()].into()
        } else {
            export
                .iter()
                .map(|e| {
                    if &**e == "." {
                        ns.to_owned()
                    } else {
                        e.to_string()
                    }
                })
                .collect()
        };
        for scope in &scopes {
            for h in vs.hosts.iter() {
                let list = hosts.entry((scope.clone(), fqdn(h, ns))).or_default();
                if !list.contains(&index) {
                    list.push(index);
                }
            }
        }
    }
    let mut reported = BTreeSet::new();
    for ((scope, host), list) in &hosts {
        let mut list = list.clone();
        if scope != "*" {
            for ((other_scope, other_host), others) in &hosts {
                if other_scope == "*"
                    && (host_covers(other_host, host) || host_covers(host, other_host))
                {
                    for &i in others {
                        if !list.contains(&i) {
                            list.push(i);
                        }
                    }
                }
            }
        }
        if list.len() < 2 {
            continue;
        }
        let names: Vec<String> = list
            .iter()
            .map(|&i| {
                let (m, _) = &model.virtual_services[i];
                format!("{}/{}", m.namespace(), m.name())
            })
            .collect();
        for &i in &list {
            if !reported.insert(i) {
                continue;
            }
            let (manifest, _) = &model.virtual_services[i];
            out.push(diagnostic(
                manifest,
                codes::CONFLICTING_MESH_GATEWAY_HOSTS,
                "spec.hosts",
                format!(
                    "The VirtualServices {} associated with mesh gateway define the same host {scope}/{host} which can lead to undefined behavior: sidecars use one of them, and requests may follow the other's rules",
                    names.join(",")
                ),
                Some("merge the conflicting VirtualServices into a single resource, or narrow their exportTo".to_owned()),
            ));
        }
    }
}

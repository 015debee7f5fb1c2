//! IST0140 IngressRouteRulesNotAffected, following Istio's
//! `virtualservice.DestinationHostAnalyzer.analyzeSubset`: a VirtualService bound to gateways
//! routes to a host without a subset, while another VirtualService for that host splits it by
//! subsets. The gateway goes straight to the host's endpoints: the subset rules (a canary split,
//! say) do not apply to requests coming in through the gateway.

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // VirtualServices with a subset destination for one of their own hosts: (name, host)
    let mut split: Vec<(String, &str)> = Vec::new();
    for (manifest, vs) in &model.virtual_services {
        for route in vs.http.iter() {
            for dest in route.route.iter().flatten() {
                if dest.subset.as_deref().is_some_and(|s| !s.is_empty())
                    && let Some(host) = dest.host.as_deref()
                    && vs.hosts.iter().any(|h| &**h == host)
                {
                    split.push((
                        format!("{}/{}", manifest.namespace(), manifest.name()),
                        host,
                    ));
                }
            }
        }
    }
    if split.is_empty() {
        return;
    }
    for (manifest, vs) in &model.virtual_services {
        if vs.gateways.is_empty() {
            continue;
        }
        let me = format!("{}/{}", manifest.namespace(), manifest.name());
        for (i, route) in vs.http.iter().enumerate() {
            for (j, d) in route.route.iter().enumerate() {
                let Some(dest) = d else { continue };
                if dest.subset.as_deref().is_some_and(|s| !s.is_empty()) {
                    continue;
                }
                let host = dest.host.as_deref().unwrap_or("");
                for (other, _) in split.iter().filter(|(_, h)| *h == host) {
                    out.push(diagnostic(
                        manifest,
                        codes::INGRESS_ROUTE_RULES_NOT_AFFECTED,
                        format!("spec.http[{i}].route[{j}].destination"),
                        format!("Subset in virtual service {other} has no effect on ingress gateway {me} requests: they go to every endpoint of {host}, whatever the subset split says"),
                        Some(format!("route to the subsets in this VirtualService too, or bind {other} to the gateway")),
                    ));
                }
            }
        }
    }
}

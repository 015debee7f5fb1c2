//! IST0101 ReferencedResourceNotFound for a VirtualService destination (route or mirror) whose
//! `subset` no DestinationRule for its host defines, following Istio's
//! `virtualservice.DestinationRuleAnalyzer`. On traffic the route has no cluster: requests get
//! `503 NR`/`UH`, which gRPC clients see as `UNAVAILABLE`. Checked when the input holds a
//! DestinationRule for the destination's host (else the rule is elsewhere, and nothing is known).

use crate::lean::Destination;

use crate::checks::mesh_hosts::fqdn;
use crate::model::{Model, diagnostic, host_covers};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // each rule's host, as a FQDN, once
    let rule_hosts: Vec<String> = model
        .destination_rules
        .iter()
        .map(|(dm, dr)| fqdn(dr.host.as_deref().unwrap_or(""), dm.namespace()))
        .collect();
    for (manifest, vs) in &model.virtual_services {
        let ns = manifest.namespace();
        let mut destinations: Vec<(String, &Destination)> = Vec::new();
        for (i, r) in vs.http.iter().enumerate() {
            for (j, d) in r.route.iter().enumerate() {
                if let Some(dest) = d {
                    destinations.push((format!("spec.http[{i}].route[{j}].destination"), dest));
                }
            }
            if let Some(m) = &r.mirror {
                destinations.push((format!("spec.http[{i}].mirror"), &**m));
            }
            for (j, m) in r.mirrors.iter().enumerate() {
                if let Some(dest) = m {
                    destinations.push((format!("spec.http[{i}].mirrors[{j}].destination"), dest));
                }
            }
        }
        for (section, routes) in [("tcp", &vs.tcp), ("tls", &vs.tls)] {
            for (i, route) in routes.iter().enumerate() {
                for (j, d) in route.iter().enumerate() {
                    if let Some(dest) = d {
                        destinations
                            .push((format!("spec.{section}[{i}].route[{j}].destination"), dest));
                    }
                }
            }
        }
        for (path, dest) in destinations {
            let Some(subset) = dest.subset.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let host = fqdn(dest.host.as_deref().unwrap_or(""), ns);
            let rules: Vec<_> = model
                .destination_rules
                .iter()
                .zip(&rule_hosts)
                .filter(|(_, rule_host)| host_covers(rule_host, &host))
                .map(|(rule, _)| rule)
                .collect();
            // no rule for the host here: it is elsewhere, and says nothing
            if rules.is_empty() {
                continue;
            }
            let defined = rules
                .iter()
                .any(|(_, dr)| dr.subsets.iter().any(|s| s.name.as_deref() == Some(subset)));
            if !defined {
                let shown = format!("{}+{subset}", dest.host.as_deref().unwrap_or(""));
                out.push(diagnostic(
                    manifest,
                    codes::REFERENCED_RESOURCE_NOT_FOUND,
                    format!("{path}.subset"),
                    format!("Referenced host+subset in destinationrule not found: {shown:?}: requests on this route find no cluster and fail (503, UNAVAILABLE for gRPC)"),
                    Some(format!("define subset {subset} in the DestinationRule for {}, or correct the subset name", dest.host.as_deref().unwrap_or(""))),
                ));
            }
        }
    }
}

//! DestinationRule hosts and subsets, following Istio's `destinationrule.PodNotSelectedAnalyzer`:
//! - IST0174 UnknownDestinationRuleHost: no Service or ServiceEntry in the input for the host,
//!   so the rule applies to nothing;
//! - IST0173 DestinationRuleSubsetNotSelectPods: a subset whose labels (with the Service's
//!   selector) select no pod; a route to it gets `503 UH` (no healthy upstream), `UNAVAILABLE`
//!   for gRPC. Checked only when the input holds workloads (pods or pod templates): without
//!   any, the pods are in the cluster and nothing is known about them.

use std::collections::BTreeMap;

use crate::checks::mesh_hosts::fqdn;
use crate::lean::Labels;
use crate::model::{Model, diagnostic, host_covers};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (manifest, dr) in &model.destination_rules {
        let ns = manifest.namespace();
        let Some(host) = dr.host.as_deref().filter(|h| !h.is_empty()) else {
            continue;
        };
        if host.starts_with('*') {
            continue;
        }
        // the workload selector of what the host names: a Service's selector, a ServiceEntry's
        let selector: Option<BTreeMap<String, String>> = match model.service_for_host(host, ns) {
            Some((_, svc)) => Some(
                svc.selector
                    .as_ref()
                    .map(Labels::to_map)
                    .unwrap_or_default(),
            ),
            None => model
                .service_entries
                .iter()
                .find(|(sm, se)| {
                    se.spec
                        .hosts
                        .iter()
                        .flatten()
                        .any(|h| host_covers(&fqdn(h, sm.namespace()), &fqdn(host, ns)))
                })
                .map(|(_, se)| {
                    se.spec
                        .workload_selector
                        .as_ref()
                        .and_then(|w| w.labels.clone())
                        .unwrap_or_default()
                }),
        };
        let Some(selector) = selector else {
            out.push(diagnostic(
                manifest,
                codes::UNKNOWN_DESTINATION_RULE_HOST,
                "spec.host",
                format!("The host {host} defined in the DestinationRule does not match any services in the mesh (no Service or ServiceEntry for it in the input): the rule applies to nothing"),
                Some("correct the host to a Service's name (name.namespace.svc.cluster.local) or a ServiceEntry host".to_owned()),
            ));
            continue;
        };
        if model.workloads.is_empty() {
            continue;
        }
        for (i, subset) in dr.subsets.iter().enumerate() {
            let mut wanted = selector.clone();
            wanted.extend(subset.labels.to_map());
            let selected = model.workloads.iter().any(|w| {
                w.head.namespace()
                    == model
                        .service_for_host(host, ns)
                        .map_or(ns, |(m, _)| m.namespace())
                    && w.labels
                        .has_all(wanted.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            });
            if !selected {
                out.push(diagnostic(
                    manifest,
                    codes::SUBSET_SELECTS_NO_POD,
                    format!("spec.subsets[{i}]"),
                    format!("The Subset {} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream): gRPC clients routed to it get UNAVAILABLE", subset.name.as_deref().unwrap_or("")),
                    Some("make the subset's labels match the pods' labels (a version label the Deployment's pod template carries)".to_owned()),
                ));
            }
        }
    }
}

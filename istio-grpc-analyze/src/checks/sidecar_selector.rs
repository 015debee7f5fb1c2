//! Sidecar workload selectors, following Istio's `sidecar.SelectorAnalyzer`:
//! - IST0101 ReferencedResourceNotFound: a `workloadSelector` that selects no pod in the
//!   Sidecar's namespace (the Sidecar applies to nothing). Checked only when the input holds
//!   workloads (pods, or pod templates of Deployments, StatefulSets, DaemonSets): without any,
//!   "no pod" says nothing about the cluster.
//! - IST0110 ConflictingSidecarWorkloadSelectors: a pod that several Sidecars select; which one
//!   applies to it is undefined.
//! - IST0111 MultipleSidecarsWithoutWorkloadSelectors: several Sidecars without a selector in
//!   one namespace; which one is the namespace default is undefined.

use std::collections::BTreeMap;

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // workload index -> Sidecars selecting it
    let mut selected_by: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut without_selector: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, (manifest, sidecar)) in model.sidecars.iter().enumerate() {
        let ns = manifest.namespace();
        let labels = sidecar
            .spec
            .workload_selector
            .as_ref()
            .and_then(|s| s.labels.clone())
            .unwrap_or_default();
        if labels.is_empty() {
            without_selector.entry(ns).or_default().push(index);
            continue;
        }
        let mut any = false;
        for (w, workload) in model.workloads.iter().enumerate() {
            if workload.head.namespace() == ns
                && workload
                    .labels
                    .has_all(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            {
                any = true;
                selected_by.entry(w).or_default().push(index);
            }
        }
        if !any && !model.workloads.is_empty() {
            let selector = labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            out.push(diagnostic(
                manifest,
                codes::REFERENCED_RESOURCE_NOT_FOUND,
                "spec.workloadSelector.labels",
                format!("Referenced selector not found: \"{selector}\" (no pod in namespace {ns} has these labels, so this Sidecar applies to nothing)"),
                Some("correct the labels to those of the workload's pods, in the Sidecar's namespace".to_owned()),
            ));
        }
    }
    let mut reported = std::collections::BTreeSet::new();
    for (w, sidecars) in &selected_by {
        if sidecars.len() < 2 {
            continue;
        }
        let workload = &model.workloads[*w];
        let names: Vec<&str> = sidecars
            .iter()
            .map(|&i| model.sidecars[i].0.name())
            .collect();
        for &i in sidecars {
            if !reported.insert(i) {
                continue;
            }
            let (manifest, _) = &model.sidecars[i];
            out.push(diagnostic(
                manifest,
                codes::CONFLICTING_SIDECAR_SELECTORS,
                "spec.workloadSelector",
                format!(
                    "The Sidecars {names:?} in namespace {:?} select the same workload pod {:?}, which can lead to undefined behavior: the pod gets one of them, which one is not defined",
                    manifest.namespace(),
                    workload.head.name()
                ),
                Some("make the selectors disjoint, or merge the Sidecars".to_owned()),
            ));
        }
    }
    for (ns, sidecars) in without_selector {
        if sidecars.len() < 2 {
            continue;
        }
        let names: Vec<&str> = sidecars
            .iter()
            .map(|&i| model.sidecars[i].0.name())
            .collect();
        for &i in &sidecars {
            out.push(diagnostic(
                &model.sidecars[i].0,
                codes::MULTIPLE_SIDECARS_WITHOUT_SELECTOR,
                "spec",
                format!("The Sidecars {names:?} in namespace {ns:?} have no workload selector, which can lead to undefined behavior: only one can be the namespace's default"),
                Some("keep one Sidecar without workloadSelector per namespace".to_owned()),
            ));
        }
    }
}

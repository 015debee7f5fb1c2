//! Outlier detection that does not do what it says, for gRPC backends.
//!
//! GRPC022: an `outlierDetection` that can eject no pod. Envoy ejects a pod only while the
//! ejected pods, that one included, stay within `maxEjectionPercent` (`100 × (ejected + 1) /
//! pods`; Istio's default 10 %), so with fewer pods than `100 / maxEjectionPercent` nothing is
//! ever ejected. Seen on live Envoy (the lab's `outlier_detection_ejects_on_the_grpc_statuses_it_counts`):
//! one pod, 50 %: kept; 100 %: ejected. The pods are counted from the Deployments (their
//! `replicas`), StatefulSets and Pods in the input that the host's Service selects; with none
//! in the input, only an unset `maxEjectionPercent` is reported, as a condition.
//!
//! GRPC023: `consecutiveGatewayErrors` that never acts. Envoy counts a call's `grpc-status` as
//! the HTTP status it maps to: `UNAVAILABLE` (503) and `DEADLINE_EXCEEDED` (504) are gateway
//! errors and 5xx at once, so the 5xx counter (`consecutive5xxErrors`, 5 when unset) reaches its
//! threshold first unless it is lower than the gateway one, or 0.

use crate::lean::Outlier as OutlierDetection;

use crate::model::{Head, Model, diagnostic};
use crate::{Diagnostic, codes};

/// Envoy's `max_ejection_percent` when Istio writes none.
const DEFAULT_MAX_EJECTION_PERCENT: i32 = 10;
/// Envoy's `consecutive_5xx` when Istio writes none.
const DEFAULT_CONSECUTIVE_5XX: u32 = 5;

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (manifest, dr) in &model.destination_rules {
        let host = dr.host.as_deref().unwrap_or("");
        let pods = pods_of(model, host, manifest.namespace());
        for policy in dr.policies.iter() {
            if let Some(o) = &policy.outlier_detection {
                ejects_nothing(manifest, &policy.path, o, pods, out);
                gateway_never_acts(manifest, &policy.path, o, out);
            }
        }
    }
}

/// GRPC022.
fn ejects_nothing(
    manifest: &Head,
    path: &str,
    o: &OutlierDetection,
    pods: Option<u32>,
    out: &mut Vec<Diagnostic>,
) {
    let turned_off =
        o.consecutive_5xx_errors == Some(0) && o.consecutive_gateway_errors.is_none_or(|g| g == 0);
    if turned_off {
        return;
    }
    let percent = o.max_ejection_percent.filter(|p| *p > 0);
    let share = percent.unwrap_or(DEFAULT_MAX_EJECTION_PERCENT);
    let written = match percent {
        Some(p) => format!("maxEjectionPercent {p}"),
        None => {
            format!("without maxEjectionPercent, Istio's default {DEFAULT_MAX_EJECTION_PERCENT} %")
        }
    };
    let message = match pods {
        // one pod is `100 / pods` %; it goes only if that fits in the share
        Some(pods) if pods > 0 && i64::from(share) * i64::from(pods) < 100 => format!(
            "{written} ejects no pod of the {pods} the host's Service selects: Envoy ejects a pod only while the ejected pods, it included, stay within the share ({} % for one), so a failing pod keeps taking calls",
            100 / pods
        ),
        None if percent.is_none() => format!(
            "{written} ejects no pod unless the backend runs at least 10: Envoy ejects a pod only while the ejected pods, it included, stay within the share, so on a smaller backend a failing pod keeps taking calls"
        ),
        _ => return,
    };
    out.push(diagnostic(
        manifest,
        codes::OUTLIER_EJECTS_NOTHING,
        format!("{path}.outlierDetection"),
        message,
        Some("set maxEjectionPercent: 50 (one pod of two can go, the last pod never does), or 100 to let every pod go".into()),
    ));
}

/// GRPC023.
fn gateway_never_acts(
    manifest: &Head,
    path: &str,
    o: &OutlierDetection,
    out: &mut Vec<Diagnostic>,
) {
    let Some(gateway) = o.consecutive_gateway_errors.filter(|g| *g > 0) else {
        return;
    };
    let server = o.consecutive_5xx_errors.unwrap_or(DEFAULT_CONSECUTIVE_5XX);
    if server == 0 || gateway < server {
        return;
    }
    let server_text = match o.consecutive_5xx_errors {
        Some(s) => format!("consecutive5xxErrors {s}"),
        None => format!("consecutive5xxErrors (unset: {DEFAULT_CONSECUTIVE_5XX})"),
    };
    out.push(diagnostic(
        manifest,
        codes::OUTLIER_GATEWAY_NEVER_ACTS,
        format!("{path}.outlierDetection.consecutiveGatewayErrors"),
        format!("consecutiveGatewayErrors {gateway} never ejects a pod: Envoy counts UNAVAILABLE (503) and DEADLINE_EXCEEDED (504) as 5xx too, so {server_text} ejects the pod first, on INTERNAL and UNKNOWN failures as well"),
        Some(format!("to eject on UNAVAILABLE and DEADLINE_EXCEEDED only, set consecutive5xxErrors: 0; else lower consecutiveGatewayErrors below {server}")),
    ));
}

/// The pods behind a DestinationRule host: the `replicas` of the Deployments and StatefulSets
/// (1 when unset) and the Pods in the input that its Service selects; `None` when the input
/// holds no such Service or no workload it selects.
fn pods_of(model: &Model, host: &str, namespace: &str) -> Option<u32> {
    let (svc_manifest, svc) = model.service_for_host(host, namespace)?;
    let selector = svc.selector.as_ref()?;
    let workloads = model.workloads_selected(selector.iter(), Some(svc_manifest.namespace()));
    let pods: u32 = workloads
        .iter()
        .map(|w| match w.head.kind() {
            "Deployment" | "StatefulSet" => replicas(w.replicas),
            _ => 1,
        })
        .sum();
    (!workloads.is_empty()).then_some(pods)
}

/// `replicas` as Kubernetes reads it: 1 when unset.
fn replicas(replicas: Option<i32>) -> u32 {
    replicas.map_or(1, |r| u32::try_from(r).unwrap_or(0))
}

//! IST0171 NegativeConditionStatus, following Istio's `conditions.ConditionAnalyzer`: a status
//! condition that Istio or the Gateway API controller set to its negative value, on the kinds and
//! condition types that analyzer knows (a condition another controller writes, say Argo CD's
//! `Synced`, is not reported). What it means on traffic: the object is not (fully) in effect.

use serde_json::Value;

use crate::model::diagnostic;
use crate::{Diagnostic, Manifest, codes};

/// `(group, kind)` → condition types whose `"False"` status is negative (Istio's
/// `negativeConditionsToReport`).
fn negative_types(group: &str, kind: &str) -> &'static [&'static str] {
    match (group, kind) {
        ("", "Service") | ("networking.istio.io", "ServiceEntry") => &["istio.io/WaypointBound"],
        ("security.istio.io", "AuthorizationPolicy") => &["ZtunnelAccepted", "WaypointAccepted"],
        ("gateway.networking.k8s.io", "Gateway" | "HTTPRoute" | "GRPCRoute") => {
            &["Accepted", "Programmed", "ResolvedRefs"]
        }
        _ => &[],
    }
}

/// The object as read: what the user wrote when it came from YAML (status included).
fn raw(manifest: &Manifest) -> Option<Value> {
    match &manifest.source {
        Some(source) => Some(source.json()),
        None => manifest.object.to_json().ok(),
    }
}

pub(crate) fn check(manifest: &Manifest, out: &mut Vec<Diagnostic>) {
    // the kind first, from the typed object: most objects have no conditions to read
    let kind = manifest.object.kind();
    let group = manifest.object.group();
    let types = negative_types(group, kind);
    if types.is_empty() {
        return;
    }
    if let istio_grpc_types::Object::Service(svc) = &manifest.object
        && svc
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_none_or(|c| c.is_empty())
    {
        return;
    }
    let Some(json) = raw(manifest) else { return };
    // routes keep their conditions per parent
    let mut conditions: Vec<(String, &Value)> = Vec::new();
    for (i, c) in json["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        conditions.push((format!("status.conditions[{i}]"), c));
    }
    for (p, parent) in json["status"]["parents"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (i, c) in parent["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            conditions.push((format!("status.parents[{p}].conditions[{i}]"), c));
        }
    }
    for (path, c) in conditions {
        let ctype = c["type"].as_str().unwrap_or("");
        let reason = c["reason"].as_str().unwrap_or("");
        let negative = types.contains(&ctype) && c["status"] == "False";
        let partially_invalid = kind == "AuthorizationPolicy"
            && ctype == "WaypointAccepted"
            && reason == "PartiallyInvalid";
        if negative || partially_invalid {
            out.push(diagnostic(
                manifest,
                codes::NEGATIVE_CONDITION,
                path,
                format!(
                    "A condition with a negative status is present: type={ctype}, reason={reason}, message={}: the controller reports this object as not (fully) in effect",
                    c["message"].as_str().unwrap_or("")
                ),
                Some("read the condition's message, fix what it names, and let the controller reconcile".to_owned()),
            ));
        }
    }
}

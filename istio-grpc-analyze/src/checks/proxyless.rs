//! Proxyless gRPC workloads (pod template annotation `inject.istio.io/templates: grpc-agent`)
//! take only part of Istio's configuration (REFERENCE §f, Istio's `grpcgen/cds.go`, `lds.go`):
//! GRPC009 for load balancers they ignore (only ROUND_ROBIN, LEAST_REQUEST and consistent hash
//! apply), GRPC010 for TLS modes they ignore (only DISABLE and ISTIO_MUTUAL), GRPC011 for a
//! PERMISSIVE PeerAuthentication (treated as DISABLE unless the pod is labelled
//! `security.istio.io/tlsMode: istio`).

use istio_grpc_types::destination_rule::{ClientTlsMode, SimpleLb};
use istio_grpc_types::peer_authentication::MutualTlsMode;

use crate::model::{Model, Workload, diagnostic};
use crate::{Diagnostic, codes};

fn is_proxyless(w: &Workload) -> bool {
    w.annotations
        .get("inject.istio.io/templates")
        .is_some_and(|t| t.split(',').any(|t| t.trim() == "grpc-agent"))
}

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let proxyless: Vec<&Workload> = model.workloads.iter().filter(|w| is_proxyless(w)).collect();
    if proxyless.is_empty() {
        return;
    }
    for (manifest, dr) in &model.destination_rules {
        let ns = manifest.namespace();
        let Some((_, svc)) = model.service_for_host(dr.host.as_deref().unwrap_or(""), ns) else {
            continue;
        };
        let Some(selector) = svc.selector.as_ref() else {
            continue;
        };
        let svc_ns = model
            .service_for_host(dr.host.as_deref().unwrap_or(""), ns)
            .map(|(m, _)| m.namespace())
            .unwrap_or(ns);
        if !proxyless
            .iter()
            .any(|w| w.head.namespace() == svc_ns && w.labels.has_all(selector.iter()))
        {
            continue;
        }
        for policy in dr.policies.iter() {
            let path = &policy.path;
            if let Some(lb) = policy.simple_lb
                && !matches!(
                    lb,
                    SimpleLb::RoundRobin | SimpleLb::LeastRequest | SimpleLb::Unspecified
                )
            {
                out.push(diagnostic(
                    manifest,
                    codes::PROXYLESS_LOAD_BALANCER,
                    format!("{path}.loadBalancer.simple"),
                    format!("proxyless gRPC workloads ignore load balancer {} (they apply ROUND_ROBIN, LEAST_REQUEST and consistent hash only)", lb.as_str()),
                    Some("use ROUND_ROBIN or LEAST_REQUEST".into()),
                ));
            }
            if let Some(mode) = policy.tls_mode
                && matches!(mode, ClientTlsMode::Simple | ClientTlsMode::Mutual)
            {
                out.push(diagnostic(
                    manifest,
                    codes::PROXYLESS_TLS_MODE,
                    format!("{path}.tls.mode"),
                    format!("proxyless gRPC workloads ignore TLS mode {} (they apply DISABLE and ISTIO_MUTUAL only)", mode.as_str()),
                    Some("use ISTIO_MUTUAL for mesh mTLS, or DISABLE".into()),
                ));
            }
        }
    }
    for (manifest, pa) in &model.peer_authentications {
        let ns = manifest.namespace();
        let selector = pa
            .spec
            .selector
            .as_ref()
            .and_then(|s| s.match_labels.clone())
            .unwrap_or_default();
        let mesh_wide = ns == "istio-system" && selector.is_empty();
        let affected: Vec<&&Workload> = proxyless
            .iter()
            .filter(|w| mesh_wide || w.head.namespace() == ns)
            .filter(|w| {
                w.labels
                    .has_all(selector.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            })
            .filter(|w| {
                w.labels
                    .get("security.istio.io/tlsMode")
                    .is_none_or(|v| v != "istio")
            })
            .collect();
        if affected.is_empty() {
            continue;
        }
        let permissive_paths: Vec<String> = pa
            .spec
            .mtls
            .iter()
            .filter(|m| m.mode == Some(MutualTlsMode::Permissive))
            .map(|_| "spec.mtls.mode".to_owned())
            .chain(
                pa.spec
                    .port_level_mtls
                    .iter()
                    .flatten()
                    .filter(|(_, m)| m.mode == Some(MutualTlsMode::Permissive))
                    .map(|(port, _)| format!("spec.portLevelMtls.{port}.mode")),
            )
            .collect();
        for path in permissive_paths {
            out.push(diagnostic(
                manifest,
                codes::PROXYLESS_PERMISSIVE,
                path,
                format!("PERMISSIVE applies to proxyless gRPC workload {}, which treats it as DISABLE (no mTLS)", affected[0].head.resource()),
                Some("use STRICT, or label the pods security.istio.io/tlsMode: istio".into()),
            ));
        }
    }
}

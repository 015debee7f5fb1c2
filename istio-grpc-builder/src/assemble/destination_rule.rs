//! DestinationRules: one per backend that sets a load balancer, an upstream TLS mode, outlier
//! detection, a limit of concurrent calls or subsets, and one per Service it splits to with the
//! same settings but the subsets.

use istio_grpc_types::DestinationRule;
use istio_grpc_types::destination_rule::{
    ClientTlsSettings, ConnectionPoolSettings, DestinationRuleSpec, HttpSettings, LbPolicy,
    LoadBalancerSettings, OutlierDetection, Subset, TrafficPolicy,
};

use super::check::CheckedBackend;
use crate::spec::{BackendSpec, UpstreamCa};

pub(super) fn write(b: &CheckedBackend<'_>) -> Vec<DestinationRule> {
    let outlier = b.outlier.as_deref();
    std::iter::once(one(b.spec, outlier))
        .chain(b.splits.iter().map(|s| one(&s.spec, outlier)))
        .flatten()
        .collect()
}

fn one(b: &BackendSpec, outlier: Option<&OutlierDetection>) -> Option<DestinationRule> {
    let policy = b.lb.is_some()
        || b.upstream_tls.is_some()
        || outlier.is_some()
        || b.max_concurrent_calls.is_some();
    if !policy && b.subsets.is_empty() {
        return None;
    }
    let subsets: Vec<Subset> = b
        .subsets
        .iter()
        .map(|(name, labels)| Subset {
            name: Some(name.clone()),
            labels: Some(labels.clone()),
            ..Default::default()
        })
        .collect();
    let traffic_policy = policy.then(|| TrafficPolicy {
        load_balancer: b.lb.map(|lb| LoadBalancerSettings {
            lb_policy: Some(LbPolicy::Simple(lb)),
            ..Default::default()
        }),
        tls: b.upstream_tls.map(|mode| {
            let verify = b.upstream_verify.as_ref();
            ClientTlsSettings {
                mode: Some(mode),
                sni: verify.map(|v| v.hostname.clone()),
                subject_alt_names: verify.map(|v| vec![v.hostname.clone()]),
                credential_name: verify.and_then(|v| match &v.ca {
                    UpstreamCa::System => None,
                    UpstreamCa::ConfigMap(name) => Some(format!("configmap://{name}")),
                }),
                ..Default::default()
            }
        }),
        connection_pool: b.max_concurrent_calls.map(|calls| ConnectionPoolSettings {
            http: Some(HttpSettings {
                // checked to fit an int32
                http2_max_requests: i32::try_from(calls).ok(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        outlier_detection: outlier.cloned(),
        ..Default::default()
    });
    let mut dr = DestinationRule::new(
        b.name.clone(),
        DestinationRuleSpec {
            host: Some(b.host()),
            traffic_policy,
            subsets: (!subsets.is_empty()).then_some(subsets),
            ..Default::default()
        },
    );
    dr.metadata.namespace = b.namespace.clone();
    Some(dr)
}

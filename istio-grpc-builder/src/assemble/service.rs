//! The backends' Kubernetes Services, for the backends whose Service the builder writes: one
//! port, named so that Istio reads gRPC (or gRPC-Web) from it, with the same `appProtocol`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::check::CheckedBackend;
use super::meta;
use crate::spec::{BackendSpec, ServiceSource};

/// The backend's Service and those of the Services it splits to, where the builder writes them.
pub(super) fn write(b: &CheckedBackend<'_>) -> Vec<Service> {
    std::iter::once(one(b.spec, b.port.clone()))
        .chain(b.splits.iter().map(|s| one(&s.spec, s.port.clone())))
        .flatten()
        .collect()
}

/// One Service, with its port's name and `appProtocol`.
fn one(spec: &BackendSpec, port: Option<(String, &'static str)>) -> Option<Service> {
    let ServiceSource::Emit {
        selector,
        target_port,
        ..
    } = &spec.service
    else {
        return None;
    };
    let (name, app_protocol) = port?;
    Some(Service {
        metadata: meta(&spec.name, spec.namespace.as_deref()),
        spec: Some(ServiceSpec {
            selector: Some(
                selector
                    .clone()
                    .unwrap_or_else(|| BTreeMap::from([("app".to_owned(), spec.name.clone())])),
            ),
            ports: Some(vec![ServicePort {
                name: Some(name),
                port: i32::from(spec.port),
                target_port: Some(IntOrString::Int(i32::from(
                    target_port.unwrap_or(spec.port),
                ))),
                app_protocol: Some(app_protocol.to_owned()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    })
}

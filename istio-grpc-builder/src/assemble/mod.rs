//! `build()`: [`check`] turns the spec into a checked spec (reporting every problem at once),
//! then one writer per object kind writes the typed objects, which cannot fail.

use std::collections::BTreeMap;

use istio_grpc_types::Object;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::backend::proxyless_pod_annotations;
use crate::error::{BuildError, BuildErrors};
use crate::limits;
use crate::mesh::{CheckTarget, Mesh};
use crate::spec::IngressSpec;

pub(crate) use gateway_api::build as build_gateway_api;

mod check;
mod destination_rule;
mod envoy_filter;
mod gateway;
mod gateway_api;
mod secret;
mod service;
mod virtual_service;

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        ..Default::default()
    }
}

/// Refuses, naming each, the objects whose JSON is above [`limits::MAX_OBJECT_JSON_BYTES`].
fn too_large(objects: &[Object]) -> Result<(), BuildErrors> {
    let errs: Vec<BuildError> = objects
        .iter()
        .filter_map(|o| {
            let bytes = o.json_len();
            (bytes > limits::MAX_OBJECT_JSON_BYTES).then(|| BuildError::TooLarge {
                kind: o.kind().to_owned(),
                name: o.name().unwrap_or_default().to_owned(),
                bytes,
                limit: limits::MAX_OBJECT_JSON_BYTES,
                why: limits::WHY,
            })
        })
        .collect();
    if errs.is_empty() {
        Ok(())
    } else {
        Err(BuildErrors(errs))
    }
}

/// Checks `spec` and writes its objects, in a stable order: Gateway, Secret, VirtualService,
/// DestinationRules, Services, EnvoyFilter.
pub(crate) fn build(spec: &IngressSpec, tls: bool) -> Result<Mesh, BuildErrors> {
    let c = check::check(spec, tls)?;
    let mut objects: Vec<Object> = Vec::with_capacity(3 + 2 * c.backends.len());
    objects.push(gateway::write(&c).into());
    objects.extend(secret::write(&c).map(Object::from));
    objects.extend(virtual_service::write(&c).into_iter().map(Object::from));
    objects.extend(
        c.backends
            .iter()
            .filter_map(destination_rule::write)
            .map(Object::from),
    );
    objects.extend(
        c.backends
            .iter()
            .filter_map(service::write)
            .map(Object::from),
    );
    objects.extend(envoy_filter::write(&c).map(Object::from));

    too_large(&objects)?;

    let checks = c
        .backends
        .iter()
        .flat_map(|b| b.routes.iter().map(|r| CheckTarget::from_target(r.target)))
        .collect();
    let pod_annotations: BTreeMap<String, BTreeMap<String, String>> = c
        .backends
        .iter()
        .filter_map(|b| {
            let role = b.spec.proxyless?;
            Some((b.spec.name.clone(), proxyless_pod_annotations(role)))
        })
        .collect();
    let yaml = istio_grpc_types::yaml::to_string(&objects)
        .map_err(|e| BuildErrors::from(BuildError::Yaml(e)))?;
    Ok(Mesh {
        objects,
        yaml,
        authority: spec.hosts[0].clone(),
        tls,
        checks,
        pod_annotations,
        workload_namespace: spec.workload_namespace.clone(),
        selector: spec.selector.clone(),
        ip_command: None,
    })
}

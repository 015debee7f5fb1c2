//! `build()` for the Gateway API target: the spec is checked as for Istio's API
//! ([`super::check`]), then refused where the Gateway API cannot say it ([`refuse`]), then
//! written ([`write`]).
//!
//! The writers produce each object's JSON (the output model, in one place) and [`object`] types
//! it through [`Object`]'s own reader, so the objects are typed exactly as the types crate
//! reads Gateway API kinds.

use std::collections::BTreeMap;

use istio_grpc_types::Object;

use super::check;
use crate::error::{BuildError, BuildErrors};
use crate::mesh::Mesh;
use crate::spec::IngressSpec;

mod refuse;
mod write;

/// The API group of the Gateway API.
pub(super) const GROUP: &str = "gateway.networking.k8s.io";

/// Types an object's JSON as the types crate reads it.
fn object(value: serde_json::Value) -> Result<Object, BuildError> {
    let kind = value["kind"].as_str().unwrap_or("?").to_owned();
    let name = value["metadata"]["name"].as_str().unwrap_or("").to_owned();
    serde_json::from_value(value).map_err(|e| {
        BuildError::Yaml(istio_grpc_types::Error::Write {
            kind,
            name,
            message: e.to_string(),
        })
    })
}

/// Checks `spec` and writes its Gateway API objects, in a stable order: Gateway, Secret,
/// ReferenceGrant, the ingress GRPCRoutes, the mesh GRPCRoutes, the waypoints, the Services.
pub(crate) fn build(spec: &IngressSpec, tls: bool) -> Result<Mesh, BuildErrors> {
    let checked = check::check(spec, tls);
    let refused = refuse::refusals(spec, tls);
    let c = match checked {
        Ok(c) if refused.is_empty() => c,
        Ok(_) => return Err(BuildErrors(refused)),
        Err(BuildErrors(mut errs)) => {
            errs.extend(refused);
            return Err(BuildErrors(errs));
        }
    };
    let values = write::all(&c);
    let mut objects = Vec::with_capacity(values.len());
    for v in values {
        objects.push(object(v)?);
    }
    objects.extend(
        c.backends
            .iter()
            .filter_map(|b| write::service(&c, b))
            .map(Object::from),
    );
    super::too_large(&objects)?;

    let (checks, reflection_backend) = super::planned_checks(&c);
    let yaml = istio_grpc_types::yaml::to_string(&objects)
        .map_err(|e| BuildErrors::from(BuildError::Yaml(e)))?;
    let ns = spec
        .namespace
        .as_deref()
        .map(|ns| format!("-n {ns} "))
        .unwrap_or_default();
    Ok(Mesh {
        objects,
        yaml,
        authority: spec.hosts[0].clone(),
        tls,
        checks,
        reflection_backend,
        pod_annotations: BTreeMap::new(),
        workload_namespace: spec.namespace.clone().unwrap_or_default(),
        selector: Vec::new(),
        ip_command: Some(format!(
            "export GATEWAY_IP=$(kubectl {ns}get gateway {} -o jsonpath='{{.status.addresses[0].value}}')",
            spec.gateway
        )),
    })
}

//! `build()` for the Gateway API target: the spec is checked as for Istio's API
//! ([`super::check`]), then refused where the Gateway API cannot say it ([`refuse`]), then
//! written ([`write`]).
//!
//! The writers build the typed objects of `istio_grpc_types::gateway_api` directly.

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
    let mut objects = write::all(&c);
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

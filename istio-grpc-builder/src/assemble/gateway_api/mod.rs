//! `build()` for the Gateway API target: the spec is checked as for Istio's API
//! ([`super::check`]), then refused where the Gateway API cannot say it ([`refuse`]), then
//! written ([`write`]).
//!
//! The writers build the typed objects of `istio_grpc_types::gateway_api` directly.

use std::collections::BTreeMap;
use std::sync::Arc;

use istio_grpc_types::Object;

use super::{Api, Plan, check};
use crate::error::BuildErrors;
use crate::mesh::{Mesh, MeshInfo};
use crate::spec::IngressSpec;

mod refuse;
mod write;

/// The API group of the Gateway API.
pub(super) const GROUP: &str = "gateway.networking.k8s.io";

/// Checks `spec` and plans its Gateway API objects, in a stable order: Gateway, Secret,
/// ReferenceGrant, the ingress GRPCRoutes, the mesh GRPCRoutes, the waypoints, the
/// BackendTLSPolicies, the Services. Every object is written once here, to check its size, and
/// dropped; the mesh writes them again when asked.
pub(crate) fn build(spec: &Arc<IngressSpec>, tls: bool) -> Result<Mesh, BuildErrors> {
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
    let plan = Plan {
        spec: Arc::clone(spec),
        tls,
        api: Api::GatewayApi,
        virtual_services: Vec::new(),
    };
    super::too_large(&plan, &c)?;
    let ns = spec
        .namespace
        .as_deref()
        .map(|ns| format!("-n {ns} "))
        .unwrap_or_default();
    let info = MeshInfo {
        pod_annotations: BTreeMap::new(),
        workload_namespace: spec.namespace.clone().unwrap_or_default(),
        selector: Vec::new(),
        ip_command: Some(format!(
            "export GATEWAY_IP=$(kubectl {ns}get gateway {} -o jsonpath='{{.status.addresses[0].value}}')",
            spec.gateway
        )),
        ..super::info(&c)
    };
    Ok(Mesh::new(plan, info))
}

/// Writes every object of the checked spec `c`, in order, handing each to `each` before
/// writing the next.
pub(super) fn write<E>(
    c: &check::Checked<'_>,
    mut each: impl FnMut(Object) -> Result<(), E>,
) -> Result<(), E> {
    write::all(c, &mut each)?;
    for service in c.backends.iter().flat_map(|b| write::services(c, b)) {
        each(service.into())?;
    }
    Ok(())
}

//! The checks that read one object alone, run on each object as it is read: the CRD schema and
//! CEL rules, the fields the types do not know, and every rule that needs nothing but the object
//! (and the options). Their findings are located at once, while the object's positions are at
//! hand; the object then gives the rules across objects what they read of it
//! ([`crate::model::Entry`]) and is dropped.

use istio_grpc_types::Object;

use crate::crd::CelMemo;
use crate::{Diagnostic, Manifest, Options, checks, codes, input};

/// Runs the checks that read `manifest` alone, and locates their findings.
pub(crate) fn check<'c>(
    manifest: &Manifest,
    options: &'c Options,
    memo: &mut CelMemo<'c>,
    out: &mut Vec<Diagnostic>,
) {
    let start = out.len();
    input::unknown_fields(manifest, out);
    checks::conditions::check(manifest, out);
    match &manifest.object {
        Object::VirtualService(vs) => {
            checks::timeouts::check(manifest, vs, options, out);
            checks::retries::local(manifest, vs, &options.grpc_services, out);
            checks::grpc_web::local(manifest, vs, out);
            // before dup_matches, which leaves out what shadowing said
            checks::shadowing::check(manifest, vs, out);
            checks::dup_matches::check(manifest, vs, out);
            checks::deprecation::virtual_service(manifest, vs, out);
        }
        Object::DestinationRule(dr) => checks::ca_certificates::check(manifest, dr, out),
        Object::Service(svc) => checks::port_names::check(manifest, svc, out),
        Object::PeerAuthentication(pa) => checks::peer_auth_ports::check(manifest, pa, out),
        Object::ServiceEntry(se) => checks::service_entry_addresses::check(manifest, se, out),
        Object::Sidecar(_) => checks::deprecation::sidecar(manifest, out),
        Object::Other(other) => unchecked(manifest, other, options, out),
        _ => {}
    }
    if let Some(crds) = &options.crds {
        checks::crd_schema::check(manifest, crds, memo, out);
    }
    input::locate_one(manifest, &mut out[start..]);
}

/// GRPC014 for an object of a kind no rule reads.
fn unchecked(
    manifest: &Manifest,
    other: &istio_grpc_types::UnknownObject,
    options: &Options,
    out: &mut Vec<Diagnostic>,
) {
    let api = other
        .as_json()
        .get("apiVersion")
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    let kind = manifest.object.kind();
    let schema = options
        .crds
        .as_ref()
        .is_some_and(|crds| crds.covers(api, kind));
    out.push(crate::model::diagnostic(
        manifest,
        codes::UNCHECKED_KIND,
        "",
        if schema {
            format!("{api} {kind} is checked against its CRD only: no rule of this analyzer reads it")
        } else if kind == "Gateway" && api.starts_with("gateway.networking.k8s.io/") {
            format!("{api} {kind} is not checked: no CRD of this analyzer covers its group and kind (VirtualServices bound to it are checked against its listeners)")
        } else {
            format!("{api} {kind} is not checked: no rule and no CRD of this analyzer covers its group and kind")
        },
        None,
    ));
}

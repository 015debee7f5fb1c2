//! IST0106 for a PeerAuthentication `portLevelMtls` key that is not a port number. The CRD types
//! the map's keys as strings, but the API server converts them to the proto's `uint32` and refuses
//! the object ("type conversion error"), so `kubectl apply` fails.

use crate::Manifest;
use crate::model::diagnostic;
use crate::{Diagnostic, codes};
use istio_grpc_types::PeerAuthentication;

pub(crate) fn check(manifest: &Manifest, pa: &PeerAuthentication, out: &mut Vec<Diagnostic>) {
    for key in pa.spec.port_level_mtls.iter().flatten().map(|(k, _)| k) {
        if key.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p)) {
            continue;
        }
        out.push(diagnostic(
            manifest,
            codes::SCHEMA_VALIDATION_ERROR,
            format!("spec.portLevelMtls.{key}"),
            format!("type conversion error: portLevelMtls key {key:?} is not a port number (1-65535); the API server refuses the object"),
            Some("key portLevelMtls by the workload's port number, as \"8080\"".to_owned()),
        ));
    }
}

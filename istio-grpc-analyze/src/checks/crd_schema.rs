//! IST0106: CRD structural schema and CEL rule violations, when CRDs are given.
//!
//! Each object is checked against the CRD of its own group, kind and version only. A typed object
//! is checked as the types read it (its JSON), so the check sees the values Kubernetes sees where
//! the YAML reader repairs a YAML 1.1 trap (`addresses: [001:db8::]` is the string `001:db8::` for
//! Go's YAML and for the types, a one-key mapping for a YAML 1.1 parser); an object of a kind the
//! types do not know is checked as written.

use istio_grpc_types::Object;

use crate::model::diagnostic;
use crate::{CrdSet, Diagnostic, Manifest, codes};

pub(crate) fn check(manifests: &[Manifest], crds: &CrdSet, out: &mut Vec<Diagnostic>) {
    for manifest in manifests {
        let json = match (&manifest.object, &manifest.source) {
            (Object::Other(_), Some(source)) => source.json(),
            (object, _) => match object.to_json() {
                Ok(v) => v,
                Err(_) => continue,
            },
        };
        let Some(findings) = crds.check(&json) else {
            continue;
        };
        for (path, message) in findings.schema.iter().chain(&findings.cel) {
            out.push(diagnostic(
                manifest,
                codes::SCHEMA_VALIDATION_ERROR,
                path.clone(),
                format!("rejected by the CRD: {message}"),
                None,
            ));
        }
        for (path, message) in &findings.unevaluable {
            let mut d = diagnostic(
                manifest,
                codes::SCHEMA_VALIDATION_ERROR,
                path.clone(),
                format!("a CEL rule could not be evaluated offline: {message}"),
                None,
            );
            d.severity = crate::Severity::Info;
            out.push(d);
        }
    }
}

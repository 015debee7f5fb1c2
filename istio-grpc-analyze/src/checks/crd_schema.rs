//! IST0106: CRD structural schema and CEL rule violations, when CRDs are given.
//!
//! Each object is checked against the CRD of its own group, kind and version only. A typed object
//! is checked as the types read it (its JSON), so the check sees the values Kubernetes sees where
//! the YAML reader repairs a YAML 1.1 trap (`addresses: [001:db8::]` is the string `001:db8::` for
//! Go's YAML and for the types, a one-key mapping for a YAML 1.1 parser); an object of a kind the
//! types do not know is checked as written.

use istio_grpc_types::Object;

use crate::crd::CelMemo;
use crate::model::diagnostic;
use crate::{CrdSet, Diagnostic, Manifest, codes};

/// Checks one object against the CRD of its group, kind and version; `memo` is shared by the
/// objects one thread checks (objects of one shape share their CEL verdicts).
pub(crate) fn check<'c>(
    manifest: &Manifest,
    crds: &'c CrdSet,
    memo: &mut CelMemo<'c>,
    out: &mut Vec<Diagnostic>,
) {
    {
        let json = match &manifest.object {
            Object::Other(other) => serde_json::Value::Object(other.as_json().clone()),
            object => match object.to_json() {
                Ok(v) => v,
                Err(_) => return,
            },
        };
        let Some(findings) = crds.check_with(&json, memo) else {
            return;
        };
        // an unknown field the types found is reported once, by GRPC012, with its did-you-mean
        let known_unknown = |path: &str| manifest.unknown_fields.iter().any(|u| u.path == path);
        for (path, message) in findings
            .schema
            .iter()
            .filter(|(path, _)| !known_unknown(path))
            .chain(&findings.cel)
        {
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

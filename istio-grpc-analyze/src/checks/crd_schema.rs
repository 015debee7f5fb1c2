//! IST0106: CRD structural schema and CEL rule violations, when CRDs are given.

use crate::model::diagnostic;
use crate::{CrdSet, Diagnostic, Manifest, codes};

pub(crate) fn check(manifests: &[Manifest], crds: &CrdSet, out: &mut Vec<Diagnostic>) {
    for manifest in manifests {
        // what the user wrote when it came from YAML, else what the object writes
        let json = match &manifest.source {
            Some(source) => source.json(),
            None => match manifest.object.to_json() {
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

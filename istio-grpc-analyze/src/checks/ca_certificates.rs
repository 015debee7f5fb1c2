//! IST0128/IST0129 NoServerCertificateVerification{DestinationLevel,PortLevel}, following
//! Istio's `destinationrule.CaCertificateAnalyzer`: TLS mode `SIMPLE` or `MUTUAL` without
//! `caCertificates` (unless a `credentialName` with a `workloadSelector` supplies them), so the
//! sidecar does not verify the server's certificate: the connection works, and so would one to an
//! impostor.

use istio_grpc_types::destination_rule::{ClientTlsMode, ClientTlsSettings};

use crate::Manifest;
use crate::model::diagnostic;
use crate::{Diagnostic, codes};
use istio_grpc_types::DestinationRule;

fn unverified(tls: Option<&ClientTlsSettings>, has_selector: bool) -> Option<&'static str> {
    let tls = tls?;
    let mode = match tls.mode? {
        ClientTlsMode::Simple => "SIMPLE",
        ClientTlsMode::Mutual => "MUTUAL",
        _ => return None,
    };
    let ca = tls
        .ca_certificates
        .as_deref()
        .is_some_and(|c| !c.is_empty());
    let credential = tls
        .credential_name
        .as_deref()
        .is_some_and(|c| !c.is_empty());
    (!(ca || (credential && has_selector))).then_some(mode)
}

pub(crate) fn check(manifest: &Manifest, dr: &DestinationRule, out: &mut Vec<Diagnostic>) {
    let name = format!(
        "{}/{}",
        manifest.namespace(),
        manifest.object.name().unwrap_or("")
    );
    let ns = manifest.namespace();
    let host = dr.spec.host.as_deref().unwrap_or("");
    let has_selector = dr.spec.workload_selector.is_some();
    let Some(policy) = &dr.spec.traffic_policy else {
        return;
    };
    if let Some(mode) = unverified(policy.tls.as_ref(), has_selector) {
        out.push(diagnostic(
            manifest,
            codes::NO_CERT_VERIFICATION_DESTINATION,
            "spec.trafficPolicy.tls",
            format!("DestinationRule {name} in namespace {ns} has TLS mode set to {mode} but no caCertificates are set to validate server identity for host: {host}"),
            Some("set tls.caCertificates (or a credentialName holding ca.crt) so the server's certificate is verified".to_owned()),
        ));
    }
    for (i, p) in policy.port_level_settings.iter().flatten().enumerate() {
        if let Some(mode) = unverified(p.tls.as_ref(), has_selector) {
            let port = p
                .port
                .as_ref()
                .and_then(|s| s.number)
                .map(|n| format!("number:{n}"))
                .unwrap_or_default();
            out.push(diagnostic(
                manifest,
                codes::NO_CERT_VERIFICATION_PORT,
                format!("spec.trafficPolicy.portLevelSettings[{i}].tls"),
                format!("DestinationRule {name} in namespace {ns} has TLS mode set to {mode} but no caCertificates are set to validate server identity for host: {host} at port {port}"),
                Some("set tls.caCertificates (or a credentialName holding ca.crt) so the server's certificate is verified".to_owned()),
            ));
        }
    }
}

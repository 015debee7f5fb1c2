//! IST0138 GatewayDuplicateCertificate, following Istio's `gateway.CertificateAnalyzer`: two
//! Gateways on the same workload (the current one's selector empty, or a subset of the other's)
//! serve the same certificate (same `credentialName`, or same `serverCertificate` and
//! `privateKey`). A client that re-uses its HTTP/2 connection for the other host (the certificate
//! covers both) lands on the wrong server block and gets 404s — for gRPC, `UNIMPLEMENTED`.

use istio_grpc_types::gateway::ServerTlsSettings;

use crate::model::{Model, diagnostic};
use crate::{Diagnostic, codes};

fn set(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|v| !v.is_empty())
}

/// Istio's `haveSameCertificate`.
fn same_certificate(a: &ServerTlsSettings, b: &ServerTlsSettings) -> bool {
    match (set(&a.credential_name), set(&b.credential_name)) {
        (Some(x), Some(y)) => x == y,
        (None, None) => match (set(&a.server_certificate), set(&b.server_certificate)) {
            (Some(x), Some(y)) if x == y => {
                matches!((set(&a.private_key), set(&b.private_key)), (Some(k), Some(l)) if k == l)
            }
            _ => false,
        },
        _ => false,
    }
}

pub(crate) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    for (i, (ma, ga)) in model.gateways.iter().enumerate() {
        let selector = ga.spec.selector.clone().unwrap_or_default();
        for (j, (mb, gb)) in model.gateways.iter().enumerate() {
            if i == j || (ma.namespace() == mb.namespace() && ma.name() == mb.name()) {
                continue;
            }
            let other = gb.spec.selector.clone().unwrap_or_default();
            if !selector.iter().all(|(k, v)| other.get(k) == Some(v)) {
                continue;
            }
            let shared = ga.spec.servers.iter().flatten().any(|sa| {
                gb.spec.servers.iter().flatten().any(
                    |sb| matches!((&sa.tls, &sb.tls), (Some(x), Some(y)) if same_certificate(x, y)),
                )
            });
            if shared {
                let names = [
                    format!("{}/{}", ma.namespace(), ma.name()),
                    format!("{}/{}", mb.namespace(), mb.name()),
                ];
                out.push(diagnostic(
                    ma,
                    codes::GATEWAY_DUPLICATE_CERTIFICATE,
                    "metadata.name",
                    format!("Duplicate certificate in multiple gateways {names:?} may cause 404s if clients re-use HTTP2 connections (gRPC clients see UNIMPLEMENTED)"),
                    Some("serve the hosts sharing a certificate from one Gateway server, or give each Gateway its own certificate".to_owned()),
                ));
            }
        }
    }
}

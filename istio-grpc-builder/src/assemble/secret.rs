//! The `kubernetes.io/tls` Secret, when the credential was given as PEM; it lives in the
//! gateway workload's namespace, where the gateway reads `credentialName`.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;

use super::check::Checked;
use super::meta;

pub(super) fn write(c: &Checked<'_>) -> Option<Secret> {
    let cred = c.spec.credential.as_ref().filter(|_| c.tls)?;
    let (cert, key) = cred.pem.as_ref()?;
    Some(Secret {
        metadata: meta(&cred.name, Some(&c.spec.workload_namespace)),
        type_: Some("kubernetes.io/tls".to_owned()),
        data: Some(BTreeMap::from([
            ("tls.crt".to_owned(), ByteString(cert.as_bytes().to_vec())),
            ("tls.key".to_owned(), ByteString(key.0.as_bytes().to_vec())),
        ])),
        ..Default::default()
    })
}

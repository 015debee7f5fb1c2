//! Certificates for local runs: a private CA and a leaf for the gateway hosts, made with rcgen
//! (used by `istio-grpc preview` when no certificate is given, and by the traffic lab).

use std::path::{Path, PathBuf};

/// A CA and a leaf certificate signed by it, written as PEM files.
#[derive(Clone, PartialEq, Eq)]
pub struct SelfSigned {
    /// The CA certificate (what clients trust: grpcurl's `SSL_CERT_FILE`, tonic's CA).
    pub ca_file: PathBuf,
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The leaf certificate chain.
    pub cert_file: PathBuf,
    /// The leaf's private key (never printed).
    pub key_file: PathBuf,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelfSigned")
            .field("ca_file", &self.ca_file)
            .field("cert_file", &self.cert_file)
            .field("key_file", &self.key_file)
            .finish_non_exhaustive()
    }
}

/// Makes a CA and a leaf for `hosts` (wildcard `*` left out), writing
/// `<name>-ca.crt`, `<name>.crt` and `<name>.key` into `dir`.
///
/// # Errors
/// When rcgen refuses a host name or a file cannot be written.
pub fn self_signed(dir: &Path, name: &str, hosts: &[String]) -> Result<SelfSigned, String> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let e = |e: rcgen::Error| e.to_string();
    let ca_key = KeyPair::generate().map_err(e)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("istio-grpc local CA ({name})"),
    );
    let ca = ca_params.self_signed(&ca_key).map_err(e)?;
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = KeyPair::generate().map_err(e)?;
    let names: Vec<String> = hosts.iter().filter(|h| *h != "*").cloned().collect();
    let leaf = CertificateParams::new(names)
        .map_err(e)?
        .signed_by(&leaf_key, &issuer)
        .map_err(e)?;
    let out = SelfSigned {
        ca_file: dir.join(format!("{name}-ca.crt")),
        ca_pem: ca.pem(),
        cert_file: dir.join(format!("{name}.crt")),
        key_file: dir.join(format!("{name}.key")),
    };
    let write =
        |p: &Path, s: &str| std::fs::write(p, s).map_err(|e| format!("{}: {e}", p.display()));
    write(&out.ca_file, &out.ca_pem)?;
    write(&out.cert_file, &leaf.pem())?;
    write(&out.key_file, &leaf_key.serialize_pem())?;
    Ok(out)
}

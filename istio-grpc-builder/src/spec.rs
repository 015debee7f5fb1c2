//! What the typestate facades ([`Ingress`](crate::Ingress), [`Backend`](crate::Backend)) hold:
//! plain data, independent of markers, checked and written by `build()`.

use std::collections::BTreeMap;
use std::fmt;

use istio_grpc_types::destination_rule::{ClientTlsMode, SimpleLb};
use k8s_openapi::api::core::v1::Service;

use crate::GrpcWeb;
use crate::backend::ProxylessRole;
use crate::route::Route;

/// PEM text of a private key. Never shown by `Debug` or in errors.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PrivateKeyPem(pub(crate) String);

impl fmt::Debug for PrivateKeyPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKeyPem(<redacted>)")
    }
}

/// The certificate the gateway presents: a `kubernetes.io/tls` Secret in the gateway
/// workload's namespace, named by `credentialName`.
///
/// `Debug` never shows the private key.
///
/// ```
/// use istio_grpc_builder::TlsCredential;
/// let existing = TlsCredential::secret("grpc-tls-credential");
/// let cred = TlsCredential::from_pem("grpc-tls-credential", "-----BEGIN CERTIFICATE-----…", "-----BEGIN PRIVATE KEY-----…");
/// assert!(!format!("{cred:?}").contains("PRIVATE KEY"));
/// assert!(format!("{existing:?}").contains("grpc-tls-credential"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct TlsCredential {
    pub(crate) name: String,
    pub(crate) pem: Option<(String, PrivateKeyPem)>,
}

impl TlsCredential {
    /// A Secret that already exists (created e.g. with `kubectl create secret tls`).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, TlsCredential};
    /// let mesh = Ingress::new("grpc.example.com")
    ///     .tls(TlsCredential::secret("grpc-tls-credential"))
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// assert!(mesh.objects().iter().all(|o| o.kind() != "Secret"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn secret(name: impl Into<String>) -> Self {
        TlsCredential {
            name: name.into(),
            pem: None,
        }
    }

    /// A Secret the builder writes from a PEM certificate chain and private key (both checked
    /// by `build()`; the key never appears in `Debug` or error output).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, TlsCredential};
    /// let errors = Ingress::new("grpc.example.com")
    ///     .tls(TlsCredential::from_pem("grpc-tls-credential", "not pem", "not pem either"))
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()
    ///     .expect_err("not PEM");
    /// assert_eq!(errors.to_string(), "2 problems:\n- tls credential \"grpc-tls-credential\": the certificate chain holds no PEM block\n- tls credential \"grpc-tls-credential\": the private key is not valid PEM");
    /// ```
    pub fn from_pem(
        name: impl Into<String>,
        cert_chain_pem: impl Into<String>,
        private_key_pem: impl Into<String>,
    ) -> Self {
        TlsCredential {
            name: name.into(),
            pem: Some((cert_chain_pem.into(), PrivateKeyPem(private_key_pem.into()))),
        }
    }
}

/// Everything an ingress holds, independent of its transport.
#[derive(Clone, Debug)]
pub(crate) struct IngressSpec {
    pub(crate) hosts: Vec<String>,
    pub(crate) gateway: String,
    pub(crate) namespace: Option<String>,
    pub(crate) workload_namespace: String,
    pub(crate) selector: Vec<(String, String)>,
    pub(crate) virtual_service: String,
    pub(crate) credential: Option<TlsCredential>,
    pub(crate) backends: Vec<BackendSpec>,
    /// What only the Gateway API output reads.
    pub(crate) gateway_api: crate::gateway_api::GatewayApiOptions,
}

/// Where the backend's Kubernetes Service comes from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ServiceSource {
    /// The builder writes it.
    Emit {
        port_name: String,
        /// The pod selector; `None` for the default, `app: <name>` (kept implicit: a map of one
        /// entry costs half a kilobyte, a lot for 10,000 backends).
        selector: Option<BTreeMap<String, String>>,
        target_port: Option<u16>,
    },
    /// The user's own, checked.
    Given(Box<Service>),
}

/// Everything a backend holds, independent of its data plane.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BackendSpec {
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) port: u16,
    pub(crate) service: ServiceSource,
    pub(crate) routes: Vec<Route>,
    /// Boxed, as the other settings few backends have: every backend of a large mesh pays for
    /// the size of the fields that are `None`.
    pub(crate) grpc_web: Option<Box<GrpcWeb>>,
    pub(crate) lb: Option<SimpleLb>,
    pub(crate) upstream_tls: Option<ClientTlsMode>,
    /// What the gateway verifies of a backend that terminates TLS itself
    /// ([`Backend::upstream_tls_verified`](crate::Backend::upstream_tls_verified)).
    pub(crate) upstream_verify: Option<Box<UpstreamVerify>>,
    pub(crate) subsets: Vec<(String, BTreeMap<String, String>)>,
    /// When to eject a failing pod ([`Backend::outlier_detection`](crate::Backend::outlier_detection)).
    pub(crate) outlier: Option<Box<crate::OutlierDetection>>,
    /// At most this many calls open at once
    /// ([`Backend::max_concurrent_calls`](crate::Backend::max_concurrent_calls)).
    pub(crate) max_concurrent_calls: Option<u32>,
    pub(crate) proxyless: Option<ProxylessRole>,
    /// Routes for server reflection ([`Backend::reflection`](crate::Backend::reflection)).
    pub(crate) reflection: bool,
    /// Other Services that take a share of this backend's calls
    /// ([`Backend::split_to`](crate::Backend::split_to)); this backend's own Service takes
    /// the rest of 100 %.
    pub(crate) splits: Vec<SplitSpec>,
}

/// The name a backend's certificate is for, and the CA that signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UpstreamVerify {
    pub(crate) hostname: String,
    pub(crate) ca: UpstreamCa,
}

/// The CA that signed a backend's certificate, for
/// [`Backend::upstream_tls_verified`](crate::Backend::upstream_tls_verified).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpstreamCa {
    /// The CAs the gateway's system trusts (publicly issued certificates): Istio's
    /// `SIMPLE` without `caCertificates`; Gateway API `wellKnownCACertificates: System`.
    System,
    /// The PEM bundle under the key `ca.crt` of this ConfigMap, in the backend's namespace: Istio's
    /// `credentialName: configmap://<name>`; Gateway API `caCertificateRefs` to the ConfigMap.
    ConfigMap(String),
}

/// A Service that takes `percent` % of a backend's calls.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SplitSpec {
    /// The Service, as a backend holds it; only its Service settings apply (`build()` refuses
    /// the others).
    pub(crate) service: BackendSpec,
    pub(crate) percent: u8,
}

impl BackendSpec {
    /// The host routes and DestinationRules name: `<name>` or
    /// `<name>.<namespace>.svc.cluster.local`.
    pub(crate) fn host(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}.{ns}.svc.cluster.local", self.name),
            None => self.name.clone(),
        }
    }
}

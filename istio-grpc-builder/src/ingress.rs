//! The entry point: a host exposed through an Istio ingress gateway, over TLS or h2c.

use std::fmt;
use std::marker::PhantomData;

use crate::backend::{Backend, BackendSpec, DataPlane};
use crate::{BuildError, Mesh};

/// Transport markers: what the gateway speaks to clients.
pub mod transport {
    /// Marker: TLS not yet chosen. No gateway can be built in this state.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Unchosen;
    /// Marker: HTTPS on 443, TLS terminated at the gateway (HTTP/2 negotiated by ALPN).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Tls;
    /// Marker: plaintext HTTP/2 (h2c) on port 80, chosen by name with `.h2c()`.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct H2c;
}
use transport::{H2c, Tls, Unchosen};

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::transport::Unchosen {}
    impl Sealed for super::transport::Tls {}
    impl Sealed for super::transport::H2c {}
}

/// A chosen transport: [`Tls`] or [`H2c`]. `build()` needs one.
#[diagnostic::on_unimplemented(
    message = "no gateway is built before its transport is chosen",
    label = "TLS or h2c not chosen yet",
    note = "call `.tls(TlsCredential::secret(\"…\"))` for HTTPS on 443, or `.h2c()` for plaintext HTTP/2 on 80, before `.build()`"
)]
pub trait Transport: sealed::Sealed {
    /// Whether the gateway terminates TLS.
    const TLS: bool;
}
impl Transport for Tls {
    const TLS: bool = true;
}
impl Transport for H2c {
    const TLS: bool = false;
}

/// A transport that may still be chosen: only [`Unchosen`].
#[diagnostic::on_unimplemented(
    message = "the gateway's transport is already chosen (`{Self}`): an h2c gateway takes no TLS credential",
    label = "transport chosen earlier in this chain",
    note = "choose exactly one of `.tls(..)` (HTTPS on 443) and `.h2c()` (plaintext on 80); remove the other call"
)]
pub trait TransportUnchosen: sealed::Sealed {}
impl TransportUnchosen for Unchosen {}

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
/// # let _ = existing;
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
    /// let c = istio_grpc_builder::TlsCredential::secret("grpc-tls-credential");
    /// # let _ = c;
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
    /// let c = istio_grpc_builder::TlsCredential::from_pem("grpc-tls-credential", "cert pem", "key pem");
    /// # let _ = c;
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
}

/// gRPC services exposed at a host through an Istio ingress gateway.
///
/// Defaults, as in the seed: Gateway `grpc-gateway` selecting `istio: ingressgateway`, whose
/// workload (and TLS Secret) live in `istio-system`; VirtualService `grpc-vs`; objects without
/// a namespace unless [`namespace`](Self::namespace) is set. The transport must be chosen with
/// [`tls`](Self::tls) or [`h2c`](Self::h2c) before [`build`](Self::build).
///
/// ```
/// use std::time::Duration;
/// use istio_grpc_builder::{Backend, Ingress, RetryOn, ServiceRoute, TlsCredential};
///
/// let mesh = Ingress::new("grpc.example.com")
///     .tls(TlsCredential::secret("grpc-tls-credential"))
///     .backend(Backend::service("user-grpc-service")
///         .route(ServiceRoute::unary("mypackage.UserService")
///             .timeout(Duration::from_secs(60))
///             .retries(3, [RetryOn::Unavailable])
///             .per_try_timeout(Duration::from_secs(20)))
///         .route(ServiceRoute::health()))
///     .backend(Backend::service("streaming-service").route(ServiceRoute::streaming("mypackage.FeedService")))
///     .build()?;
/// assert!(mesh.to_yaml().contains("credentialName: grpc-tls-credential"));
/// # Ok::<(), istio_grpc_builder::BuildError>(())
/// ```
#[must_use]
pub struct Ingress<T = Unchosen> {
    spec: IngressSpec,
    transport: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for Ingress<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ingress")
            .field(
                "transport",
                &std::any::type_name::<T>().rsplit("::").next().unwrap_or(""),
            )
            .field("spec", &self.spec)
            .finish()
    }
}

impl<T> Clone for Ingress<T> {
    fn clone(&self) -> Self {
        Ingress {
            spec: self.spec.clone(),
            transport: PhantomData,
        }
    }
}

impl Ingress<Unchosen> {
    /// Expose gRPC services at `host` (a fully qualified name or `*.domain`, checked by
    /// `build()`).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com");
    /// # let _ = ingress;
    /// ```
    pub fn new(host: impl Into<String>) -> Self {
        Ingress {
            spec: IngressSpec {
                hosts: vec![host.into()],
                gateway: "grpc-gateway".to_owned(),
                namespace: None,
                workload_namespace: "istio-system".to_owned(),
                selector: vec![("istio".to_owned(), "ingressgateway".to_owned())],
                virtual_service: "grpc-vs".to_owned(),
                credential: None,
                backends: Vec::new(),
            },
            transport: PhantomData,
        }
    }
}

impl<T> Ingress<T> {
    fn with<U>(self) -> Ingress<U> {
        Ingress {
            spec: self.spec,
            transport: PhantomData,
        }
    }

    /// Terminate TLS at the gateway: HTTPS on 443, `tls.mode: SIMPLE`, `credentialName`.
    /// Not available once `.h2c()` was chosen.
    ///
    /// ```
    /// use istio_grpc_builder::{Ingress, TlsCredential};
    /// let ingress = Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"));
    /// # let _ = ingress;
    /// ```
    pub fn tls(mut self, credential: TlsCredential) -> Ingress<Tls>
    where
        T: TransportUnchosen,
    {
        self.spec.credential = Some(credential);
        self.with()
    }

    /// Serve plaintext HTTP/2 (h2c) on port 80, with no TLS block. Only where every client
    /// speaks h2c and the network is trusted. Not available once `.tls(..)` was chosen.
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").h2c();
    /// # let _ = ingress;
    /// ```
    pub fn h2c(self) -> Ingress<H2c>
    where
        T: TransportUnchosen,
    {
        self.with()
    }

    /// Another host served by the same gateway and routes.
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").host("api.example.com");
    /// # let _ = ingress;
    /// ```
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.spec.hosts.push(host.into());
        self
    }

    /// The Gateway's name (default `grpc-gateway`).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").gateway("public-grpc");
    /// # let _ = ingress;
    /// ```
    pub fn gateway(mut self, name: impl Into<String>) -> Self {
        self.spec.gateway = name.into();
        self
    }

    /// The namespace of the Gateway and VirtualService (default: none, i.e. where they are
    /// applied).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").namespace("shop");
    /// # let _ = ingress;
    /// ```
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.spec.namespace = Some(namespace.into());
        self
    }

    /// The namespace of the gateway workload (default `istio-system`): where the TLS Secret
    /// and the gRPC-Web EnvoyFilter must live.
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").gateway_workload_namespace("ingress");
    /// # let _ = ingress;
    /// ```
    pub fn gateway_workload_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.spec.workload_namespace = namespace.into();
        self
    }

    /// The gateway workload's labels (default `istio: ingressgateway`).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").selector([("istio", "grpc-ingress")]);
    /// # let _ = ingress;
    /// ```
    pub fn selector<K: Into<String>, V: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.spec.selector = labels
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// The VirtualService's name (default `grpc-vs`).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").virtual_service("grpc-routing");
    /// # let _ = ingress;
    /// ```
    pub fn virtual_service(mut self, name: impl Into<String>) -> Self {
        self.spec.virtual_service = name.into();
        self
    }

    /// A backend and its routes.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress};
    /// let ingress = Ingress::new("grpc.example.com").backend(Backend::service("grpc-service"));
    /// # let _ = ingress;
    /// ```
    pub fn backend<M: DataPlane>(mut self, backend: Backend<M>) -> Self {
        self.spec.backends.push(backend.spec);
        self
    }

    /// Check every value and produce the manifests. Errors name the offending part
    /// (`backend "user-grpc-service": port 0 …`).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress};
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
    /// assert_eq!(mesh.objects().len(), 3); // Gateway, VirtualService, Service
    /// # Ok::<(), istio_grpc_builder::BuildError>(())
    /// ```
    pub fn build(&self) -> Result<Mesh, BuildError>
    where
        T: Transport,
    {
        crate::assemble::assemble(&self.spec, T::TLS)
    }
}

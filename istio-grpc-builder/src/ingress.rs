//! The entry point: a host exposed through an Istio ingress gateway, over TLS or h2c.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::backend::Backend;
use crate::error::BuildErrors;
use crate::marker::{
    Api, H2c, Https, Istio, IstioOnly, RoutableWith, ServiceOrigin, Transport, TransportUnchosen,
    Unchosen,
};
use crate::mesh::Mesh;
use crate::spec::{IngressSpec, TlsCredential};

/// gRPC services exposed at a host through an Istio ingress gateway.
///
/// Defaults: Gateway `grpc-gateway` selecting `istio: ingressgateway`, whose
/// workload (and TLS Secret) live in `istio-system`; VirtualService `grpc-vs`; objects without
/// a namespace unless [`namespace`](Self::namespace) is set. The transport must be chosen with
/// [`tls`](Self::tls) or [`h2c`](Self::h2c) before [`build`](Self::build).
///
/// The output is Istio's API unless [`gateway_api`](Self::gateway_api) switches it to the
/// Kubernetes Gateway API (Gateway, GRPCRoute…) for the same services.
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
/// # Ok::<(), istio_grpc_builder::BuildErrors>(())
/// ```
#[must_use]
pub struct Ingress<T = Unchosen, A = Istio> {
    /// Shared with the meshes built from it (which write their objects from it), copied
    /// before a change once shared ([`spec_mut`](Self::spec_mut)).
    pub(crate) spec: Arc<IngressSpec>,
    transport: PhantomData<fn() -> (T, A)>,
}

impl<T, A> fmt::Debug for Ingress<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ingress")
            .field(
                "transport",
                &std::any::type_name::<T>().rsplit("::").next().unwrap_or(""),
            )
            .field(
                "api",
                &std::any::type_name::<A>().rsplit("::").next().unwrap_or(""),
            )
            .field("spec", &self.spec)
            .finish()
    }
}

impl<T, A> Clone for Ingress<T, A> {
    fn clone(&self) -> Self {
        Ingress {
            spec: Arc::clone(&self.spec),
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
    /// let mesh = ingress.h2c().backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("- grpc.example.com"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn new(host: impl Into<String>) -> Self {
        Ingress {
            spec: Arc::new(IngressSpec {
                hosts: vec![host.into()],
                gateway: "grpc-gateway".to_owned(),
                namespace: None,
                workload_namespace: "istio-system".to_owned(),
                selector: vec![("istio".to_owned(), "ingressgateway".to_owned())],
                virtual_service: "grpc-vs".to_owned(),
                credential: None,
                backends: Vec::new(),
                gateway_api: Default::default(),
            }),
            transport: PhantomData,
        }
    }
}

impl<T, A: Api> Ingress<T, A> {
    pub(crate) fn with<U, B>(self) -> Ingress<U, B> {
        Ingress {
            spec: self.spec,
            transport: PhantomData,
        }
    }

    /// The spec, to change: copied first if a mesh built from this ingress (or a clone of it)
    /// still shares it, so that a built mesh never changes.
    pub(crate) fn spec_mut(&mut self) -> &mut IngressSpec {
        Arc::make_mut(&mut self.spec)
    }

    /// Terminate TLS at the gateway: HTTPS on 443, `tls.mode: SIMPLE`, `credentialName`.
    /// Not available once `.h2c()` was chosen.
    ///
    /// ```
    /// use istio_grpc_builder::{Ingress, TlsCredential};
    /// let ingress = Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"));
    /// let mesh = ingress.backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("credentialName: grpc-tls-credential"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("number: 443"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn tls(mut self, credential: TlsCredential) -> Ingress<Https, A>
    where
        T: TransportUnchosen,
    {
        self.spec_mut().credential = Some(credential);
        self.with::<Https, A>()
    }

    /// Serve plaintext HTTP/2 (h2c) on port 80, with no TLS block. Only where every client
    /// speaks h2c and the network is trusted. Not available once `.tls(..)` was chosen.
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").h2c();
    /// let mesh = ingress.backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("protocol: GRPC"), "{}", mesh.yaml());
    /// assert!(!mesh.yaml().contains("tls:"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn h2c(self) -> Ingress<H2c, A>
    where
        T: TransportUnchosen,
    {
        self.with::<H2c, A>()
    }

    /// Another host served by the same gateway and routes.
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").host("api.example.com");
    /// let mesh = ingress.h2c().backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("- api.example.com"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.spec_mut().hosts.push(host.into());
        self
    }

    /// The Gateway's name (default `grpc-gateway`).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").gateway("public-grpc");
    /// let mesh = ingress.h2c().backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("name: public-grpc"), "{}", mesh.yaml());
    /// assert!(mesh.yaml().contains("- public-grpc"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn gateway(mut self, name: impl Into<String>) -> Self {
        self.spec_mut().gateway = name.into();
        self
    }

    /// The namespace of the Gateway and VirtualService (default: none, i.e. where they are
    /// applied).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").namespace("shop");
    /// let mesh = ingress.h2c().backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("namespace: shop"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.spec_mut().namespace = Some(namespace.into());
        self
    }

    /// The namespace of the gateway workload (default `istio-system`): where the TLS Secret
    /// and the gRPC-Web EnvoyFilter must live.
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").gateway_workload_namespace("ingress");
    /// let mesh = ingress.h2c().backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.gateway_ip_command().contains("-n ingress"));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn gateway_workload_namespace(mut self, namespace: impl Into<String>) -> Self
    where
        A: IstioOnly,
    {
        self.spec_mut().workload_namespace = namespace.into();
        self
    }

    /// The gateway workload's labels (default `istio: ingressgateway`).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").selector([("istio", "grpc-ingress")]);
    /// let mesh = ingress.h2c().backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("istio: grpc-ingress"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn selector<K: Into<String>, V: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = (K, V)>,
    ) -> Self
    where
        A: IstioOnly,
    {
        self.spec_mut().selector = labels
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// The VirtualService's name (default `grpc-vs`). When the routes do not fit in one
    /// object of the size Kubernetes accepts, the builder writes several: `<name>`,
    /// `<name>-2`, … (see [`limits`](crate::limits)).
    ///
    /// ```
    /// let ingress = istio_grpc_builder::Ingress::new("grpc.example.com").virtual_service("grpc-routing");
    /// let mesh = ingress.h2c().backend(istio_grpc_builder::Backend::service("grpc-service")).build()?;
    /// assert!(mesh.yaml().contains("name: grpc-routing"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn virtual_service(mut self, name: impl Into<String>) -> Self
    where
        A: IstioOnly,
    {
        self.spec_mut().virtual_service = name.into();
        self
    }

    /// A backend and its routes.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress};
    /// let ingress = Ingress::new("grpc.example.com").backend(Backend::service("grpc-service"));
    /// let mesh = ingress.h2c().build()?;
    /// assert!(mesh.yaml().contains("host: grpc-service"), "{}", mesh.yaml());
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn backend<M: RoutableWith<A>, O: ServiceOrigin>(mut self, backend: Backend<M, O>) -> Self {
        let mut backend = backend.spec;
        // one allocation of the right size per backend: a large mesh holds many
        backend.routes.shrink_to_fit();
        self.spec_mut().backends.push(backend);
        self
    }

    /// Check every value and produce the manifests. Every problem is reported at once, each
    /// naming the offending part (`backend "user-grpc-service": port 0 …`).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, BuildError, Ingress, error::DuplicateKind};
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
    /// assert_eq!(mesh.objects().len(), 3); // Gateway, VirtualService, Service
    ///
    /// let errors = Ingress::new("grpc.example.com").h2c()
    ///     .backend(Backend::service("a"))
    ///     .backend(Backend::service("a"))
    ///     .build()
    ///     .expect_err("the same backend twice");
    /// assert!(errors.iter().all(|e| matches!(e, BuildError::Duplicate { kind: DuplicateKind::Backend | DuplicateKind::Route, .. })));
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn build(&self) -> Result<Mesh, BuildErrors>
    where
        T: Transport,
    {
        if A::GATEWAY_API {
            crate::assemble::build_gateway_api(&self.spec, T::TLS)
        } else {
            crate::assemble::build(&self.spec, T::TLS)
        }
    }
}

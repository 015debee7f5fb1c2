//! The built mesh: typed objects, YAML, a folder of manifests, and grpcurl checks.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

use istio_grpc_types::Object;

use crate::assemble::Plan;
use crate::error::WriteError;
use crate::route::{HEALTH_SERVICE, REFLECTION_SERVICES, Target};

/// What a grpcurl check calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CheckTarget {
    /// `list`: every service, through server reflection.
    List,
    /// `describe <service>`, through server reflection.
    Describe(String),
    /// A method call `<service>/<method>` with a request body.
    Call(String, String),
}

impl CheckTarget {
    pub(crate) fn from_target(t: &Target) -> Self {
        match t {
            Target::All => CheckTarget::List,
            Target::Service(s) if s == HEALTH_SERVICE => {
                CheckTarget::Call(format!("{HEALTH_SERVICE}/Check"), "{}".to_owned())
            }
            Target::Service(s) if REFLECTION_SERVICES.contains(&s.as_str()) => CheckTarget::List,
            Target::Service(s) => CheckTarget::Describe(s.clone()),
            Target::Method(s, m) => CheckTarget::Call(format!("{s}/{m}"), "{}".to_owned()),
        }
    }
}

/// The check `build()` planned for one route: what grpcurl calls, and whether grpcurl can get
/// the schema it needs through the gateway (server reflection reaches the route's backend).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PlannedCheck {
    pub(crate) target: CheckTarget,
    pub(crate) route: String,
    pub(crate) backend: String,
    pub(crate) reflection: bool,
}

/// One grpcurl command that checks the built mesh through the gateway: TLS on 443 with
/// `-authority`, or `-plaintext` on 80. The gateway address is `$GATEWAY_IP` (see
/// [`Mesh::gateway_ip_command`]).
///
/// grpcurl needs each message's schema: from server reflection through the gateway (what
/// [`Mesh::grpcurl_checks`] relies on), or from `.proto` files ([`with_protos`](Self::with_protos)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcurlCheck {
    plaintext: bool,
    authority: String,
    target: CheckTarget,
    protos: Option<(Vec<String>, Vec<String>)>,
}

impl GrpcurlCheck {
    /// The same call, with the schema read from `.proto` files instead of server reflection:
    /// `-import-path` for each of `import_paths`, `-proto` for each of `protos` (relative to an
    /// import path). Only calls use them: `list` and `describe` with `.proto` files would
    /// describe the files without asking the gateway, so they are left as they are.
    ///
    /// ```
    /// # use istio_grpc_builder::{Backend, Ingress};
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
    /// let call = mesh.grpcurl_call("helloworld.Greeter/SayHello", "{}").with_protos(["proto"], ["helloworld.proto"]);
    /// assert_eq!(
    ///     call.to_string(),
    ///     "grpcurl -plaintext -import-path proto -proto helloworld.proto -d '{}' -authority grpc.example.com $GATEWAY_IP:80 helloworld.Greeter/SayHello"
    /// );
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    #[must_use]
    pub fn with_protos<P: Into<String>, F: Into<String>>(
        mut self,
        import_paths: impl IntoIterator<Item = P>,
        protos: impl IntoIterator<Item = F>,
    ) -> Self {
        if matches!(self.target, CheckTarget::Call(..)) {
            self.protos = Some((
                import_paths.into_iter().map(Into::into).collect(),
                protos.into_iter().map(Into::into).collect(),
            ));
        }
        self
    }

    /// The command's arguments, after `grpcurl`.
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if self.plaintext {
            a.push("-plaintext".to_owned());
        }
        if let Some((import_paths, protos)) = &self.protos {
            for p in import_paths {
                a.push("-import-path".to_owned());
                a.push(p.clone());
            }
            for p in protos {
                a.push("-proto".to_owned());
                a.push(p.clone());
            }
        }
        if let CheckTarget::Call(_, data) = &self.target {
            a.push("-d".to_owned());
            a.push(data.clone());
        }
        a.push("-authority".to_owned());
        a.push(self.authority.clone());
        a.push(format!(
            "$GATEWAY_IP:{}",
            if self.plaintext { 80 } else { 443 }
        ));
        match &self.target {
            CheckTarget::List => a.push("list".to_owned()),
            CheckTarget::Describe(s) => {
                a.push("describe".to_owned());
                a.push(s.clone());
            }
            CheckTarget::Call(m, _) => a.push(m.clone()),
        }
        a
    }
}

impl fmt::Display for GrpcurlCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("grpcurl")?;
        for arg in self.args() {
            // Quote what the shell would split or expand; keep $GATEWAY_IP expandable.
            if arg.contains(['{', '}', ' ', '"', '\'', '$']) && !arg.starts_with("$GATEWAY_IP:") {
                write!(f, " '{}'", arg.replace('\'', r"'\''"))?;
            } else {
                write!(f, " {arg}")?;
            }
        }
        Ok(())
    }
}

/// A route that [`Mesh::grpcurl_checks`] cannot check, and what it would need. Its `Display`
/// says it in a sentence.
///
/// ```
/// use istio_grpc_builder::{Backend, Ingress, ServiceRoute};
/// let mesh = Ingress::new("grpc.example.com").h2c()
///     .backend(Backend::service("users").route(ServiceRoute::unary("mypackage.UserService")))
///     .build()?;
/// assert!(mesh.grpcurl_checks().is_empty());
/// assert_eq!(
///     mesh.unchecked_routes()[0].to_string(),
///     "route /mypackage.UserService/ (backend users): grpcurl gets no schema for it through the gateway: \
///      no route takes server reflection to this backend. Add `Backend::reflection()` to it \
///      (and serve reflection there) to check it with `describe`."
/// );
/// # Ok::<(), istio_grpc_builder::BuildErrors>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncheckedRoute {
    route: String,
    backend: String,
    call: bool,
    reflection_elsewhere: Option<String>,
}

impl UncheckedRoute {
    /// The route's path prefix or exact path, or `(all calls)`.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// The backend it goes to.
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// Whether a call with `.proto` files ([`Mesh::grpcurl_checks_with_protos`]) checks it.
    pub fn protos_would_check(&self) -> bool {
        self.call
    }
}

impl fmt::Display for UncheckedRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "route {} (backend {}): grpcurl gets no schema for it through the gateway: ",
            self.route, self.backend
        )?;
        match &self.reflection_elsewhere {
            Some(other) => write!(
                f,
                "server reflection goes to backend {other}, not to this one"
            )?,
            None => f.write_str("no route takes server reflection to this backend")?,
        }
        if self.call {
            f.write_str(
                ". Pass its .proto files to `Mesh::grpcurl_checks_with_protos`, or add \
                 `Backend::reflection()` to this backend (and serve reflection there).",
            )
        } else {
            f.write_str(
                ". Add `Backend::reflection()` to it (and serve reflection there) to check it \
                 with `describe`.",
            )
        }
    }
}

/// Everything `build()` produced: the manifests, and the grpcurl commands that check them.
///
/// `build()` checked every object (each value, and each object's size against Kubernetes'
/// limits), but a mesh keeps only the spec it was built from: it writes the objects again,
/// one at a time, whenever they are asked for. [`write_yaml`](Self::write_yaml) and
/// [`write_dir`](Self::write_dir) stream them (each object is dropped once written), so that
/// writing 10,000 services holds one object at a time; [`objects`](Self::objects) and
/// [`yaml`](Self::yaml) build the whole set on first use and keep it.
///
/// ```
/// use istio_grpc_builder::{Backend, Ingress};
/// let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
/// assert_eq!(mesh.objects()[0].kind(), "Gateway");
/// assert!(mesh.yaml().starts_with("---\n"));
/// assert_eq!(mesh.grpcurl_checks()[0].to_string(), "grpcurl -plaintext -authority grpc.example.com $GATEWAY_IP:80 list");
/// # Ok::<(), istio_grpc_builder::BuildErrors>(())
/// ```
#[derive(Clone, Debug)]
pub struct Mesh {
    plan: Plan,
    objects: OnceLock<Vec<Object>>,
    yaml: OnceLock<String>,
    info: MeshInfo,
}

/// What a mesh knows besides its objects, for the grpcurl checks and the pods.
#[derive(Clone, Debug)]
pub(crate) struct MeshInfo {
    pub(crate) authority: String,
    pub(crate) tls: bool,
    /// The backend server reflection reaches through the gateway, if any.
    pub(crate) reflection_backend: Option<String>,
    pub(crate) pod_annotations: BTreeMap<String, BTreeMap<String, String>>,
    pub(crate) workload_namespace: String,
    pub(crate) selector: Vec<(String, String)>,
    /// The Gateway API output's command (the address in the Gateway's status), which replaces
    /// the selector-based one.
    pub(crate) ip_command: Option<String>,
}

impl Mesh {
    pub(crate) fn new(plan: Plan, info: MeshInfo) -> Self {
        Mesh {
            plan,
            objects: OnceLock::new(),
            yaml: OnceLock::new(),
            info,
        }
    }

    /// Every object, in a stable order: Gateway, Secret, VirtualServices, DestinationRules,
    /// Services, EnvoyFilter; with the Gateway API: Gateway, Secret, ReferenceGrant, the
    /// ingress routes, the mesh routes, the waypoints, Services.
    ///
    /// Built on first use and kept (10,000 services take some 30 MiB): to write them, prefer
    /// [`write_yaml`](Self::write_yaml) or [`write_dir`](Self::write_dir), which hold one
    /// object at a time.
    pub fn objects(&self) -> &[Object] {
        self.objects.get_or_init(|| self.collect())
    }

    /// The objects, owned (same order as [`objects`](Self::objects)).
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress};
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
    /// let kinds: Vec<&str> = mesh.objects().iter().map(|o| o.kind()).collect();
    /// assert_eq!(kinds, ["Gateway", "VirtualService", "Service"]);
    /// assert_eq!(mesh.into_objects().len(), 3);
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn into_objects(mut self) -> Vec<Object> {
        match self.objects.take() {
            Some(objects) => objects,
            None => self.collect(),
        }
    }

    /// Every object, built now.
    fn collect(&self) -> Vec<Object> {
        let mut objects = Vec::new();
        let Ok(()) = self.plan.each(|o| {
            objects.push(o);
            Ok::<(), Infallible>(())
        });
        objects
    }

    /// Every object as one multi-document YAML stream (one document per object, each under
    /// the limits in [`limits`](crate::limits)). Deterministic: the same mesh always
    /// gives the same bytes, the bytes [`write_yaml`](Self::write_yaml) writes.
    ///
    /// Built on first use and kept: to write it to a file or a socket, prefer
    /// [`write_yaml`](Self::write_yaml), which holds one object at a time.
    pub fn yaml(&self) -> &str {
        self.yaml.get_or_init(|| self.render())
    }

    /// The YAML stream, owned: `self.yaml().to_owned()`, without keeping a copy in the mesh.
    pub fn to_yaml(&self) -> String {
        match self.yaml.get() {
            Some(yaml) => yaml.clone(),
            None => self.render(),
        }
    }

    /// The YAML stream, written now.
    fn render(&self) -> String {
        let mut text = String::new();
        let mut push = |object: &Object| {
            istio_grpc_types::yaml::to_string([object]).map(|doc| text.push_str(&doc))
        };
        let written = match self.objects.get() {
            Some(objects) => objects.iter().try_for_each(&mut push),
            None => self.plan.each(|object| push(&object)),
        };
        match written {
            Ok(()) => text,
            // build() wrote every object as JSON, and a JSON value always has a YAML form
            Err(e) => unreachable!("an object of a built mesh could not be written: {e}"),
        }
    }

    /// Writes the YAML stream of [`yaml`](Self::yaml) to `out`, one object at a time: each
    /// object is written, then dropped, before the next one is built, so the whole stream is
    /// never in memory. Pass a buffered writer (`std::io::BufWriter`) for a file or a socket.
    /// `out` is flushed at the end.
    ///
    /// ```no_run
    /// use std::fs::File;
    /// use std::io::BufWriter;
    /// use istio_grpc_builder::{Backend, Ingress};
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
    /// mesh.write_yaml(BufWriter::new(File::create("mesh.yaml")?))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # use istio_grpc_builder::{Backend, Ingress};
    /// # let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
    /// let mut out = Vec::new();
    /// mesh.write_yaml(&mut out)?;
    /// assert_eq!(out, mesh.yaml().as_bytes());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_yaml(&self, mut out: impl io::Write) -> Result<(), WriteError> {
        if let Some(yaml) = self.yaml.get() {
            out.write_all(yaml.as_bytes()).map_err(WriteError::Writer)?;
        } else if let Some(objects) = self.objects.get() {
            for object in objects {
                write_document(&mut out, object)?;
            }
        } else {
            self.plan.each(|object| write_document(&mut out, &object))?;
        }
        out.flush().map_err(WriteError::Writer)
    }

    /// Writes one file per object into `dir` (created if missing), named
    /// `NN-<kind>-<name>.yaml` in object order, one object at a time. A file whose content is
    /// unchanged is not rewritten, so build scripts do not trigger needless rebuilds. Files
    /// already in `dir` are left alone.
    ///
    /// ```no_run
    /// # use istio_grpc_builder::{Backend, Ingress};
    /// let mesh = Ingress::new("grpc.example.com").h2c().backend(Backend::service("grpc-service")).build()?;
    /// mesh.write_dir("deploy/istio")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<Vec<std::path::PathBuf>, WriteError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| WriteError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let mut written = Vec::new();
        let mut write = |object: &Object| {
            let mut file = format!(
                "{:02}-{}",
                written.len() + 1,
                object.kind().to_ascii_lowercase()
            );
            if let Some(ns) = object.namespace() {
                file.push('-');
                file.push_str(ns);
            }
            file.push('-');
            file.push_str(object.name().unwrap_or("unnamed"));
            file.push_str(".yaml");
            let path = dir.join(file);
            let text = istio_grpc_types::yaml::to_string([object]).map_err(WriteError::Yaml)?;
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(&path, text).map_err(|source| WriteError::Io {
                    path: path.clone(),
                    source,
                })?;
            }
            written.push(path);
            Ok(())
        };
        match self.objects.get() {
            Some(objects) => objects.iter().try_for_each(write)?,
            None => self.plan.each(|object| write(&object))?,
        }
        Ok(written)
    }

    /// grpcurl commands that run as printed (after setting `$GATEWAY_IP`) and check the mesh
    /// through the gateway: for every route whose schema grpcurl can get through server
    /// reflection (a [`Backend::reflection`](crate::Backend::reflection) route, or a
    /// catch-all, to the route's backend): a call for each method route and for health,
    /// `describe` for each service route, `list` for a catch-all or reflection route.
    ///
    /// The other routes are in [`unchecked_routes`](Self::unchecked_routes), which says what
    /// each needs; [`grpcurl_checks_with_protos`](Self::grpcurl_checks_with_protos) also calls
    /// their methods with your `.proto` files.
    pub fn grpcurl_checks(&self) -> Vec<GrpcurlCheck> {
        let mut out: Vec<GrpcurlCheck> = Vec::new();
        for c in self.plan.planned_checks().iter().filter(|c| c.reflection) {
            let check = self.check(c.target.clone());
            if !out.contains(&check) {
                out.push(check);
            }
        }
        out
    }

    /// [`grpcurl_checks`](Self::grpcurl_checks), plus a call with `-import-path`/`-proto` for
    /// each method route and health route that server reflection does not reach (see
    /// [`GrpcurlCheck::with_protos`]). Service routes without reflection stay unchecked: no
    /// method of theirs is known.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, MethodRoute, ServiceRoute};
    /// use istio_grpc_builder::marker::Unary;
    /// let mesh = Ingress::new("grpc.example.com").h2c()
    ///     .backend(Backend::service("greeter")
    ///         .route(MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello"))
    ///         .route(ServiceRoute::health()))
    ///     .build()?;
    /// let checks: Vec<String> = mesh
    ///     .grpcurl_checks_with_protos(["proto"], ["helloworld.proto", "grpc/health/v1/health.proto"])
    ///     .iter().map(ToString::to_string).collect();
    /// assert_eq!(checks, [
    ///     "grpcurl -plaintext -import-path proto -proto helloworld.proto -proto grpc/health/v1/health.proto -d '{}' -authority grpc.example.com $GATEWAY_IP:80 helloworld.Greeter/SayHello",
    ///     "grpcurl -plaintext -import-path proto -proto helloworld.proto -proto grpc/health/v1/health.proto -d '{}' -authority grpc.example.com $GATEWAY_IP:80 grpc.health.v1.Health/Check",
    /// ]);
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn grpcurl_checks_with_protos<P: Into<String>, F: Into<String>>(
        &self,
        import_paths: impl IntoIterator<Item = P>,
        protos: impl IntoIterator<Item = F>,
    ) -> Vec<GrpcurlCheck> {
        let import_paths: Vec<String> = import_paths.into_iter().map(Into::into).collect();
        let protos: Vec<String> = protos.into_iter().map(Into::into).collect();
        let mut out = self.grpcurl_checks();
        for c in &self.plan.planned_checks() {
            if !c.reflection && matches!(c.target, CheckTarget::Call(..)) {
                let check = self
                    .check(c.target.clone())
                    .with_protos(import_paths.iter().cloned(), protos.iter().cloned());
                if !out.contains(&check) {
                    out.push(check);
                }
            }
        }
        out
    }

    /// The routes [`grpcurl_checks`](Self::grpcurl_checks) does not check, because grpcurl
    /// cannot get their schema through the gateway; each says what it needs.
    pub fn unchecked_routes(&self) -> Vec<UncheckedRoute> {
        self.plan
            .planned_checks()
            .into_iter()
            .filter(|c| !c.reflection)
            .map(|c| UncheckedRoute {
                route: c.route,
                backend: c.backend,
                call: matches!(c.target, CheckTarget::Call(..)),
                reflection_elsewhere: self.info.reflection_backend.clone(),
            })
            .collect()
    }

    fn check(&self, target: CheckTarget) -> GrpcurlCheck {
        GrpcurlCheck {
            plaintext: !self.info.tls,
            authority: self.info.authority.clone(),
            target,
            protos: None,
        }
    }

    /// A grpcurl call of `method` (`<package>.<Service>/<Method>`) with the JSON request `data`,
    /// through the gateway.
    ///
    /// ```
    /// # use istio_grpc_builder::{Backend, Ingress, TlsCredential};
    /// let mesh = Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"))
    ///     .backend(Backend::service("grpc-service")).build()?;
    /// assert_eq!(
    ///     mesh.grpcurl_call("mypackage.Greeter/SayHello", r#"{"name": "World"}"#).to_string(),
    ///     r#"grpcurl -d '{"name": "World"}' -authority grpc.example.com $GATEWAY_IP:443 mypackage.Greeter/SayHello"#,
    /// );
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn grpcurl_call(&self, method: &str, data: &str) -> GrpcurlCheck {
        self.check(CheckTarget::Call(method.to_owned(), data.to_owned()))
    }

    /// The shell command that sets `$GATEWAY_IP` for the checks: the external IP of the
    /// gateway workload's Service, found by the workload's namespace and labels (as configured
    /// with [`Ingress::gateway_workload_namespace`](crate::Ingress::gateway_workload_namespace)
    /// and [`Ingress::selector`](crate::Ingress::selector)); with the Gateway API, the first
    /// address in the Gateway's status.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress};
    /// let mesh = Ingress::new("grpc.example.com").h2c()
    ///     .gateway_workload_namespace("ingress")
    ///     .selector([("istio", "grpc-ingress")])
    ///     .backend(Backend::service("grpc-service"))
    ///     .build()?;
    /// assert_eq!(
    ///     mesh.gateway_ip_command(),
    ///     "export GATEWAY_IP=$(kubectl -n ingress get service -l istio=grpc-ingress -o jsonpath='{.items[0].status.loadBalancer.ingress[0].ip}')"
    /// );
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn gateway_ip_command(&self) -> String {
        if let Some(command) = &self.info.ip_command {
            return command.clone();
        }
        let labels: Vec<String> = self
            .info
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "export GATEWAY_IP=$(kubectl -n {} get service -l {} -o jsonpath='{{.items[0].status.loadBalancer.ingress[0].ip}}')",
            self.info.workload_namespace,
            labels.join(",")
        )
    }

    /// The pod-template annotations a proxyless backend's workload needs, by backend name.
    ///
    /// ```
    /// use istio_grpc_builder::{Backend, Ingress, ProxylessRole};
    /// let mesh = Ingress::new("grpc.example.com").h2c()
    ///     .backend(Backend::service("echo").proxyless(ProxylessRole::Server)).build()?;
    /// assert_eq!(mesh.pod_annotations("echo").unwrap()["inject.istio.io/templates"], "grpc-agent");
    /// # Ok::<(), istio_grpc_builder::BuildErrors>(())
    /// ```
    pub fn pod_annotations(&self, backend: &str) -> Option<&BTreeMap<String, String>> {
        self.info.pod_annotations.get(backend)
    }
}

/// Writes one object as a YAML document to `out`.
fn write_document(out: &mut impl io::Write, object: &Object) -> Result<(), WriteError> {
    let text = istio_grpc_types::yaml::to_string([object]).map_err(WriteError::Yaml)?;
    out.write_all(text.as_bytes()).map_err(WriteError::Writer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that panics reports the line; that is the message
mod tests {
    use std::io;
    use std::time::Duration;

    use crate::{Backend, Ingress, Mesh, RetryOn, ServiceRoute, TlsCredential};

    /// `n` backends with a route each, TLS: from 800 on, several VirtualServices. With
    /// `istio`, a timeout, retries and a DestinationRule per backend (which the Gateway API
    /// refuses).
    fn ingress(n: usize, istio: bool) -> Ingress<crate::marker::Https> {
        let mut ingress =
            Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"));
        for i in 0..n {
            let route = ServiceRoute::unary(format!("pkg.Svc{i}"));
            let backend = Backend::service(format!("svc-{i}"));
            ingress = ingress.backend(if istio {
                backend
                    .route(
                        route
                            .timeout(Duration::from_secs(30))
                            .retries(3, [RetryOn::Unavailable]),
                    )
                    .load_balancer(crate::lb::LeastRequest)
            } else {
                backend.route(route)
            });
        }
        ingress
    }

    fn streamed(mesh: &Mesh) -> String {
        let mut out = Vec::new();
        mesh.write_yaml(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_way_of_writing_gives_the_same_objects_and_bytes() {
        for mesh in [
            ingress(1000, true).build().unwrap(),
            ingress(20, false).gateway_api().build().unwrap(),
        ] {
            // streamed from the spec, before anything is kept
            let text = streamed(&mesh);
            assert!(mesh.yaml.get().is_none() && mesh.objects.get().is_none());
            // the same objects, built and kept
            let objects = mesh.objects();
            assert_eq!(
                istio_grpc_types::yaml::to_string(objects).unwrap(),
                text,
                "objects() and write_yaml differ"
            );
            // streamed from the kept objects, then from the kept text
            assert_eq!(streamed(&mesh), text);
            assert_eq!(mesh.yaml(), text);
            assert_eq!(streamed(&mesh), text);
            assert_eq!(mesh.to_yaml(), text);
            assert_eq!(mesh.clone().into_objects(), objects);
            // a mesh with nothing kept
            let fresh = || Mesh::new(mesh.plan.clone(), mesh.info.clone());
            assert_eq!(fresh().to_yaml(), text);
            assert_eq!(fresh().into_objects(), objects);

            // one file per object, the same documents in the same order
            let dir = std::env::temp_dir().join(format!(
                "istio-grpc-stream-{}-{}",
                std::process::id(),
                objects.len()
            ));
            let files = fresh().write_dir(&dir).unwrap();
            let joined: String = files
                .iter()
                .map(|f| std::fs::read_to_string(f).unwrap())
                .collect();
            std::fs::remove_dir_all(&dir).unwrap();
            assert_eq!(files.len(), objects.len());
            assert_eq!(joined, text);
        }
    }

    #[test]
    fn a_large_mesh_streams_several_virtual_services() {
        let mesh = ingress(1000, true).build().unwrap();
        let kinds: Vec<(&str, &str)> = mesh
            .objects()
            .iter()
            .filter(|o| o.kind() == "VirtualService")
            .map(|o| (o.kind(), o.name().unwrap()))
            .collect();
        assert!(kinds.len() > 1, "{kinds:?}");
        assert_eq!(kinds[1].1, "grpc-vs-2");
    }

    #[test]
    fn a_built_mesh_does_not_change_with_its_ingress() {
        let ingress = ingress(2, true);
        let mesh = ingress.build().unwrap();
        let before = streamed(&mesh);
        // the ingress shares its spec with the mesh until it changes: then it copies it
        let more = ingress
            .clone()
            .backend(Backend::service("svc-new"))
            .host("api.example.com");
        assert_eq!(streamed(&mesh), before);
        assert!(!before.contains("svc-new") && !before.contains("api.example.com"));
        let grown = more.build().unwrap();
        assert!(streamed(&grown).contains("svc-new"));
        assert_eq!(streamed(&ingress.build().unwrap()), before);
    }

    /// A writer that fails once `room` bytes are written.
    struct Full {
        room: usize,
        flushed: bool,
    }

    impl io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room < buf.len() {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.flushed = true;
            Ok(())
        }
    }

    #[test]
    fn a_failing_writer_is_an_error_and_a_good_one_is_flushed() {
        let mesh = ingress(3, true).build().unwrap();
        let mut full = Full {
            room: 100,
            flushed: false,
        };
        let err = mesh.write_yaml(&mut full).unwrap_err();
        assert!(
            matches!(&err, crate::error::WriteError::Writer(e) if e.kind() == io::ErrorKind::StorageFull),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "writing the manifests");
        assert!(!full.flushed);

        let mut roomy = Full {
            room: usize::MAX,
            flushed: false,
        };
        mesh.write_yaml(&mut roomy).unwrap();
        assert!(roomy.flushed);
    }
}

//! The built mesh: typed objects, YAML, a folder of manifests, and grpcurl checks.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use istio_grpc_types::Object;

use crate::error::WriteError;
use crate::route::{HEALTH_SERVICE, Target};

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
            Target::Service(s) => CheckTarget::Describe(s.clone()),
            Target::Method(s, m) => CheckTarget::Call(format!("{s}/{m}"), "{}".to_owned()),
        }
    }
}

/// One grpcurl command that checks the built mesh through the gateway: TLS on 443 with
/// `-authority`, or `-plaintext` on 80. The gateway address is `$GATEWAY_IP` (see
/// [`Mesh::gateway_ip_command`]).
///
/// `list` and `describe` need server reflection on the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcurlCheck {
    plaintext: bool,
    authority: String,
    target: CheckTarget,
}

impl GrpcurlCheck {
    /// The command's arguments, after `grpcurl`.
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if self.plaintext {
            a.push("-plaintext".to_owned());
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
            if arg.contains(['{', '}', ' ', '"', '\'']) {
                write!(f, " '{}'", arg.replace('\'', r"'\''"))?;
            } else {
                write!(f, " {arg}")?;
            }
        }
        Ok(())
    }
}

/// Everything `build()` produced.
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
    pub(crate) objects: Vec<Object>,
    pub(crate) yaml: String,
    pub(crate) authority: String,
    pub(crate) tls: bool,
    pub(crate) checks: Vec<CheckTarget>,
    pub(crate) pod_annotations: BTreeMap<String, BTreeMap<String, String>>,
    pub(crate) workload_namespace: String,
    pub(crate) selector: Vec<(String, String)>,
    /// The Gateway API output's command (the address in the Gateway's status), which replaces
    /// the selector-based one.
    pub(crate) ip_command: Option<String>,
}

impl Mesh {
    /// The objects, in a stable order: Gateway, Secret, VirtualServices, DestinationRules,
    /// Services, EnvoyFilter; with the Gateway API: Gateway, Secret, ReferenceGrant, the
    /// ingress routes, the mesh routes, the waypoints, Services.
    pub fn objects(&self) -> &[Object] {
        &self.objects
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
    pub fn into_objects(self) -> Vec<Object> {
        self.objects
    }

    /// Every object as one multi-document YAML stream (one document per object, each under
    /// the limits in [`limits`](crate::limits)). Deterministic: the same mesh always
    /// gives the same bytes.
    pub fn yaml(&self) -> &str {
        &self.yaml
    }

    /// The YAML stream, owned: `self.yaml().to_owned()`.
    pub fn to_yaml(&self) -> String {
        self.yaml.clone()
    }

    /// Writes one file per object into `dir` (created if missing), named
    /// `NN-<kind>-<name>.yaml` in object order. A file whose content is unchanged is not
    /// rewritten, so build scripts do not trigger needless rebuilds. Files already in `dir`
    /// are left alone.
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
        let mut written = Vec::with_capacity(self.objects.len());
        for (i, object) in self.objects.iter().enumerate() {
            let mut file = format!("{:02}-{}", i + 1, object.kind().to_ascii_lowercase());
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
        }
        Ok(written)
    }

    /// grpcurl commands that check the mesh through the gateway, one per route: a call for
    /// each method route and for health, `describe` for each service route, `list` for a
    /// catch-all route.
    pub fn grpcurl_checks(&self) -> Vec<GrpcurlCheck> {
        self.checks
            .iter()
            .map(|t| GrpcurlCheck {
                plaintext: !self.tls,
                authority: self.authority.clone(),
                target: t.clone(),
            })
            .collect()
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
        GrpcurlCheck {
            plaintext: !self.tls,
            authority: self.authority.clone(),
            target: CheckTarget::Call(method.to_owned(), data.to_owned()),
        }
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
        if let Some(command) = &self.ip_command {
            return command.clone();
        }
        let labels: Vec<String> = self
            .selector
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "export GATEWAY_IP=$(kubectl -n {} get service -l {} -o jsonpath='{{.items[0].status.loadBalancer.ingress[0].ip}}')",
            self.workload_namespace,
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
        self.pod_annotations.get(backend)
    }
}

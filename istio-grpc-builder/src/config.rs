//! Manifests from a `.proto`'s compiled descriptor set and a small YAML file, with no
//! hand-written routes: what `istio-grpc generate` and a `build.rs` share.
//!
//! The file says which host the gateway serves, over which transport (TLS by default; plaintext
//! h2c only when asked for by name), which Kubernetes Service serves which gRPC services, and the
//! timeout and retry policy of a service or of one method. The descriptor set says which methods
//! stream, so a timeout asked for on a streaming method is refused with the method named — the
//! rule the builder's types enforce in Rust ([`AcceptsTimeout`](crate::marker::AcceptsTimeout)).
//!
//! The format is versioned (`apiVersion: istio-grpc/v1`) and strict: an unknown key is an error
//! with its path, line and column and the nearest valid key. [`schema`] gives a JSON schema for
//! editors, generated from these types. Reference: `docs/generate.md`.
//!
//! ```
//! use istio_grpc_builder::config;
//! use istio_grpc_builder::descriptor::{DescribedMethod, DescribedService};
//! use istio_grpc_builder::service::MethodKind;
//!
//! let yaml = "\
//! apiVersion: istio-grpc/v1
//! hosts: [grpc.example.com]
//! transport:
//!   tls: {secret: grpc-tls-credential}
//! backends:
//!   - service: user-grpc-service
//!     grpcServices:
//!       - name: mypackage.UserService
//!         timeout: 60s
//!         retries: {attempts: 3, on: [unavailable], perTryTimeout: 20s}
//! ";
//! // What a descriptor set says (`descriptor::services(bytes)` reads it from a compiled .proto).
//! let services = [DescribedService {
//!     name: "mypackage.UserService".into(),
//!     methods: vec![DescribedMethod { name: "GetUser".into(), kind: MethodKind::Unary }],
//! }];
//! let config = config::GenerateConfig::from_yaml(yaml)?;
//! let mesh = config.to_ingress(&services)?.build()?;
//! assert!(mesh.yaml().contains("timeout: 60s"));
//! assert!(mesh.yaml().contains("credentialName: grpc-tls-credential"));
//!
//! // The same file, with the method made server-streaming in the .proto: refused by name.
//! let streaming = [DescribedService {
//!     name: "mypackage.UserService".into(),
//!     methods: vec![DescribedMethod { name: "GetUser".into(), kind: MethodKind::ServerStreaming }],
//! }];
//! let err = config.to_ingress(&streaming).unwrap_err().to_string();
//! assert!(err.starts_with("9:18: backends[0].grpcServices[0].timeout: mypackage.UserService has \
//!     streaming methods (GetUser is server-streaming): a streaming route cannot take a timeout"), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod convert;
mod error;
mod read;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;

pub use convert::ConfiguredIngress;
pub use error::{ConfigError, ConfigErrors, ConfigProblem, GenerateError, STREAMING_TIMEOUT};
pub use read::MAX_CONFIG_BYTES;

use crate::RetryOn;
use crate::mesh::Mesh;

/// The Secret name used when the transport is TLS and no Secret is named.
pub const DEFAULT_TLS_SECRET: &str = "grpc-tls-credential";

/// The service name that stands for every gRPC service of the input not named elsewhere.
pub const EVERY_OTHER_SERVICE: &str = "*";

/// An `istio-grpc generate` configuration (`apiVersion: istio-grpc/v1`).
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(
    title = "istio-grpc generate configuration",
    description = "Which host, transport and Kubernetes Services expose which gRPC services through an Istio ingress gateway, and the timeout and retry policy of each. Reference: docs/generate.md"
)]
pub struct GenerateConfig {
    /// The format's version. Only `istio-grpc/v1` exists.
    pub api_version: ApiVersion,
    /// The hosts the gateway serves: fully qualified names (`grpc.example.com`) or `*.domain`
    /// wildcards. At least one.
    #[schemars(length(min = 1))]
    pub hosts: Vec<String>,
    /// How clients reach the gateway. Default: TLS on 443 with the Secret
    /// `grpc-tls-credential`. Plaintext only when named: `transport: h2c`.
    #[serde(default)]
    pub transport: GatewayTransport,
    /// The Gateway and VirtualService: names, namespaces, which gateway workload. Every key is
    /// optional.
    #[serde(default)]
    pub gateway: GatewayConfig,
    /// The Kubernetes Services and the gRPC services each serves. At least one.
    #[schemars(length(min = 1))]
    pub backends: Vec<BackendConfig>,
}

/// The configuration format's version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ApiVersion {
    /// `istio-grpc/v1`.
    #[serde(rename = "istio-grpc/v1")]
    V1,
}

/// How clients reach the gateway.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum GatewayTransport {
    /// HTTPS on 443: TLS terminated at the gateway with the certificate in a Kubernetes Secret
    /// of type `kubernetes.io/tls` in the gateway workload's namespace.
    Tls {
        /// The Secret's name (default `grpc-tls-credential`).
        #[serde(default = "default_tls_secret")]
        secret: String,
    },
    /// Plaintext HTTP/2 on 80 (`h2c`). Only where every client speaks h2c and the network is
    /// trusted.
    #[serde(rename = "h2c")]
    PlaintextH2c,
}

fn default_tls_secret() -> String {
    DEFAULT_TLS_SECRET.to_owned()
}

impl Default for GatewayTransport {
    fn default() -> Self {
        GatewayTransport::Tls {
            secret: default_tls_secret(),
        }
    }
}

/// The Gateway and VirtualService. Every key is optional; the defaults are the builder's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayConfig {
    /// The Gateway's name (default `grpc-gateway`).
    pub name: Option<String>,
    /// The namespace of the Gateway and VirtualService (default: none, i.e. where they are
    /// applied).
    pub namespace: Option<String>,
    /// The namespace of the gateway workload, where the TLS Secret must live (default
    /// `istio-system`).
    pub workload_namespace: Option<String>,
    /// The gateway workload's labels (default `istio: ingressgateway`).
    pub selector: Option<BTreeMap<String, String>>,
    /// The VirtualService's name (default `grpc-vs`).
    pub virtual_service: Option<String>,
}

/// A Kubernetes Service and the gRPC services it serves.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackendConfig {
    /// The Kubernetes Service's name. The manifests include this Service (port named `grpc`,
    /// selecting `app: <service>`).
    pub service: String,
    /// The Service's namespace (default: none, i.e. where the manifests are applied).
    pub namespace: Option<String>,
    /// The Service port the gateway sends calls to (default 50051).
    #[serde(default = "default_port")]
    #[schemars(range(min = 1))]
    pub port: u16,
    /// The gRPC services this Kubernetes Service serves: full names (`helloworld.Greeter`), or
    /// `*` for every service of the input not named elsewhere. At least one.
    #[schemars(length(min = 1))]
    pub grpc_services: Vec<ServiceConfig>,
    /// At most this many calls open at once to the Service from one proxy, streams included
    /// (the DestinationRule's `connectionPool.http.http2MaxRequests`): a call over it fails at
    /// once with UNAVAILABLE (`reset reason: overflow`). Default: no limit.
    #[schemars(range(min = 1, max = 2147483647))]
    pub max_concurrent_calls: Option<Located<u32>>,
    /// Eject a pod that keeps failing calls, for a while (the DestinationRule's
    /// `outlierDetection`).
    pub outlier_detection: Option<OutlierConfig>,
}

/// When a pod is ejected: after `after` calls in a row that ended with a status of `on`.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutlierConfig {
    /// The statuses that count: `unavailable` (UNAVAILABLE, DEADLINE_EXCEEDED, connection
    /// failures) or `serverErrors` (those, and INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED).
    pub on: OutlierOn,
    /// How many failed calls in a row eject the pod, at least 1.
    #[schemars(range(min = 1))]
    pub after: Located<u32>,
    /// How often pods are looked at to eject or bring back (default 10s).
    pub interval: Option<Located<ConfigDuration>>,
    /// How long a pod stays ejected the first time (default 30s).
    pub ejection_time: Option<Located<ConfigDuration>>,
    /// At most this share of the pods ejected at once, the pod about to be ejected included
    /// (default 50; Istio's own 10 would eject nothing on fewer than 10 pods).
    #[schemars(range(max = 100))]
    pub max_ejection_percent: Option<Located<u8>>,
}

/// The gRPC statuses outlier detection counts (see [`crate::OutlierDetection`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum OutlierOn {
    /// UNAVAILABLE and DEADLINE_EXCEEDED: Istio's `consecutiveGatewayErrors`.
    Unavailable,
    /// Every status Envoy counts as 5xx: Istio's `consecutive5xxErrors`.
    ServerErrors,
}

fn default_port() -> u16 {
    crate::DEFAULT_GRPC_PORT
}

/// A gRPC service, with the policy of its route and of some of its methods.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceConfig {
    /// The service's full name, `<package>.<Service>` as in the `.proto`, or `*`.
    pub name: Located<String>,
    /// The timeout of every call to the service (Go duration: `10s`, `1.5s`, `500ms`). Only
    /// when none of its methods streams.
    pub timeout: Option<Located<ConfigDuration>>,
    /// Retries of every call to the service.
    pub retries: Option<Retries>,
    /// Policy for single methods: each gets its own route (an exact path match) with its own
    /// timeout and retries; what a method leaves out, it takes from the service.
    #[serde(default)]
    pub methods: Vec<MethodConfig>,
}

/// One method's policy.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MethodConfig {
    /// The method's name as in the `.proto` (`SayHello`).
    pub name: Located<String>,
    /// The timeout of a call (unary methods only).
    pub timeout: Option<Located<ConfigDuration>>,
    /// Retries of a call.
    pub retries: Option<Retries>,
}

/// A retry policy.
#[derive(Clone, Debug, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retries {
    /// How many retries, at least 1.
    #[schemars(range(min = 1))]
    pub attempts: u32,
    /// The gRPC conditions retried on. HTTP statuses (`5xx`, `503`) are not among them: a gRPC
    /// server answers HTTP 200 and reports errors in `grpc-status`. Default: Istio's.
    #[serde(default)]
    pub on: Vec<RetryOn>,
    /// The timeout of each try (unary only); a timed-out try is retried.
    pub per_try_timeout: Option<Located<ConfigDuration>>,
}

/// A duration written as Go writes it (`10s`, `1.5s`, `500ms`, `1m30s`), as Istio reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigDuration(pub std::time::Duration);

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let parsed: istio_grpc_types::Duration = text.parse().map_err(|e| {
            serde::de::Error::custom(format_args!(
                "{e}; write a duration as Go does: 10s, 1.5s, 500ms, 1m30s"
            ))
        })?;
        parsed
            .to_std()
            .map(ConfigDuration)
            .ok_or_else(|| serde::de::Error::custom(format_args!("duration {text:?} is negative")))
    }
}

impl JsonSchema for ConfigDuration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A duration as Go writes it: 10s, 1.5s, 500ms, 1m30s (at least 1ms, whole milliseconds).",
            "pattern": "^([0-9]+(\\.[0-9]*)?(h|m|s|ms|us|µs|ns))+$"
        })
    }
}

/// A value with where it was written in the YAML (when read from YAML), so that a problem found
/// after reading (a service the descriptor set lacks, a timeout on a streaming method) points at
/// its line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Its line and column, when read from YAML.
    pub location: Option<istio_grpc_types::Location>,
}

impl<T> Located<T> {
    /// A value written in code, not read from a file.
    pub fn new(value: T) -> Self {
        Located {
            value,
            location: None,
        }
    }
}

impl<T> From<T> for Located<T> {
    fn from(value: T) -> Self {
        Located::new(value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Located<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(d)?;
        let at = spanned.referenced;
        let location = (at.line() > 0).then(|| istio_grpc_types::Location {
            line: usize::try_from(at.line()).unwrap_or(usize::MAX),
            column: usize::try_from(at.column()).unwrap_or(usize::MAX),
        });
        Ok(Located {
            value: spanned.value,
            location,
        })
    }
}

impl<T: JsonSchema> JsonSchema for Located<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// The JSON schema of the configuration (draft 2020-12), for editors: generated from
/// [`GenerateConfig`], committed as `schema/generate-config.schema.json`.
///
/// ```
/// let schema = istio_grpc_builder::config::schema();
/// assert_eq!(schema["properties"]["apiVersion"]["$ref"], "#/$defs/ApiVersion");
/// assert_eq!(schema["additionalProperties"], false);
/// ```
pub fn schema() -> serde_json::Value {
    schemars::schema_for!(GenerateConfig).to_value()
}

/// The manifests for the gRPC services of an encoded `FileDescriptorSet` (what
/// `tonic_prost_build`'s `file_descriptor_set_path` or `protox::compile` writes), as the YAML
/// configuration `config_yaml` exposes them: one call for a `build.rs`.
///
/// ```
/// use istio_grpc_builder::config;
/// use prost::Message as _;
/// use prost_types::{FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto};
///
/// // In a build.rs: `let bytes = std::fs::read(out_dir.join("descriptor.bin"))?;`
/// let bytes = FileDescriptorSet {
///     file: vec![FileDescriptorProto {
///         name: Some("feed.proto".into()),
///         package: Some("mypackage".into()),
///         service: vec![ServiceDescriptorProto {
///             name: Some("FeedService".into()),
///             method: vec![MethodDescriptorProto {
///                 name: Some("Subscribe".into()),
///                 server_streaming: Some(true),
///                 ..Default::default()
///             }],
///             ..Default::default()
///         }],
///         ..Default::default()
///     }],
/// }
/// .encode_to_vec();
/// let config = "apiVersion: istio-grpc/v1\nhosts: [grpc.example.com]\nbackends:\n  - service: feed\n    grpcServices: [{name: '*'}]\n";
/// let mesh = config::manifests_from_descriptor_set(&bytes, config)?;
/// assert!(mesh.yaml().contains("prefix: /mypackage.FeedService/"));
/// assert!(!mesh.yaml().contains("timeout")); // it streams
/// // in a build.rs: mesh.write_dir(out_dir.join("istio"))?;
/// # Ok::<(), config::GenerateError>(())
/// ```
///
/// # Errors
/// If the bytes are not a descriptor set, the YAML is not a valid configuration, the
/// configuration does not fit the services (every problem at once), or the manifests do not
/// build.
pub fn manifests_from_descriptor_set(
    descriptor_set: &[u8],
    config_yaml: &str,
) -> Result<Mesh, GenerateError> {
    let services = crate::descriptor::services(descriptor_set)?;
    let config = GenerateConfig::from_yaml(config_yaml)?;
    Ok(config.to_ingress(&services)?.build()?)
}

/// [`manifests_from_descriptor_set`] with both read from files; errors name the file.
///
/// ```no_run
/// // build.rs, after tonic_prost_build wrote $OUT_DIR/descriptor.bin:
/// let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
/// println!("cargo:rerun-if-changed=istio-grpc.yaml");
/// istio_grpc_builder::config::manifests_from_files(out.join("descriptor.bin"), "istio-grpc.yaml")?
///     .write_dir(out.join("istio"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`manifests_from_descriptor_set`], and if a file cannot be read.
pub fn manifests_from_files(
    descriptor_set: impl AsRef<Path>,
    config: impl AsRef<Path>,
) -> Result<Mesh, GenerateError> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| GenerateError::Read {
            path: path.to_owned(),
            source,
        })
    };
    let bytes = read(descriptor_set.as_ref())?;
    let config_path = config.as_ref();
    let text = String::from_utf8(read(config_path)?).map_err(|_| GenerateError::Read {
        path: config_path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"),
    })?;
    let in_file = |e: ConfigErrors| GenerateError::Config {
        file: Some(config_path.display().to_string()),
        errors: e,
    };
    let services = crate::descriptor::services(&bytes)?;
    let config = GenerateConfig::from_yaml(&text).map_err(in_file)?;
    let ingress = config.to_ingress(&services).map_err(in_file)?;
    Ok(ingress.build()?)
}

#[cfg(test)]
mod tests {
    /// The committed schema is the one the types give. To refresh it after changing the types:
    /// `UPDATE_SCHEMA=1 cargo test -p istio-grpc-builder --lib config::tests`.
    /// A retry condition is written in the configuration as in `retryOn`.
    #[test]
    fn retry_conditions_read_as_istio_writes_them() {
        use crate::RetryOn::*;
        for c in [
            Cancelled,
            DeadlineExceeded,
            Internal,
            ResourceExhausted,
            Unavailable,
            ConnectFailure,
            RefusedStream,
            Reset,
            ResetBeforeRequest,
        ] {
            let read: crate::RetryOn =
                serde_saphyr::from_str(c.as_str()).expect("a retry condition reads");
            assert_eq!(read, c);
        }
    }

    #[test]
    fn the_committed_schema_is_current() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schema/generate-config.schema.json"
        );
        let current =
            serde_json::to_string_pretty(&super::schema()).expect("a schema serializes") + "\n";
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &current).expect("write the schema");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == current,
            "{path} is stale: run `UPDATE_SCHEMA=1 cargo test -p istio-grpc-builder --lib config::tests`"
        );
    }
}

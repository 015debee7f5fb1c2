//! `istio-grpc generate`: Istio manifests from `.proto` files (compiled here with protox, no
//! `protoc`) or a compiled descriptor set, and a configuration file or flags.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::ValueEnum;
use istio_grpc_builder::Mesh;
use istio_grpc_builder::config::{
    ApiVersion, BackendConfig, GatewayConfig, GatewayTransport, GenerateConfig, Located,
    ServiceConfig,
};
use istio_grpc_builder::descriptor::{self, DescribedService};

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  istio-grpc generate -I proto proto/helloworld.proto --host grpc.example.com \\
      --tls-secret grpc-tls-credential --service 'helloworld.Greeter=greeter:50051'
  istio-grpc generate -I proto proto/*.proto --config istio-grpc.yaml --out deploy/istio
  cat istio-grpc.yaml | istio-grpc generate --descriptor-set fds.bin --config - > istio.yaml

The configuration format is in docs/generate.md; its JSON schema in schema/generate-config.schema.json.")]
pub(crate) struct Args {
    /// The .proto files whose services are exposed (imports are read, their services not
    /// exposed). Each must be inside an include path (-I).
    #[arg(value_name = "PROTO", required_unless_present = "descriptor_set")]
    protos: Vec<PathBuf>,
    /// Where imports are looked up (repeatable; default: the current directory). Google's
    /// well-known types (google/protobuf/*.proto) are always available.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    includes: Vec<PathBuf>,
    /// A compiled FileDescriptorSet (protoc/buf/protox --descriptor_set_out, tonic-prost-build)
    /// instead of .proto files: every service in it can be exposed.
    #[arg(long, value_name = "FILE", conflicts_with = "protos")]
    descriptor_set: Option<PathBuf>,
    /// The configuration (YAML, apiVersion istio-grpc/v1), or - for stdin.
    #[arg(short, long, value_name = "FILE", conflicts_with_all = ["hosts", "tls_secret", "h2c", "services"])]
    config: Option<PathBuf>,
    /// Without --config: a host the gateway serves (repeatable).
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// Without --config: TLS on 443 with the certificate in this kubernetes.io/tls Secret (the
    /// default transport, with the Secret grpc-tls-credential).
    #[arg(long, value_name = "NAME", conflicts_with = "h2c")]
    tls_secret: Option<String>,
    /// Without --config: plaintext HTTP/2 on port 80 instead of TLS. Only where every client
    /// speaks h2c and the network is trusted.
    #[arg(long)]
    h2c: bool,
    /// Without --config: which Kubernetes Service serves a gRPC service, as
    /// `<package>.<Service>=<k8s-service>[.<namespace>][:<port>]` (port default 50051);
    /// `*=<k8s-service>` for every service of the input not named (repeatable).
    #[arg(long = "service", value_name = "SVC=K8S_SERVICE[:PORT]")]
    services: Vec<String>,
    /// Write one file per object into this folder instead of YAML to stdout.
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// What to write.
    #[arg(long, value_enum, default_value_t = Target::Istio)]
    target: Target,
}

/// The kind of manifests written.
#[derive(Clone, Copy, ValueEnum)]
enum Target {
    /// Istio's Gateway, VirtualService and DestinationRule, and Kubernetes Services.
    Istio,
    /// The Kubernetes Gateway API as Istio implements it: a Gateway (class istio), a
    /// GRPCRoute per backend, and Kubernetes Services. What it cannot say (route timeouts,
    /// retries, Istio-only gateway settings) is refused with the reason.
    GatewayApi,
}

/// The builder's refusals name its Rust calls; what they are in a configuration.
const GATEWAY_API_FIXES: &str = "note: in the configuration, `.timeout(..)` is a method's \
`timeout`, `.retries(..)` and `.per_try_timeout(..)` are `retries`, `.selector(..)`, \
`.gateway_workload_namespace(..)` and `.virtual_service(..)` are the `gateway` keys `selector`, \
`workloadNamespace` and `virtualService`; `.http_routes()` has no option here yet; \
`--target istio` (the default) writes Istio's API, which says all of them";

/// Why the command failed: printed as is, exit status 1.
type Failure = String;

pub(crate) fn run(args: Args) -> ExitCode {
    match generate(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn generate(args: &Args) -> Result<(), Failure> {
    let services = match &args.descriptor_set {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("istio-grpc: --descriptor-set {}: {e}", path.display()))?;
            descriptor::services(&bytes)
                .map_err(|e| format!("istio-grpc: --descriptor-set {}: {e}", path.display()))?
        }
        None => compile(&args.protos, &args.includes)?,
    };
    let (config, source) = match &args.config {
        Some(path) => {
            let (text, name) = read_config(path)?;
            let config = GenerateConfig::from_yaml(&text).map_err(|e| in_file(&name, &e))?;
            (config, Source::File(name))
        }
        None => {
            let (config, flags) = from_flags(args)?;
            (config, Source::Flags(flags))
        }
    };
    let ingress = config.to_ingress(&services).map_err(|e| match &source {
        Source::File(name) => in_file(name, &e),
        Source::Flags(flags) => in_flags(flags, &e),
    })?;
    let mesh = match args.target {
        Target::Istio => ingress.build().map_err(|e| format!("istio-grpc: {e}")),
        Target::GatewayApi => ingress
            .build_gateway_api()
            .map_err(|e| format!("istio-grpc: {e}\n{GATEWAY_API_FIXES}")),
    }?;
    for service in config.unrouted(&services) {
        eprintln!("note: gRPC service {service} is not exposed: no backend names it");
    }
    write(&mesh, args.out.as_deref())?;
    if let GatewayTransport::Tls { secret } = &config.transport {
        // Istio's gateway reads the Secret in its workload's namespace; a Gateway API Gateway
        // in its own namespace.
        let ns = match args.target {
            Target::Istio => Some(
                config
                    .gateway
                    .workload_namespace
                    .as_deref()
                    .unwrap_or("istio-system"),
            ),
            Target::GatewayApi => config.gateway.namespace.as_deref(),
        };
        let (where_, flag) = match ns {
            Some(ns) => (format!("in namespace {ns}"), format!(" -n {ns}")),
            None => ("in the Gateway's namespace".to_owned(), String::new()),
        };
        eprintln!(
            "note: the gateway reads its certificate from the Secret {secret} {where_}; create it with\n  kubectl create secret tls {secret}{flag} --cert=<cert.pem> --key=<key.pem>"
        );
    }
    Ok(())
}

/// Where the configuration came from.
enum Source {
    /// A file (or `<stdin>`).
    File(String),
    /// Flags: each `--service` value by the path of the entry it made.
    Flags(BTreeMap<String, String>),
}

/// Errors in a configuration made from flags, named by the flag that made the entry.
fn in_flags(
    flags: &BTreeMap<String, String>,
    errors: &istio_grpc_builder::config::ConfigErrors,
) -> Failure {
    errors
        .iter()
        .map(|e| {
            match flags.iter().find(|(path, _)| {
                e.path
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            }) {
                Some((_, flag)) => format!("istio-grpc: --service {flag}: {}", e.problem),
                None => format!("istio-grpc: {e}"),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn in_file(name: &str, errors: &istio_grpc_builder::config::ConfigErrors) -> Failure {
    errors
        .iter()
        .map(|e| format!("{name}:{e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn read_config(path: &Path) -> Result<(String, String), Failure> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .take(istio_grpc_builder::config::MAX_CONFIG_BYTES as u64 + 1)
            .read_to_string(&mut text)
            .map_err(|e| format!("istio-grpc: --config -: reading stdin: {e}"))?;
        return Ok((text, "<stdin>".to_owned()));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("istio-grpc: --config {}: {e}", path.display()))?;
    Ok((text, path.display().to_string()))
}

/// The services of the named `.proto` files, compiled with protox.
fn compile(protos: &[PathBuf], includes: &[PathBuf]) -> Result<Vec<DescribedService>, Failure> {
    let includes: Vec<PathBuf> = if includes.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        includes.to_vec()
    };
    let mut compiler = protox::Compiler::new(&includes).map_err(|e| proto_error(&e))?;
    compiler.include_imports(false);
    compiler.open_files(protos).map_err(|e| proto_error(&e))?;
    descriptor::services_in(&compiler.file_descriptor_set()).map_err(|e| format!("istio-grpc: {e}"))
}

/// A protox error as `file:line:column: message`.
fn proto_error(e: &protox::Error) -> Failure {
    use miette::Diagnostic as _;
    let at = e
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|label| {
            let contents = e.source_code()?.read_span(label.inner(), 0, 0).ok()?;
            Some((contents.line() + 1, contents.column() + 1))
        });
    let mut out = match (e.file(), at) {
        (Some(file), Some((line, column))) => format!("{file}:{line}:{column}: {e}"),
        (Some(file), None) if !e.to_string().contains(file) => format!("{file}: {e}"),
        _ => format!("istio-grpc: {e}"),
    };
    if let Some(help) = e.help() {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
}

/// The configuration the flags describe, and which `--service` value made each entry.
fn from_flags(args: &Args) -> Result<(GenerateConfig, BTreeMap<String, String>), Failure> {
    if args.hosts.is_empty() {
        return Err(
            "istio-grpc: give the host with --host (or a configuration with --config)".into(),
        );
    }
    if args.services.is_empty() {
        return Err("istio-grpc: say which Kubernetes Service serves which gRPC service with --service <package>.<Service>=<k8s-service>[:<port>], or '*=<k8s-service>' for all (or a configuration with --config)".into());
    }
    // Backends keyed by (service, namespace, port), in the order first named.
    let mut backends: Vec<BackendConfig> = Vec::new();
    let mut index: BTreeMap<(String, Option<String>, u16), usize> = BTreeMap::new();
    let mut made_by: BTreeMap<String, String> = BTreeMap::new();
    for flag in &args.services {
        let (grpc, target) = flag.split_once('=').ok_or_else(|| {
            format!("istio-grpc: --service {flag:?}: expected <package>.<Service>=<k8s-service>[:<port>]")
        })?;
        let (host, port) = match target.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
                    format!(
                        "istio-grpc: --service {flag:?}: port {p:?} is not a number from 1 to 65535"
                    )
                })?,
            ),
            None => (target, istio_grpc_builder::DEFAULT_GRPC_PORT),
        };
        let (name, namespace) = match host.split_once('.') {
            Some((n, ns)) => (n.to_owned(), Some(ns.to_owned())),
            None => (host.to_owned(), None),
        };
        let key = (name.clone(), namespace.clone(), port);
        let i = *index.entry(key).or_insert_with(|| {
            backends.push(BackendConfig {
                service: name,
                namespace,
                port,
                grpc_services: Vec::new(),
                max_concurrent_calls: None,
                outlier_detection: None,
            });
            backends.len() - 1
        });
        made_by.insert(
            format!(
                "backends[{i}].grpcServices[{}]",
                backends[i].grpc_services.len()
            ),
            flag.clone(),
        );
        backends[i].grpc_services.push(ServiceConfig {
            name: Located::new(grpc.to_owned()),
            timeout: None,
            retries: None,
            methods: Vec::new(),
        });
    }
    let config = GenerateConfig {
        api_version: ApiVersion::V1,
        hosts: args.hosts.clone(),
        transport: if args.h2c {
            GatewayTransport::PlaintextH2c
        } else {
            GatewayTransport::Tls {
                secret: args
                    .tls_secret
                    .clone()
                    .unwrap_or_else(|| istio_grpc_builder::config::DEFAULT_TLS_SECRET.to_owned()),
            }
        },
        gateway: GatewayConfig::default(),
        backends,
    };
    Ok((config, made_by))
}

fn write(mesh: &Mesh, out: Option<&Path>) -> Result<(), Failure> {
    match out {
        // one object at a time, never the whole stream in memory
        None => mesh
            .write_yaml(std::io::BufWriter::new(std::io::stdout().lock()))
            .map_err(|e| format!("istio-grpc: writing to stdout: {}", source_chain(&e))),
        Some(dir) => {
            let written = mesh
                .write_dir(dir)
                .map_err(|e| format!("istio-grpc: {e}: {}", source_chain(&e)))?;
            eprintln!("wrote {} files to {}", written.len(), dir.display());
            Ok(())
        }
    }
}

fn source_chain(e: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}

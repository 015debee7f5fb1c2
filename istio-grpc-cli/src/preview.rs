//! `istio-grpc preview`: run the gateway the manifests describe on this machine, with a real
//! Envoy on loopback, to reproduce a gateway problem without a cluster.
//!
//! ```text
//! istio-grpc preview deploy/ --upstream greeter=127.0.0.1:50051
//! ```
//! The manifests are rendered into the bootstrap istiod would give the ingress gateway
//! (`istio-grpc-envoy`; Istio-only filters and mTLS to sidecars are left out), Envoy starts on
//! 127.0.0.1, and the listeners and grpcurl commands to try are printed. Ctrl-C stops Envoy.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use istio_grpc_analyze::Inputs;
use istio_grpc_envoy::RenderOptions;
use istio_grpc_envoy::process::{self, Envoy};
use istio_grpc_types::Object;

/// Arguments of `istio-grpc preview`.
#[derive(clap::Args)]
pub struct Args {
    /// Manifests: files, folders (every .yaml/.yml/.json below), or - for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Where a backend runs locally: a Service's short name or FQDN (optionally `:port`), `=`,
    /// and an address (`127.0.0.1:50051`, or just `50051`). Repeat for each backend.
    #[arg(long = "upstream", value_name = "HOST=ADDR")]
    upstreams: Vec<String>,
    /// Local port for a gateway port (`443=8443`); gateway ports not given get a free port.
    #[arg(long = "port", value_name = "GATEWAY_PORT=LOCAL_PORT")]
    ports: Vec<String>,
    /// Certificate files for a credentialName (`grpc-tls-credential=tls.crt,tls.key`); without
    /// one, a self-signed certificate is made for the gateway hosts.
    #[arg(long = "cert", value_name = "CREDENTIAL=CERT,KEY")]
    certs: Vec<String>,
    /// The Envoy binary (else env ENVOY_BIN, else `envoy` on PATH).
    #[arg(long, value_name = "PATH")]
    envoy: Option<PathBuf>,
    /// Envoy's admin port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    admin_port: u16,
    /// Where to write the bootstrap, certificates and Envoy's log (default: a fresh temp folder).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("istio-grpc preview: {message}");
    ExitCode::from(2)
}

fn split_pair<'a>(flag: &str, text: &'a str) -> Result<(&'a str, &'a str), String> {
    text.split_once('=')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .ok_or_else(|| format!("--{flag} {text:?}: expected KEY=VALUE"))
}

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    text.parse::<SocketAddr>()
        .or_else(|_| {
            text.parse::<u16>()
                .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
        })
        .map_err(|_| format!("{text:?} is not an address (127.0.0.1:50051) or a port"))
}

/// Runs `preview`.
pub fn run(args: Args) -> ExitCode {
    let Some(envoy_bin) = process::find_envoy(args.envoy.as_deref()) else {
        return fail(process::INSTALL_HINT);
    };
    let mut inputs = Inputs::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                return fail(format!("stdin: {e}"));
            }
            inputs.add_yaml(Some(Path::new("<stdin>")), &text);
        } else {
            inputs.add_path(path);
        }
    }
    if inputs.has_unusable_input() {
        let report = istio_grpc_analyze::analyze(&inputs, &istio_grpc_analyze::Options::default());
        for d in report.diagnostics() {
            if matches!(d.code.id, "GRPC012" | "GRPC013") {
                eprintln!("{d}");
            }
        }
        return fail("some input could not be read (above); nothing was started");
    }
    let objects: Vec<Object> = inputs
        .manifests()
        .iter()
        .map(|m| m.object.clone())
        .collect();
    // Gateway API objects become the Istio Gateway and VirtualServices istiod derives from them.
    let objects = match istio_grpc_envoy::gateway_api::to_istio(&objects) {
        Ok(o) => o,
        Err(e) => return fail(e.to_string()),
    };

    let work_dir = args.work_dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("istio-grpc-preview-{}", std::process::id()))
    });
    if let Err(e) = std::fs::create_dir_all(&work_dir) {
        return fail(format!("{}: {e}", work_dir.display()));
    }

    let mut options = RenderOptions::new(args.admin_port).access_log(true);
    for u in &args.upstreams {
        match split_pair("upstream", u).and_then(|(h, a)| Ok((h, parse_addr(a)?))) {
            Ok((host, addr)) => options = options.upstream(host, addr),
            Err(e) => return fail(e),
        }
    }
    let mut given_ports = BTreeSet::new();
    for p in &args.ports {
        let parsed = split_pair("port", p).and_then(|(g, l)| {
            Ok((
                g.parse::<u32>()
                    .map_err(|_| format!("--port {p:?}: {g:?} is not a port"))?,
                l.parse::<u16>()
                    .map_err(|_| format!("--port {p:?}: {l:?} is not a port"))?,
            ))
        });
        match parsed {
            Ok((g, l)) => {
                given_ports.insert(g);
                options = options.listen(g, l);
            }
            Err(e) => return fail(e),
        }
    }
    let mut given_certs = BTreeSet::new();
    for c in &args.certs {
        let parsed = split_pair("cert", c).and_then(|(name, files)| {
            files
                .split_once(',')
                .map(|(cert, key)| (name, cert, key))
                .ok_or_else(|| format!("--cert {c:?}: expected CREDENTIAL=CERT,KEY"))
        });
        match parsed {
            Ok((name, cert, key)) => {
                given_certs.insert(name.to_owned());
                options = options.credential(name, cert, key);
            }
            Err(e) => return fail(e),
        }
    }
    // Gateway ports without a --port get a free one; credentials without --cert a self-signed
    // certificate for the hosts of the servers that use them.
    let mut ca_files = Vec::new();
    let mut hosts_by_credential: std::collections::BTreeMap<String, BTreeSet<String>> =
        Default::default();
    for o in &objects {
        if let Object::Gateway(g) = o {
            for s in g.spec.servers.iter().flatten() {
                if let Some(p) = s.port.as_ref().and_then(|p| p.number)
                    && !given_ports.contains(&p)
                {
                    options = options.listen(p, 0);
                }
                if let Some(c) = s.tls.as_ref().and_then(|t| t.credential_name.clone())
                    && !given_certs.contains(&c)
                {
                    let hosts = s
                        .hosts
                        .iter()
                        .flatten()
                        .map(|h| h.rsplit_once('/').map_or(h.as_str(), |(_, h)| h).to_owned());
                    hosts_by_credential.entry(c).or_default().extend(hosts);
                }
            }
        }
    }
    for o in &objects {
        if let Object::Secret(secret) = o
            && let Some(name) = secret.metadata.name.as_deref()
            && hosts_by_credential.contains_key(name)
        {
            println!(
                "note: Secret {name} in the input is not used (a local run reads certificate files); a self-signed certificate stands in, or give --cert {name}=CERT,KEY"
            );
        }
    }
    for (credential, hosts) in &hosts_by_credential {
        let hosts: Vec<String> = hosts.iter().cloned().collect();
        match istio_grpc_envoy::certs::self_signed(&work_dir, credential, &hosts) {
            Ok(made) => {
                options = options.credential(credential, &made.cert_file, &made.key_file);
                ca_files.push((credential.clone(), made.ca_file));
            }
            Err(e) => return fail(format!("cannot make a certificate for {credential}: {e}")),
        }
    }

    let rendered = match istio_grpc_envoy::render(&objects, &options) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        if let Err(e) = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst)) {
            return fail(format!("cannot handle Ctrl-C: {e}"));
        }
    }
    let mut envoy = match Envoy::start(&envoy_bin, &rendered, &work_dir, Duration::from_secs(15)) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let addrs = match envoy.listener_addresses() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    println!(
        "Envoy {} (pid {}) ready in {:.2}s; admin http://{}",
        envoy_bin.display(),
        envoy.pid(),
        envoy.started_in().as_secs_f64(),
        envoy.admin()
    );
    println!(
        "bootstrap {}, log {}",
        work_dir.join("envoy.json").display(),
        work_dir.join("envoy.log").display()
    );
    for note in &rendered.notes {
        println!("note: {note}");
    }
    println!("listeners:");
    let mut tries = Vec::new();
    for l in &rendered.listeners {
        let Some(addr) = addrs.get(&l.name) else {
            continue;
        };
        let kind = if l.tls {
            "TLS (ALPN h2, http/1.1)"
        } else {
            "h2c / HTTP/1.1"
        };
        let web = if l.grpc_web { ", gRPC-Web" } else { "" };
        for host in &l.hosts {
            println!(
                "  {host:<28} gateway port {:<5} -> {addr}  {kind}{web}",
                l.gateway_port
            );
            let (env, flags) = if l.tls {
                let ca = ca_files
                    .first()
                    .map(|(_, ca)| format!("SSL_CERT_FILE={} ", ca.display()));
                (ca.unwrap_or_default(), String::new())
            } else {
                (String::new(), "-plaintext ".to_owned())
            };
            tries.push(format!("{env}grpcurl {flags}-authority {host} {addr} list"));
            tries.push(format!(
                "{env}grpcurl {flags}-authority {host} {addr} grpc.health.v1.Health/Check"
            ));
        }
    }
    for (credential, ca) in &ca_files {
        println!(
            "self-signed certificate for {credential}: trust the CA in {}",
            ca.display()
        );
    }
    println!("try (grpcurl needs server reflection on the backend, and a route that takes it):");
    for t in &tries {
        println!("  {t}");
    }
    for l in &rendered.listeners {
        if !reflection_routed(&rendered, &l.name) {
            println!(
                "note: on {} no route takes {REFLECTION_PATH}: `list`, and calls without -proto/-import-path, fail there (route reflection to a backend that serves it, e.g. Backend::reflection(), or pass the .proto files)",
                l.name
            );
        }
    }
    println!("ready; Ctrl-C stops Envoy");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        if envoy.admin_get("/ready").is_err() && !stop.load(Ordering::SeqCst) {
            eprintln!(
                "istio-grpc preview: Envoy stopped; its log:\n{}",
                envoy.log()
            );
            return ExitCode::from(1);
        }
    }
    envoy.stop();
    println!("stopped Envoy (pid {})", envoy.pid());
    ExitCode::SUCCESS
}

/// The call grpcurl 1.8 makes first for `list`, `describe` and calls without `.proto` files.
const REFLECTION_PATH: &str = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

/// Whether a route of listener `name` takes [`REFLECTION_PATH`] (a regex match counts as
/// taking it: the rendering does not evaluate regexes).
fn reflection_routed(rendered: &istio_grpc_envoy::Rendered, name: &str) -> bool {
    rendered
        .bootstrap
        .static_resources
        .listeners
        .iter()
        .filter(|l| l.name == name)
        .flat_map(|l| &l.filter_chains)
        .flat_map(|c| &c.filters)
        .flat_map(|f| &f.typed_config.route_config.virtual_hosts)
        .flat_map(|v| &v.routes)
        .any(|r| {
            let m = &r.match_;
            m.prefix
                .as_deref()
                .is_some_and(|p| REFLECTION_PATH.starts_with(p))
                || m.path.as_deref() == Some(REFLECTION_PATH)
                || m.path_separated_prefix.as_deref().is_some_and(|p| {
                    REFLECTION_PATH
                        .strip_prefix(p)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                })
                || m.safe_regex.is_some()
        })
}

//! `istio-grpc`: find the gRPC misconfigurations that break traffic, in manifests from anywhere.
//!
//! ```text
//! istio-grpc check deploy/                      # files, folders, or - for stdin
//! istio-grpc check --format json a.yaml b.yaml  # machine-readable
//! istio-grpc check --crds crd-all.gen.yaml .    # adds CRD schema and CEL checks
//! istio-grpc check --descriptor-set fds.bin .   # knows which methods stream
//! ```
//! Exit status: 0 clean, 1 errors found, 2 unusable input.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use istio_grpc_analyze::{CrdSet, Inputs, Options, analyze};

#[derive(Parser)]
#[command(
    name = "istio-grpc",
    version,
    about = "Find the gRPC misconfigurations that break traffic behind Istio, before deploy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check manifests: files, folders (every .yaml/.yml/.json below), or - for stdin.
    Check {
        /// What to check.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Istio's CRDs (crd-all.gen.yaml): adds structural-schema and CEL checks.
        #[arg(long, value_name = "FILE")]
        crds: Option<PathBuf>,
        /// A compiled FileDescriptorSet (protoc/protox `--descriptor_set_out`): routes to its
        /// services are gRPC routes, routes serving its streaming methods must not carry a
        /// timeout, and a prefix must not capture one of its services by accident.
        #[arg(long, value_name = "FILE")]
        descriptor_set: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// `file:line  severity  code  resource: path: message  fix: …`
    Human,
    /// A JSON document with every diagnostic and the summary.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Check {
        paths,
        format,
        crds,
        descriptor_set,
    } = cli.command;
    let mut options = Options::default();
    if let Some(path) = crds {
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| CrdSet::from_yaml(&t).map_err(|e| e.to_string()))
        {
            Ok(set) => options = options.crds(set),
            Err(e) => {
                eprintln!("istio-grpc: --crds {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    if let Some(path) = descriptor_set {
        let services = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| istio_grpc_builder::descriptor::services(&b).map_err(|e| e.to_string()));
        match services {
            Ok(services) => {
                let streaming = services.iter().flat_map(|s| {
                    s.methods
                        .iter()
                        .filter(|m| m.kind.is_streaming())
                        .map(move |m| s.method_path(m))
                });
                options = options
                    .streaming_methods(streaming)
                    .grpc_services(services.iter().map(|s| s.name.clone()));
            }
            Err(e) => {
                eprintln!("istio-grpc: --descriptor-set {}: {e}", path.display());
                return ExitCode::from(2);
            }
        }
    }
    let mut inputs = Inputs::new();
    for path in &paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("istio-grpc: stdin: {e}");
                return ExitCode::from(2);
            }
            inputs.add_yaml(Some(std::path::Path::new("<stdin>")), &text);
        } else {
            inputs.add_path(path);
        }
    }
    let report = analyze(&inputs, &options);
    match format {
        Format::Human => {
            for d in report.diagnostics() {
                println!("{d}");
            }
            println!("{}", report.summary());
        }
        Format::Json => {
            let doc = serde_json::json!({
                "diagnostics": report.diagnostics(),
                "summary": {
                    "errors": report.count(istio_grpc_analyze::Severity::Error),
                    "warnings": report.count(istio_grpc_analyze::Severity::Warning),
                    "infos": report.count(istio_grpc_analyze::Severity::Info),
                    "documents": report.documents(),
                },
                "exitCode": report.exit_code(),
            });
            match serde_json::to_string_pretty(&doc) {
                Ok(text) => println!("{text}"),
                Err(e) => {
                    eprintln!("istio-grpc: cannot write JSON: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(2))
}

//! `istio-grpc`: find the gRPC misconfigurations that break traffic, in manifests from anywhere.
//!
//! ```text
//! istio-grpc check deploy/                      # files, folders, or - for stdin
//! istio-grpc check --format json a.yaml b.yaml  # machine-readable
//! istio-grpc check --crds crd-all.gen.yaml .    # another Istio release's CRDs than the built-in ones
//! istio-grpc check --descriptor-set fds.bin .   # knows which methods stream
//! istio-grpc check --format sarif . > out.sarif  # GitHub code scanning; --format github: annotations
//! istio-grpc check --fail-on warning .           # warnings fail the build too
//! istio-grpc check --baseline known.json .       # accept known findings (--write-baseline FILE)
//! istio-grpc check --suppress "IST0132=VirtualService *.shop" .
//! istio-grpc preview deploy/ --upstream greeter=127.0.0.1:50051   # the gateway, live, on loopback
//! istio-grpc generate -I proto proto/api.proto --host grpc.example.com --service '*=api'
//! istio-grpc generate --descriptor-set fds.bin --config istio-grpc.yaml --out deploy/istio
//! ```
//! Exit status: 0 clean, 1 findings at the `--fail-on` severity (errors by default), 2 unusable
//! input.

mod check;
mod generate;
mod preview;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Check(check::Args),
    /// Run the gateway the manifests describe with a real Envoy on 127.0.0.1 (no cluster).
    Preview(preview::Args),
    /// Write the manifests that expose gRPC services, from .proto files (or a descriptor set)
    /// and a configuration (or flags).
    Generate(generate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Generate(args) => generate::run(args),
    }
}

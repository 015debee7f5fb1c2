//! The repository's own tasks, run as `cargo xtask <task>` (the alias is in `.cargo/config.toml`).
//!
//! * `cargo xtask codegen` writes `istio-grpc-types/src/{module}.rs` from the vendored Istio
//!   field inventory (`xtask/data/`, see its README for source, licence and hash).
//! * `cargo xtask codegen` also writes `istio-grpc-types/src/gateway_api/{module}.rs` from the
//!   vendored Gateway API v1.6.1 CRDs (`xtask/data/gateway-api/`, see its README).
//! * `cargo xtask codegen --check` writes nothing and exits 1 when a committed module differs
//!   from what the generator writes (CI runs it).

use std::path::PathBuf;
use std::process::ExitCode;

mod codegen;
mod gwapi;

const USAGE: &str = "usage: cargo xtask codegen [--check]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let check = match args.as_slice() {
        ["codegen"] => false,
        ["codegen", "--check"] => true,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let root = workspace_root();
    match codegen::run(&root, check).and_then(|istio| {
        gwapi::run(&root, check).map(|gateway_api| format!("{istio}\n{gateway_api}"))
    }) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xtask codegen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

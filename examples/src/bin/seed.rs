//! The main job: prints everything the seed article configures as one YAML stream that applies
//! as printed, with a certificate for the host made now (see `istio_grpc_examples::main_job`
//! for why), its CA written to a file, and the grpcurl commands that check the result.
//!
//! ```text
//! cargo run -p istio-grpc-examples --bin seed | kubectl apply -f -
//! cargo run -p istio-grpc-examples --bin seed -- --ca-file /tmp/grpc-ca.crt > seed.yaml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use istio_grpc_examples::main_job::{HOST, HostCertificate, MainJob};

const USAGE: &str = "usage: seed [--ca-file PATH]\n\n\
Prints the seed article's gRPC setup for an Istio ingress gateway as YAML on stdout.\n\
The gateway's certificate is made now; the CA that signed it is written to PATH\n\
(default: ./grpc.example.com-ca.crt) for clients: grpcurl -cacert PATH.";

fn ca_file() -> Result<Option<PathBuf>, String> {
    let mut args = std::env::args_os().skip(1);
    let mut ca = PathBuf::from(format!("{HOST}-ca.crt"));
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--ca-file") => {
                ca = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or("--ca-file needs a path: --ca-file /tmp/grpc-ca.crt")?;
            }
            Some("-h" | "--help") => return Ok(None),
            _ => return Err(format!("unknown argument {arg:?}\n\n{USAGE}")),
        }
    }
    Ok(Some(ca))
}

fn run() -> Result<(), String> {
    let Some(ca_file) = ca_file()? else {
        println!("{USAGE}");
        return Ok(());
    };
    let certificate = HostCertificate::self_signed(HOST)
        .map_err(|e| format!("cannot make a certificate for {HOST}: {e}"))?;
    let job = MainJob::new(&certificate).map_err(|e| e.to_string())?;
    let text = job.to_text(&ca_file).map_err(|e| e.to_string())?;
    std::fs::write(&ca_file, certificate.ca_pem()).map_err(|e| {
        format!(
            "cannot write the CA certificate to {}: {e}",
            ca_file.display()
        )
    })?;
    print!("{text}");
    eprintln!(
        "seed: wrote the CA that signed {HOST}'s certificate to {} (clients: grpcurl -cacert {0} -authority {HOST} ...)",
        ca_file.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed: {e}");
            ExitCode::FAILURE
        }
    }
}

//! The peers' benchmark workload (`../shared/peers`, `gen_manifests.py`), built with the
//! builder and written to one file, to measure side by side with the Python peer: a TLS
//! Gateway for `api.example.com` in namespace `grpc`, and per service `svc-<i>` a Service
//! (`appProtocol: grpc`, port 50051), its route (`/pkg.Svc<i>/`, timeout 30s, 3 retries on
//! `unavailable,resource-exhausted`, per-try timeout 10s) and a DestinationRule
//! (`LEAST_REQUEST`, `ISTIO_MUTUAL`, `http2MaxRequests: 1000`, and outlier detection after 5
//! consecutive 5xx every 10s for 30s, at most 50 % of the pods).
//!
//! The mesh streams its YAML to the file ([`Mesh::write_yaml`](istio_grpc_builder::Mesh::write_yaml)):
//! `build()` checks every object and its size, and the objects are written one at a time.
//!
//! Where the output differs from the peer's: the builder writes the unasked outlier counter
//! as `consecutiveGatewayErrors: 0` and no `idleTimeout` or `maxRequestsPerConnection: 0` (the
//! latter is the default), and it shares the routes among VirtualServices by size, under
//! Kubernetes' object limits (22 VirtualServices for 10,000 services, where the peer writes one
//! per service).
//!
//! ```text
//! cargo run --release -p istio-grpc-builder --example peer_workload -- 10000 --out /tmp/out.yaml
//! cd ../shared/peers
//! python3 bench.py --label python --ns 10000 --runs 3 -- \
//!     python3 python/gen_manifests.py {N} --out {OUT}/out.yaml
//! python3 bench.py --label rust-builder --ns 10000 --runs 3 -- \
//!     $REPO/target/release/examples/peer_workload {N} --out {OUT}/out.yaml
//! ```

use std::fs::File;
use std::io::BufWriter;
use std::time::Duration;

use istio_grpc_builder::{
    Backend, Ingress, OutlierDetection, RetryOn, ServiceRoute, TlsCredential, lb, upstream_tls,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .ok_or("usage: peer_workload N [--out FILE]")?
        .parse()?;
    let out = match (args.next().as_deref(), args.next()) {
        (Some("--out"), Some(file)) => file,
        (None, None) => "peer_workload.yaml".to_owned(),
        _ => return Err("usage: peer_workload N [--out FILE]".into()),
    };
    let mut ingress = Ingress::new("api.example.com")
        .tls(TlsCredential::secret("grpc-gw-cert"))
        .gateway("grpc-gateway")
        .namespace("grpc");
    for i in 0..n {
        ingress = ingress.backend(
            Backend::service(format!("svc-{i}"))
                .namespace("grpc")
                .route(
                    ServiceRoute::unary(format!("pkg.Svc{i}"))
                        .timeout(Duration::from_secs(30))
                        .retries(3, [RetryOn::Unavailable, RetryOn::ResourceExhausted])
                        .per_try_timeout(Duration::from_secs(10)),
                )
                .load_balancer(lb::LeastRequest)
                .max_concurrent_calls(1000)
                .outlier_detection(
                    OutlierDetection::server_errors(5)
                        .interval(Duration::from_secs(10))
                        .ejection_time(Duration::from_secs(30))
                        .max_ejection_percent(50),
                )
                .upstream_tls(upstream_tls::IstioMutual),
        );
    }
    let mesh = ingress.build()?;
    // The objects are written one at a time, never all held (`Mesh::write_yaml`).
    mesh.write_yaml(BufWriter::new(File::create(&out)?))?;
    Ok(())
}

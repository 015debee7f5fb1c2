//! Integration tests live in `tests/it`; benchmarks in `benches/`. This library holds what both
//! share.

use std::time::Duration;

use istio_grpc_builder::marker::Https;
use istio_grpc_builder::{Backend, Ingress, RetryOn, ServiceRoute, TlsCredential, lb};

/// The benchmark's workload: a TLS gateway and `services` backends, each with one unary service
/// route (timeout, retries, per-try timeout) and a round-robin DestinationRule.
pub fn benchmark_ingress(services: usize) -> Ingress<Https> {
    let mut ingress =
        Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"));
    for i in 0..services {
        ingress = ingress.backend(
            Backend::service(format!("svc-{i}"))
                .route(
                    ServiceRoute::unary(format!("pkg{i}.Service{i}"))
                        .timeout(Duration::from_secs(60))
                        .retries(3, [RetryOn::Unavailable])
                        .per_try_timeout(Duration::from_secs(20)),
                )
                .load_balancer(lb::RoundRobin),
        );
    }
    ingress
}

//! Task: retry failed unary calls on gRPC status codes, with a timeout per try.
//!
//! `retryOn` takes gRPC conditions (`unavailable`, `resource-exhausted`, `internal`, …), not
//! HTTP ones: an HTTP condition such as `5xx` on a gRPC route does not compile. A per-try
//! timeout brings `reset` (and `cancelled`, `deadline-exceeded`) into `retryOn`, because Envoy
//! retries a try that timed out only on those; without them the article's `perTryTimeout: 20s`
//! gives one 20s try and no retry.
//!
//! `cargo run -p istio-grpc-examples --example grpc_status_retries`

use std::time::Duration;

use istio_grpc_builder::prelude::*;

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let route = ServiceRoute::unary("mypackage.OrderService")
        .timeout(Duration::from_secs(60))
        .retries(3, [RetryOn::Unavailable, RetryOn::Internal])
        .per_try_timeout(Duration::from_secs(20));
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .virtual_service("grpc-resilience")
        .backend(Backend::service("order-grpc-service").route(route))
        .build()?;
    Ok(istio_grpc_examples::with_checks(&mesh))
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

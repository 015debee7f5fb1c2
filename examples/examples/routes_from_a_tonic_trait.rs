//! Task: derive the routes from a tonic service trait with `#[routes]`, one typed route per
//! method.
//!
//! The greeter's `build.rs` puts `#[istio_grpc_builder::routes(…)]` on each generated server
//! trait; that gives `GreeterRoutes` with one function per `.proto` method, typed by its kind:
//! `GreeterRoutes::say_hello()` (unary) takes a timeout, `GreeterRoutes::lots_of_replies()`
//! (server streaming) does not compile with one. `.serves::<HealthRoutes>()` routes a whole
//! service, streaming-safe if any method streams.
//!
//! `cargo run -p istio-grpc-examples --example routes_from_a_tonic_trait`

use std::time::Duration;

use istio_grpc_builder::prelude::*;
use istio_grpc_example_greeter::{GreeterRoutes, HealthRoutes};

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let greeter = Backend::service("greeter")
        .route(GreeterRoutes::say_hello().timeout(Duration::from_secs(5)))
        .route(GreeterRoutes::lots_of_replies())
        .route(GreeterRoutes::lots_of_greetings())
        .route(GreeterRoutes::bidi_hello())
        .serves::<HealthRoutes>();
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(greeter)
        .build()?;
    Ok(istio_grpc_examples::with_checks(&mesh))
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

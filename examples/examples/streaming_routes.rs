//! Task: route streaming and unary services behind one host, so that no timeout cuts a
//! stream.
//!
//! One prefix route per service (`/<package>.<Service>/`). A streaming route has no
//! `.timeout()` method at all: `ServiceRoute::streaming("…").timeout(…)` does not compile, and
//! the route is written without a timeout (Istio's "disabled"; the article's `timeout: 0s` is
//! refused by the VirtualService CRD). Unary routes keep theirs, down to one method.
//!
//! `cargo run -p istio-grpc-examples --example streaming_routes`

use std::time::Duration;

use istio_grpc_builder::prelude::*;

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let feed = Backend::service("streaming-service")
        // every method of the service, some of which stream: no timeout
        .route(ServiceRoute::streaming("mypackage.FeedService"))
        // one unary method of another service on the same backend: 5s
        .route(
            MethodRoute::<Unary>::new("mypackage.FeedAdmin", "Purge")
                .timeout(Duration::from_secs(5)),
        )
        // a server-streaming method: exact path, no timeout
        .route(MethodRoute::<ServerStreaming>::new(
            "mypackage.FeedAdmin",
            "Tail",
        ));
    let users = Backend::service("user-grpc-service")
        .route(ServiceRoute::unary("mypackage.UserService").timeout(Duration::from_secs(10)))
        .route(ServiceRoute::health());
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(feed)
        .backend(users)
        .build()?;
    Ok(istio_grpc_examples::with_checks(&mesh))
}

/// Prints [`output`].
pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    print!("{}", output()?);
    Ok(())
}

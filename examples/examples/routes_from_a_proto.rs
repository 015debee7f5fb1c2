//! Task: derive the routes from compiled `.proto` files (a descriptor set), so that a method
//! made streaming in the `.proto` loses its timeout with nobody remembering.
//!
//! The greeter's `build.rs` compiles its `.proto` files with protox (no `protoc`) and keeps the
//! FileDescriptorSet; `descriptor::services` reads it. Each service's route is typed at run time
//! by whether any of its methods streams: only `UnaryOnly` has `.timeout()`.
//!
//! `cargo run -p istio-grpc-examples --example routes_from_a_proto`

use std::time::Duration;

use istio_grpc_builder::descriptor::{self, DescribedRoute};
use istio_grpc_builder::prelude::*;
use istio_grpc_example_greeter::FILE_DESCRIPTOR_SET;

/// What this example prints.
pub fn output() -> Result<String, Box<dyn std::error::Error>> {
    let mut greeter = Backend::service("greeter");
    for service in descriptor::services(FILE_DESCRIPTOR_SET)? {
        greeter = greeter.route(match service.route() {
            DescribedRoute::UnaryOnly(r) => Route::from(r.timeout(Duration::from_secs(10))),
            DescribedRoute::Streams(r) => Route::from(r),
        });
    }
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

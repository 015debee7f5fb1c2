//! `#[routes]`: Istio routes that follow a tonic server trait.
//!
//! Use it through `istio-grpc-builder`, which re-exports it as `istio_grpc_builder::routes`;
//! the generated code refers to the builder's runtime types.
//!
//! The crate is split as the attribute works: `parse` the arguments and the trait, `validate`
//! each method's signature into a kind, `expand` into the routes type. Errors point at the
//! user's tokens and are all reported at once.

mod errors;
mod expand;
mod parse;
mod validate;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Derives Istio routes from a tonic server trait.
///
/// Keeps the trait unchanged and adds `<Trait>Routes`, a unit struct that implements
/// `istio_grpc_builder::service::GrpcService` (the service's full name and its methods, each
/// with its kind) and has one function per method returning a
/// `MethodRoute<kind::Unary | ClientStreaming | ServerStreaming | BidiStreaming>`. Only unary
/// routes take `.timeout(..)`; on a streaming route it does not compile.
///
/// # Arguments
///
/// - `package = "helloworld"`: the proto package; the service's full name is
///   `helloworld.<Trait>`. `name = "Greeter"` overrides the service name.
/// - `service = "helloworld.Greeter"` or `service = SERVICE_NAME`: the full name, written out or
///   as a `&str` constant (tonic generates `SERVICE_NAME` in the trait's module). Exactly one of
///   `package` and `service` is required.
/// - `rename(say_hello = "SayHello", ..)`: exact `.proto` method names. Without it, a method's
///   name is its Rust name in UpperCamelCase (or, for a streaming method with tonic's
///   `XStream` response type, `X`), which is a guess for names like `GetHTTPStatus`.
/// - `crate = ::istio_grpc`: the path of the crate that re-exports istio-grpc-builder.
///
/// # Example
///
/// ```ignore
/// #[istio_grpc_builder::routes(package = "helloworld")]
/// #[tonic::async_trait]
/// pub trait Greeter: Send + Sync + 'static {
///     async fn say_hello(&self, request: Request<HelloRequest>)
///         -> Result<Response<HelloReply>, Status>;
///     type LotsOfRepliesStream: Stream<Item = Result<HelloReply, Status>> + Send + 'static;
///     async fn lots_of_replies(&self, request: Request<HelloRequest>)
///         -> Result<Response<Self::LotsOfRepliesStream>, Status>;
/// }
///
/// let unary = GreeterRoutes::say_hello().timeout(secs(5));   // "/helloworld.Greeter/SayHello"
/// let stream = GreeterRoutes::lots_of_replies();             // no `.timeout(..)` here
/// ```
///
/// In `build.rs`, place it on a trait tonic generates with
/// `tonic_prost_build::configure().trait_attribute("helloworld.Greeter", "#[istio_grpc_builder::routes(service = SERVICE_NAME)]")`.
#[proc_macro_attribute]
pub fn routes(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item2 = proc_macro2::TokenStream::from(item);
    match expand::routes(attr.into(), item2.clone()) {
        Ok(tokens) => tokens.into(),
        Err(err) => {
            // Keep the item so the errors above are the only ones the user sees.
            let errors = err.to_compile_error();
            quote::quote!(#item2 #errors).into()
        }
    }
}

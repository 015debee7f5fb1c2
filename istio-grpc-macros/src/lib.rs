//! `#[routes]`: Istio routes that follow a tonic server trait.
//!
//! Use it through `istio-grpc-builder`, which re-exports it as `istio_grpc_builder::routes`;
//! the generated code refers to the builder's runtime types.
//!
//! The crate is split as the attribute works: `parse` the arguments and the trait, `validate`
//! each method's signature into a kind, `expand` into the routes type. Errors point at the
//! user's tokens and are all reported at once.

mod descriptor;
mod errors;
mod expand;
mod fallback;
mod grpc;
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
/// - `descriptor = "descriptor.bin"`: the `FileDescriptorSet` the build script wrote, relative
///   to `$OUT_DIR` (or an absolute path). The macro reads the exact `.proto` name of the service
///   and of every method from it (tonic's snake_case Rust names lose case and underscores:
///   `GetHTTPStatus`, `getLowerCamel` and `Get_Snake_Case` become `get_http_status`,
///   `get_lower_camel` and `get_snake_case`), checks each method's kind against it, and
///   refuses a trait that lacks one of the service's methods. The expansion `include_bytes!`s
///   the file, so a changed `.proto` re-expands the trait. With `service = SERVICE_NAME`, the
///   service is the one tonic generated this trait for, and the constant is checked against it
///   at compile time.
/// - `rename(say_hello = "SayHello", ..)`: exact `.proto` method names, for a trait without a
///   descriptor set. Without either, the only name the macro knows exactly is a streaming
///   method's with tonic's `XStream` response type (`X`); for any other method it refuses to
///   guess and says so on the method, with both fixes.
/// - `crate = ::istio_grpc`: the path of the crate that re-exports istio-grpc-builder.
///
/// # Example
///
/// ```ignore
/// #[istio_grpc_builder::routes(package = "helloworld", rename(say_hello = "SayHello"))]
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
/// In `build.rs`, write the descriptor set to `$OUT_DIR` and place the attribute on the traits
/// tonic generates (`trait_attribute` matches the bare service name):
///
/// ```ignore
/// let fds = protox::compile(["proto/helloworld.proto"], ["proto"])?;
/// std::fs::write(out_dir.join("descriptor.bin"), fds.encode_to_vec())?;
/// tonic_prost_build::configure()
///     .trait_attribute(
///         "Greeter",
///         r#"#[istio_grpc_builder::routes(service = SERVICE_NAME, descriptor = "descriptor.bin")]"#,
///     )
///     .compile_fds(fds)?;
/// ```
#[proc_macro_attribute]
pub fn routes(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item2 = proc_macro2::TokenStream::from(item);
    match expand::routes_or_fallback(attr.into(), item2.clone()) {
        Ok(tokens) => tokens.into(),
        Err(expand::Failure { error, fallback }) => {
            // Keep the item, and `<Trait>Routes` with what parsed, so the errors above are the
            // only ones the user sees.
            let errors = error.to_compile_error();
            quote::quote!(#item2 #fallback #errors).into()
        }
    }
}

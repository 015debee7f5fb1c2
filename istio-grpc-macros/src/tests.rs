//! Unit tests of the expansion, on fixed token streams.

use proc_macro2::TokenStream;
use quote::quote;

use crate::expand;

/// The Greeter as tonic-prost-build 0.14 generates it (before `#[async_trait]` runs).
fn generated_greeter() -> TokenStream {
    quote! {
        /// Generated trait containing gRPC methods that should be implemented for use with GreeterServer.
        #[async_trait]
        pub trait Greeter: std::marker::Send + std::marker::Sync + 'static {
            async fn say_hello(&self, request: tonic::Request<super::HelloRequest>)
                -> std::result::Result<tonic::Response<super::HelloReply>, tonic::Status>;
            /// Server streaming response type for the LotsOfReplies method.
            type LotsOfRepliesStream: tonic::codegen::tokio_stream::Stream<Item = std::result::Result<super::HelloReply, tonic::Status>> + std::marker::Send + 'static;
            async fn lots_of_replies(&self, request: tonic::Request<super::HelloRequest>)
                -> std::result::Result<tonic::Response<Self::LotsOfRepliesStream>, tonic::Status>;
            async fn lots_of_greetings(&self, request: tonic::Request<tonic::Streaming<super::HelloRequest>>)
                -> std::result::Result<tonic::Response<super::HelloReply>, tonic::Status>;
            /// Server streaming response type for the BidiHello method.
            type BidiHelloStream: tonic::codegen::tokio_stream::Stream<Item = std::result::Result<super::HelloReply, tonic::Status>> + std::marker::Send + 'static;
            async fn bidi_hello(&self, request: tonic::Request<tonic::Streaming<super::HelloRequest>>)
                -> std::result::Result<tonic::Response<Self::BidiHelloStream>, tonic::Status>;
        }
    }
}

fn pretty(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => prettyplease::unparse(&file),
        Err(err) => panic!("the expansion does not parse as a file: {err}"),
    }
}

fn expand_ok(attr: TokenStream, item: TokenStream) -> String {
    match expand::routes(attr, item) {
        Ok(tokens) => pretty(tokens),
        Err(err) => panic!("unexpected error: {err}"),
    }
}

fn errors(attr: TokenStream, item: TokenStream) -> Vec<String> {
    match expand::routes(attr, item) {
        Ok(tokens) => panic!("expected errors, got {tokens}"),
        Err(err) => err.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// `METHODS` lines, `name: "SayHello", kind: ...::Unary`, in order, compactly.
fn methods(expansion: &str) -> Vec<String> {
    expansion
        .split("MethodInfo {")
        .skip(1)
        .map(|chunk| {
            let name = chunk.split('"').nth(1).unwrap_or_default();
            let kind = chunk
                .split("MethodKind::")
                .nth(1)
                .and_then(|k| k.split(|c: char| !c.is_alphanumeric()).next())
                .unwrap_or_default();
            format!("{name}: {kind}")
        })
        .collect()
}

#[test]
fn expansion_of_the_generated_greeter() {
    let out = expand_ok(quote!(package = "helloworld"), generated_greeter());
    insta::assert_snapshot!("expansion_generated_greeter", out);
}

#[test]
fn expansion_with_service_const_and_crate_path() {
    let item = quote! {
        pub trait Health: Send + Sync + 'static {
            async fn check(&self, request: tonic::Request<super::HealthCheckRequest>)
                -> Result<tonic::Response<super::HealthCheckResponse>, tonic::Status>;
            type WatchStream: Stream<Item = Result<super::HealthCheckResponse, tonic::Status>> + Send + 'static;
            async fn watch(&self, request: tonic::Request<super::HealthCheckRequest>)
                -> Result<tonic::Response<Self::WatchStream>, tonic::Status>;
        }
    };
    let out = expand_ok(quote!(service = SERVICE_NAME, crate = ::istio_grpc), item);
    insta::assert_snapshot!("expansion_service_const", out);
}

#[test]
fn kinds_of_the_generated_greeter() {
    let out = expand_ok(quote!(package = "helloworld"), generated_greeter());
    assert_eq!(
        methods(&out),
        [
            "SayHello: Unary",
            "LotsOfReplies: ServerStreaming",
            "LotsOfGreetings: ClientStreaming",
            "BidiHello: BidiStreaming",
        ]
    );
    assert!(out.contains(r#"const SERVICE_NAME: &'static str = "helloworld.Greeter";"#));
}

#[test]
fn kinds_of_default_stubs_and_arc_self() {
    // `generate_default_stubs(true)` and `use_arc_self(true)`: `BoxStream`, bodies, `Arc<Self>`.
    let item = quote! {
        pub trait Greeter: Send + Sync + 'static {
            async fn say_hello(self: std::sync::Arc<Self>, request: tonic::Request<super::HelloRequest>)
                -> std::result::Result<tonic::Response<super::HelloReply>, tonic::Status> {
                Err(tonic::Status::unimplemented("Not yet implemented"))
            }
            async fn lots_of_replies(self: std::sync::Arc<Self>, request: tonic::Request<super::HelloRequest>)
                -> std::result::Result<tonic::Response<BoxStream<super::HelloReply>>, tonic::Status> {
                Err(tonic::Status::unimplemented("Not yet implemented"))
            }
            async fn lots_of_greetings(self: std::sync::Arc<Self>, request: tonic::Request<tonic::Streaming<super::HelloRequest>>)
                -> std::result::Result<tonic::Response<super::HelloReply>, tonic::Status> {
                Err(tonic::Status::unimplemented("Not yet implemented"))
            }
            async fn bidi_hello(self: std::sync::Arc<Self>, request: tonic::Request<tonic::Streaming<super::HelloRequest>>)
                -> std::result::Result<tonic::Response<BoxStream<super::HelloReply>>, tonic::Status> {
                Err(tonic::Status::unimplemented("Not yet implemented"))
            }
        }
    };
    let out = expand_ok(quote!(package = "helloworld"), item);
    assert_eq!(
        methods(&out),
        [
            "SayHello: Unary",
            "LotsOfReplies: ServerStreaming",
            "LotsOfGreetings: ClientStreaming",
            "BidiHello: BidiStreaming",
        ]
    );
}

#[test]
fn kinds_after_async_trait_desugaring() {
    // The same trait when `#[async_trait]` ran first, and with `impl Future`.
    let item = quote! {
        pub trait Greeter: Send + Sync + 'static {
            fn say_hello<'life0, 'async_trait>(&'life0 self, request: Request<HelloRequest>)
                -> Pin<Box<dyn Future<Output = Result<Response<HelloReply>, Status>> + Send + 'async_trait>>
                where 'life0: 'async_trait, Self: 'async_trait;
            fn bidi_hello(&self, request: Request<Streaming<HelloRequest>>)
                -> impl Future<Output = Result<Response<Pin<Box<dyn Stream<Item = Result<HelloReply, Status>> + Send>>>, Status>> + Send;
        }
    };
    let out = expand_ok(quote!(package = "helloworld"), item);
    assert_eq!(
        methods(&out),
        ["SayHello: Unary", "BidiHello: BidiStreaming"]
    );
}

#[test]
fn names_from_rename_stream_types_and_case() {
    // What prost-build names the Rust method for `rpc GetURLs`.
    let get_urls = quote::format_ident!("{}", heck::ToSnakeCase::to_snake_case("GetURLs"));
    let item = quote! {
        pub trait Status {
            async fn get_http_status(&self, request: Request<Req>) -> Result<Response<Rep>, Status>;
            type GetURLsStream: Stream<Item = Result<Rep, Status>> + Send;
            async fn #get_urls(&self, request: Request<Req>) -> Result<Response<Self::GetURLsStream>, Status>;
            async fn r#type(&self, request: Request<Req>) -> Result<Response<Rep>, Status>;
        }
    };
    let out = expand_ok(
        quote!(
            package = "x.v1",
            name = "StatusService",
            rename(get_http_status = "GetHTTPStatus")
        ),
        item,
    );
    assert_eq!(
        methods(&out),
        [
            "GetHTTPStatus: Unary",
            "GetURLs: ServerStreaming",
            "Type: Unary"
        ]
    );
    assert!(out.contains(r#""x.v1.StatusService""#));
}

#[test]
fn every_error_at_once() {
    let item = quote! {
        pub trait Greeter {
            const N: usize;
            fn not_async(&self, request: Request<A>) -> Result<Response<B>, Status>;
            async fn no_self(request: Request<A>) -> Result<Response<B>, Status>;
            async fn mut_self(&mut self, request: Request<A>) -> Result<Response<B>, Status>;
            async fn no_request(&self) -> Result<Response<B>, Status>;
            async fn not_a_request(&self, name: String) -> Result<Response<B>, Status>;
            async fn two_args(&self, request: Request<A>, extra: u8) -> Result<Response<B>, Status>;
            async fn no_response(&self, request: Request<A>) -> B;
            async fn unknown_stream(&self, request: Request<A>) -> Result<Response<Self::Nope>, Status>;
            async fn generic<T>(&self, request: Request<T>) -> Result<Response<B>, Status>;
        }
    };
    let errs = errors(quote!(rename(missing = "Missing"), bogus = 1), item);
    insta::assert_debug_snapshot!("every_error_at_once", errs);
}

#[test]
fn argument_errors() {
    let item = quote!(
        trait T {}
    );
    insta::assert_debug_snapshot!(
        "argument_errors",
        [
            errors(quote!(), item.clone()),
            errors(quote!(package = "hello world"), item.clone()),
            errors(quote!(package = "a", service = "a.T"), item.clone()),
            errors(quote!(package = helloworld, package = "b"), item.clone()),
            errors(quote!(service = 1 + 2, name = "X"), item.clone()),
            errors(quote!(service = "Greeter/Say"), item.clone()),
        ]
    );
}

#[test]
fn not_a_trait() {
    let errs = errors(
        quote!(package = "helloworld"),
        quote!(
            pub struct Greeter;
        ),
    );
    assert_eq!(
        errs,
        [
            "`#[routes]` goes on a tonic server trait (`trait Greeter { async fn say_hello(..) }`), not on a struct"
        ]
    );
}

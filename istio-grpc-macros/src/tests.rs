//! Unit tests of the expansion, on fixed token streams.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use prost::Message as _;
use prost_types::{
    FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
};
use quote::quote;

use crate::{expand, grpc};

/// `(name, client_streaming, server_streaming)`.
type Rpc = (&'static str, bool, bool);

/// Writes a descriptor set with one file per `(package, service, methods)` to a file of its own
/// (named after the test) and returns its absolute path, as `descriptor = ".."` takes it.
fn descriptor_file(test: &str, services: &[(&str, &str, &[Rpc])]) -> String {
    let set = FileDescriptorSet {
        file: services
            .iter()
            .enumerate()
            .map(|(i, (package, service, rpcs))| FileDescriptorProto {
                name: Some(format!("f{i}.proto")),
                package: Some((*package).to_owned()),
                service: vec![ServiceDescriptorProto {
                    name: Some((*service).to_owned()),
                    method: rpcs
                        .iter()
                        .map(|(name, client, server)| MethodDescriptorProto {
                            name: Some((*name).to_owned()),
                            client_streaming: Some(*client),
                            server_streaming: Some(*server),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .collect(),
    };
    let path: PathBuf = std::env::temp_dir().join(format!(
        "istio-grpc-macros-{}-{test}.bin",
        std::process::id()
    ));
    if let Err(err) = std::fs::write(&path, set.encode_to_vec()) {
        panic!("cannot write {}: {err}", path.display());
    }
    path.to_string_lossy().into_owned()
}

/// The Greeter's `.proto`, as a descriptor set.
const GREETER: &[Rpc] = &[
    ("SayHello", false, false),
    ("LotsOfReplies", false, true),
    ("LotsOfGreetings", true, false),
    ("BidiHello", true, true),
];

/// The names tonic's snake_case loses (issue 14), one of each kind, and a keyword.
const INVOICES: &[Rpc] = &[
    ("GetHTTPStatus", false, false),
    ("ListInvoicesV2", false, true),
    ("UploadCSV", true, false),
    ("Sync2Way", true, true),
    ("getLowerCamel", false, false),
    ("Get_Snake_Case", false, false),
    ("Type", false, false),
];

/// The Invoices trait as tonic-prost-build 0.14 generates it from `INVOICES`.
fn generated_invoices() -> TokenStream {
    quote! {
        pub trait Invoices: std::marker::Send + std::marker::Sync + 'static {
            async fn get_http_status(&self, request: tonic::Request<super::Note>)
                -> std::result::Result<tonic::Response<super::Echo>, tonic::Status>;
            type ListInvoicesV2Stream: tonic::codegen::tokio_stream::Stream<Item = std::result::Result<super::Echo, tonic::Status>> + std::marker::Send + 'static;
            async fn list_invoices_v2(&self, request: tonic::Request<super::Note>)
                -> std::result::Result<tonic::Response<Self::ListInvoicesV2Stream>, tonic::Status>;
            async fn upload_csv(&self, request: tonic::Request<tonic::Streaming<super::Note>>)
                -> std::result::Result<tonic::Response<super::Echo>, tonic::Status>;
            type Sync2WayStream: tonic::codegen::tokio_stream::Stream<Item = std::result::Result<super::Echo, tonic::Status>> + std::marker::Send + 'static;
            async fn sync2_way(&self, request: tonic::Request<tonic::Streaming<super::Note>>)
                -> std::result::Result<tonic::Response<Self::Sync2WayStream>, tonic::Status>;
            async fn get_lower_camel(&self, request: tonic::Request<super::Note>)
                -> std::result::Result<tonic::Response<super::Echo>, tonic::Status>;
            async fn get_snake_case(&self, request: tonic::Request<super::Note>)
                -> std::result::Result<tonic::Response<super::Echo>, tonic::Status>;
            async fn r#type(&self, request: tonic::Request<super::Note>)
                -> std::result::Result<tonic::Response<super::Echo>, tonic::Status>;
        }
    }
}

/// `text` with the temporary descriptor path replaced, for snapshots.
fn redact(text: &str, path: &str) -> String {
    text.replace(path, "<descriptor>")
}

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
    let path = descriptor_file("greeter", &[("helloworld", "Greeter", GREETER)]);
    let out = expand_ok(
        quote!(service = SERVICE_NAME, descriptor = #path),
        generated_greeter(),
    );
    insta::assert_snapshot!("expansion_generated_greeter", redact(&out, &path));
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
    let out = expand_ok(
        quote!(
            service = SERVICE_NAME,
            crate = ::istio_grpc,
            rename(check = "Check")
        ),
        item,
    );
    insta::assert_snapshot!("expansion_service_const", out);
}

#[test]
fn kinds_of_the_generated_greeter() {
    let path = descriptor_file("greeter_kinds", &[("helloworld", "Greeter", GREETER)]);
    let out = expand_ok(
        quote!(package = "helloworld", descriptor = #path),
        generated_greeter(),
    );
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
    let path = descriptor_file("stubs", &[("helloworld", "Greeter", GREETER)]);
    let out = expand_ok(quote!(package = "helloworld", descriptor = #path), item);
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
    let out = expand_ok(
        quote!(
            package = "helloworld",
            rename(say_hello = "SayHello", bidi_hello = "BidiHello")
        ),
        item,
    );
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
            rename(get_http_status = "GetHTTPStatus", r#type = "Type")
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
            errors(quote!(pakage = "helloworld"), item.clone()),
            errors(quote!(package = "a", rename = "SayHello"), item.clone()),
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

/// Issue 14's table: with the descriptor set, every name is the `.proto`'s, whatever tonic's
/// snake_case lost, and every kind is exact.
#[test]
fn names_from_the_descriptor_set() {
    let path = descriptor_file("invoices", &[("billing.v1", "Invoices", INVOICES)]);
    let out = expand_ok(
        quote!(service = SERVICE_NAME, descriptor = #path),
        generated_invoices(),
    );
    assert_eq!(
        methods(&out),
        [
            "GetHTTPStatus: Unary",
            "ListInvoicesV2: ServerStreaming",
            "UploadCSV: ClientStreaming",
            "Sync2Way: BidiStreaming",
            "getLowerCamel: Unary",
            "Get_Snake_Case: Unary",
            "Type: Unary",
        ]
    );
    // The file is tracked, and `SERVICE_NAME` is checked against the descriptor's name.
    assert!(out.contains(&format!("include_bytes!({path:?})")), "{out}");
    assert!(out.contains(r#""billing.v1.Invoices".as_bytes()"#), "{out}");
}

/// Without a descriptor set, a name the macro would have to guess is an error on the method,
/// with the fix; exact names (a `rename`, tonic's `XStream` type) still work.
#[test]
fn unknown_names_are_errors() {
    let errs = errors(quote!(package = "billing.v1"), generated_invoices());
    insta::assert_debug_snapshot!("unknown_names_are_errors", errs);
}

/// Descriptor sets that do not fit the trait, each said on the tokens to change.
#[test]
fn descriptor_errors() {
    let path = descriptor_file("errors", &[("billing.v1", "Invoices", INVOICES)]);
    let two = descriptor_file(
        "errors_two",
        &[
            ("billing.v1", "Invoices", INVOICES),
            ("billing.v2", "Invoices", INVOICES),
        ],
    );
    let missing = std::env::temp_dir().join("istio-grpc-macros-no-such-descriptor.bin");
    let missing = missing.to_string_lossy().into_owned();
    let mismatched = quote! {
        pub trait Invoices {
            // Client-streaming in the descriptor set.
            async fn upload_csv(&self, request: Request<Note>) -> Result<Response<Echo>, Status>;
            async fn get_http_status(&self, request: Request<Note>) -> Result<Response<Echo>, Status>;
            async fn not_in_proto(&self, request: Request<Note>) -> Result<Response<Echo>, Status>;
        }
    };
    let all = [
        errors(
            quote!(package = "billing.v1", descriptor = #missing),
            generated_invoices(),
        ),
        errors(
            quote!(package = "billing.v9", descriptor = #path),
            generated_invoices(),
        ),
        errors(
            quote!(service = SERVICE_NAME, descriptor = #two),
            generated_invoices(),
        ),
        errors(
            quote!(
                package = "billing.v1",
                descriptor = #path,
                rename(get_http_status = "GetHttpStatus")
            ),
            mismatched,
        ),
    ];
    let all: Vec<Vec<String>> = all
        .iter()
        .map(|errs| {
            errs.iter()
                .map(|e| redact(&redact(e, &path), &two).replace(&missing, "<missing>"))
                .collect()
        })
        .collect();
    insta::assert_debug_snapshot!("descriptor_errors", all);
}

#[test]
fn descriptor_paths() {
    use crate::descriptor::resolve;
    use std::path::Path;
    let out = Path::new("/target/out");
    assert_eq!(
        resolve("descriptor.bin", Some(out)),
        Ok(out.join("descriptor.bin"))
    );
    let absolute = std::env::temp_dir().join("d.bin");
    assert_eq!(
        resolve(&absolute.to_string_lossy(), None),
        Ok(absolute.clone())
    );
    let Err(message) = resolve("descriptor.bin", None) else {
        panic!("a relative path without $OUT_DIR resolved");
    };
    assert!(message.contains("`$OUT_DIR`"), "{message}");
}

/// tonic-prost-build's Rust names for `.proto` method names (prost-build's `to_snake`,
/// keywords made raw or suffixed), and its trait names.
#[test]
fn rust_names_as_tonic_gives_them() {
    for (proto, rust) in [
        ("GetHTTPStatus", "get_http_status"),
        ("ListInvoicesV2", "list_invoices_v2"),
        ("UploadCSV", "upload_csv"),
        ("Sync2Way", "sync2_way"),
        ("getLowerCamel", "get_lower_camel"),
        ("Get_Snake_Case", "get_snake_case"),
        ("Type", "type"),
        ("Self", "self_"),
    ] {
        assert_eq!(grpc::rust_method_name(proto), rust, "{proto}");
    }
    assert_eq!(grpc::rust_trait_name("greeter_v2"), "GreeterV2");
    assert_eq!(grpc::rust_trait_name("Health"), "Health");
}

/// The macro's copy of the gRPC name rule agrees with `istio_grpc_types::grpc` on its test
/// vectors.
#[test]
fn grpc_names_agree_with_the_types_crate() {
    use istio_grpc_types::grpc as shared;
    for s in [
        "Greeter",
        "helloworld.Greeter",
        "grpc.health.v1.Health",
        "_x.y_2.Z",
        "",
        ".Svc",
        "pkg.",
        "pkg..Svc",
        "1pkg.Svc",
        "pkg.S-v",
        "pkg/Svc",
        "pkg.Svc ",
        "Get",
        "GetHTTPStatus",
        "getLowerCamel",
        "Get_Snake_Case",
        "Sync2Way",
        "a.b",
        "2Way",
        "Get/X",
        "é",
    ] {
        assert_eq!(
            grpc::is_service_name(s),
            shared::is_service_name(s),
            "{s:?}"
        );
        assert_eq!(grpc::is_method_name(s), shared::is_method_name(s), "{s:?}");
        assert_eq!(grpc::is_package(s), shared::is_package(s), "{s:?}");
        assert_eq!(grpc::is_identifier(s), shared::is_identifier(s), "{s:?}");
    }
}

proptest::proptest! {
    /// ... and on any short string of the characters that matter.
    #[test]
    fn grpc_names_agree_on_generated_strings(s in "[a-zA-Z0-9_./ é-]{0,12}") {
        use istio_grpc_types::grpc as shared;
        proptest::prop_assert_eq!(grpc::is_service_name(&s), shared::is_service_name(&s));
        proptest::prop_assert_eq!(grpc::is_method_name(&s), shared::is_method_name(&s));
    }
}

/// With errors, `<Trait>Routes` is still there, with a function for every method whose
/// signature is valid (named or not) and no `METHODS`, so uses elsewhere add no errors.
#[test]
fn fallback_keeps_the_routes_type() {
    let item = quote! {
        pub trait Greeter {
            async fn say_hello(&self, request: Request<A>) -> Result<Response<B>, Status>;
            async fn broken(&self) -> Result<Response<B>, Status>;
            type LotsOfRepliesStream: Stream<Item = Result<B, Status>> + Send;
            async fn lots_of_replies(&self, request: Request<A>) -> Result<Response<Self::LotsOfRepliesStream>, Status>;
        }
    };
    let failure = match expand::routes_or_fallback(quote!(package = "helloworld"), item) {
        Ok(tokens) => panic!("expected errors, got {tokens}"),
        Err(failure) => failure,
    };
    let errs: Vec<String> = failure.error.into_iter().map(|e| e.to_string()).collect();
    assert_eq!(errs.len(), 2, "{errs:#?}");
    let out = pretty(failure.fallback);
    assert!(out.contains("pub struct GreeterRoutes;"), "{out}");
    assert!(
        out.contains(
            "const METHODS: &'static [::istio_grpc_builder::__private::MethodInfo] = &[];"
        ),
        "{out}"
    );
    assert!(
        out.contains(r#"const SERVICE_NAME: &'static str = "helloworld.Greeter";"#),
        "{out}"
    );
    assert!(out.contains("pub fn say_hello()"), "{out}");
    assert!(out.contains("pub fn lots_of_replies()"), "{out}");
    assert!(!out.contains("fn broken"), "{out}");
}

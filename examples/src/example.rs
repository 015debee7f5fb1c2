//! The examples, by name (`cargo run -p istio-grpc-examples --example NAME`).

#[path = "../examples/grpc_status_retries.rs"]
pub mod grpc_status_retries;
#[path = "../examples/grpc_web_from_a_browser.rs"]
pub mod grpc_web_from_a_browser;
#[path = "../examples/h2c_gateway.rs"]
pub mod h2c_gateway;
#[path = "../examples/manifests_from_build_rs.rs"]
pub mod manifests_from_build_rs;
#[path = "../examples/proxyless_grpc.rs"]
pub mod proxyless_grpc;
#[path = "../examples/routes_from_a_proto.rs"]
pub mod routes_from_a_proto;
#[path = "../examples/routes_from_a_tonic_trait.rs"]
pub mod routes_from_a_tonic_trait;
#[path = "../examples/streaming_routes.rs"]
pub mod streaming_routes;
#[path = "../examples/tls_gateway.rs"]
pub mod tls_gateway;

/// One example: its name (`--example NAME`), the function that gives what it prints, and its
/// `main`.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    /// The file name under `examples/examples/`, without `.rs`.
    pub name: &'static str,
    /// What the example prints.
    pub output: fn() -> Result<String, Box<dyn std::error::Error>>,
    /// What `cargo run --example NAME` runs.
    pub main: fn() -> Result<(), Box<dyn std::error::Error>>,
}

/// Every example, by name.
pub const ALL: &[Example] = &[
    Example {
        name: "grpc_status_retries",
        output: grpc_status_retries::output,
        main: grpc_status_retries::main,
    },
    Example {
        name: "grpc_web_from_a_browser",
        output: grpc_web_from_a_browser::output,
        main: grpc_web_from_a_browser::main,
    },
    Example {
        name: "h2c_gateway",
        output: h2c_gateway::output,
        main: h2c_gateway::main,
    },
    Example {
        name: "manifests_from_build_rs",
        output: manifests_from_build_rs::output,
        main: manifests_from_build_rs::main,
    },
    Example {
        name: "proxyless_grpc",
        output: proxyless_grpc::output,
        main: proxyless_grpc::main,
    },
    Example {
        name: "routes_from_a_proto",
        output: routes_from_a_proto::output,
        main: routes_from_a_proto::main,
    },
    Example {
        name: "routes_from_a_tonic_trait",
        output: routes_from_a_tonic_trait::output,
        main: routes_from_a_tonic_trait::main,
    },
    Example {
        name: "streaming_routes",
        output: streaming_routes::output,
        main: streaming_routes::main,
    },
    Example {
        name: "tls_gateway",
        output: tls_gateway::output,
        main: tls_gateway::main,
    },
];

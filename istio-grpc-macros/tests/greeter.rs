//! The routes `#[routes]` derives for the example Greeter (`examples/greeter`, whose `.proto`
//! tonic-prost-build compiles), alone and through the builder. Its compile-time behaviour is in
//! `tests/ui.rs`.

use std::time::Duration;

use istio_grpc_builder::{
    Backend, Ingress, Route, TlsCredential,
    service::{GrpcService, MethodKind},
};
use istio_grpc_example_greeter::{GreeterRoutes, HealthRoutes, InvoicesRoutes};
use serde_json::{Value, json};

fn kind(kind: MethodKind) -> &'static str {
    match kind {
        MethodKind::Unary => "unary",
        MethodKind::ClientStreaming => "client-streaming",
        MethodKind::ServerStreaming => "server-streaming",
        MethodKind::BidiStreaming => "bidi-streaming",
    }
}

fn derived<S: GrpcService>() -> Value {
    let methods: Vec<Value> = S::METHODS
        .iter()
        .map(|m| {
            json!({
                "path": format!("/{}/{}", S::SERVICE_NAME, m.name),
                "kind": kind(m.kind),
                "takes_timeout": !m.kind.is_streaming(),
            })
        })
        .collect();
    json!({ "service": S::SERVICE_NAME, "methods": methods })
}

/// What the macro derived for the example's `.proto` files: names, paths, kinds. Invoices holds
/// the names tonic's snake_case loses (issue 14): each path is the `.proto`'s, read from the
/// descriptor set.
#[test]
fn greeter_routes() {
    insta::assert_yaml_snapshot!(
        "greeter_routes",
        [
            derived::<GreeterRoutes>(),
            derived::<HealthRoutes>(),
            derived::<InvoicesRoutes>()
        ]
    );
}

/// The derived routes through the builder: every derived path is matched exactly, and only the
/// unary methods carry a finite timeout (how a streaming route spells "no timeout" is the
/// builder's business, tested there).
#[test]
fn greeter_routes_through_the_builder() -> Result<(), Box<dyn std::error::Error>> {
    let routes: Vec<Route> = vec![
        GreeterRoutes::say_hello()
            .timeout(Duration::from_secs(5))
            .into(),
        GreeterRoutes::lots_of_replies().into(),
        GreeterRoutes::lots_of_greetings().into(),
        GreeterRoutes::bidi_hello().into(),
        HealthRoutes::check().timeout(Duration::from_secs(1)).into(),
        HealthRoutes::watch().into(),
    ];
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("greeter").routes(routes))
        .build()?;
    let yaml = mesh.to_yaml();
    for service in [derived::<GreeterRoutes>(), derived::<HealthRoutes>()] {
        for method in service["methods"].as_array().into_iter().flatten() {
            let path = method["path"].as_str().unwrap_or_default();
            assert!(
                yaml.contains(&format!("exact: {path}\n")),
                "{path} not routed:\n{yaml}"
            );
        }
    }
    let finite: Vec<&str> = yaml
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("timeout:") && *l != "timeout: 0s")
        .collect();
    assert_eq!(finite, ["timeout: 5s", "timeout: 1s"], "{yaml}");
    Ok(())
}

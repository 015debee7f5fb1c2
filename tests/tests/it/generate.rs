//! `istio_grpc_builder::config` (what `istio-grpc generate` and a build.rs use) on the example
//! Greeter's descriptor set: the same objects as the `#[routes]` way and the descriptor way,
//! and the errors a user meets (a typo, a timeout on a streaming method). The CLI itself is
//! tested as a process in `istio-grpc-cli/tests/generate.rs`.

use std::time::Duration;

use istio_grpc_builder::config::{self, ConfigProblem, GenerateConfig, GenerateError};
use istio_grpc_builder::descriptor::{self, DescribedRoute};
use istio_grpc_builder::marker::{BidiStreaming, ClientStreaming, ServerStreaming, Unary};
use istio_grpc_builder::service::{GrpcService, MethodKind};
use istio_grpc_builder::{
    Backend, Ingress, Mesh, MethodRoute, RetryOn, Route, ServiceRoute, TlsCredential,
};
use istio_grpc_example_greeter::{
    FILE_DESCRIPTOR_SET, GreeterRoutes, HealthRoutes, InvoicesRoutes,
};

/// The configuration of the three services the Greeter serves (`schema/examples/greeter.yaml`):
/// one unary method of each with a timeout, retries on the whole Greeter service (streaming: no
/// timeout there). The CLI test runs `istio-grpc generate` with the same file.
pub const GREETER_CONFIG: &str = include_str!("../../../schema/examples/greeter.yaml");

fn from_config() -> Result<Mesh, GenerateError> {
    config::manifests_from_descriptor_set(FILE_DESCRIPTOR_SET, GREETER_CONFIG)
}

/// The same through `#[routes]`: the macro's typed method routes and service names.
fn from_macro() -> Result<Mesh, istio_grpc_builder::BuildErrors> {
    let backend = Backend::service("greeter")
        .route(
            GreeterRoutes::say_hello()
                .timeout(Duration::from_secs(5))
                .retries(3, [RetryOn::Unavailable, RetryOn::ResourceExhausted])
                .per_try_timeout(Duration::from_secs(2)),
        )
        .route(
            ServiceRoute::streaming(GreeterRoutes::SERVICE_NAME).retries(2, [RetryOn::Unavailable]),
        )
        .route(HealthRoutes::check().timeout(Duration::from_secs(1)))
        .serves::<HealthRoutes>()
        .route(InvoicesRoutes::get_http_status().timeout(Duration::from_secs(3)))
        .serves::<InvoicesRoutes>();
    Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(backend)
        .build()
}

/// The same by hand from the descriptor set: each route typed by what the descriptor says.
fn from_descriptors() -> Result<Mesh, Box<dyn std::error::Error>> {
    let services = descriptor::services(FILE_DESCRIPTOR_SET)?;
    let find = |name: &str| {
        services
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("{name} not in the descriptor set"))
    };
    let unary_method = |service: &str, method: &str, timeout: u64| -> Result<Route, String> {
        let d = find(service)?;
        match d.methods.iter().find(|m| m.name == method).map(|m| m.kind) {
            Some(MethodKind::Unary) => Ok(MethodRoute::<Unary>::new(service, method)
                .timeout(Duration::from_secs(timeout))
                .into()),
            other => Err(format!("{service}/{method} is {other:?}")),
        }
    };
    let mut backend = Backend::service("greeter");
    let greeter = find("helloworld.Greeter")?;
    for m in &greeter.methods {
        if m.name == "SayHello" {
            backend = backend.route(
                MethodRoute::<Unary>::new(&greeter.name, &m.name)
                    .timeout(Duration::from_secs(5))
                    .retries(3, [RetryOn::Unavailable, RetryOn::ResourceExhausted])
                    .per_try_timeout(Duration::from_secs(2)),
            );
        }
    }
    backend = match greeter.route() {
        DescribedRoute::Streams(r) => backend.route(r.retries(2, [RetryOn::Unavailable])),
        DescribedRoute::UnaryOnly(_) => return Err("helloworld.Greeter streams".into()),
    };
    backend = backend
        .route(unary_method("grpc.health.v1.Health", "Check", 1)?)
        .route(find("grpc.health.v1.Health")?.route())
        .route(unary_method("billing.v1.Invoices", "GetHTTPStatus", 3)?)
        .route(find("billing.v1.Invoices")?.route());
    Ok(Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(backend)
        .build()?)
}

/// Three ways, one set of objects; the YAML is the snapshot (read: per-method exact routes
/// first with their timeouts, then one prefix route per service, none of which carries a
/// timeout because each service has a streaming method).
#[test]
fn the_config_way_the_macro_way_and_the_descriptor_way_give_the_same_objects()
-> Result<(), Box<dyn std::error::Error>> {
    let config = from_config()?;
    let from_macro = from_macro()?;
    let from_descriptors = from_descriptors()?;
    assert!(
        config.objects() == from_macro.objects(),
        "config:\n{}\nmacro:\n{}",
        config.yaml(),
        from_macro.yaml()
    );
    assert!(
        config.objects() == from_descriptors.objects(),
        "config:\n{}\ndescriptors:\n{}",
        config.yaml(),
        from_descriptors.yaml()
    );
    insta::assert_snapshot!("generate_greeter", config.yaml());
    Ok(())
}

/// `*` exposes every service of the input; with no policy it is `Backend::serves` for each.
#[test]
fn every_service_at_once() -> Result<(), Box<dyn std::error::Error>> {
    let yaml = "apiVersion: istio-grpc/v1\nhosts: [grpc.example.com]\nbackends:\n  - service: greeter\n    grpcServices: [{name: '*'}]\n";
    let mesh = config::manifests_from_descriptor_set(FILE_DESCRIPTOR_SET, yaml)?;
    let by_hand = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret(config::DEFAULT_TLS_SECRET))
        .backend(
            Backend::service("greeter")
                .serves::<GreeterRoutes>()
                .serves::<HealthRoutes>()
                .serves::<InvoicesRoutes>(),
        )
        .build()?;
    // Descriptor order is file order (helloworld, health, billing): the same as by hand, once
    // sorted the same way by the builder.
    assert!(
        mesh.objects() == by_hand.objects(),
        "{}\n{}",
        mesh.yaml(),
        by_hand.yaml()
    );
    Ok(())
}

fn config_errors(yaml: &str) -> Vec<config::ConfigError> {
    match config::manifests_from_descriptor_set(FILE_DESCRIPTOR_SET, yaml) {
        Err(GenerateError::Config { errors, .. }) => errors.to_vec(),
        Err(other) => panic!("not a configuration error: {other}"),
        Ok(mesh) => panic!("accepted:\n{}", mesh.yaml()),
    }
}

#[test]
fn a_typo_names_the_key_its_place_and_the_nearest_valid_key() {
    let yaml = GREETER_CONFIG.replace("grpcServices:", "grpcServics:");
    let errors = config_errors(&yaml);
    let e = &errors[0];
    assert_eq!(e.path, "backends[0].grpcServics");
    assert_eq!(e.location.map(|l| (l.line, l.column)), Some((10, 5)));
    assert!(
        matches!(&e.problem, ConfigProblem::UnknownKey { key, suggestion: Some(s), .. } if key == "grpcServics" && s == "grpcServices"),
        "{e}"
    );
    assert!(
        e.to_string().contains("did you mean `grpcServices`?"),
        "{e}"
    );
}

/// The typestate's rule, from YAML: each streaming method is named with its kind and why.
#[test]
fn a_timeout_on_a_streaming_method_is_refused_naming_the_method() {
    for (method, kind) in [
        ("LotsOfReplies", "server-streaming"),
        ("LotsOfGreetings", "client-streaming"),
        ("BidiHello", "bidi-streaming"),
    ] {
        let yaml = GREETER_CONFIG.replace(
            "          - name: SayHello\n",
            &format!("          - {{name: {method}, timeout: 5s}}\n          - name: SayHello\n"),
        );
        let errors = config_errors(&yaml);
        assert_eq!(errors.len(), 1, "{errors:?}");
        let text = errors[0].to_string();
        assert!(
            text.contains(&format!(
                "backends[0].grpcServices[0].methods[0].timeout: helloworld.Greeter/{method} is {kind}: {}",
                config::STREAMING_TIMEOUT
            )),
            "{text}"
        );
        assert_eq!(errors[0].location.map(|l| l.line), Some(14), "{text}");
        assert_eq!(
            errors[0].path,
            "backends[0].grpcServices[0].methods[0].timeout"
        );
    }
    // A timeout on the whole streaming service names its streaming methods.
    let yaml = GREETER_CONFIG.replace(
        "        retries: {attempts: 2, on: [unavailable]}\n",
        "        timeout: 10s\n",
    );
    let text = config_errors(&yaml)[0].to_string();
    assert!(
        text.contains("helloworld.Greeter has streaming methods (LotsOfReplies is server-streaming, LotsOfGreetings is client-streaming, BidiHello is bidi-streaming)"),
        "{text}"
    );
}

/// The Rust way refuses the same thing at compile time; here a streaming method route offers
/// retries only (what the conversion uses for streaming kinds).
#[test]
fn streaming_method_routes_take_retries_only() {
    let routes: Vec<Route> = vec![
        MethodRoute::<ServerStreaming>::new("a.B", "C")
            .retries(1, [RetryOn::Unavailable])
            .into(),
        MethodRoute::<ClientStreaming>::new("a.B", "D").into(),
        MethodRoute::<BidiStreaming>::new("a.B", "E").into(),
    ];
    assert!(routes.iter().all(Route::is_streaming));
}

/// Every configuration shown to users validates against the committed JSON schema, and a typo
/// does not.
#[test]
fn the_schema_accepts_the_examples_and_refuses_a_typo() -> Result<(), Box<dyn std::error::Error>> {
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schema/generate-config.schema.json"
    ))?)?;
    let validator = jsonschema::validator_for(&schema)?;
    let as_json = |yaml: &str| -> Result<serde_json::Value, serde_saphyr::Error> {
        serde_saphyr::from_str(yaml)
    };
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/generate.md"))?;
    let mut examples: Vec<String> = vec![GREETER_CONFIG.to_owned()];
    // every ```yaml block of docs/generate.md that is a whole configuration
    for block in docs.split("```yaml\n").skip(1) {
        let body = block.split("```").next().unwrap_or_default();
        if body.starts_with("apiVersion: istio-grpc/v1") {
            examples.push(body.to_owned());
        }
    }
    assert!(
        examples.len() >= 2,
        "docs/generate.md shows a whole configuration"
    );
    for example in &examples {
        let value = as_json(example)?;
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{example}");
        GenerateConfig::from_yaml(example).map_err(|e| format!("{e}\n{example}"))?;
    }
    let typo = as_json(&GREETER_CONFIG.replace("hosts:", "host:"))?;
    assert!(!validator.is_valid(&typo));
    Ok(())
}

/// What a build.rs calls, with the descriptor set tonic-prost-build writes and the
/// configuration file: the same manifests; a problem names the file, line and column.
#[test]
fn build_rs_in_one_call_from_files() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("generate-build-rs-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let fds = dir.join("descriptor.bin");
    let good = dir.join("istio-grpc.yaml");
    let bad = dir.join("typo.yaml");
    std::fs::write(&fds, FILE_DESCRIPTOR_SET)?;
    std::fs::write(&good, GREETER_CONFIG)?;
    std::fs::write(
        &bad,
        GREETER_CONFIG.replace("perTryTimeout", "perTryTimout"),
    )?;
    let mesh = config::manifests_from_files(&fds, &good);
    let err = config::manifests_from_files(&fds, &bad)
        .map(|_| ())
        .map_err(|e| e.to_string());
    let missing = config::manifests_from_files(dir.join("nope.bin"), &good).map(|_| ());
    std::fs::remove_dir_all(&dir)?;
    assert!(mesh?.objects() == from_config()?.objects());
    assert_eq!(
        err,
        Err(format!(
            "{}:16:75: backends[0].grpcServices[0].methods[0].retries.perTryTimout: unknown key `perTryTimout` (did you mean `perTryTimeout`?); valid keys here: `attempts`, `on`, `perTryTimeout`",
            bad.display()
        ))
    );
    assert!(matches!(missing, Err(GenerateError::Read { path, .. }) if path.ends_with("nope.bin")));
    Ok(())
}

/// The greeter's own `build.rs` makes its manifests in one call from the same descriptor set and
/// configuration file: what it wrote at build time is what the library (and `generate`) give.
#[test]
fn the_greeters_build_rs_writes_the_configured_manifests() -> Result<(), Box<dyn std::error::Error>>
{
    let at_build_time = istio_grpc_example_greeter::CONFIGURED_MANIFESTS;
    assert_eq!(at_build_time, from_config()?.to_yaml());
    assert!(
        at_build_time.contains("exact: /helloworld.Greeter/SayHello"),
        "{at_build_time}"
    );
    Ok(())
}

/// A backend's concurrency cap and outlier detection from YAML: the same DestinationRule as the
/// Rust calls; a count of 0 and a share above 100 are refused at their line.
#[test]
fn concurrency_cap_and_outlier_detection_from_yaml() -> Result<(), Box<dyn std::error::Error>> {
    let settings = "  - service: greeter\n    maxConcurrentCalls: 1000\n    outlierDetection: {on: unavailable, after: 3, interval: 5s, ejectionTime: 1m}\n";
    let yaml = GREETER_CONFIG.replace("  - service: greeter\n", settings);
    let from_yaml = config::manifests_from_descriptor_set(FILE_DESCRIPTOR_SET, &yaml)?;
    let dr = |mesh: &Mesh| {
        mesh.objects()
            .iter()
            .find(|o| o.kind() == "DestinationRule")
            .map(|o| o.to_json().expect("json"))
    };
    let policy = dr(&from_yaml).expect("a DestinationRule")["spec"]["trafficPolicy"].clone();
    assert_eq!(
        policy,
        serde_json::json!({
            "connectionPool": {"http": {"http2MaxRequests": 1000}},
            "outlierDetection": {"consecutiveGatewayErrors": 3, "consecutive5xxErrors": 0,
                "interval": "5s", "baseEjectionTime": "60s", "maxEjectionPercent": 50},
        })
    );
    let by_hand = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(
            Backend::service("greeter")
                .max_concurrent_calls(1000)
                .outlier_detection(
                    istio_grpc_builder::OutlierDetection::unavailable(3)
                        .interval(Duration::from_secs(5))
                        .ejection_time(Duration::from_secs(60)),
                ),
        )
        .build()?;
    assert_eq!(dr(&from_yaml), dr(&by_hand));

    let bad = GREETER_CONFIG.replace(
        "  - service: greeter\n",
        "  - service: greeter\n    maxConcurrentCalls: 0\n    outlierDetection: {on: serverErrors, after: 0, maxEjectionPercent: 150}\n",
    );
    let errors = config_errors(&bad);
    let found: Vec<(&str, Option<usize>)> = errors
        .iter()
        .map(|e| (e.path.as_str(), e.location.map(|l| l.line)))
        .collect();
    assert_eq!(
        found,
        [
            ("backends[0].maxConcurrentCalls", Some(10)),
            ("backends[0].outlierDetection.after", Some(11)),
            ("backends[0].outlierDetection.maxEjectionPercent", Some(11)),
        ],
        "{errors:?}"
    );
    assert!(
        errors[1]
            .to_string()
            .contains("0 failures would turn ejection off"),
        "{}",
        errors[1]
    );
    Ok(())
}

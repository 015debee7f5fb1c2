//! The builder: snapshots of every seed configuration, a value comparison with the seed
//! article's YAML, build() errors and a property test. The compile-time invariants (trybuild)
//! run from the builder crate, `istio-grpc-builder/tests/ui.rs`.

mod scale;
mod seed;

use std::time::Duration;

use istio_grpc_builder::error::{
    BackendProblem, CredentialProblem, DuplicateKind, DurationProblem, HostProblem, NameKind,
    NameProblem, OriginProblem, RouteProblem,
};
use istio_grpc_builder::k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use istio_grpc_builder::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use istio_grpc_builder::{
    Backend, BuildError, BuildErrors, GrpcWeb, Ingress, Mesh, MethodRoute, Origins,
    OutlierDetection, RetryOn, ServiceRoute, TlsCredential,
};
use istio_grpc_examples as ex;
use istio_grpc_types::Object;

fn built(result: Result<Mesh, BuildErrors>) -> Mesh {
    result.unwrap_or_else(|e| panic!("the example must build: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Snapshots (read and checked against the seed before being accepted).

macro_rules! snapshot {
    ($name:ident) => {
        #[test]
        fn $name() {
            let mesh = built(ex::$name());
            insta::with_settings!({ prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!(concat!("builder__", stringify!($name)), mesh.to_yaml());
            });
        }
    };
}

mod snapshots {
    use super::*;
    snapshot!(tls_gateway);
    snapshot!(h2c_gateway);
    snapshot!(basic_route);
    snapshot!(routing);
    snapshot!(streaming);
    snapshot!(resilience);
    snapshot!(proxyless);
    snapshot!(grpc_web);
    snapshot!(grpc_web_port);
    snapshot!(whole_setup);

    #[test]
    fn grpcurl_checks() {
        let tls = built(ex::routing());
        let h2c = built(ex::h2c_gateway());
        let mut text = String::new();
        for mesh in [&tls, &h2c] {
            for c in mesh.grpcurl_checks() {
                text.push_str(&c.to_string());
                text.push('\n');
            }
            for u in mesh.unchecked_routes() {
                text.push_str(&format!("# {u}\n"));
            }
        }
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("builder__grpcurl_checks", text);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Output properties.

#[test]
fn yaml_is_deterministic_and_reads_back() {
    let a = built(ex::whole_setup()).to_yaml();
    let b = built(ex::whole_setup()).to_yaml();
    assert_eq!(a, b);
    let objects =
        istio_grpc_types::yaml::objects_from_str(&a).expect("the builder's YAML reads back");
    assert_eq!(objects, built(ex::whole_setup()).objects());
}

#[test]
fn objects_come_in_a_stable_order() {
    let mesh = built(ex::whole_setup());
    let kinds: Vec<&str> = mesh.objects().iter().map(Object::kind).collect();
    assert_eq!(
        kinds,
        [
            "Gateway",
            "Secret",
            "VirtualService",
            "Service",
            "Service",
            "Service",
            "Service",
            "EnvoyFilter"
        ]
    );
}

#[test]
fn write_dir_writes_one_file_per_object() {
    let dir = std::env::temp_dir().join(format!(
        "istio-grpc-builder-write-dir-{}",
        std::process::id()
    ));
    let mesh = built(ex::proxyless());
    let files = mesh.write_dir(&dir).expect("written");
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "01-gateway-grpc-gateway.yaml",
            "02-virtualservice-grpc-vs.yaml",
            "03-destinationrule-echo.yaml",
            "04-service-echo.yaml"
        ]
    );
    let back: Vec<Object> = files
        .iter()
        .flat_map(|f| {
            istio_grpc_types::yaml::objects_from_str(&std::fs::read_to_string(f).expect("read"))
                .expect("parse")
        })
        .collect();
    assert_eq!(back, mesh.objects());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn private_key_never_shows_in_debug() {
    let key =
        "-----BEGIN PRIVATE KEY-----\nU0VDUkVUIEtFWSBNQVRFUklBTA==\n-----END PRIVATE KEY-----\n";
    let cred = TlsCredential::from_pem("grpc-tls-credential", ex::EXAMPLE_CERT_PEM, key);
    let ingress = Ingress::new("grpc.example.com")
        .tls(cred.clone())
        .backend(Backend::service("grpc-service"));
    for text in [
        format!("{cred:?}"),
        format!("{ingress:?}"),
        format!("{:?}", built(ingress.build())),
    ] {
        assert!(
            !text.contains("U0VDUkVUIEtFWSBNQVRFUklBTA"),
            "key material in Debug: {text}"
        );
        assert!(
            !text.contains("PRIVATE KEY-----\nU0"),
            "key material in Debug: {text}"
        );
    }
    // Nor in errors: a broken key is reported without its text.
    let bad = "-----BEGIN PRIVATE KEY-----\nnot base64 SECRETSECRET\n-----END PRIVATE KEY-----\n";
    let err = Ingress::new("grpc.example.com")
        .tls(TlsCredential::from_pem(
            "grpc-tls-credential",
            ex::EXAMPLE_CERT_PEM,
            bad,
        ))
        .backend(Backend::service("grpc-service"))
        .build()
        .expect_err("a broken key is refused");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("SECRETSECRET"), "{text}");
    assert!(
        matches!(
            err.errors(),
            [BuildError::Credential { name, problem: CredentialProblem::KeyNotPem }] if name == "grpc-tls-credential"
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "tls credential \"grpc-tls-credential\": the private key is not valid PEM"
    );
}

#[test]
fn proxyless_pod_annotations_are_the_seeds() {
    let mesh = built(ex::proxyless());
    let a = mesh
        .pod_annotations("echo")
        .expect("annotations for the proxyless backend");
    assert_eq!(a["inject.istio.io/templates"], "grpc-agent");
    let config: serde_json::Value =
        serde_json::from_str(&a["proxy.istio.io/config"]).expect("JSON");
    assert_eq!(
        config,
        serde_json::json!({"holdApplicationUntilProxyStarts": true})
    );
    let client =
        istio_grpc_builder::proxyless_pod_annotations(istio_grpc_builder::ProxylessRole::Client);
    assert_eq!(client.len(), 1);
}

#[test]
fn method_routes_match_exact_paths_and_sort_first() {
    use istio_grpc_builder::marker::{BidiStreaming, Unary};
    let mesh = built(
        Ingress::new("grpc.example.com")
            .h2c()
            .backend(
                Backend::service("greeter")
                    .route(ServiceRoute::unary("helloworld.Greeter"))
                    .route(MethodRoute::<BidiStreaming>::new(
                        "helloworld.Greeter",
                        "Chat",
                    ))
                    .route(
                        MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello")
                            .timeout(Duration::from_millis(1500)),
                    ),
            )
            .build(),
    );
    let yaml = mesh.to_yaml();
    let chat = yaml
        .find("exact: /helloworld.Greeter/Chat")
        .expect("exact match");
    let prefix = yaml
        .find("prefix: /helloworld.Greeter")
        .expect("prefix match");
    assert!(
        chat < prefix,
        "method routes come before service routes:\n{yaml}"
    );
    assert!(yaml.contains("timeout: 1.500s"), "{yaml}");
}

// ---------------------------------------------------------------------------------------------
// What live traffic through Envoy showed (ENVOY.md §7): the builder writes what works.

/// The `http` routes of every VirtualService, in order.
fn http_routes(mesh: &Mesh) -> Vec<serde_json::Value> {
    mesh.objects()
        .iter()
        .filter(|o| o.kind() == "VirtualService")
        .flat_map(|o| {
            let json = o.to_json().expect("json");
            json["spec"]["http"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

#[test]
fn a_service_prefix_takes_no_other_service() {
    let mesh = built(ex::whole_setup());
    let prefixes: Vec<String> = http_routes(&mesh)
        .iter()
        .flat_map(|r| r["match"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| m["uri"]["prefix"].as_str().map(str::to_owned))
        .collect();
    assert!(
        prefixes.contains(&"/mypackage.UserService/".to_owned()),
        "{prefixes:?}"
    );
    assert!(
        prefixes.contains(&"/grpc.health.v1.Health/".to_owned()),
        "{prefixes:?}"
    );
    // Envoy's `prefix` is a plain string prefix: the trailing slash is what keeps
    // `/mypackage.UserServiceAdmin/…` out.
    for p in &prefixes {
        assert!(p.ends_with('/'), "{p}");
        assert!(
            !"/mypackage.UserServiceAdmin/Get".starts_with(p.as_str()),
            "{p}"
        );
    }
    assert!("/mypackage.UserService/Get".starts_with("/mypackage.UserService/"));
}

#[test]
fn a_grpc_web_preflight_meets_the_cors_policy() {
    // A preflight is `OPTIONS <path>` without `content-type`: every route that can match the
    // backend's paths must carry the policy, and none may require a content type.
    for (way, web) in [
        (
            "envoy filter",
            GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com")),
        ),
        (
            "service port",
            GrpcWeb::service_port(Origins::exact("https://myapp.example.com")),
        ),
    ] {
        let mesh = built(
            tls_ingress()
                .backend(
                    Backend::service("web")
                        .route(ServiceRoute::unary("mypackage.UserService"))
                        .route(ServiceRoute::health())
                        .grpc_web(web),
                )
                .backend(Backend::service("native").route(ServiceRoute::unary("mypackage.Other")))
                .build(),
        );
        let routes = http_routes(&mesh);
        assert_eq!(routes.len(), 3, "{way}: {routes:#?}");
        for r in &routes {
            let host = r["route"][0]["destination"]["host"].as_str().unwrap_or("");
            assert!(r["match"][0].get("headers").is_none(), "{way}: {r}");
            let cors = &r["corsPolicy"];
            if host == "web" {
                assert_eq!(
                    cors["allowOrigins"],
                    serde_json::json!([{"exact": "https://myapp.example.com"}]),
                    "{way}"
                );
                assert_eq!(cors["allowMethods"], serde_json::json!(["POST"]), "{way}");
                for h in ["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"] {
                    assert!(
                        cors["allowHeaders"]
                            .as_array()
                            .is_some_and(|a| a.contains(&h.into())),
                        "{way}: {h}"
                    );
                }
                assert_eq!(
                    cors["exposeHeaders"],
                    serde_json::json!(["grpc-status", "grpc-message", "grpc-status-details-bin"]),
                    "{way}"
                );
                assert_eq!(cors["maxAge"], "86400s", "{way}");
                assert_eq!(cors["unmatchedPreflights"], "IGNORE", "{way}");
            } else {
                assert!(cors.is_null(), "{way}: CORS only where asked for: {r}");
            }
        }
    }
}

#[test]
fn a_per_try_timeout_is_retried_when_it_fires() {
    let retry_on = |route: ServiceRoute| -> String {
        let mesh = built(
            tls_ingress()
                .backend(Backend::service("a").route(route))
                .build(),
        );
        http_routes(&mesh)[0]["retries"]["retryOn"]
            .as_str()
            .unwrap_or("(none)")
            .to_owned()
    };
    let unary = || ServiceRoute::unary("pkg.Svc").timeout(Duration::from_secs(10));
    // gRPC conditions alone never retry a timed-out try: what it ends as is added.
    assert_eq!(
        retry_on(
            unary()
                .retries(2, [RetryOn::Unavailable])
                .per_try_timeout(Duration::from_secs(3))
        ),
        "unavailable,reset,cancelled,deadline-exceeded"
    );
    // Already there: not repeated.
    assert_eq!(
        retry_on(
            unary()
                .retries(2, [RetryOn::Reset, RetryOn::Unavailable])
                .per_try_timeout(Duration::from_secs(3))
        ),
        "reset,unavailable,cancelled,deadline-exceeded"
    );
    // No conditions: Istio's default ones stay, plus the missing outcomes.
    assert_eq!(
        retry_on(
            unary()
                .retries(2, [] as [RetryOn; 0])
                .per_try_timeout(Duration::from_secs(3))
        ),
        "connect-failure,refused-stream,unavailable,cancelled,reset,deadline-exceeded"
    );
    // Without a per-try timeout, the conditions are written as given.
    assert_eq!(
        retry_on(unary().retries(2, [RetryOn::Unavailable])),
        "unavailable"
    );
    assert_eq!(retry_on(unary().retries(2, [] as [RetryOn; 0])), "(none)");
}

// ---------------------------------------------------------------------------------------------
// build() reports every problem at once, each a typed reason naming the offending part.

fn build_errs(ingress: Ingress<istio_grpc_builder::marker::Https>) -> Vec<BuildError> {
    ingress
        .build()
        .map(|_| ())
        .expect_err("must be refused")
        .into_errors()
}

fn tls_ingress() -> Ingress<istio_grpc_builder::marker::Https> {
    Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"))
}

fn user_service(port_name: &str, app_protocol: Option<&str>) -> Service {
    Service {
        metadata: ObjectMeta {
            name: Some("order-grpc-service".into()),
            namespace: Some("shop".into()),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            ports: Some(vec![ServicePort {
                name: Some(port_name.into()),
                port: 50051,
                app_protocol: app_protocol.map(Into::into),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// One misconfiguration per case: `build()` refuses it with exactly one error, of the
/// expected variant.
#[test]
fn each_mistake_has_its_typed_reason() {
    type Check = fn(&BuildError) -> bool;
    let unary_svc = || ServiceRoute::unary("mypackage.UserService");
    let cases: Vec<(Ingress<istio_grpc_builder::marker::Https>, Check)> = vec![
        (
            tls_ingress().backend(Backend::service("user-grpc-service").port(0)),
            |e| matches!(e, BuildError::Backend { backend, problem: BackendProblem::PortZero } if backend == "user-grpc-service"),
        ),
        (
            tls_ingress().backend(Backend::existing(user_service("http-api", None))),
            |e| matches!(e, BuildError::Backend { problem: BackendProblem::NotHttp2 { port: 50051, declared, protocol }, .. } if declared == "is named \"http-api\"" && protocol == "HTTP/1.1"),
        ),
        (
            tls_ingress().backend(Backend::existing(user_service("api", None))),
            |e| {
                matches!(
                    e,
                    BuildError::Backend {
                        problem: BackendProblem::NotHttp2 { .. },
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(Backend::existing(user_service("grpc", None)).port(8080)),
            |e| matches!(e, BuildError::Backend { problem: BackendProblem::NoSuchPort { port: 8080, declared }, .. } if declared == &[50051]),
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service").route(
                    unary_svc()
                        .timeout(Duration::from_secs(10))
                        .retries(3, [RetryOn::Unavailable])
                        .per_try_timeout(Duration::from_secs(20)),
                ),
            ),
            |e| matches!(e, BuildError::Route { route, problem: RouteProblem::PerTryAboveTimeout { .. }, .. } if route == "/mypackage.UserService/"),
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service")
                    .route(unary_svc().per_try_timeout(Duration::from_secs(2))),
            ),
            |e| {
                matches!(
                    e,
                    BuildError::Route {
                        problem: RouteProblem::PerTryWithoutRetries,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service")
                    .route(ServiceRoute::all_unary().retries(0, [RetryOn::Reset])),
            ),
            |e| {
                matches!(
                    e,
                    BuildError::Route {
                        problem: RouteProblem::ZeroAttempts,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service")
                    .route(ServiceRoute::all_unary().timeout(Duration::from_micros(1500))),
            ),
            |e| matches!(e, BuildError::Route { route, problem: RouteProblem::Timeout(DurationProblem::NotWholeMilliseconds(_)), .. } if route == "(all calls)"),
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service")
                    .route(ServiceRoute::all_unary().timeout(Duration::from_micros(10))),
            ),
            |e| {
                matches!(
                    e,
                    BuildError::Route {
                        problem: RouteProblem::Timeout(DurationProblem::BelowMinimum(_)),
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress()
                .backend(Backend::service("a").route(ServiceRoute::unary("pkg.Svc")))
                .backend(Backend::service("b").route(ServiceRoute::unary("pkg.Svc"))),
            |e| matches!(e, BuildError::Duplicate { kind: DuplicateKind::Route, value } if value == "/pkg.Svc/ (backend \"b\")"),
        ),
        (
            tls_ingress()
                .backend(Backend::service("a").route(ServiceRoute::unary("pkg.A")))
                .backend(Backend::service("a").route(ServiceRoute::unary("pkg.B"))),
            |e| {
                matches!(
                    e,
                    BuildError::Duplicate {
                        kind: DuplicateKind::Backend,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress()
                .backend(Backend::service("a"))
                .backend(Backend::service("b")),
            |e| matches!(e, BuildError::Duplicate { kind: DuplicateKind::Route, value } if value == "(all calls) (backend \"b\")"),
        ),
        (
            Ingress::new("grpc")
                .tls(TlsCredential::secret("c"))
                .backend(Backend::service("a")),
            |e| matches!(e, BuildError::Host { host, problem: HostProblem::ShortName } if host == "grpc"),
        ),
        (
            Ingress::new("*grpc.example.com")
                .tls(TlsCredential::secret("c"))
                .backend(Backend::service("a")),
            |e| {
                matches!(
                    e,
                    BuildError::Host {
                        problem: HostProblem::Wildcard,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(Backend::service("User_Service")),
            |e| {
                matches!(
                    e,
                    BuildError::Name {
                        kind: NameKind::Backend,
                        problem: NameProblem::Characters,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress()
                .gateway("grpc.gateway")
                .backend(Backend::service("a")),
            |e| matches!(e, BuildError::Name { kind: NameKind::Gateway, name, .. } if name == "grpc.gateway"),
        ),
        (
            Ingress::new("grpc.example.com")
                .tls(TlsCredential::secret(""))
                .backend(Backend::service("a")),
            |e| {
                matches!(
                    e,
                    BuildError::Name {
                        kind: NameKind::TlsCredential,
                        problem: NameProblem::Empty,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(
                Backend::service("a").route(ServiceRoute::unary("/mypackage.UserService")),
            ),
            |e| matches!(e, BuildError::Route { problem: RouteProblem::NotAServiceName { service }, .. } if service == "/mypackage.UserService"),
        ),
        (
            tls_ingress().backend(Backend::service("a").route(MethodRoute::<
                istio_grpc_builder::marker::Unary,
            >::new(
                "pkg.Svc", "Get.It"
            ))),
            |e| matches!(e, BuildError::Route { problem: RouteProblem::NotAMethodName { method }, .. } if method == "Get.It"),
        ),
        (
            tls_ingress().backend(Backend::service("a").port_name("http-api")),
            |e| matches!(e, BuildError::Backend { problem: BackendProblem::PortName { name }, .. } if name == "http-api"),
        ),
        (
            tls_ingress().backend(Backend::service("a").selector(Vec::<(String, String)>::new())),
            |e| {
                matches!(
                    e,
                    BuildError::Backend {
                        problem: BackendProblem::NoSelector,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(Backend::service("a").grpc_web(GrpcWeb::envoy_filter(
                Origins::exact("https://*.example.com"),
            ))),
            |e| {
                matches!(
                    e,
                    BuildError::Origin {
                        problem: OriginProblem::PathOrWildcard,
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(
                Backend::service("a")
                    .grpc_web(GrpcWeb::envoy_filter(Origins::exact("myapp.example.com"))),
            ),
            |e| matches!(e, BuildError::Origin { problem: OriginProblem::Shape, origin } if origin == "myapp.example.com"),
        ),
        (
            tls_ingress().backend(
                Backend::service("a").grpc_web(
                    GrpcWeb::envoy_filter(Origins::exact("https://a.example.com"))
                        .max_age(Duration::from_millis(1500)),
                ),
            ),
            |e| {
                matches!(
                    e,
                    BuildError::Backend {
                        problem: BackendProblem::MaxAge { .. },
                        ..
                    }
                )
            },
        ),
        (
            tls_ingress().backend(
                Backend::service("a").grpc_web(
                    GrpcWeb::envoy_filter(Origins::exact("https://a.example.com"))
                        .allow_header("bad header"),
                ),
            ),
            |e| matches!(e, BuildError::Backend { problem: BackendProblem::AllowHeader { header }, .. } if header == "bad header"),
        ),
        (
            tls_ingress().backend(
                Backend::service("a")
                    .subset("v1", [("version", "v1")])
                    .subset("v1", [("version", "v2")]),
            ),
            |e| matches!(e, BuildError::Duplicate { kind: DuplicateKind::Subset, value } if value == "\"v1\" of backend \"a\""),
        ),
        (
            tls_ingress()
                .backend(Backend::service("a").subset("v1", Vec::<(String, String)>::new())),
            |e| matches!(e, BuildError::Backend { problem: BackendProblem::SubsetWithoutLabels { subset }, .. } if subset == "v1"),
        ),
        (
            tls_ingress()
                .selector(Vec::<(String, String)>::new())
                .backend(Backend::service("a")),
            |e| matches!(e, BuildError::NoGatewaySelector { .. }),
        ),
        (tls_ingress(), |e| matches!(e, BuildError::NoBackend)),
    ];
    for (i, (ingress, check)) in cases.into_iter().enumerate() {
        let errs = build_errs(ingress);
        assert_eq!(errs.len(), 1, "case {i}: one problem, one error: {errs:#?}");
        assert!(
            check(&errs[0]),
            "case {i}: unexpected {:?}: {}",
            errs[0],
            errs[0]
        );
    }
}

/// The messages say what is wrong and how to fix it (their text is the `Display` of the
/// typed reasons, pinned here once).
#[test]
fn error_messages_read_as_sentences() {
    let text = |ingress| {
        build_errs(ingress)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        text(tls_ingress().backend(Backend::existing(user_service("http-api", None)))),
        [
            "backend \"order-grpc-service\": port 50051 is named \"http-api\": Istio treats it as HTTP/1.1, not HTTP/2, so gRPC calls fail with `UNAVAILABLE: upstream connect error or disconnect/reset before headers. reset reason: protocol error`; set appProtocol: grpc or name the port \"grpc\" or \"grpc-<suffix>\""
        ]
    );
    assert_eq!(
        text(tls_ingress().backend(Backend::service("user-grpc-service").port(0))),
        [
            "backend \"user-grpc-service\": port 0 is not a port; give 1–65535 with `.port(..)` (default 50051)"
        ]
    );
    assert_eq!(
        text(
            tls_ingress().backend(
                Backend::service("grpc-service").route(
                    ServiceRoute::unary("mypackage.UserService")
                        .timeout(Duration::from_secs(10))
                        .retries(3, [RetryOn::Unavailable])
                        .per_try_timeout(Duration::from_secs(20)),
                )
            )
        ),
        [
            "backend \"grpc-service\": route /mypackage.UserService/: per-try timeout 20s is above the route timeout 10s: the route times out first; lower it or raise the timeout"
        ]
    );
}

/// Every problem of one build at once, in the order of the configuration.
#[test]
fn every_problem_is_reported_at_once() {
    let errors = Ingress::new("grpc")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("Users").port(0))
        .backend(
            Backend::service("feed").route(
                ServiceRoute::unary("pkg.Feed")
                    .retries(0, [RetryOn::Unavailable])
                    .per_try_timeout(Duration::from_micros(5)),
            ),
        )
        .build()
        .expect_err("five problems");
    let kinds: Vec<String> = errors
        .iter()
        .map(|e| match e {
            BuildError::Host { problem, .. } => format!("host: {problem:?}"),
            BuildError::Name { kind, problem, .. } => format!("name {kind:?}: {problem:?}"),
            BuildError::Backend { problem, .. } => format!("backend: {problem:?}"),
            BuildError::Route { problem, .. } => format!("route: {problem:?}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "host: ShortName",
            "name Backend: Characters",
            "backend: PortZero",
            "route: PerTryTimeout(BelowMinimum(5µs))",
            "route: ZeroAttempts",
        ]
    );
    let text = errors.to_string();
    assert!(
        text.starts_with("5 problems:\n- host \"grpc\": short names"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 6, "{text}");
}

#[test]
fn a_users_service_declared_http2_is_accepted() {
    for (name, app) in [
        ("grpc", None),
        ("grpc-api", None),
        ("http-api", Some("grpc")),
        ("x", Some("kubernetes.io/h2c")),
    ] {
        let mesh = tls_ingress()
            .backend(Backend::existing(user_service(name, app)))
            .build();
        let mesh = mesh.unwrap_or_else(|e| panic!("{name}/{app:?}: {e}"));
        // The user's Service is theirs: not written out.
        assert!(mesh.objects().iter().all(|o| o.kind() != "Service"));
        assert!(
            mesh.to_yaml()
                .contains("host: order-grpc-service.shop.svc.cluster.local")
        );
    }
}

#[test]
fn wildcard_origin_only_by_name() {
    let mesh = built(
        tls_ingress()
            .backend(
                Backend::service("a").grpc_web(GrpcWeb::envoy_filter(Origins::any_explicitly())),
            )
            .build(),
    );
    assert!(mesh.to_yaml().contains("regex: .*"), "{}", mesh.to_yaml());
}

// ---------------------------------------------------------------------------------------------
// Traffic splits (`Backend::split_to`): weights that sum to 100, refused otherwise.

/// A canary: `greeter-v1` keeps 90 %, `greeter-v2` takes 10 %; both Services written and
/// declared gRPC, both given the backend's load balancer; the health route split alike.
#[test]
fn a_canary_splits_every_route_by_weight() {
    let mesh = built(
        tls_ingress()
            .backend(
                Backend::service("greeter-v1")
                    .namespace("apps")
                    .route(ServiceRoute::unary("helloworld.Greeter"))
                    .route(ServiceRoute::health())
                    .load_balancer(istio_grpc_builder::lb::LeastRequest)
                    .split_to(
                        Backend::service("greeter-v2")
                            .selector([("app", "greeter"), ("version", "v2")]),
                        10,
                    ),
            )
            .build(),
    );
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("builder__canary", mesh.to_yaml());
    });
    for r in http_routes(&mesh) {
        let dests: Vec<(String, i64)> = r["route"]
            .as_array()
            .expect("destinations")
            .iter()
            .map(|d| {
                (
                    d["destination"]["host"].as_str().unwrap_or("").to_owned(),
                    d["weight"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        assert_eq!(
            dests,
            [
                ("greeter-v1.apps.svc.cluster.local".to_owned(), 90),
                ("greeter-v2.apps.svc.cluster.local".to_owned(), 10)
            ]
        );
    }
}

/// Verified upstream TLS in Istio's API: the DestinationRule checks the hostname (`sni`,
/// `subjectAltNames`) and reads the CA from the ConfigMap (`configmap://`); with the system's
/// CAs, no `credentialName`. A Service split to gets the same `tls`.
#[test]
fn verified_upstream_tls_is_the_destination_rules_tls() {
    let mesh = built(
        tls_ingress()
            .backend(
                Backend::service("payments")
                    .namespace("shop")
                    .upstream_tls_verified(
                        "payments.shop.svc.cluster.local",
                        istio_grpc_builder::UpstreamCa::ConfigMap("payments-ca".into()),
                    )
                    .split_to(Backend::service("payments-v2"), 20),
            )
            .backend(
                Backend::service("partner")
                    .route(ServiceRoute::unary("partner.Api"))
                    .upstream_tls_verified(
                        "api.partner.example",
                        istio_grpc_builder::UpstreamCa::System,
                    ),
            )
            .build(),
    );
    let tls: Vec<(String, serde_json::Value)> = mesh
        .objects()
        .iter()
        .filter(|o| o.kind() == "DestinationRule")
        .map(|o| {
            let json = o.to_json().expect("json");
            (
                json["metadata"]["name"].as_str().unwrap_or("").to_owned(),
                json["spec"]["trafficPolicy"]["tls"].clone(),
            )
        })
        .collect();
    let payments = serde_json::json!({
        "mode": "SIMPLE",
        "credentialName": "configmap://payments-ca",
        "subjectAltNames": ["payments.shop.svc.cluster.local"],
        "sni": "payments.shop.svc.cluster.local",
    });
    assert_eq!(
        tls,
        [
            ("payments".to_owned(), payments.clone()),
            ("payments-v2".to_owned(), payments),
            (
                "partner".to_owned(),
                serde_json::json!({
                    "mode": "SIMPLE",
                    "subjectAltNames": ["api.partner.example"],
                    "sni": "api.partner.example",
                })
            ),
        ]
    );
}

/// The shares, the Service given and its name are checked like a backend's own.
#[test]
fn a_split_is_refused_with_its_reason() {
    let v2 = || Backend::service("greeter-v2");
    // Shares above 100 %.
    let errs = build_errs(
        tls_ingress().backend(
            Backend::service("greeter-v1")
                .split_to(v2(), 60)
                .split_to(Backend::service("greeter-v3"), 41),
        ),
    );
    assert!(
        matches!(errs.as_slice(), [BuildError::Backend { backend, problem: BackendProblem::SplitOver100 { total: 101 } }] if backend == "greeter-v1"),
        "{errs:?}"
    );
    assert_eq!(
        errs[0].to_string(),
        "backend \"greeter-v1\": the shares given with `.split_to(..)` add up to 101 %, more than the 100 % of this backend's calls; lower them (this backend's own Service takes what they leave of 100 %)"
    );
    // Backend settings on the Service split to: each named.
    let errs = build_errs(
        tls_ingress().backend(
            Backend::service("greeter-v1").split_to(
                v2().route(ServiceRoute::unary("helloworld.Greeter"))
                    .load_balancer(istio_grpc_builder::lb::LeastRequest)
                    .split_to(Backend::service("greeter-v3"), 5),
                10,
            ),
        ),
    );
    let settings: Vec<&str> = errs
        .iter()
        .map(|e| match e {
            BuildError::Backend {
                problem: BackendProblem::SplitSetting { service, setting },
                ..
            } if service == "greeter-v2" => *setting,
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert_eq!(settings, ["routes", "a load balancer", "splits of its own"]);
    let errs = build_errs(
        tls_ingress().backend(
            Backend::service("greeter-v1").split_to(
                v2().outlier_detection(OutlierDetection::unavailable(3))
                    .max_concurrent_calls(10),
                10,
            ),
        ),
    );
    assert!(
        matches!(
            errs.as_slice(),
            [
                BuildError::Backend {
                    problem: BackendProblem::SplitSetting {
                        setting: "outlier detection",
                        ..
                    },
                    ..
                },
                BuildError::Backend {
                    problem: BackendProblem::SplitSetting {
                        setting: "a limit of concurrent calls",
                        ..
                    },
                    ..
                }
            ]
        ),
        "{errs:?}"
    );
    // The Service split to is a backend's Service: HTTP/2, a DNS name, not another backend's.
    let errs = build_errs(
        tls_ingress().backend(
            Backend::service("greeter-v1")
                .split_to(Backend::existing(user_service("http", None)), 10)
                .split_to(Backend::service("Greeter_V3"), 10)
                .split_to(Backend::service("greeter-v1"), 10),
        ),
    );
    assert!(
        matches!(&errs[0], BuildError::Duplicate { kind: DuplicateKind::Backend, value } if value == "\"greeter-v1\""),
        "{errs:?}"
    );
    assert!(
        matches!(&errs[1], BuildError::Backend { backend, problem: BackendProblem::NotHttp2 { .. } } if backend == "order-grpc-service"),
        "{errs:?}"
    );
    assert!(
        matches!(
            &errs[2],
            BuildError::Name {
                kind: NameKind::Backend,
                ..
            }
        ),
        "{errs:?}"
    );
    assert_eq!(errs.len(), 3, "{errs:?}");
}

/// 100/0 keeps every call on the backend's own Service but routes to the other already;
/// 0/100 moves them all.
#[test]
fn a_share_may_be_zero() {
    for (share, own) in [(0, 100), (100, 0)] {
        let mesh = built(
            tls_ingress()
                .backend(
                    Backend::service("greeter-v1").split_to(Backend::service("greeter-v2"), share),
                )
                .build(),
        );
        let r = &http_routes(&mesh)[0];
        let weights: Vec<i64> = r["route"]
            .as_array()
            .expect("destinations")
            .iter()
            .map(|d| d["weight"].as_i64().unwrap_or(-1))
            .collect();
        assert_eq!(weights, [own, i64::from(share)]);
    }
}

// ---------------------------------------------------------------------------------------------
// Every mesh the builder accepts passes the CRD schema and CEL rules, and round-trips.

mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum R {
        Unary(String, Option<u64>, Option<(u32, u64)>),
        Streaming(String),
        Method(String, bool),
        Health,
        All(bool),
    }

    fn ident() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9]{0,6}(\\.[A-Z][A-Za-z0-9]{0,8}){1,2}"
    }

    fn route() -> impl Strategy<Value = R> {
        prop_oneof![
            (
                ident(),
                proptest::option::of(1u64..120_000),
                proptest::option::of((1u32..5, 1u64..120_000))
            )
                .prop_map(|(s, t, r)| R::Unary(s, t, r)),
            ident().prop_map(R::Streaming),
            (ident(), any::<bool>()).prop_map(|(s, b)| R::Method(s, b)),
            Just(R::Health),
            any::<bool>().prop_map(R::All),
        ]
    }

    fn backend(i: usize, routes: Vec<R>, web: bool, port: u16, lb: bool, splits: &[u8]) -> Backend {
        use istio_grpc_builder::marker::{ServerStreaming, Unary};
        let mut b = Backend::service(format!("svc-{i}")).port(port);
        for r in routes {
            b = match r {
                R::Unary(s, t, retry) => {
                    let mut route = ServiceRoute::unary(s);
                    if let Some(ms) = t {
                        route = route.timeout(Duration::from_millis(ms));
                    }
                    if let Some((n, ms)) = retry {
                        route = route
                            .retries(n, [RetryOn::Unavailable, RetryOn::Cancelled])
                            .per_try_timeout(Duration::from_millis(ms));
                    }
                    b.route(route)
                }
                R::Streaming(s) => b.route(ServiceRoute::streaming(s)),
                R::Method(s, streams) => {
                    let svc: &'static str = Box::leak(s.into_boxed_str());
                    if streams {
                        b.route(MethodRoute::<ServerStreaming>::new(svc, "Watch"))
                    } else {
                        b.route(
                            MethodRoute::<Unary>::new(svc, "Get")
                                .retries(2, [RetryOn::ConnectFailure]),
                        )
                    }
                }
                R::Health => b.route(ServiceRoute::health()),
                R::All(true) => b.route(ServiceRoute::all_streaming()),
                R::All(false) => b.route(ServiceRoute::all_unary().timeout(Duration::from_secs(5))),
            };
        }
        if web {
            b = b.grpc_web(GrpcWeb::envoy_filter(Origins::exact(
                "https://app.example.com",
            )));
        }
        if lb {
            // both counters, and durations the CRD's CEL rules check
            let outlier = if i.is_multiple_of(2) {
                OutlierDetection::unavailable(u32::try_from(i).expect("small") + 1)
            } else {
                OutlierDetection::server_errors(5).max_ejection_percent(100)
            };
            b = b
                .load_balancer(istio_grpc_builder::lb::LeastRequest)
                .max_concurrent_calls(u32::try_from(i).expect("small") * 100 + 1)
                .outlier_detection(
                    outlier
                        .interval(Duration::from_millis(1500))
                        .ejection_time(Duration::from_secs(30)),
                )
                .subset("v1", [("version", "v1")]);
        }
        for (j, percent) in splits.iter().enumerate() {
            b = b.split_to(Backend::service(format!("svc-{i}-{j}")), *percent);
        }
        b
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn accepted_meshes_are_valid(
            tls in any::<bool>(),
            backends in proptest::collection::vec(
                (proptest::collection::vec(route(), 0..4), any::<bool>(), 0u16..3, any::<bool>(),
                 proptest::collection::vec(0u8..=60, 0..3)), 1..5),
        ) {
            let mut ingress = Ingress::new("grpc.example.com");
            let mut over_100 = false;
            for (i, (routes, web, port, lb, splits)) in backends.into_iter().enumerate() {
                let port = [50051, 8080, 0][usize::from(port)];
                over_100 |= splits.iter().map(|p| u32::from(*p)).sum::<u32>() > 100;
                ingress = ingress.backend(backend(i, routes, web, port, lb, &splits));
            }
            let result = if tls { ingress.tls(TlsCredential::secret("grpc-tls-credential")).build() } else { ingress.h2c().build() };
            // Refusals are fine; what is accepted must be valid.
            let Ok(mesh) = result else { return Ok(()) };
            let yaml = mesh.to_yaml();
            // Istio merges VirtualServices for one host, and only the first catch-all of the
            // merged list is reachable: the builder writes at most one.
            let catch_alls = http_routes(&mesh).iter().filter(|r| r.get("match").is_none()).count();
            prop_assert!(catch_alls <= 1, "{catch_alls} catch-all routes:\n{yaml}");
            // Shares above 100 % are refused; a split route's weights sum to 100 (Istio then
            // takes them as they are), an unsplit one has none.
            prop_assert!(!over_100, "shares above 100 % accepted:\n{yaml}");
            for r in http_routes(&mesh) {
                let dests = r["route"].as_array().cloned().unwrap_or_default();
                let weights: Vec<Option<i64>> = dests.iter().map(|d| d["weight"].as_i64()).collect();
                if dests.len() > 1 {
                    prop_assert_eq!(weights.iter().map(|w| w.unwrap_or(0)).sum::<i64>(), 100, "{}", yaml);
                } else {
                    prop_assert_eq!(weights, vec![None]);
                }
            }
            let back = istio_grpc_types::yaml::objects_from_str(&yaml).expect("reads back");
            prop_assert_eq!(back.as_slice(), mesh.objects());
            let Some(crds) = crate::support::crds() else { return Ok(()) };
            for object in mesh.objects() {
                let json = object.to_json().expect("json");
                if crate::support::is_istio_kind(&json) {
                    let findings = crds.check(&json);
                    prop_assert!(findings.is_valid(), "{} {:?}: {:?}\n{yaml}", object.kind(), object.name(), findings);
                }
            }
        }
    }
}

/// Outlier detection: the counter asked for, the other written 0 (so that Envoy's default of 5
/// consecutive 5xx does not apply unasked), on the backend's DestinationRule and on those of
/// the Services it splits to.
#[test]
fn outlier_detection_writes_both_counters_on_every_destination_rule() {
    let mesh = tls_ingress()
        .backend(
            Backend::service("greeter-v1")
                .route(ServiceRoute::unary("helloworld.Greeter"))
                .outlier_detection(
                    OutlierDetection::unavailable(3)
                        .interval(Duration::from_millis(1500))
                        .ejection_time(Duration::from_secs(60))
                        .max_ejection_percent(100),
                )
                .split_to(Backend::service("greeter-v2"), 10),
        )
        .backend(
            Backend::service("billing")
                .route(ServiceRoute::unary("billing.Billing"))
                .outlier_detection(OutlierDetection::server_errors(7)),
        )
        .build()
        .expect("builds");
    let outlier = traffic_policy_parts(&mesh, |p| {
        serde_json::to_value(p.outlier_detection.as_ref()?).ok()
    });
    let unavailable = serde_json::json!({
        "consecutiveGatewayErrors": 3, "consecutive5xxErrors": 0, "interval": "1.500s",
        "baseEjectionTime": "60s", "maxEjectionPercent": 100,
    });
    assert_eq!(
        outlier,
        [
            ("greeter-v1".to_owned(), unavailable.clone()),
            ("greeter-v2".to_owned(), unavailable),
            (
                "billing".to_owned(),
                serde_json::json!({"consecutiveGatewayErrors": 0, "consecutive5xxErrors": 7, "maxEjectionPercent": 50})
            ),
        ]
    );
}

/// Zero failures, more than all pods, and durations Istio refuses: each refused with its reason.
#[test]
fn outlier_detection_is_refused_with_its_reason() {
    let errs = build_errs(
        tls_ingress().backend(
            Backend::service("greeter").outlier_detection(
                OutlierDetection::server_errors(0)
                    .max_ejection_percent(101)
                    .interval(Duration::from_micros(10))
                    .ejection_time(Duration::from_micros(1500)),
            ),
        ),
    );
    let problems: Vec<&BackendProblem> = errs
        .iter()
        .map(|e| match e {
            BuildError::Backend { backend, problem } if backend == "greeter" => problem,
            other => panic!("unexpected {other}"),
        })
        .collect();
    assert!(
        matches!(
            problems.as_slice(),
            [
                BackendProblem::OutlierZero,
                BackendProblem::OutlierPercent { percent: 101 },
                BackendProblem::OutlierInterval(DurationProblem::BelowMinimum(_)),
                BackendProblem::OutlierEjectionTime(DurationProblem::NotWholeMilliseconds(_)),
            ]
        ),
        "{problems:?}"
    );
    assert_eq!(
        errs[0].to_string(),
        "backend \"greeter\": outlier detection after 0 consecutive failures would turn ejection off: give at least 1, or remove `.outlier_detection(..)`"
    );
}

/// A limit of concurrent calls: `connectionPool.http.http2MaxRequests` on the backend's and its
/// splits' DestinationRules; 0 and values above an int32 refused.
#[test]
fn max_concurrent_calls_is_the_destination_rules_http2_max_requests() {
    let mesh = tls_ingress()
        .backend(
            Backend::service("greeter-v1")
                .route(ServiceRoute::unary("helloworld.Greeter"))
                .max_concurrent_calls(1000)
                .split_to(Backend::service("greeter-v2"), 10),
        )
        .build()
        .expect("builds");
    let pools = traffic_policy_parts(&mesh, |p| {
        serde_json::to_value(p.connection_pool.as_ref()?).ok()
    });
    let pool = serde_json::json!({"http": {"http2MaxRequests": 1000}});
    assert_eq!(
        pools,
        [
            ("greeter-v1".to_owned(), pool.clone()),
            ("greeter-v2".to_owned(), pool)
        ]
    );
    for calls in [0, 1 << 31] {
        let errs = build_errs(
            tls_ingress().backend(Backend::service("greeter").max_concurrent_calls(calls)),
        );
        assert!(
            matches!(errs.as_slice(), [BuildError::Backend { problem: BackendProblem::ConcurrentCalls { calls: c }, .. }] if *c == calls),
            "{errs:?}"
        );
    }
}

/// One part of each DestinationRule's traffic policy, by host, as JSON.
fn traffic_policy_parts(
    mesh: &Mesh,
    part: impl Fn(&istio_grpc_types::destination_rule::TrafficPolicy) -> Option<serde_json::Value>,
) -> Vec<(String, serde_json::Value)> {
    mesh.objects()
        .iter()
        .filter_map(|o| match o {
            Object::DestinationRule(dr) => Some((
                dr.spec.host.clone().unwrap_or_default(),
                part(dr.spec.traffic_policy.as_ref()?)?,
            )),
            _ => None,
        })
        .collect()
}

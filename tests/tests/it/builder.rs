//! The builder: snapshots of every seed configuration, a value comparison with the seed
//! article's YAML, build() errors, compile-time invariants (trybuild) and a property test.

mod seed;

use std::time::Duration;

use istio_grpc_builder::k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use istio_grpc_builder::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use istio_grpc_builder::{
    Backend, BuildError, GrpcWeb, Ingress, Mesh, MethodRoute, Origins, RetryOn, ServiceRoute,
    TlsCredential,
};
use istio_grpc_examples as ex;
use istio_grpc_types::Object;

fn built(result: Result<Mesh, BuildError>) -> Mesh {
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
    let kinds: Vec<&str> = mesh.as_objects().iter().map(Object::kind).collect();
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
    use istio_grpc_builder::service::kind::{BidiStreaming, Unary};
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
    mesh.as_objects()
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
    // gRPC conditions alone never retry a timed-out try: `reset` is added.
    assert_eq!(
        retry_on(
            unary()
                .retries(2, [RetryOn::Unavailable])
                .per_try_timeout(Duration::from_secs(3))
        ),
        "unavailable,reset"
    );
    // Already there: not repeated.
    assert_eq!(
        retry_on(
            unary()
                .retries(2, [RetryOn::Reset, RetryOn::Unavailable])
                .per_try_timeout(Duration::from_secs(3))
        ),
        "reset,unavailable"
    );
    // No conditions: Istio's default ones stay, plus `reset`.
    assert_eq!(
        retry_on(
            unary()
                .retries(2, [] as [RetryOn; 0])
                .per_try_timeout(Duration::from_secs(3))
        ),
        "connect-failure,refused-stream,unavailable,cancelled,reset"
    );
    // Without a per-try timeout, the conditions are written as given.
    assert_eq!(
        retry_on(unary().retries(2, [RetryOn::Unavailable])),
        "unavailable"
    );
    assert_eq!(retry_on(unary().retries(2, [] as [RetryOn; 0])), "(none)");
}

// ---------------------------------------------------------------------------------------------
// build() errors name the offending part.

fn build_err(ingress: Ingress<istio_grpc_builder::transport::Tls>) -> String {
    ingress
        .build()
        .map(|_| ())
        .expect_err("must be refused")
        .to_string()
}

fn tls_ingress() -> Ingress<istio_grpc_builder::transport::Tls> {
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

#[test]
fn errors_name_the_offending_part() {
    let cases: Vec<(Ingress<istio_grpc_builder::transport::Tls>, &str)> = vec![
        (
            tls_ingress().backend(Backend::service("user-grpc-service").port(0)),
            "backend \"user-grpc-service\": port 0 is not a port",
        ),
        (
            tls_ingress().backend(Backend::existing(user_service("http-api", None))),
            "backend \"order-grpc-service\": port 50051 is named \"http-api\": Istio treats it as HTTP/1.1, not HTTP/2, and gRPC calls fail with RST_STREAM",
        ),
        (
            tls_ingress().backend(Backend::existing(user_service("api", None))),
            "is named \"api\": Istio treats it as undeclared (the gateway does not sniff, so it speaks HTTP/1.1), not HTTP/2",
        ),
        (
            tls_ingress().backend(Backend::existing(user_service("grpc", None)).port(8080)),
            "backend \"order-grpc-service\": the Service has no port 8080 (it declares [50051])",
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service").route(
                    ServiceRoute::unary("mypackage.UserService")
                        .timeout(Duration::from_secs(10))
                        .retries(3, [RetryOn::Unavailable])
                        .per_try_timeout(Duration::from_secs(20)),
                ),
            ),
            "backend \"grpc-service\": route /mypackage.UserService: per-try timeout 20s is above the route timeout 10s",
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service").route(
                    ServiceRoute::unary("mypackage.UserService")
                        .per_try_timeout(Duration::from_secs(2)),
                ),
            ),
            "a per-try timeout needs retries",
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service")
                    .route(ServiceRoute::all_unary().retries(0, [RetryOn::Reset])),
            ),
            "retries with 0 attempts",
        ),
        (
            tls_ingress().backend(
                Backend::service("grpc-service")
                    .route(ServiceRoute::all_unary().timeout(Duration::from_micros(1500))),
            ),
            "route (all calls): timeout: 1.5ms is not a whole number of milliseconds",
        ),
        (
            tls_ingress()
                .backend(Backend::service("a").route(ServiceRoute::unary("pkg.Svc")))
                .backend(Backend::service("b").route(ServiceRoute::unary("pkg.Svc"))),
            "duplicate route: /pkg.Svc (backend \"b\")",
        ),
        (
            tls_ingress()
                .backend(Backend::service("a"))
                .backend(Backend::service("a")),
            "duplicate backend: \"a\"",
        ),
        (
            tls_ingress()
                .backend(Backend::service("a"))
                .backend(Backend::service("b")),
            "duplicate route: (all calls) (backend \"b\")",
        ),
        (
            Ingress::new("grpc")
                .tls(TlsCredential::secret("c"))
                .backend(Backend::service("a")),
            "host \"grpc\": short names are not allowed",
        ),
        (
            Ingress::new("*grpc.example.com")
                .tls(TlsCredential::secret("c"))
                .backend(Backend::service("a")),
            "host \"*grpc.example.com\": a wildcard may only be the whole left-most label",
        ),
        (
            tls_ingress().backend(Backend::service("User_Service")),
            "backend \"User_Service\": may hold only lower-case",
        ),
        (
            tls_ingress()
                .gateway("grpc.gateway")
                .backend(Backend::service("a")),
            "gateway \"grpc.gateway\"",
        ),
        (
            Ingress::new("grpc.example.com")
                .tls(TlsCredential::secret(""))
                .backend(Backend::service("a")),
            "tls credential \"\"",
        ),
        (
            tls_ingress().backend(
                Backend::service("a").route(ServiceRoute::unary("/mypackage.UserService")),
            ),
            "backend \"a\": route //mypackage.UserService: \"/mypackage.UserService\" is not a gRPC service name",
        ),
        (
            tls_ingress().backend(Backend::service("a").port_name("http-api")),
            "backend \"a\": port name \"http-api\"",
        ),
        (
            tls_ingress().backend(Backend::service("a").grpc_web(GrpcWeb::envoy_filter(
                Origins::exact("https://*.example.com"),
            ))),
            "grpc-web origin \"https://*.example.com\"",
        ),
        (
            tls_ingress().backend(
                Backend::service("a")
                    .grpc_web(GrpcWeb::envoy_filter(Origins::exact("myapp.example.com"))),
            ),
            "grpc-web origin \"myapp.example.com\": an origin is scheme://host[:port]",
        ),
        (
            tls_ingress().backend(
                Backend::service("a")
                    .subset("v1", [("version", "v1")])
                    .subset("v1", [("version", "v2")]),
            ),
            "duplicate subset: \"v1\" of backend \"a\"",
        ),
        (tls_ingress(), "no backend"),
    ];
    for (ingress, expected) in cases {
        let err = build_err(ingress);
        assert!(err.contains(expected), "expected {expected:?} in:\n{err}");
    }
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
        assert!(mesh.as_objects().iter().all(|o| o.kind() != "Service"));
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
// Compile-time invariants.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/builder/*.rs");
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

    fn backend(i: usize, routes: Vec<R>, web: bool, port: u16, lb: bool) -> Backend {
        use istio_grpc_builder::service::kind::{ServerStreaming, Unary};
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
            b = b
                .load_balancer(istio_grpc_builder::lb::LeastRequest)
                .subset("v1", [("version", "v1")]);
        }
        b
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn accepted_meshes_are_valid(
            tls in any::<bool>(),
            backends in proptest::collection::vec(
                (proptest::collection::vec(route(), 0..4), any::<bool>(), 0u16..3, any::<bool>()), 1..5),
        ) {
            let mut ingress = Ingress::new("grpc.example.com");
            for (i, (routes, web, port, lb)) in backends.into_iter().enumerate() {
                let port = [50051, 8080, 0][usize::from(port)];
                ingress = ingress.backend(backend(i, routes, web, port, lb));
            }
            let result = if tls { ingress.tls(TlsCredential::secret("grpc-tls-credential")).build() } else { ingress.h2c().build() };
            // Refusals are fine; what is accepted must be valid.
            let Ok(mesh) = result else { return Ok(()) };
            let yaml = mesh.to_yaml();
            // Istio merges VirtualServices for one host, and only the first catch-all of the
            // merged list is reachable: the builder writes at most one.
            let catch_alls = http_routes(&mesh).iter().filter(|r| r.get("match").is_none()).count();
            prop_assert!(catch_alls <= 1, "{catch_alls} catch-all routes:\n{yaml}");
            let back = istio_grpc_types::yaml::objects_from_str(&yaml).expect("reads back");
            prop_assert_eq!(&back, &mesh.objects());
            let Some(crds) = crate::support::crds() else { return Ok(()) };
            for object in mesh.as_objects() {
                let json = object.to_json().expect("json");
                if crate::support::is_istio_kind(&json) {
                    let findings = crds.check(&json);
                    prop_assert!(findings.is_valid(), "{} {:?}: {:?}\n{yaml}", object.kind(), object.name(), findings);
                }
            }
        }
    }
}

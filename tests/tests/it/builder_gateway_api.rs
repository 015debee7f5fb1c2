//! The builder's Gateway API target (`Ingress::gateway_api()`): the seed article's examples that
//! the Gateway API can express, as snapshots (read against `../shared/gateway-api/NOTES.md`);
//! every `build()` refusal of what it cannot express; the macro and the descriptor set feeding
//! it; and a property test that every mesh it accepts passes the v1.6.1 CRDs (schema and CEL)
//! and reads back through the types. The compile-time refusals are trybuild cases in
//! `istio-grpc-builder/tests/ui/gateway_api_*.rs`.

use std::time::Duration;

use istio_grpc_builder::error::{GatewayApiProblem, NameKind};
use istio_grpc_builder::k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use istio_grpc_builder::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use istio_grpc_builder::marker::{BidiStreaming, GatewayApi, Https, Unary};
use istio_grpc_builder::{
    Backend, BuildError, GrpcWeb, InMesh, Ingress, Mesh, MethodRoute, Origins, RetryOn,
    ServiceRoute, TlsCredential, UpstreamCa, descriptor, lb, upstream_tls,
};
use istio_grpc_examples as ex;
use istio_grpc_types::Object;

fn built(ingress: &Ingress<impl istio_grpc_builder::marker::Transport, GatewayApi>) -> Mesh {
    ingress
        .build()
        .unwrap_or_else(|e| panic!("the example must build: {e}"))
}

fn tls() -> Ingress<Https, GatewayApi> {
    Ingress::new(ex::HOST)
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .gateway_api()
}

fn snapshot(name: &str, mesh: &Mesh) {
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("gateway_api__{name}"), mesh.to_yaml());
    });
}

// ---------------------------------------------------------------------------------------------
// The seed's examples, as Gateway API resources.

mod snapshots {
    use super::*;

    /// Seed 1: the TLS gateway with its Secret written from PEM. The seed keeps the Secret in
    /// `istio-system`; with the Gateway API the Gateway lives in its own namespace, so the
    /// Secret there needs a ReferenceGrant.
    #[test]
    fn tls_gateway() {
        let mesh = built(
            &Ingress::new(ex::HOST)
                .tls(TlsCredential::from_pem(
                    "grpc-tls-credential",
                    ex::EXAMPLE_CERT_PEM,
                    ex::EXAMPLE_KEY_PEM,
                ))
                .gateway_api()
                .namespace("grpc")
                .secret_namespace("istio-system")
                .backend(Backend::service("grpc-service")),
        );
        snapshot("tls_gateway", &mesh);
    }

    /// Seed 2: the h2c gateway: an `HTTP` listener on 80 (Istio serves prior-knowledge h2c).
    #[test]
    fn h2c_gateway() {
        let mesh = built(
            &Ingress::new(ex::HOST)
                .h2c()
                .gateway_api()
                .backend(Backend::service("grpc-service")),
        );
        snapshot("h2c_gateway", &mesh);
    }

    /// Seeds 3 and 4: every call to `grpc-service:50051`, whose port is declared gRPC.
    #[test]
    fn basic_route() {
        let mesh = built(&tls().backend(Backend::service("grpc-service")));
        snapshot("basic_route", &mesh);
    }

    /// Seed 5: routing by service, plus the health service.
    #[test]
    fn routing() {
        let mesh = built(
            &tls()
                .backend(
                    Backend::service("user-grpc-service")
                        .route(ServiceRoute::unary("mypackage.UserService"))
                        .route(ServiceRoute::health()),
                )
                .backend(
                    Backend::service("order-grpc-service")
                        .route(ServiceRoute::unary("mypackage.OrderService")),
                ),
        );
        snapshot("routing", &mesh);
    }

    /// Seed 6: streaming: GRPCRoute has no timeout, which is what a stream needs.
    #[test]
    fn streaming() {
        let mesh =
            built(&tls().backend(
                Backend::service("streaming-service").route(ServiceRoute::all_streaming()),
            ));
        snapshot("streaming", &mesh);
    }

    /// Per-method routes (exact `service` + `method`) beside a whole service.
    #[test]
    fn method_routes() {
        let mesh = built(
            &tls().backend(
                Backend::service("greeter")
                    .route(MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello"))
                    .route(MethodRoute::<BidiStreaming>::new(
                        "helloworld.Greeter",
                        "Chat",
                    ))
                    .route(ServiceRoute::unary("helloworld.Admin")),
            ),
        );
        snapshot("method_routes", &mesh);
    }

    /// Mesh routing through an ambient waypoint, backends in their own namespaces.
    #[test]
    fn mesh_waypoint() {
        let mesh = built(
            &tls()
                .namespace("ingress")
                .in_mesh(InMesh::waypoint("waypoint"))
                .backend(
                    Backend::service("user-grpc-service")
                        .namespace("users")
                        .route(ServiceRoute::unary("mypackage.UserService"))
                        .route(ServiceRoute::health()),
                )
                .backend(
                    Backend::service("order-grpc-service")
                        .namespace("orders")
                        .route(ServiceRoute::unary("mypackage.OrderService")),
                ),
        );
        snapshot("mesh_waypoint", &mesh);
    }

    /// Mesh routing through sidecars: only the Service-parented GRPCRoutes are added.
    #[test]
    fn mesh_sidecars() {
        let mesh = built(
            &Ingress::new(ex::HOST)
                .h2c()
                .gateway_api()
                .in_mesh(InMesh::sidecars())
                .backend(
                    Backend::service("streaming-service")
                        .route(ServiceRoute::streaming("mypackage.FeedService")),
                ),
        );
        snapshot("mesh_sidecars", &mesh);
    }

    /// HTTPRoutes, asked for by name: the seed's resilient route keeps its 60s timeout (as
    /// `timeouts.request`; the retries are left out, see `resilience_is_refused_with_the_reason`),
    /// a streaming service gets none, and seed 9's gRPC-Web (translated at the backend's port)
    /// gets its CORS policy from the `CORS` filter.
    #[test]
    fn http_routes() {
        let mesh = built(
            &tls()
                .http_routes()
                .backend(
                    Backend::service("grpc-service")
                        .route(ServiceRoute::all_unary().timeout(Duration::from_secs(60)))
                        .grpc_web(GrpcWeb::service_port(Origins::exact(
                            "https://myapp.example.com",
                        ))),
                )
                .backend(
                    Backend::service("user-grpc-service")
                        .route(
                            MethodRoute::<Unary>::new("mypackage.UserService", "GetUser")
                                .timeout(Duration::from_millis(1500)),
                        )
                        .route(ServiceRoute::unary("mypackage.UserService"))
                        .route(ServiceRoute::health()),
                )
                .backend(
                    Backend::service("streaming-service")
                        .route(ServiceRoute::streaming("mypackage.FeedService")),
                ),
        );
        snapshot("http_routes", &mesh);
    }

    /// A canary (90/10) at the gateway and in the mesh: every rule's `backendRefs` carry the
    /// weights; both Services written in the routes' namespace, declared gRPC and labelled
    /// for the waypoint.
    #[test]
    fn canary() {
        let mesh = built(
            &tls()
                .namespace("grpc")
                .in_mesh(InMesh::waypoint("waypoint"))
                .backend(
                    Backend::service("greeter-v1")
                        .route(ServiceRoute::unary("helloworld.Greeter"))
                        .route(ServiceRoute::health())
                        .split_to(Backend::service("greeter-v2"), 10),
                ),
        );
        snapshot("canary", &mesh);
    }

    /// Verified upstream TLS as BackendTLSPolicies: one on a backend and the Service it splits
    /// to, its CA from a ConfigMap; one trusting the system's CAs.
    #[test]
    fn backend_tls() {
        let mesh = built(
            &tls()
                .namespace("shop")
                .backend(
                    Backend::service("payments")
                        .route(ServiceRoute::unary("shop.Payments"))
                        .upstream_tls_verified(
                            "payments.shop.svc.cluster.local",
                            UpstreamCa::ConfigMap("payments-ca".into()),
                        )
                        .split_to(Backend::service("payments-v2"), 20),
                )
                .backend(
                    Backend::service("partner")
                        .route(ServiceRoute::unary("partner.Api"))
                        .upstream_tls_verified("api.partner.example", UpstreamCa::System),
                ),
        );
        snapshot("backend_tls", &mesh);
    }

    /// The grpcurl checks and the command that finds the Gateway's address.
    #[test]
    fn grpcurl_checks() {
        let mut text = String::new();
        let routing = tls().namespace("grpc").backend(
            Backend::service("user-grpc-service")
                .route(ServiceRoute::unary("mypackage.UserService"))
                .route(MethodRoute::<Unary>::new(
                    "mypackage.UserService",
                    "GetUser",
                ))
                .route(ServiceRoute::health()),
        );
        let h2c = Ingress::new(ex::HOST)
            .h2c()
            .gateway_api()
            .backend(Backend::service("grpc-service"));
        for mesh in [built(&routing), built(&h2c)] {
            text.push_str(&mesh.gateway_ip_command());
            text.push('\n');
            for c in mesh.grpcurl_checks() {
                text.push_str(&c.to_string());
                text.push('\n');
            }
            for u in mesh.unchecked_routes() {
                text.push_str(&format!("# {u}\n"));
            }
        }
        insta::with_settings!({ prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("gateway_api__grpcurl_checks", text);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// One call switches the API; the rest of the intent stays.

#[test]
fn the_same_intent_in_both_apis() {
    let intent = || {
        Ingress::new(ex::HOST)
            .tls(TlsCredential::secret("grpc-tls-credential"))
            .backend(
                Backend::service("user-grpc-service")
                    .route(ServiceRoute::unary("mypackage.UserService"))
                    .route(ServiceRoute::health()),
            )
    };
    let istio = intent().build().expect("Istio's API");
    let gateway_api = intent().gateway_api().build().expect("Gateway API");
    let kinds = |m: &Mesh| -> Vec<(String, String)> {
        m.objects()
            .iter()
            .map(|o| {
                let json = o.to_json().expect("json");
                (
                    json["apiVersion"].as_str().unwrap_or("").to_owned(),
                    o.kind().to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(
        kinds(&istio),
        [
            ("networking.istio.io/v1".into(), "Gateway".into()),
            ("networking.istio.io/v1".into(), "VirtualService".into()),
            ("v1".into(), "Service".into())
        ]
    );
    assert_eq!(
        kinds(&gateway_api),
        [
            ("gateway.networking.k8s.io/v1".into(), "Gateway".into()),
            ("gateway.networking.k8s.io/v1".into(), "GRPCRoute".into()),
            ("v1".into(), "Service".into())
        ]
    );
    // The same backend Service, declared HTTP/2, in both.
    assert_eq!(istio.objects()[2], gateway_api.objects()[2]);
    // The same checks.
    assert_eq!(istio.grpcurl_checks(), gateway_api.grpcurl_checks());
}

#[test]
fn yaml_reads_back_and_write_dir_writes_each_object() {
    let ingress = tls()
        .namespace("grpc")
        .secret_namespace("istio-system")
        .in_mesh(InMesh::waypoint("waypoint"))
        .backend(
            Backend::service("user-grpc-service")
                .route(ServiceRoute::unary("mypackage.UserService"))
                .route(ServiceRoute::health()),
        );
    let mesh = built(&ingress);
    assert_eq!(mesh.to_yaml(), built(&ingress).to_yaml(), "deterministic");
    let back = istio_grpc_types::yaml::objects_from_str(mesh.yaml()).expect("reads back");
    assert_eq!(back, mesh.objects());

    let dir = std::env::temp_dir().join(format!(
        "istio-grpc-builder-gateway-api-{}",
        std::process::id()
    ));
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
            "01-gateway-grpc-grpc-gateway.yaml",
            "02-referencegrant-istio-system-grpc-gateway-tls.yaml",
            "03-grpcroute-grpc-user-grpc-service.yaml",
            "04-grpcroute-grpc-user-grpc-service-mesh.yaml",
            "05-gateway-grpc-waypoint.yaml",
            "06-service-grpc-user-grpc-service.yaml",
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

/// A backend's Service of the user's own is checked for HTTP/2 as with Istio's API: the
/// Gateway API has no protocol field, so the port must say it (NOTES §3).
#[test]
fn a_users_service_must_still_be_declared_http2() {
    let svc = |app_protocol: Option<&str>, labels: Option<(&str, &str)>| Service {
        metadata: ObjectMeta {
            name: Some("users".into()),
            labels: labels.map(|(k, v)| [(k.to_owned(), v.to_owned())].into()),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            ports: Some(vec![ServicePort {
                name: Some("api".into()),
                port: 50051,
                app_protocol: app_protocol.map(str::to_owned),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    let errs = tls()
        .backend(Backend::existing(svc(Some("http"), None)))
        .build()
        .expect_err("HTTP/1.1 port");
    assert!(
        matches!(
            errs.errors(),
            [BuildError::Backend {
                problem: istio_grpc_builder::error::BackendProblem::NotHttp2 { .. },
                ..
            }]
        ),
        "{errs:?}"
    );
    let ok = built(&tls().backend(Backend::existing(svc(Some("kubernetes.io/h2c"), None))));
    assert!(ok.objects().iter().all(|o| o.kind() != "Service"));

    // On a waypoint, a Service of the user's own must carry the label.
    let errs = tls()
        .in_mesh(InMesh::waypoint("waypoint"))
        .backend(Backend::existing(svc(Some("grpc"), None)))
        .build()
        .expect_err("unlabelled");
    assert_eq!(
        errs.to_string(),
        "backend \"users\": the Service has no label `istio.io/use-waypoint: waypoint`, so its calls would not pass the waypoint that applies the mesh routes; add the label, or label its namespace and use `InMesh::namespace_waypoint(..)`"
    );
    built(
        &tls()
            .in_mesh(InMesh::waypoint("waypoint"))
            .backend(Backend::existing(svc(
                Some("grpc"),
                Some(("istio.io/use-waypoint", "waypoint")),
            ))),
    );
}

// ---------------------------------------------------------------------------------------------
// What the Gateway API cannot say: refused at build(), each naming the part and the way out.

fn problems(
    result: Result<Mesh, istio_grpc_builder::BuildErrors>,
) -> Vec<(String, GatewayApiProblem)> {
    result
        .expect_err("must be refused")
        .into_errors()
        .into_iter()
        .map(|e| match e {
            BuildError::GatewayApi { part, problem } => (part, problem),
            other => panic!("not a Gateway API refusal: {other}"),
        })
        .collect()
}

/// Seed 7 (timeout, retries, per-try timeout): GRPCRoute has neither field.
#[test]
fn resilience_is_refused_with_the_reason() {
    let errs = tls()
        .backend(Backend::service("grpc-service").route(ex::resilient_route()))
        .build();
    let text = errs.as_ref().map(|_| ()).expect_err("refused").to_string();
    assert_eq!(
        problems(errs),
        [
            (
                "backend \"grpc-service\": route (all calls)".to_owned(),
                GatewayApiProblem::Timeout {
                    timeout: Duration::from_secs(60)
                }
            ),
            (
                "backend \"grpc-service\": route (all calls)".to_owned(),
                GatewayApiProblem::Retries
            ),
        ]
    );
    assert!(
        text.contains("GRPCRoute has no timeout field (kubernetes-sigs/gateway-api#3139"),
        "{text}"
    );
    assert!(text.contains("`timeouts.request`"), "{text}");
    assert!(text.contains("HTTP status codes only"), "{text}");
    assert!(text.contains("remove `.gateway_api()`"), "{text}");
}

/// A per-method timeout and a retry on a streaming route are refused alike.
#[test]
fn method_timeouts_and_streaming_retries_are_refused() {
    let got = problems(
        tls()
            .backend(
                Backend::service("greeter")
                    .route(
                        MethodRoute::<Unary>::new("helloworld.Greeter", "SayHello")
                            .timeout(Duration::from_secs(5)),
                    )
                    .route(
                        ServiceRoute::streaming("helloworld.Feed")
                            .retries(2, [RetryOn::Unavailable]),
                    ),
            )
            .build(),
    );
    assert_eq!(
        got,
        [
            (
                "backend \"greeter\": route /helloworld.Greeter/SayHello".to_owned(),
                GatewayApiProblem::Timeout {
                    timeout: Duration::from_secs(5)
                }
            ),
            (
                "backend \"greeter\": route /helloworld.Feed/".to_owned(),
                GatewayApiProblem::Retries
            ),
        ]
    );
}

/// Seed 9 (gRPC-Web), both translations: no Gateway API way to turn the filter on.
#[test]
fn grpc_web_is_refused() {
    for web in [
        GrpcWeb::envoy_filter(Origins::exact("https://myapp.example.com")),
        GrpcWeb::service_port(Origins::exact("https://myapp.example.com")),
    ] {
        let errs = tls()
            .backend(Backend::service("grpc-service").grpc_web(web))
            .build();
        let text = errs.as_ref().map(|_| ()).expect_err("refused").to_string();
        assert_eq!(
            problems(errs),
            [(
                "backend \"grpc-service\"".to_owned(),
                GatewayApiProblem::GrpcWeb
            )]
        );
        assert!(text.contains("HTTPRoute's `CORS` filter"), "{text}");
    }
}

/// With HTTPRoutes, gRPC-Web translated at the backend's sidecar is expressible; through the
/// gateway's EnvoyFilter it is not. Retries stay refused.
#[test]
fn http_routes_take_timeouts_and_cors_but_not_the_rest() {
    let errs = problems(
        tls()
            .http_routes()
            .backend(
                Backend::service("grpc-service")
                    .route(ex::resilient_route())
                    .grpc_web(GrpcWeb::envoy_filter(Origins::exact(
                        "https://myapp.example.com",
                    ))),
            )
            .build(),
    );
    assert_eq!(
        errs,
        [
            (
                "backend \"grpc-service\"".to_owned(),
                GatewayApiProblem::GrpcWeb
            ),
            (
                "backend \"grpc-service\": route (all calls)".to_owned(),
                GatewayApiProblem::Retries
            ),
        ]
    );
    let errs = problems(
        tls()
            .http_routes()
            .backend(
                Backend::service("grpc-service")
                    .route(ServiceRoute::all_unary().timeout(Duration::from_secs(100_000 * 3600))),
            )
            .build(),
    );
    assert!(
        matches!(
            errs.as_slice(),
            [(_, GatewayApiProblem::TimeoutTooLong { .. })]
        ),
        "{errs:?}"
    );
    // HTTPRoute's CORS `maxAge` is an int32 of seconds: a longer one is refused, not clamped.
    let max_age = Duration::from_secs(u64::from(u32::MAX));
    let errs = problems(
        tls()
            .http_routes()
            .backend(Backend::service("grpc-service").grpc_web(
                GrpcWeb::service_port(Origins::exact("https://myapp.example.com")).max_age(max_age),
            ))
            .build(),
    );
    assert_eq!(
        errs,
        [(
            "backend \"grpc-service\"".to_owned(),
            GatewayApiProblem::MaxAgeTooLong { max_age }
        )]
    );
}

/// A Service split to in another namespace than the routes would need a ReferenceGrant.
#[test]
fn a_split_to_another_namespace_is_refused() {
    let errs = problems(
        tls()
            .namespace("grpc")
            .backend(
                Backend::service("greeter-v1")
                    .split_to(Backend::service("greeter-v2").namespace("canary"), 10),
            )
            .build(),
    );
    assert_eq!(
        errs,
        [(
            "backend \"greeter-v1\"".to_owned(),
            GatewayApiProblem::SplitNamespace {
                service: "greeter-v2".to_owned(),
                namespace: "canary".to_owned(),
                route_namespace: "grpc".to_owned(),
            }
        )]
    );
}

/// Load balancer, outlier detection, a limit of concurrent calls, upstream TLS and subsets are
/// DestinationRule settings.
#[test]
fn destination_rule_settings_are_refused() {
    let got = problems(
        tls()
            .backend(
                Backend::service("grpc-service")
                    .load_balancer(lb::LeastRequest)
                    .outlier_detection(istio_grpc_builder::OutlierDetection::unavailable(3))
                    .max_concurrent_calls(100)
                    .upstream_tls(upstream_tls::IstioMutual)
                    .subset("v1", [("version", "v1")]),
            )
            .build(),
    );
    let part = "backend \"grpc-service\"".to_owned();
    assert_eq!(
        got,
        [
            (
                part.clone(),
                GatewayApiProblem::LoadBalancer {
                    policy: "LEAST_REQUEST".into()
                }
            ),
            (part.clone(), GatewayApiProblem::OutlierDetection),
            (part.clone(), GatewayApiProblem::ConcurrentCalls),
            (
                part.clone(),
                GatewayApiProblem::UpstreamTls {
                    mode: "ISTIO_MUTUAL".into()
                }
            ),
            (
                part,
                GatewayApiProblem::Subset {
                    subset: "v1".into()
                }
            ),
        ]
    );
}

/// Plain `SIMPLE` (no hostname, no CA) and `DISABLE` have no Gateway API form: refused, naming
/// `.upstream_tls_verified(..)`; the verified form is written (see the `backend_tls` snapshot).
#[test]
fn upstream_tls_without_what_backend_tls_policy_needs_is_refused() {
    for (mode, name) in [
        (
            Backend::service("grpc-service").upstream_tls(upstream_tls::Simple),
            "SIMPLE",
        ),
        (
            Backend::service("grpc-service").upstream_tls(upstream_tls::Disable),
            "DISABLE",
        ),
        // the later call wins: the verification is dropped with `SIMPLE` set again
        (
            Backend::service("grpc-service")
                .upstream_tls_verified("a.example.com", UpstreamCa::System)
                .upstream_tls(upstream_tls::Simple),
            "SIMPLE",
        ),
    ] {
        let errs = tls().backend(mode).build();
        let text = errs.as_ref().map(|_| ()).expect_err("refused").to_string();
        assert_eq!(
            problems(errs),
            [(
                "backend \"grpc-service\"".to_owned(),
                GatewayApiProblem::UpstreamTls { mode: name.into() }
            )]
        );
        assert!(
            text.contains("`.upstream_tls_verified(hostname, UpstreamCa::..)`"),
            "{text}"
        );
    }
    // A hostname with a wildcard or a bad ConfigMap name is refused in both targets.
    let bad = || {
        Backend::service("grpc-service")
            .upstream_tls_verified("*.example.com", UpstreamCa::ConfigMap("Bad_CA".into()))
    };
    for errs in [
        tls()
            .backend(bad())
            .build()
            .map(|_| ())
            .expect_err("refused"),
        Ingress::new(ex::HOST)
            .h2c()
            .backend(bad())
            .build()
            .map(|_| ())
            .expect_err("refused"),
    ] {
        let kinds: Vec<NameKind> = errs
            .errors()
            .iter()
            .map(|e| match e {
                BuildError::Name { kind, .. } => *kind,
                other => panic!("unexpected {other}"),
            })
            .collect();
        assert_eq!(kinds, [NameKind::UpstreamHostname, NameKind::CaConfigMap]);
    }
}

/// Istio-only settings given before the switch (after it they do not compile).
#[test]
fn istio_only_settings_before_the_switch_are_refused() {
    let got = problems(
        Ingress::new(ex::HOST)
            .h2c()
            .virtual_service("grpc-routing")
            .selector([("istio", "grpc-ingress")])
            .gateway_workload_namespace("ingress")
            .gateway_api()
            .backend(Backend::service("grpc-service"))
            .build(),
    );
    let settings: Vec<&str> = got
        .iter()
        .map(|(_, p)| match p {
            GatewayApiProblem::IstioOnly { setting } => *setting,
            other => panic!("{other}"),
        })
        .collect();
    assert_eq!(
        settings,
        [
            "`.virtual_service(..)`",
            "`.selector(..)`",
            "`.gateway_workload_namespace(..)`"
        ]
    );
}

/// The Gateway API names namespaces where Istio's hosts do not: the Gateway needs one when a
/// ReferenceGrant or a cross-namespace route must name it.
#[test]
fn the_gateway_namespace_is_needed_where_objects_name_it() {
    let got = problems(
        tls()
            .secret_namespace("istio-system")
            .backend(Backend::service("users").namespace("users"))
            .build(),
    );
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got.iter()
            .all(|(part, p)| part == "gateway \"grpc-gateway\""
                && matches!(p, GatewayApiProblem::GatewayNamespace { .. })),
        "{got:?}"
    );
    // Bad names are refused as for Istio's API.
    let errs = tls()
        .namespace("grpc")
        .secret_namespace("Istio_System")
        .in_mesh(InMesh::waypoint("Waypoint"))
        .backend(Backend::service("users"))
        .build()
        .expect_err("bad names");
    assert!(
        matches!(
            errs.errors(),
            [
                BuildError::Name {
                    kind: NameKind::Namespace,
                    ..
                },
                BuildError::Name {
                    kind: NameKind::Waypoint,
                    ..
                }
            ]
        ),
        "{errs:?}"
    );
}

/// The checks of Istio's API apply too, all reported with the refusals.
#[test]
fn value_checks_and_refusals_come_together() {
    let errs = tls()
        .backend(
            Backend::service("Users")
                .route(ServiceRoute::unary("pkg.Svc").timeout(Duration::from_secs(1))),
        )
        .build()
        .expect_err("two problems");
    assert_eq!(errs.len(), 2, "{errs}");
    assert!(matches!(
        errs[0],
        BuildError::Name {
            kind: NameKind::Backend,
            ..
        }
    ));
    assert!(matches!(
        errs[1],
        BuildError::GatewayApi {
            problem: GatewayApiProblem::Timeout { .. },
            ..
        }
    ));
}

// ---------------------------------------------------------------------------------------------
// The macro and the descriptor set feed this target as they feed Istio's.

#[test]
fn the_macro_and_the_descriptor_set_feed_the_gateway_api() {
    use istio_grpc_example_greeter::{FILE_DESCRIPTOR_SET, GreeterRoutes, HealthRoutes};

    // `#[routes]`: typed method routes and a service route.
    let mesh = built(
        &tls().backend(
            Backend::service("greeter")
                .route(GreeterRoutes::say_hello())
                .route(GreeterRoutes::bidi_hello())
                .serves::<HealthRoutes>(),
        ),
    );
    let route = mesh.objects()[1].to_json().expect("json");
    assert_eq!(
        route["spec"]["rules"][0]["matches"],
        serde_json::json!([
            {"method": {"type": "Exact", "service": "helloworld.Greeter", "method": "SayHello"}},
            {"method": {"type": "Exact", "service": "helloworld.Greeter", "method": "BidiHello"}},
            {"method": {"type": "Exact", "service": "grpc.health.v1.Health"}},
        ])
    );

    // The descriptor set: one service route per service.
    let services = descriptor::services(FILE_DESCRIPTOR_SET).expect("descriptor set");
    let mut backend = Backend::service("greeter");
    for s in &services {
        backend = backend.route(s.route());
    }
    let mesh = built(&tls().backend(backend));
    let route = mesh.objects()[1].to_json().expect("json");
    let matched: Vec<&str> = route["spec"]["rules"][0]["matches"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["method"]["service"].as_str())
        .collect();
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(matched, names);
}

mod crds;

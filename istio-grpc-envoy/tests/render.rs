//! The rendering against ENVOY.md's facts, Envoy's own validation, and a read snapshot.
#![allow(clippy::unwrap_used)] // a test that panics reports the line; that is the message

use std::path::PathBuf;

use istio_grpc_envoy::{RenderOptions, Rendered, model::Route, process, render};
use istio_grpc_types::Object;
use serde_json::{Value, json};

fn options() -> RenderOptions {
    let local = |p: u16| std::net::SocketAddr::from(([127, 0, 0, 1], p));
    RenderOptions::new(9901)
        .listen(443, 8443)
        .listen(80, 8080)
        .upstream("user-grpc-service", local(50051))
        .upstream("order-grpc-service", local(50053))
        .upstream("streaming-service", local(50052))
        .upstream("grpc-service", local(50054))
        .credential(
            "grpc-tls-credential",
            "/tmp/certs/tls.crt",
            "/tmp/certs/tls.key",
        )
}

fn objects(mesh: &istio_grpc_builder::Mesh) -> Vec<Object> {
    mesh.objects().to_vec()
}

fn whole() -> Rendered {
    let mesh = istio_grpc_examples::whole_setup().expect("builds");
    render(&objects(&mesh), &options()).expect("renders")
}

fn json_of(r: &Rendered) -> Value {
    serde_json::to_value(&r.bootstrap).expect("serialises")
}

/// The names of an HCM's HTTP filters, in order.
fn filter_names(hcm: &Value) -> Vec<&str> {
    hcm["http_filters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect()
}

fn routes(r: &Rendered) -> &[Route] {
    &r.bootstrap.static_resources.listeners[0].filter_chains[0].filters[0]
        .typed_config
        .route_config
        .virtual_hosts[0]
        .routes
}

/// ENVOY.md §1: listener name, TLS chain, ALPN, tls_inspector, HCM settings.
#[test]
fn listener_follows_istiod() {
    let r = whole();
    let v = json_of(&r);
    let l = &v["static_resources"]["listeners"][0];
    assert_eq!(l["name"], "0.0.0.0_443");
    assert_eq!(l["address"]["socket_address"]["port_value"], 8443);
    assert_eq!(l["traffic_direction"], "OUTBOUND");
    assert_eq!(
        l["listener_filters"][0]["name"],
        "envoy.filters.listener.tls_inspector"
    );
    let chain = &l["filter_chains"][0];
    assert_eq!(
        chain["filter_chain_match"]["server_names"],
        json!(["grpc.example.com"])
    );
    assert_eq!(chain["transport_socket_connect_timeout"], "15s");
    let tls = &chain["transport_socket"]["typed_config"];
    assert_eq!(
        tls["common_tls_context"]["alpn_protocols"],
        json!(["h2", "http/1.1"])
    );
    assert_eq!(tls["require_client_certificate"], false);
    let hcm = &chain["filters"][0]["typed_config"];
    for (k, want) in [
        ("codec_type", json!("AUTO")),
        ("use_remote_address", json!(true)),
        ("normalize_path", json!(true)),
        ("path_with_escaped_slashes_action", json!("KEEP_UNCHANGED")),
        ("stream_idle_timeout", json!("0s")),
        ("forward_client_cert_details", json!("SANITIZE_SET")),
        ("server_name", json!("istio-envoy")),
        ("proxy_100_continue", json!(true)),
        ("stat_prefix", json!("outbound_0.0.0.0_443;")),
    ] {
        assert_eq!(hcm[k], want, "{k}");
    }
    assert!(hcm.get("http2_protocol_options").is_none());
    assert_eq!(
        hcm["route_config"]["name"],
        "https.443.https.grpc-gateway.default"
    );
    let vh = &hcm["route_config"]["virtual_hosts"][0];
    assert_eq!(vh["name"], "grpc.example.com:443");
    assert_eq!(vh["include_request_attempt_count"], true);
    // The EnvoyFilter puts grpc_web right before the router, after cors.
    let names = filter_names(hcm);
    assert_eq!(
        names,
        [
            "envoy.filters.http.grpc_stats",
            "envoy.filters.http.fault",
            "envoy.filters.http.cors",
            "envoy.filters.http.grpc_web",
            "envoy.filters.http.router"
        ]
    );
    assert_eq!(r.listeners.len(), 1);
    assert!(r.listeners[0].tls && r.listeners[0].grpc_web);
}

/// ENVOY.md §2: routes in order, plain prefixes, header match, timeouts, retries, CORS.
#[test]
fn routes_follow_istiod() {
    let r = whole();
    let routes = routes(&r);
    let last = routes.last().unwrap();
    // The catch-all is last, with the seed's timeout and retries.
    assert_eq!(last.match_.prefix.as_deref(), Some("/"));
    assert!(last.match_.headers.is_empty());
    assert_eq!(last.route.timeout, "60s");
    assert_eq!(last.route.max_grpc_timeout.as_deref(), Some("60s"));
    let retry = last.route.retry_policy.as_ref().unwrap();
    assert_eq!(retry.num_retries, 3);
    assert_eq!(retry.per_try_timeout.as_deref(), Some("20s"));
    assert!(
        retry
            .retry_on
            .starts_with("unavailable,resource-exhausted,internal")
    );
    // Service routes: no VS timeout → 0s and max_grpc_timeout 0s, Istio's default retries.
    let feed = routes
        .iter()
        .find(|r| {
            r.route
                .cluster
                .as_deref()
                .unwrap()
                .contains("streaming-service")
        })
        .unwrap();
    assert_eq!(
        (
            feed.route.timeout.as_str(),
            feed.route.max_grpc_timeout.as_deref().unwrap_or("")
        ),
        ("0s", "0s")
    );
    let d = feed.route.retry_policy.as_ref().unwrap();
    assert_eq!(d.retry_on, istio_grpc_envoy::DEFAULT_RETRY_ON);
    assert_eq!((d.num_retries, d.host_selection_retry_max_attempts), (2, 5));
    assert_eq!(
        d.retry_host_predicate[0].name,
        "envoy.retry_host_predicates.previous_hosts"
    );
    assert!(feed.match_.case_sensitive);
    // Service prefixes as the builder writes them: plain Envoy prefixes, trailing slash kept.
    assert_eq!(
        routes[0].match_.prefix.as_deref(),
        Some("/mypackage.UserService/")
    );
    // CORS per route (typed_per_filter_config), on the gRPC-Web backend's route.
    let web = routes
        .iter()
        .find(|r| !r.typed_per_filter_config.is_empty())
        .expect("a route with a CORS policy");
    let cors = &web.typed_per_filter_config["envoy.filters.http.cors"];
    assert_eq!(
        cors["allow_origin_string_match"],
        json!([{"exact": "https://myapp.example.com"}])
    );
    assert_eq!(cors["max_age"], "86400");
    // `unmatchedPreflights: IGNORE` (the builder's choice) → not forwarded.
    assert_eq!(cors["forward_not_matching_preflights"], false);
    assert_eq!(cors["filter_enabled"]["default_value"]["numerator"], 100);
}

/// ENVOY.md §3/§5: HTTP/2 upstream for ports declared gRPC, LEAST_REQUEST without a DR.
#[test]
fn clusters_follow_istiod() {
    let r = whole();
    let clusters = &r.bootstrap.static_resources.clusters;
    assert_eq!(clusters.len(), 4);
    for c in clusters {
        assert!(c.name.starts_with("outbound|50051||"), "{}", c.name);
        assert!(c.is_http2(), "{} is declared gRPC", c.name);
        assert_eq!(c.lb_policy, "LEAST_REQUEST");
        assert_eq!(c.connect_timeout, "10s");
    }
}

const GATEWAY_80: &str = r#"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: PROTOCOL}
    hosts: [grpc.example.com]
"#;

fn service(port_yaml: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc}}\nspec:\n  ports: [{port_yaml}]\n"
    )
}

fn vs(name: &str, created: &str, http: &str) -> String {
    format!(
        "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}, creationTimestamp: \"{created}\"}}\nspec:\n  hosts: [grpc.example.com]\n  gateways: [gw]\n  http:\n{http}"
    )
}

fn render_yaml(yaml: &str) -> Result<Rendered, istio_grpc_envoy::RenderError> {
    let objects = istio_grpc_types::yaml::objects_from_str(yaml).expect("valid YAML");
    render(
        &objects,
        &RenderOptions::new(0)
            .listen(80, 0)
            .upstream("svc", "127.0.0.1:50051".parse().unwrap())
            .upstream("other", "127.0.0.1:50052".parse().unwrap()),
    )
}

const ROUTE_ALL: &str = "  - route: [{destination: {host: svc, port: {number: 50051}}}]\n";

/// `setUpstreamProtocol` through `PortProtocol`: only gRPC/HTTP2/gRPC-Web ports get HTTP/2.
#[test]
fn upstream_protocol_follows_port() {
    for (port, h2) in [
        ("{name: grpc, port: 50051}", true),
        ("{name: grpc-api, port: 50051}", true),
        ("{name: http2, port: 50051}", true),
        ("{name: http, port: 50051, appProtocol: grpc}", true),
        ("{name: http, port: 50051}", false),
        ("{port: 50051}", false),
        ("{name: tcp, port: 50051}", false),
    ] {
        let yaml = format!(
            "{}{}{}",
            GATEWAY_80.replace("PROTOCOL", "HTTP"),
            service(port),
            vs("v", "2024-01-01T00:00:00Z", ROUTE_ALL)
        );
        let r = render_yaml(&yaml).unwrap();
        assert_eq!(
            r.bootstrap.static_resources.clusters[0].is_http2(),
            h2,
            "{port}"
        );
    }
}

/// `buildHTTPConnectionManager`: a GRPC-WEB gateway port gets grpc_web before grpc_stats; HTTP
/// does not.
#[test]
fn grpc_web_port_gets_the_filter() {
    for (protocol, want) in [("GRPC-WEB", true), ("HTTP", false), ("GRPC", false)] {
        let yaml = format!(
            "{}{}{}",
            GATEWAY_80.replace("PROTOCOL", protocol),
            service("{name: grpc, port: 50051}"),
            vs("v", "2024-01-01T00:00:00Z", ROUTE_ALL)
        );
        let r = render_yaml(&yaml).unwrap();
        let v = json_of(&r);
        let filters = &v["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
            ["http_filters"];
        assert_eq!(
            filters[0]["name"] == "envoy.filters.http.grpc_web",
            want,
            "{protocol}"
        );
        assert_eq!(r.listeners[0].grpc_web, want);
        assert!(!r.listeners[0].tls);
    }
}

/// `buildGatewayHTTPRouteConfig` + `SortVHostRoutes`: VirtualServices merge oldest first, each
/// stops after its own catch-all, all catch-alls move last: only the oldest one is reachable.
#[test]
fn virtual_services_merge_by_age() {
    let specific = "  - match: [{uri: {prefix: /pkg.B/}}]\n    route: [{destination: {host: other, port: {number: 50051}}}]\n  - route: [{destination: {host: other, port: {number: 50051}}}]\n  - route: [{destination: {host: svc, port: {number: 50051}}}]\n";
    let yaml = format!(
        "{}{}{}{}{}",
        GATEWAY_80.replace("PROTOCOL", "HTTP"),
        service("{name: grpc, port: 50051}"),
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: other}\nspec:\n  ports: [{name: grpc, port: 50051}]\n",
        vs("newer", "2024-05-01T00:00:00Z", specific),
        vs("older", "2024-01-01T00:00:00Z", ROUTE_ALL),
    );
    let r = render_yaml(&yaml).unwrap();
    let routes = routes(&r);
    let clusters: Vec<&str> = routes
        .iter()
        .map(|r| r.route.cluster.as_deref().unwrap())
        .collect();
    // newer's specific route first, then the catch-alls: older's (svc) before newer's (other);
    // newer's third rule is never translated (after its own catch-all).
    assert_eq!(routes[0].match_.prefix.as_deref(), Some("/pkg.B/"));
    assert_eq!(
        clusters,
        [
            "outbound|50051||other.default.svc.cluster.local",
            "outbound|50051||svc.default.svc.cluster.local",
            "outbound|50051||other.default.svc.cluster.local"
        ]
    );
}

/// `parseRetryOn` and `ConvertPolicy`.
#[test]
fn retry_on_parsing() {
    assert_eq!(
        istio_grpc_envoy::parse_retry_on("unavailable, 503 ,resource-exhausted,999"),
        ("unavailable,resource-exhausted,999".to_owned(), vec![503])
    );
    let with = |retries: &str| {
        let http = format!(
            "  - route: [{{destination: {{host: svc, port: {{number: 50051}}}}}}]\n    retries: {retries}\n"
        );
        let yaml = format!(
            "{}{}{}",
            GATEWAY_80.replace("PROTOCOL", "HTTP"),
            service("{name: grpc, port: 50051}"),
            vs("v", "2024-01-01T00:00:00Z", &http)
        );
        routes(&render_yaml(&yaml).unwrap())[0]
            .route
            .retry_policy
            .clone()
    };
    assert!(with("{attempts: 0}").is_none());
    let p = with("{attempts: 3, retryOn: \"503\"}").unwrap();
    // Istio appends ",retriable-status-codes" to whatever is left, even an empty string.
    assert_eq!(
        (p.retry_on.as_str(), p.retriable_status_codes.as_slice()),
        (",retriable-status-codes", &[503][..])
    );
    let p = with("{attempts: 4, perTryTimeout: 1s}").unwrap();
    assert_eq!(
        (p.num_retries, p.retry_on.as_str()),
        (4, istio_grpc_envoy::DEFAULT_RETRY_ON)
    );
    assert_eq!(p.per_try_timeout.as_deref(), Some("1s"));
}

/// Errors name the field and the fix.
#[test]
fn errors_name_the_fix() {
    let yaml = format!(
        "{}{}",
        GATEWAY_80.replace("PROTOCOL", "HTTP"),
        vs("v", "2024-01-01T00:00:00Z", ROUTE_ALL)
    );
    let e = render_yaml(&yaml).unwrap_err().to_string();
    assert!(
        e.contains("spec.http[0].route[0].destination") && e.contains("add the Service"),
        "{e}"
    );
    let yaml = format!(
        "{}{}{}",
        GATEWAY_80.replace("PROTOCOL", "HTTP"),
        service("{name: grpc, port: 50051}"),
        vs(
            "v",
            "2024-01-01T00:00:00Z",
            "  - route: [{destination: {host: svc, port: {number: 50051}}}]\n    fault: {abort: {httpStatus: 500, percentage: {value: 1}}}\n"
        )
    );
    let e = render_yaml(&yaml).unwrap_err().to_string();
    assert!(
        e.contains("spec.http[0].fault") && e.contains("not supported"),
        "{e}"
    );
    let mesh = istio_grpc_examples::whole_setup().unwrap();
    let local = "127.0.0.1:1".parse().unwrap();
    let no_cert = [
        "user-grpc-service",
        "order-grpc-service",
        "streaming-service",
        "grpc-service",
    ]
    .into_iter()
    .fold(RenderOptions::new(0).listen(443, 0), |o, h| {
        o.upstream(h, local)
    });
    let e = render(&objects(&mesh), &no_cert).unwrap_err().to_string();
    assert!(e.contains("credentialName `grpc-tls-credential`"), "{e}");
}

fn envoy_or_skip(test: &str) -> Option<PathBuf> {
    match process::find_envoy(None) {
        Some(p) => Some(p),
        None if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "{test}: Envoy is required under CI=true. {}",
                process::INSTALL_HINT
            )
        }
        None => {
            eprintln!("skipped: {test}: {}", process::INSTALL_HINT);
            None
        }
    }
}

/// `envoy --mode validate` accepts every rendering of the examples that has a gateway route.
#[test]
fn envoy_validates_the_renderings() {
    let Some(envoy) = envoy_or_skip("envoy_validates_the_renderings") else {
        return;
    };
    let dir =
        std::env::temp_dir().join(format!("istio-grpc-envoy-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Envoy reads the certificate files while validating: give it real PEM files.
    let made = istio_grpc_envoy::certs::self_signed(&dir, "tls", &["grpc.example.com".to_owned()])
        .unwrap();
    let cert = (made.cert_file, made.key_file);
    type Example = fn() -> Result<istio_grpc_builder::Mesh, istio_grpc_builder::BuildErrors>;
    let examples: [(&str, Example); 8] = [
        ("tls_gateway", istio_grpc_examples::tls_gateway),
        ("h2c_gateway", istio_grpc_examples::h2c_gateway),
        ("routing", istio_grpc_examples::routing),
        ("streaming", istio_grpc_examples::streaming),
        ("resilience", istio_grpc_examples::resilience),
        ("grpc_web", istio_grpc_examples::grpc_web),
        ("grpc_web_port", istio_grpc_examples::grpc_web_port),
        ("whole_setup", istio_grpc_examples::whole_setup),
    ];
    for (name, f) in examples {
        let mesh = f().unwrap();
        let r = render(
            &objects(&mesh),
            &options()
                .credential("grpc-tls-credential", &cert.0, &cert.1)
                .access_log(true),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        process::validate(&envoy, &r, &dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The article's setup, rendered (read against ENVOY.md §6 before accepting).
#[test]
fn snapshot_whole_setup() {
    insta::assert_snapshot!(whole().to_yaml().unwrap());
}

/// Envoy starts on a rendering with every port 0, reports ready, and tells where it listens.
#[test]
fn envoy_starts_and_reports_listeners() {
    let Some(envoy) = envoy_or_skip("envoy_starts_and_reports_listeners") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("istio-grpc-envoy-start-{}", std::process::id()));
    let mesh = istio_grpc_examples::h2c_gateway().unwrap();
    let r = render(
        &objects(&mesh),
        &RenderOptions::new(0)
            .listen(80, 0)
            .upstream("grpc-service", "127.0.0.1:1".parse().unwrap()),
    )
    .unwrap();
    let running = process::Envoy::start(&envoy, &r, &dir, std::time::Duration::from_secs(10))
        .unwrap_or_else(|e| panic!("{e}"));
    let addrs = running.listener_addresses().unwrap();
    eprintln!(
        "Envoy ready in {:?}, listeners {addrs:?}",
        running.started_in()
    );
    let addr = addrs["0.0.0.0_80"];
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The backend's sidecar, inbound (`core/listener_inbound.go`, `buildSidecarInboundHTTPOpts`,
/// `buildSidecarInboundHTTPRouteConfig`, `BuildDefaultHTTPInboundRoute`,
/// `buildInboundCluster`): the grpc_web filter for a `grpc-web` Service port and none for
/// `grpc`; a `SIDECAR_INBOUND` EnvoyFilter applies there, a `GATEWAY` one does not; Envoy
/// accepts the result.
#[test]
fn sidecar_inbound_follows_istiod() {
    let local = |p: u16| std::net::SocketAddr::from(([127, 0, 0, 1], p));
    let sidecar_options = || {
        RenderOptions::new(0)
            .listen(50051, 15051)
            .upstream("grpc-service", local(50054))
    };
    let mesh = istio_grpc_examples::grpc_web_port().unwrap();
    let r = istio_grpc_envoy::render_sidecar_inbound(
        &objects(&mesh),
        "grpc-service",
        &sidecar_options(),
    )
    .unwrap();
    let v = json_of(&r);
    let l = &v["static_resources"]["listeners"][0];
    assert_eq!(l["name"], "0.0.0.0_50051");
    assert_eq!(l["traffic_direction"], "INBOUND");
    assert_eq!(l["address"]["socket_address"]["port_value"], 15051);
    let hcm = &l["filter_chains"][0]["filters"][0]["typed_config"];
    assert_eq!(hcm["stat_prefix"], "inbound_0.0.0.0_50051;");
    assert_eq!(hcm["use_remote_address"], false);
    assert_eq!(hcm["forward_client_cert_details"], "APPEND_FORWARD");
    assert_eq!(hcm["http2_protocol_options"], json!({}));
    let names = filter_names(hcm);
    assert_eq!(
        names,
        [
            "envoy.filters.http.grpc_web",
            "envoy.filters.http.grpc_stats",
            "envoy.filters.http.fault",
            "envoy.filters.http.cors",
            "envoy.filters.http.router"
        ]
    );
    let rc = &hcm["route_config"];
    assert_eq!(rc["name"], "inbound|50051||");
    assert_eq!(rc["virtual_hosts"][0]["name"], "inbound|http|50051");
    let route = &rc["virtual_hosts"][0]["routes"][0];
    assert_eq!(route["match"]["prefix"], "/");
    assert_eq!(route["route"]["cluster"], "inbound|50051||");
    assert_eq!(route["route"]["timeout"], "0s");
    assert_eq!(
        route["route"]["max_stream_duration"],
        json!({"max_stream_duration": "0s", "grpc_timeout_header_max": "0s"})
    );
    assert_eq!(
        route["route"]["retry_policy"]["retry_on"],
        "reset-before-request"
    );
    let cluster = &r.bootstrap.static_resources.clusters[0];
    assert_eq!(cluster.name, "inbound|50051||");
    assert!(cluster.is_http2());
    assert!(r.listeners[0].grpc_web);

    // A `grpc` port: no grpc_web on the sidecar; a SIDECAR_INBOUND EnvoyFilter selecting the
    // workload puts it there; the builder's GATEWAY one does not.
    let filter = |context: &str| {
        format!(
            r#"
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {{name: web-{}}}
spec:
  workloadSelector: {{labels: {{app: grpc-service}}}}
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: {context}
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter: {{name: envoy.filters.http.router}}
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.grpc_web
        typed_config: {{"@type": type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb}}
"#,
            context.to_ascii_lowercase().replace('_', "-")
        )
    };
    let plain = istio_grpc_examples::h2c_gateway().unwrap();
    let plain_yaml = plain.yaml();
    for (extra, want) in [
        (String::new(), false),
        (filter("SIDECAR_INBOUND"), true),
        (filter("GATEWAY"), false),
    ] {
        let objects =
            istio_grpc_types::yaml::objects_from_str(&format!("{plain_yaml}\n---{extra}")).unwrap();
        let r =
            istio_grpc_envoy::render_sidecar_inbound(&objects, "grpc-service", &sidecar_options())
                .unwrap();
        assert_eq!(r.listeners[0].grpc_web, want, "{extra}");
        assert!(r.bootstrap.static_resources.clusters[0].is_http2());
    }

    // What it cannot render is said, with the field.
    let unnamed = istio_grpc_types::yaml::objects_from_str(
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: [{port: 50051}]\n",
    )
    .unwrap();
    let e = istio_grpc_envoy::render_sidecar_inbound(&unnamed, "x", &sidecar_options())
        .unwrap_err()
        .to_string();
    assert!(e.contains("spec.ports[0]") && e.contains("sniffs"), "{e}");
    let e = istio_grpc_envoy::render_sidecar_inbound(&unnamed, "nope", &sidecar_options())
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.default.svc.cluster.local"), "{e}");

    let Some(envoy) = envoy_or_skip("sidecar_inbound_follows_istiod") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("istio-grpc-envoy-sidecar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    process::validate(&envoy, &r, &dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

const GATEWAY_API: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpc-gateway, namespace: default}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    hostname: grpc.example.com
    port: 443
    protocol: HTTPS
    tls:
      mode: Terminate
      certificateRefs: [{name: grpc-tls-credential}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: users, namespace: default}
spec:
  parentRefs: [{name: grpc-gateway, sectionName: https}]
  hostnames: [grpc.example.com]
  rules:
  - matches:
    - method: {service: mypackage.UserService, method: GetUser}
    - method: {service: mypackage.UserService}
    backendRefs: [{name: user-grpc-service, port: 50051}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: feed, namespace: default}
spec:
  parentRefs: [{name: grpc-gateway}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /mypackage.FeedService/}}]
    timeouts: {request: 30s}
    backendRefs: [{name: streaming-service, port: 50051}]
---
apiVersion: v1
kind: Service
metadata: {name: user-grpc-service}
spec:
  ports: [{name: grpc, port: 50051, appProtocol: grpc}]
---
apiVersion: v1
kind: Service
metadata: {name: streaming-service}
spec:
  ports: [{name: grpc, port: 50051, appProtocol: grpc}]
"#;

/// Gateway API input (NOTES §3): a GRPCRoute's service match is a `path_separated_prefix`
/// (gateway semantics), its method match exact, no timeout and `max_grpc_timeout: 0s`, the
/// default retry policy; an HTTPRoute's `timeouts.request` is the route timeout; Envoy accepts it.
#[test]
fn gateway_api_renders_as_istio_converts_it() {
    let objects = istio_grpc_types::yaml::objects_from_str(GATEWAY_API).unwrap();
    let istio = istio_grpc_envoy::gateway_api::to_istio(&objects).unwrap();
    let r = render(&istio, &options()).unwrap();
    assert_eq!(r.listeners.len(), 1);
    assert!(r.listeners[0].tls);
    let routes = routes(&r);
    let v: Vec<Value> = routes
        .iter()
        .map(|r| serde_json::to_value(r).unwrap())
        .collect();
    // The GRPCRoute (older: input order) first, exact method before the service prefix.
    assert_eq!(v[0]["match"]["path"], "/mypackage.UserService/GetUser");
    assert_eq!(
        v[1]["match"]["path_separated_prefix"],
        "/mypackage.UserService"
    );
    assert!(v[1]["match"].get("prefix").is_none());
    for g in &v[..2] {
        assert_eq!(g["route"]["timeout"], "0s");
        assert_eq!(g["route"]["max_grpc_timeout"], "0s");
        assert_eq!(
            g["route"]["retry_policy"]["retry_on"],
            istio_grpc_envoy::DEFAULT_RETRY_ON
        );
    }
    assert_eq!(
        v[2]["match"]["path_separated_prefix"],
        "/mypackage.FeedService"
    );
    assert_eq!(v[2]["route"]["timeout"], "30s");
    assert_eq!(v[2]["route"]["max_grpc_timeout"], "30s");

    // What is not converted is named.
    let with_filter = GATEWAY_API.replace(
        "    backendRefs: [{name: user-grpc-service, port: 50051}]",
        "    filters: [{type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 50051}}}]\n    backendRefs: [{name: user-grpc-service, port: 50051}]",
    );
    let e = istio_grpc_envoy::gateway_api::to_istio(
        &istio_grpc_types::yaml::objects_from_str(&with_filter).unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("GRPCRoute users") && e.contains("spec.rules[0].filters"),
        "{e}"
    );

    let Some(envoy) = envoy_or_skip("gateway_api_renders_as_istio_converts_it") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("istio-grpc-envoy-gwapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let made = istio_grpc_envoy::certs::self_signed(&dir, "tls", &["grpc.example.com".to_owned()])
        .unwrap();
    let r = render(
        &istio,
        &options().credential("grpc-tls-credential", &made.cert_file, &made.key_file),
    )
    .unwrap();
    process::validate(&envoy, &r, &dir).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// The builder's Gateway API output is typed (`Object::K8sGateway`, `Object::GrpcRoute`, …):
/// `to_istio` converts it as it converts the same kinds read untyped, and leaves no Gateway API
/// kind behind.
#[test]
fn gateway_api_from_the_builder_converts() {
    use istio_grpc_builder::{Backend, Ingress, ServiceRoute, TlsCredential};
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .gateway_api()
        .backend(
            Backend::service("user-grpc-service")
                .route(ServiceRoute::unary("mypackage.UserService")),
        )
        .build()
        .unwrap();
    let built = objects(&mesh);
    assert!(built.iter().any(|o| matches!(o, Object::GrpcRoute(_))));
    assert!(built.iter().any(|o| matches!(o, Object::K8sGateway(_))));
    let istio = istio_grpc_envoy::gateway_api::to_istio(&built).unwrap();
    let kinds: Vec<&str> = istio.iter().map(Object::kind).collect();
    assert_eq!(kinds, ["Service", "Gateway", "VirtualService"], "{kinds:?}");
    assert!(
        istio
            .iter()
            .all(|o| !matches!(o, Object::K8sGateway(_) | Object::GrpcRoute(_)))
    );
    let r = render(&istio, &options()).unwrap();
    assert!(r.listeners[0].tls);
    let v = serde_json::to_value(&routes(&r)[0]).unwrap();
    assert_eq!(
        v["match"]["path_separated_prefix"],
        "/mypackage.UserService"
    );
    assert_eq!(v["route"]["timeout"], "0s");
}

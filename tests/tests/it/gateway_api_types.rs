//! istio-grpc-types' Gateway API kinds (`gateway.networking.k8s.io`, v1.6.1): lossless round
//! trips on real and hand-written manifests, kinds told apart by group, unions as enums,
//! GEP-2257 durations, experimental-channel fields kept, strictness, `kube::Resource`.

use istio_grpc_types::gateway_api::{
    self, GrpcMethodMatchType, GrpcRoute, GrpcRouteFilterKind, HttpPathModifierKind,
    HttpRouteFilterKind, ReferenceGrant, SubjectAltNameKind, TlsMode,
};
use istio_grpc_types::{Object, Strictness, yaml};
use serde_json::Value;

use crate::support::{self, json_difference};

fn keep() -> yaml::Options {
    yaml::Options::default().strictness(Strictness::Keep)
}

/// Reads strictly, writes back, and asserts the JSON is what was read.
fn round_trip(text: &str) -> Vec<Object> {
    let docs = yaml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    docs.into_iter()
        .map(|doc| {
            let read = doc.source.json();
            let written = doc.object.to_json().expect("writes");
            if let Some(diff) = json_difference(&read, &written, "") {
                panic!("document {} changed: {diff}", doc.index);
            }
            doc.object
        })
        .collect()
}

/// The ingress NOTES §7 maps our intent to: an HTTPS listener terminating TLS with a Secret in
/// another namespace (so a ReferenceGrant), an h2c listener, GRPCRoutes by service and by
/// method with weights, the HTTPRoute workaround for a unary timeout and CORS, a
/// BackendTLSPolicy.
const INGRESS: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpc-gateway, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    hostname: grpc.example.com
    port: 443
    protocol: HTTPS
    tls:
      mode: Terminate
      certificateRefs: [{kind: Secret, group: "", name: grpc-cert, namespace: certs}]
      options: {gateway.istio.io/tls-terminate-mode: SIMPLE}
    allowedRoutes:
      namespaces: {from: All}
      kinds: [{group: gateway.networking.k8s.io, kind: GRPCRoute}, {kind: HTTPRoute}]
  - name: h2c
    port: 80
    protocol: HTTP
    allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {grpc: "true"}}}}
  addresses: [{type: Hostname, value: ingress.example.com}]
  infrastructure:
    labels: {team: platform}
    annotations: {networking.istio.io/service-type: ClusterIP}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grpc-cert, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: istio-ingress}]
  to: [{group: "", kind: Secret, name: grpc-cert}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: greeter, namespace: apps}
spec:
  parentRefs: [{name: grpc-gateway, namespace: istio-ingress, sectionName: https}]
  hostnames: [grpc.example.com]
  rules:
  - name: greeter-service
    matches:
    - method: {service: helloworld.Greeter}
    - method: {type: Exact, service: grpc.health.v1.Health, method: Check}
      headers: [{name: x-canary, value: "true", type: Exact}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: x-route, value: greeter}]
        remove: [x-debug]
    - type: RequestMirror
      requestMirror:
        backendRef: {name: greeter-shadow, port: 50051}
        fraction: {numerator: 5, denominator: 1000}
    backendRefs:
    - {name: greeter-v1, port: 50051, weight: 90}
    - name: greeter-v2
      port: 50051
      weight: 10
      filters:
      - type: ResponseHeaderModifier
        responseHeaderModifier: {add: [{name: x-version, value: v2}]}
  - matches: [{method: {type: RegularExpression, service: "helloworld\\..*"}}]
    backendRefs: [{group: "", kind: Service, name: greeter-v1, port: 50051}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: greeter-unary, namespace: apps}
spec:
  parentRefs: [{name: grpc-gateway, namespace: istio-ingress, port: 443}]
  hostnames: [grpc.example.com]
  rules:
  - matches:
    - path: {type: Exact, value: /helloworld.Greeter/SayHello}
      method: POST
      queryParams: [{name: debug, value: "1", type: RegularExpression}]
    timeouts: {request: 10s, backendRequest: 2s500ms}
    filters:
    - type: CORS
      cors:
        allowOrigins: [https://app.example.com]
        allowMethods: [POST, OPTIONS]
        allowHeaders: [content-type, x-grpc-web, x-user-agent]
        exposeHeaders: [grpc-status, grpc-message]
        allowCredentials: true
        maxAge: 3600
    - type: URLRewrite
      urlRewrite: {hostname: greeter.apps, path: {type: ReplaceFullPath, replaceFullPath: /helloworld.Greeter/SayHello}}
    backendRefs: [{name: greeter-v1, port: 50051}]
  - matches: [{path: {value: /old}}]
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301, path: {type: ReplaceFullPath, replaceFullPath: /new}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: greeter-tls, namespace: apps}
spec:
  targetRefs: [{group: "", kind: Service, name: greeter-v1, sectionName: grpc}]
  validation:
    caCertificateRefs: [{group: "", kind: ConfigMap, name: greeter-ca}]
    hostname: greeter.apps.svc.cluster.local
    subjectAltNames:
    - {type: Hostname, hostname: greeter.apps.svc.cluster.local}
    - {type: URI, uri: "spiffe://cluster.local/ns/apps/sa/greeter"}
"#;

#[test]
fn ingress_manifests_round_trip_and_are_typed() {
    let objects = round_trip(INGRESS);
    let kinds: Vec<&str> = objects.iter().map(Object::kind).collect();
    assert_eq!(
        kinds,
        [
            "Gateway",
            "ReferenceGrant",
            "GRPCRoute",
            "HTTPRoute",
            "BackendTLSPolicy"
        ]
    );
    let Object::K8sGateway(gw) = &objects[0] else {
        panic!("a Gateway API Gateway is read as {:?}", objects[0]);
    };
    let https = &gw.spec.listeners[0];
    assert_eq!(
        (https.port, https.protocol.as_str()),
        (443, "HTTPS"),
        "required fields are plain values"
    );
    let tls = https.tls.as_ref().expect("tls");
    assert_eq!(tls.mode, Some(TlsMode::Terminate));
    assert_eq!(
        tls.certificate_refs.as_ref().expect("refs")[0]
            .namespace
            .as_deref(),
        Some("certs")
    );

    let Object::ReferenceGrant(grant) = &objects[1] else {
        panic!("{:?}", objects[1]);
    };
    assert_eq!(grant.api_version_str(), "gateway.networking.k8s.io/v1beta1");
    assert_eq!(grant.spec.to[0].kind, "Secret");

    let Object::GrpcRoute(route) = &objects[2] else {
        panic!("{:?}", objects[2]);
    };
    let rules = route.spec.rules.as_ref().expect("rules");
    let methods: Vec<_> = rules[0]
        .matches
        .as_ref()
        .expect("matches")
        .iter()
        .map(|m| m.method.as_ref().expect("method"))
        .collect();
    assert_eq!(methods[0].service.as_deref(), Some("helloworld.Greeter"));
    assert_eq!(methods[0].type_, None, "an omitted type stays omitted");
    assert_eq!(methods[1].type_, Some(GrpcMethodMatchType::Exact));
    let filters: Vec<&GrpcRouteFilterKind> = rules[0]
        .filters
        .as_ref()
        .expect("filters")
        .iter()
        .map(|f| &f.value)
        .collect();
    match filters.as_slice() {
        [
            GrpcRouteFilterKind::RequestHeaderModifier(h),
            GrpcRouteFilterKind::RequestMirror(m),
        ] => {
            assert_eq!(h.remove.as_deref(), Some(&["x-debug".to_owned()][..]));
            assert_eq!(m.backend_ref.port, Some(50051));
            assert_eq!(m.fraction.as_ref().map(|f| f.numerator), Some(5));
        }
        other => panic!("filters read as {other:?}"),
    }

    let Object::HttpRoute(http) = &objects[3] else {
        panic!("{:?}", objects[3]);
    };
    let rule = &http.spec.rules.as_ref().expect("rules")[0];
    let timeouts = rule.timeouts.as_ref().expect("timeouts");
    assert_eq!(
        timeouts.request.map(gateway_api::Duration::as_millis),
        Some(10_000)
    );
    assert_eq!(
        timeouts
            .backend_request
            .map(gateway_api::Duration::as_millis),
        Some(2_500)
    );
    let kinds: Vec<&str> = rule
        .filters
        .as_ref()
        .expect("filters")
        .iter()
        .map(|f| f.value.type_name())
        .collect();
    assert_eq!(kinds, ["CORS", "URLRewrite"]);
    let HttpRouteFilterKind::UrlRewrite(rewrite) =
        &rule.filters.as_ref().expect("filters")[1].value
    else {
        panic!("not a rewrite");
    };
    assert_eq!(
        rewrite.path.as_ref().map(|p| &p.value),
        Some(&HttpPathModifierKind::ReplaceFullPath(
            "/helloworld.Greeter/SayHello".to_owned()
        ))
    );

    let Object::BackendTlsPolicy(policy) = &objects[4] else {
        panic!("{:?}", objects[4]);
    };
    let sans: Vec<&SubjectAltNameKind> = policy
        .spec
        .validation
        .subject_alt_names
        .as_ref()
        .expect("sans")
        .iter()
        .map(|s| &s.value)
        .collect();
    assert_eq!(
        sans,
        [
            &SubjectAltNameKind::Hostname("greeter.apps.svc.cluster.local".to_owned()),
            &SubjectAltNameKind::Uri("spiffe://cluster.local/ns/apps/sa/greeter".to_owned()),
        ]
    );
}

/// Today's false error: a `gateway.networking.k8s.io` Gateway must not be read as Istio's.
#[test]
fn a_gateway_api_gateway_is_not_istios_gateway() {
    let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  gatewayClassName: istio\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]\n";
    let objects = round_trip(text);
    assert!(
        matches!(objects[0], Object::K8sGateway(_)),
        "{:?}",
        objects[0]
    );
    assert!(matches!(objects[1], Object::Gateway(_)), "{:?}", objects[1]);
    // Istio's fields in a Gateway API Gateway are unknown fields of the Gateway API's
    let err = yaml::from_str("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec:\n  gatewayClassName: istio\n  listeners: []\n  servers: []\n")
        .expect_err("strict")
        .to_string();
    assert!(err.contains("spec.servers"), "{err}");
}

/// The `type` of a union and its payload must agree, as the CRD's CEL rules demand; the error
/// names the path and says what to do.
#[test]
fn union_errors_name_the_filter_and_the_fix() {
    let route = |filter: &str| {
        format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  rules:\n  - filters:\n    - {filter}\n"
        )
    };
    for (filter, expected) in [
        (
            "{type: RequestMirror}",
            "`type: RequestMirror` needs `requestMirror`",
        ),
        (
            "{type: CORS, cors: {}, requestMirror: {backendRef: {name: a, port: 1}}}",
            "`type: CORS` takes `cors`, not `requestMirror`",
        ),
        (
            "{type: Cors, cors: {}}",
            "unknown `type` \"Cors\": expected one of `RequestHeaderModifier`",
        ),
        (
            "{type: ExternalAuth, externalAuth: {protocol: GRPC}}",
            "`ExternalAuth` is in Gateway API's experimental channel only",
        ),
    ] {
        let err = yaml::from_str(&route(filter))
            .expect_err(filter)
            .to_string();
        assert!(err.contains(expected), "{filter}: {err}");
        assert!(err.contains("spec.rules[0].filters[0]"), "{filter}: {err}");
        // the same with unknown fields kept: a union error is not an unknown field
        assert!(
            yaml::parse_with(&route(filter), &keep())[0].is_err(),
            "{filter}"
        );
    }
}

#[test]
fn durations_are_gep_2257() {
    let route = |d: &str| {
        format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: r}}\nspec:\n  rules:\n  - timeouts: {{request: {d}}}\n"
        )
    };
    let err = yaml::from_str(&route("1.5s"))
        .expect_err("a fraction")
        .to_string();
    assert!(
        err.contains("spec.rules[0].timeouts.request") && err.contains("1.5s is 1s500ms"),
        "{err}"
    );
    assert!(yaml::from_str(&route("500us")).is_err(), "no microseconds");
    let objects = round_trip(&route("1h30m5s"));
    let Object::HttpRoute(r) = &objects[0] else {
        panic!()
    };
    let t = r.spec.rules.as_ref().expect("rules")[0]
        .timeouts
        .as_ref()
        .expect("timeouts");
    assert_eq!(t.request.expect("request").as_millis(), 5_405_000);
    // canonical spelling on writing: the same value
    let objects = round_trip(&route("90m"));
    assert_eq!(
        objects[0].to_json().expect("json")["spec"]["rules"][0]["timeouts"]["request"],
        "1h30m"
    );
}

/// Experimental-channel fields are not typed but never lost: kept, written back, listed; strict
/// reading refuses them as an API server with the standard CRDs does.
#[test]
fn experimental_fields_are_kept_listed_and_refused_when_strict() {
    let text = "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  useDefaultGateways: All
  rules:
  - retry: {codes: [503], attempts: 3, backoff: 100ms}
    sessionPersistence: {sessionName: s, type: Cookie}
    backendRefs: [{name: a, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: g}
spec:
  rules:
  - sessionPersistence: {sessionName: s}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: istio
  defaultScope: All
  listeners: [{name: h, port: 80, protocol: HTTP}]
";
    let docs: Vec<_> = yaml::parse_with(text, &keep())
        .into_iter()
        .map(|d| d.expect("kept"))
        .collect();
    let unknown: Vec<Vec<String>> = docs
        .iter()
        .map(|d| {
            d.object
                .unknown_fields()
                .into_iter()
                .map(|u| u.path)
                .collect()
        })
        .collect();
    assert_eq!(
        unknown,
        [
            vec![
                "spec.useDefaultGateways".to_owned(),
                "spec.rules[0].retry".to_owned(),
                "spec.rules[0].sessionPersistence".to_owned()
            ],
            vec!["spec.rules[0].sessionPersistence".to_owned()],
            vec!["spec.defaultScope".to_owned()],
        ]
    );
    for doc in &docs {
        let written = doc.object.to_json().expect("writes");
        assert_eq!(json_difference(&doc.source.json(), &written, ""), None);
    }
    let err = yaml::from_str(text).expect_err("strict").to_string();
    assert!(err.contains("unknown field `useDefaultGateways`"), "{err}");
}

#[test]
fn typos_get_a_did_you_mean() {
    let text = "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: g}\nspec:\n  rules:\n  - backendRef: [{name: a, port: 1}]\n    matches: [{method: {servce: a.B}}]\n";
    let docs = yaml::parse_with(text, &keep());
    let doc = docs[0].as_ref().expect("kept");
    let unknown = &doc.unknown_fields;
    let paths =
        |u: &[istio_grpc_types::UnknownField]| u.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(
        paths(unknown),
        paths(&doc.object.unknown_fields()),
        "the same fields, with their lines"
    );
    let found: Vec<(&str, Option<&str>)> = unknown
        .iter()
        .map(|u| (u.path.as_str(), u.suggestion))
        .collect();
    assert_eq!(
        found,
        [
            ("spec.rules[0].backendRef", Some("backendRefs")),
            ("spec.rules[0].matches[0].method.servce", Some("service")),
        ]
    );
    assert!(unknown[0].location.is_some(), "a line and column");
}

#[test]
fn required_fields_and_groups_are_checked() {
    let err = yaml::from_str("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nspec:\n  gatewayClassName: istio\n  listeners: [{name: h, protocol: HTTP}]\n")
        .expect_err("no port")
        .to_string();
    assert!(
        err.contains("spec.listeners[0]") && err.contains("port"),
        "{err}"
    );
    let err =
        yaml::from_str("apiVersion: gateway.networking.k8s.oi/v1\nkind: GRPCRoute\nspec: {}\n")
            .expect_err("typo in the group")
            .to_string();
    assert!(
        err.contains(
            "the group is \"gateway.networking.k8s.oi\", not \"gateway.networking.k8s.io\""
        ),
        "{err}"
    );
    let err = yaml::from_str(
        "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: GRPCRoute\nspec: {}\n",
    )
    .expect_err("not served")
    .to_string();
    assert!(err.contains("not served"), "{err}");
    // another project's Gateway kind is not ours to check
    let docs = yaml::from_str("apiVersion: example.com/v1\nkind: Gateway\nspec: {anything: 1}\n")
        .expect("kept as written");
    assert!(matches!(docs[0].object, Object::Other(_)));
}

#[test]
fn kinds_are_kube_resources() {
    use kube::Resource;
    assert_eq!(GrpcRoute::kind(&()), "GRPCRoute");
    assert_eq!(GrpcRoute::group(&()), "gateway.networking.k8s.io");
    assert_eq!(GrpcRoute::plural(&()), "grpcroutes");
    assert_eq!(GrpcRoute::api_version(&()), "gateway.networking.k8s.io/v1");
    assert_eq!(
        ReferenceGrant::version(&()),
        "v1beta1",
        "the version Istio watches"
    );
    assert_eq!(
        gateway_api::BackendTlsPolicy::plural(&()),
        "backendtlspolicies"
    );
    assert_eq!(gateway_api::HttpRoute::kind(&()), "HTTPRoute");
    let route = GrpcRoute::new("greeter", gateway_api::GrpcRouteSpec::default());
    assert_eq!(
        route.meta().name.as_deref(),
        Some("greeter"),
        "kube's accessors see the metadata"
    );
    let json = serde_json::to_value(&route).expect("json");
    assert_eq!(json["apiVersion"], "gateway.networking.k8s.io/v1");
    assert_eq!(json["kind"], "GRPCRoute");
}

/// Built in code, a union is one value per filter: the wire form is `type` + its field.
#[test]
fn unions_write_type_and_the_field_it_names() {
    let filter = gateway_api::GrpcRouteFilter::from(GrpcRouteFilterKind::RequestHeaderModifier(
        gateway_api::HttpHeaderFilter {
            set: Some(vec![gateway_api::HttpHeader {
                name: "x-a".into(),
                value: "1".into(),
                extra: Default::default(),
            }]),
            ..Default::default()
        },
    ));
    assert_eq!(
        serde_json::to_value(&filter).expect("json"),
        serde_json::json!({"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "x-a", "value": "1"}]}})
    );
}

/// Every Gateway API document of the kinds typed here in the reference corpus (Istio's
/// Gateway API test inputs in `../shared/istio/manifests`) is typed and round-trips.
#[test]
fn reference_corpus_gateway_api_documents_round_trip() {
    let Some(istio) = support::istio_dir() else {
        return; // istio_dir prints that it skipped (and fails under CI=true)
    };
    let mut typed = 0;
    let mut failures = Vec::new();
    for file in support::yaml_files(&istio.join("manifests")) {
        let text = std::fs::read_to_string(&file).expect("read");
        for doc in yaml::parse_with(&text, &keep()) {
            let Ok(doc) = doc else { continue };
            let read = doc.source.json();
            if !read["apiVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("gateway.networking.k8s.io/"))
            {
                continue;
            }
            let name = format!(
                "{}: {} {}",
                file.display(),
                read["kind"],
                read["metadata"]["name"]
            );
            match &doc.object {
                Object::Other(_) => {
                    let kind = read["kind"].as_str().unwrap_or("");
                    if [
                        "Gateway",
                        "HTTPRoute",
                        "GRPCRoute",
                        "ReferenceGrant",
                        "BackendTLSPolicy",
                    ]
                    .contains(&kind)
                    {
                        failures.push(format!("{name}: not typed"));
                    }
                }
                object => {
                    typed += 1;
                    if !object.unknown_fields().is_empty() {
                        failures.push(format!("{name}: unknown {:?}", object.unknown_fields()));
                    }
                    let written = object.to_json().expect("writes");
                    if let Some(diff) = json_difference(&read, &written, "") {
                        failures.push(format!("{name}: {diff}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(typed >= 12, "only {typed} Gateway API documents found");
}

/// The generated types accept what the CRD accepts: every hand-written document above passes
/// the v1.6.1 standard CRDs (schema and CEL), so the tests are not testing a private dialect.
#[test]
fn hand_written_documents_pass_the_v1_6_1_crds() {
    let crds = istio_grpc_analyze::CrdSet::gateway_api().expect("built-in CRDs");
    for doc in yaml::from_str(INGRESS).expect("reads") {
        let json: Value = doc.object.to_json().expect("json");
        let findings = crds.check(&json).expect("a CRD for every kind");
        assert!(findings.is_valid(), "{}: {findings:?}", doc.object.kind());
        assert!(findings.unevaluable.is_empty(), "{findings:?}");
    }
}

/// The analyzer's built-in Gateway API CRDs are the generator's input, byte for byte, and that
/// is the file `../shared` has (when it is there).
#[test]
fn vendored_gateway_api_crds_are_the_generator_input() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let generator =
        std::fs::read_to_string(root.join("xtask/data/gateway-api/standard-install.yaml"))
            .expect("the generator's copy");
    assert!(
        generator == istio_grpc_analyze::GATEWAY_API_CRDS,
        "istio-grpc-analyze/crds/gateway-api-v1.6.1-standard-install.yaml differs from xtask/data/gateway-api/standard-install.yaml"
    );
    let shared = root.join("../shared/gateway-api/v1.6.1/standard-install.yaml");
    match std::fs::read_to_string(&shared) {
        Ok(text) => assert!(text == generator, "{} differs", shared.display()),
        Err(_) => {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true"),
                "../shared/gateway-api is missing beside the clone; CI needs it"
            );
            eprintln!(
                "skipped the comparison with ../shared: {} not found",
                shared.display()
            );
        }
    }
    let set = istio_grpc_analyze::CrdSet::gateway_api().expect("loads");
    for (api, kind) in [
        ("gateway.networking.k8s.io/v1", "Gateway"),
        ("gateway.networking.k8s.io/v1beta1", "Gateway"),
        ("gateway.networking.k8s.io/v1", "GRPCRoute"),
        ("gateway.networking.k8s.io/v1", "HTTPRoute"),
        ("gateway.networking.k8s.io/v1beta1", "ReferenceGrant"),
        ("gateway.networking.k8s.io/v1", "ReferenceGrant"),
        ("gateway.networking.k8s.io/v1", "BackendTLSPolicy"),
    ] {
        assert!(set.covers(api, kind), "{api} {kind}");
    }
    assert!(!set.covers("networking.istio.io/v1", "Gateway"));
    let all = istio_grpc_analyze::CrdSet::built_in().expect("loads");
    assert!(
        all.covers("networking.istio.io/v1", "Gateway")
            && all.covers("gateway.networking.k8s.io/v1", "Gateway")
    );
}

//! The analyzer on Gateway API manifests: no false error on a valid set (with the built-in
//! Istio and Gateway API v1.6.1 CRDs, as `istio-grpc check` runs), the CRD's schema and CEL
//! rules, and the gRPC pitfalls GRPC018-GRPC021, each with a failing and a passing manifest
//! (registered in `analyze.rs`'s `cases()`).

use istio_grpc_analyze::{CrdSet, Options, Severity, codes};

use super::{Case, no_options, run};

fn built_in() -> Options {
    Options::default().crds(CrdSet::built_in().expect("built-in CRDs load"))
}

/// A valid ingress for two gRPC services: an HTTPS listener whose certificate Secret is in
/// another namespace (granted), an h2c listener, GRPCRoutes by service and method, an
/// HTTPRoute for a unary method's timeout on another hostname, a cross-namespace backend
/// (granted), HTTP/2 Service ports, and a BackendTLSPolicy.
const VALID: &str = r#"apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpc-gateway, namespace: istio-ingress}
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    hostname: "*.example.com"
    port: 443
    protocol: HTTPS
    tls:
      mode: Terminate
      certificateRefs: [{name: grpc-cert, namespace: certs}]
    allowedRoutes: {namespaces: {from: All}}
  - name: h2c
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces: {from: Selector, selector: {matchLabels: {grpc: "true"}}}
      kinds: [{kind: GRPCRoute}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: gateway-certs, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: istio-ingress}]
  to: [{group: "", kind: Secret}]
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {grpc: "true"}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: greeter, namespace: apps}
spec:
  parentRefs: [{name: grpc-gateway, namespace: istio-ingress}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{method: {service: helloworld.Greeter}}]
    backendRefs:
    - {name: greeter, port: 50051, weight: 90}
    - {name: greeter-canary, namespace: canary, port: 50051, weight: 10}
  - matches: [{method: {service: grpc.health.v1.Health, method: Check}}]
    backendRefs: [{name: greeter, port: 50051}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: routes-from-apps, namespace: canary}
spec:
  from: [{group: gateway.networking.k8s.io, kind: GRPCRoute, namespace: apps}]
  to: [{group: "", kind: Service, name: greeter-canary}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: greeter-unary, namespace: apps}
spec:
  parentRefs: [{name: grpc-gateway, namespace: istio-ingress, sectionName: https}]
  hostnames: [api.example.com]
  rules:
  - matches: [{path: {type: Exact, value: /helloworld.Greeter/SayHello}}]
    timeouts: {request: 5s}
    backendRefs: [{name: greeter, port: 50051}]
---
apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: apps}
spec:
  selector: {app: greeter}
  ports: [{name: grpc, port: 50051, appProtocol: kubernetes.io/h2c}]
---
apiVersion: v1
kind: Service
metadata: {name: greeter-canary, namespace: canary}
spec:
  selector: {app: greeter, version: canary}
  ports: [{name: api, port: 50051, appProtocol: grpc}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: greeter, namespace: apps}
spec:
  targetRefs: [{group: "", kind: Service, name: greeter}]
  validation: {hostname: greeter.apps.svc.cluster.local, wellKnownCACertificates: System}
"#;

#[test]
fn a_valid_gateway_api_set_has_no_finding() {
    let report = run(VALID, &built_in());
    let findings: Vec<String> = report
        .diagnostics()
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .map(ToString::to_string)
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
    // checked, not skipped as an unknown kind
    assert!(
        !report
            .diagnostics()
            .iter()
            .any(|d| d.code == codes::UNCHECKED_KIND),
        "{:#?}",
        report.diagnostics()
    );
    assert_eq!(report.exit_code(), 0);
}

/// The v1.6.1 CRDs check Gateway API objects (schema and CEL), and Istio's Gateway CRD never
/// sees a Gateway API Gateway.
#[test]
fn gateway_api_objects_are_checked_against_their_own_crds() {
    let gateway = |listener: &str| {
        format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: gw}}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - {listener}\n"
        )
    };
    let schema_errors = |yaml: &str| -> Vec<String> {
        run(yaml, &built_in())
            .diagnostics()
            .iter()
            .filter(|d| d.code == codes::SCHEMA_VALIDATION_ERROR && d.severity == Severity::Error)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    };
    assert_eq!(
        schema_errors(&gateway("{name: h, port: 80, protocol: HTTP}")),
        Vec::<String>::new()
    );
    // CEL: no tls on an HTTP listener
    let errors = schema_errors(&gateway(
        "{name: h, port: 80, protocol: HTTP, tls: {mode: Terminate, certificateRefs: [{name: c}]}}",
    ));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']")),
        "{errors:?}"
    );
    // NOTES §5: the rule kube-cel cannot evaluate when certificateRefs is left out is reported
    // as the violation the API server reports, with the rule's message
    let errors = schema_errors(&gateway(
        "{name: s, port: 443, protocol: HTTPS, tls: {mode: Terminate}}",
    ));
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("spec.listeners[0].tls:")
                && e.contains(
                    "certificateRefs or options must be specified when mode is Terminate"
                )),
        "{errors:?}"
    );
    // a GRPCRoute method match the CRD refuses (a method name with a dot)
    let route = "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: r}\nspec:\n  rules:\n  - matches: [{method: {service: helloworld.Greeter, method: a.b}}]\n";
    let errors = schema_errors(route);
    assert!(!errors.is_empty(), "a.b is not a method name");
    // a Hostname address (a oneOf branch without `value` in its properties) is valid
    let with_address = format!(
        "{}  addresses: [{{type: Hostname, value: lb.example.com}}]\n",
        gateway("{name: h, port: 80, protocol: HTTP}")
    );
    assert_eq!(schema_errors(&with_address), Vec::<String>::new());
}

const SERVICE_HTTP: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: greeter}\nspec:\n  ports: [{name: http, port: 50051}]\n";
const SERVICE_H2C: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: greeter}\nspec:\n  ports: [{name: http, port: 50051, appProtocol: kubernetes.io/h2c}]\n";

fn gateway(listeners: &str) -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {{name: gw}}\nspec:\n  gatewayClassName: istio\n  listeners:\n{listeners}"
    )
}

const H2C_LISTENER: &str = "  - {name: h2c, port: 80, protocol: HTTP}\n";

fn grpc_route(extra_spec: &str) -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {{name: greeter}}\nspec:\n  parentRefs: [{{name: gw}}]\n{extra_spec}  rules:\n  - matches: [{{method: {{service: helloworld.Greeter}}}}]\n    backendRefs: [{{name: greeter, port: 50051}}]\n"
    )
}

fn http_route(hostnames: &str) -> String {
    format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: web}}\nspec:\n  parentRefs: [{{name: gw}}]\n  hostnames: [{hostnames}]\n  rules:\n  - backendRefs: [{{name: web, port: 8080}}]\n"
    )
}

const TLS_LISTENER_OTHER_NS: &str = "  - name: https\n    port: 443\n    protocol: HTTPS\n    tls: {certificateRefs: [{name: grpc-cert, namespace: certs}]}\n";
const GRANT: &str = "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {name: g, namespace: certs}\nspec:\n  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: default}]\n  to: [{group: \"\", kind: Secret, name: grpc-cert}]\n";

/// An HTTPRoute behind the Gateway whose backend is in namespace `backends`.
const HTTP_ROUTE_OTHER_NS: &str = "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [grpc.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /helloworld.Greeter}}]
    backendRefs: [{name: greeter, namespace: backends, port: 50051}]
";
/// The grant that lets it.
const HTTP_GRANT: &str = "apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: web-backends, namespace: backends}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: default}]
  to: [{group: \"\", kind: Service, name: greeter}]
";

/// The failing and passing manifests of GRPC018-GRPC021.
pub(super) fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a GRPCRoute backend port not declared HTTP/2",
            code: codes::GRPCROUTE_BACKEND_NOT_HTTP2,
            failing: format!(
                "{}---\n{}---\n{SERVICE_HTTP}",
                gateway(H2C_LISTENER),
                grpc_route("")
            ),
            path: "spec.rules[0].backendRefs[0]",
            passing: format!(
                "{}---\n{}---\n{SERVICE_H2C}",
                gateway(H2C_LISTENER),
                grpc_route("")
            ),
            options: no_options,
        },
        Case {
            name: "an HTTPRoute and a GRPCRoute on one hostname and listener",
            code: codes::GRPCROUTE_HTTPROUTE_SAME_HOSTNAME,
            failing: format!(
                "{}---\n{}---\n{}---\n{SERVICE_H2C}",
                gateway(H2C_LISTENER),
                grpc_route("  hostnames: [api.example.com]\n"),
                http_route("api.example.com")
            ),
            path: "spec.hostnames",
            passing: format!(
                "{}---\n{}---\n{}---\n{SERVICE_H2C}",
                gateway(H2C_LISTENER),
                grpc_route("  hostnames: [grpc.example.com]\n"),
                http_route("api.example.com")
            ),
            options: no_options,
        },
        Case {
            name: "a listener whose allowedRoutes does not admit GRPCRoute",
            code: codes::GRPCROUTE_NOT_ALLOWED_BY_LISTENER,
            failing: format!(
                "{}---\n{}---\n{SERVICE_H2C}",
                gateway(
                    "  - {name: h2c, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}\n"
                ),
                grpc_route("")
            ),
            path: "spec.parentRefs[0]",
            passing: format!(
                "{}---\n{}---\n{SERVICE_H2C}",
                gateway(
                    "  - {name: h2c, port: 80, protocol: HTTP, allowedRoutes: {kinds: [{kind: HTTPRoute}, {kind: GRPCRoute}]}}\n"
                ),
                grpc_route("")
            ),
            options: no_options,
        },
        Case {
            name: "a certificate Secret in another namespace without a ReferenceGrant",
            code: codes::REF_NOT_PERMITTED,
            failing: gateway(TLS_LISTENER_OTHER_NS),
            path: "spec.listeners[0].tls.certificateRefs[0]",
            passing: format!("{}---\n{GRANT}", gateway(TLS_LISTENER_OTHER_NS)),
            options: no_options,
        },
        Case {
            name: "an HTTPRoute backend in another namespace without a ReferenceGrant",
            code: codes::REF_NOT_PERMITTED,
            failing: format!("{}---\n{HTTP_ROUTE_OTHER_NS}", gateway(H2C_LISTENER)),
            path: "spec.rules[0].backendRefs[0]",
            passing: format!(
                "{}---\n{HTTP_ROUTE_OTHER_NS}---\n{HTTP_GRANT}",
                gateway(H2C_LISTENER)
            ),
            options: no_options,
        },
    ]
}

#[test]
fn messages_say_what_clients_see_and_the_fix() {
    let text = |yaml: &str, code| {
        let report = run(yaml, &Options::default());
        report
            .diagnostics()
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{code} not found in {:#?}", report.diagnostics()))
            .to_string()
    };
    let backend = text(
        &format!(
            "{}---\n{}---\n{SERVICE_HTTP}",
            gateway(H2C_LISTENER),
            grpc_route("")
        ),
        codes::GRPCROUTE_BACKEND_NOT_HTTP2,
    );
    assert!(
        backend.contains("port 50051 of Service default/greeter is named \"http\"")
            && backend.contains("a GRPCRoute does not make Istio speak HTTP/2 upstream")
            && backend.contains("reset reason: protocol error")
            && backend.contains("fix: set appProtocol: kubernetes.io/h2c"),
        "{backend}"
    );
    let listener = text(
        &format!(
            "{}---\n{}",
            gateway(
                "  - {name: tcp, port: 9000, protocol: TCP}\n  - {name: h2c, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: Same}}}\n"
            ),
            grpc_route("")
                .replace(
                    "metadata: {name: greeter}",
                    "metadata: {name: greeter, namespace: apps}"
                )
                .replace("[{name: gw}]", "[{name: gw, namespace: default}]")
        ),
        codes::GRPCROUTE_NOT_ALLOWED_BY_LISTENER,
    );
    assert!(
        listener.contains("listener \"tcp\": its protocol is TCP")
            && listener.contains("listener \"h2c\": its allowedRoutes.namespaces.from is Same (the default), and the route is in namespace apps, not default")
            && listener.contains("UNIMPLEMENTED"),
        "{listener}"
    );
    let grant = text(&gateway(TLS_LISTENER_OTHER_NS), codes::REF_NOT_PERMITTED);
    assert!(
        grant.contains("Secret certs/grpc-cert")
            && grant.contains(
                "no ReferenceGrant in namespace certs lets Gateways of namespace default use it"
            )
            && grant.contains("fix: add a ReferenceGrant in namespace certs"),
        "{grant}"
    );
}

/// A grant for another Secret, kind or namespace does not count; a grant without a name
/// covers every Secret of its namespace.
#[test]
fn reference_grants_are_matched_exactly() {
    let flagged = |grant: &str| {
        run(
            &format!("{}---\n{grant}", gateway(TLS_LISTENER_OTHER_NS)),
            &Options::default(),
        )
        .diagnostics()
        .iter()
        .any(|d| d.code == codes::REF_NOT_PERMITTED)
    };
    assert!(!flagged(GRANT));
    assert!(!flagged(&GRANT.replace(", name: grpc-cert", "")));
    assert!(flagged(&GRANT.replace("name: grpc-cert", "name: other")));
    assert!(flagged(&GRANT.replace("kind: Secret", "kind: ConfigMap")));
    assert!(flagged(
        &GRANT.replace("namespace: default", "namespace: elsewhere")
    ));
    assert!(flagged(
        &GRANT.replace("namespace: certs", "namespace: default")
    ));
    // a GRPCRoute's backend in another namespace needs its own grant, from GRPCRoute to Service
    let route = grpc_route("").replace(
        "{name: greeter, port: 50051}",
        "{name: greeter, namespace: backends, port: 50051}",
    );
    let report = run(
        &format!("{}---\n{route}", gateway(H2C_LISTENER)),
        &Options::default(),
    );
    assert!(
        report.diagnostics().iter().any(|d| d.code == codes::REF_NOT_PERMITTED && d.path == "spec.rules[0].backendRefs[0]"),
        "{:#?}",
        report.diagnostics()
    );
}

/// An HTTPRoute's backend in another namespace needs a grant from HTTPRoute to Service: without
/// one it is reported (naming HTTPRoute in the message and the fix); with one it is not, and a
/// grant for GRPCRoutes does not count for it.
#[test]
fn http_route_backends_need_a_reference_grant() {
    let gw = gateway(H2C_LISTENER);
    let findings = |extra: &str| {
        run(
            &format!("{gw}---\n{HTTP_ROUTE_OTHER_NS}{extra}"),
            &Options::default(),
        )
        .diagnostics()
        .iter()
        .filter(|d| d.code == codes::REF_NOT_PERMITTED)
        .map(|d| {
            format!(
                "{} {}: {}",
                d.path,
                d.message,
                d.fix.clone().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
    };
    let failing = findings("");
    assert_eq!(failing.len(), 1, "{failing:#?}");
    assert!(
        failing[0].starts_with("spec.rules[0].backendRefs[0] backend Service backends/greeter is in another namespace, and no ReferenceGrant in namespace backends lets HTTPRoutes of namespace default use it")
            && failing[0].contains("kind: HTTPRoute, namespace: default"),
        "{failing:#?}"
    );
    assert_eq!(
        findings(&format!("---\n{HTTP_GRANT}")),
        Vec::<String>::new()
    );
    let for_grpc = HTTP_GRANT.replace("kind: HTTPRoute", "kind: GRPCRoute");
    assert_eq!(findings(&format!("---\n{for_grpc}")).len(), 1);
}

/// In the mesh (a GRPCRoute whose parent is a Service) sidecars detect an unnamed port's
/// protocol: only a port declared as something other than HTTP/2 is reported there.
#[test]
fn mesh_routes_report_only_declared_ports() {
    let mesh = |service: &str| {
        let route = grpc_route("").replace(
            "parentRefs: [{name: gw}]",
            "parentRefs: [{group: \"\", kind: Service, name: greeter}]",
        );
        run(&format!("{route}---\n{service}"), &Options::default())
            .diagnostics()
            .iter()
            .any(|d| d.code == codes::GRPCROUTE_BACKEND_NOT_HTTP2)
    };
    assert!(mesh(SERVICE_HTTP));
    assert!(!mesh(&SERVICE_HTTP.replace("name: http, ", "")));
    assert!(!mesh(SERVICE_H2C));
}

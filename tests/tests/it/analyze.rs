//! The analyzer: one minimal failing and one minimal passing manifest per check, then Istio's
//! corpora.

#[path = "analyze/corpus.rs"]
mod corpus;
#[path = "analyze/gateway_api.rs"]
mod gateway_api;
#[path = "analyze/seed.rs"]
mod seed;
#[path = "analyze/stream.rs"]
mod stream;

use istio_grpc_analyze::{Code, Inputs, Options, Report, analyze, codes};

pub(crate) fn run(yaml: &str, options: &Options) -> Report {
    let mut inputs = Inputs::new();
    inputs.add_yaml(Some(std::path::Path::new("case.yaml")), yaml);
    analyze(&inputs, options)
}

fn codes_of(report: &Report) -> Vec<&'static str> {
    report.diagnostics().iter().map(|d| d.code.id).collect()
}

const GRPC_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: grpc-service}\nspec:\n  selector: {app: grpc}\n  ports:\n  - {name: grpc, port: 50051}\n";
const HTTP_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: grpc-service}\nspec:\n  selector: {app: grpc}\n  ports:\n  - {name: http, port: 50051}\n";
const UNNAMED_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: grpc-service}\nspec:\n  selector: {app: grpc}\n  ports:\n  - {port: 50051}\n";
const APP_PROTOCOL_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: grpc-service}\nspec:\n  selector: {app: grpc}\n  ports:\n  - {name: api, port: 50051, appProtocol: grpc}\n";

fn vs(http: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: grpc-vs}}\nspec:\n  hosts: [grpc.example.com]\n  http:\n{http}"
    )
}
const ROUTE: &str = "  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: grpc-service, port: {number: 50051}}}]\n";

const GATEWAY: &str = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: grpc-gateway}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [grpc.example.com]\n    tls: {mode: SIMPLE, credentialName: grpc-tls-credential}\n";

/// One check: a manifest that must produce `code` at `path` (and line `line`), and one that
/// must not produce it.
struct Case {
    name: &'static str,
    code: Code,
    failing: String,
    path: &'static str,
    passing: String,
    options: fn() -> Options,
}

fn no_options() -> Options {
    Options::default()
}
/// A DestinationRule for `reviews` with one subset.
fn subset_dr(subset: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: reviews}}\nspec:\n  host: reviews.default.svc.cluster.local\n  subsets: [{{name: {subset}, labels: {{version: {subset}}}}}]\n"
    )
}

/// A ServiceEntry for an external database with `spec` lines after its hosts.
fn service_entry(spec: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {{name: db}}\nspec:\n  hosts: [db.example.com]\n  location: MESH_EXTERNAL\n  resolution: DNS\n{spec}"
    )
}

/// A Gateway API Gateway in namespace `infra` listening for grpc.example.com.
const K8S_GATEWAY: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: grpc-gateway, namespace: infra}\nspec:\n  gatewayClassName: istio\n  listeners:\n  - {name: https, port: 443, protocol: HTTPS, hostname: grpc.example.com}\n";

/// The `grpc` Deployment.
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: grpc}\nspec:\n  selector: {matchLabels: {app: grpc}}\n  template:\n    metadata: {labels: {app: grpc}}\n    spec:\n      containers: [{name: app, image: app}]\n";

/// A pod of the `grpc` workload.
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: grpc-1, labels: {app: grpc, tier: backend}}\nspec:\n  containers: [{name: app, image: app}]\n";

/// A pod of the default ingress gateway, in istio-system.
const INGRESS_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: ingress-1, namespace: istio-system, labels: {istio: ingressgateway}}\nspec:\n  containers: [{name: istio-proxy, image: proxyv2}]\n";

/// The ingress gateway's Service, sending port 443 to `target`.
fn ingress_service(target: u16) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: istio-ingressgateway, namespace: istio-system}}\nspec:\n  selector: {{istio: ingressgateway}}\n  ports: [{{name: https, port: 443, targetPort: {target}}}]\n"
    )
}

/// A Sidecar with a workload selector (`{}` for none).
fn sidecar(name: &str, labels: &str) -> String {
    let selector = if labels == "{}" {
        String::new()
    } else {
        format!("  workloadSelector: {{labels: {labels}}}\n")
    };
    format!(
        "apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {{name: {name}}}\nspec:\n{selector}  egress: [{{hosts: ['./*']}}]\n"
    )
}

/// A VirtualService bound to the mesh (no `gateways`) for one host.
fn mesh_vs(name: &str, host: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}}}\nspec:\n  hosts: [{host}]\n  http:\n  - route: [{{destination: {{host: {host}}}}}]\n"
    )
}

/// A DestinationRule for an external database with `spec` lines after its host.
fn dr_tls(spec: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: db-tls}}\nspec:\n  host: db.example.com\n{spec}"
    )
}

/// A VirtualService bound to [`GATEWAY`] for grpc.example.com.
fn gw_vs(name: &str, http: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: {name}}}\nspec:\n  hosts: [grpc.example.com]\n  gateways: [grpc-gateway]\n  http:\n{http}"
    )
}

fn admin_service() -> Options {
    Options::default().grpc_services(["mypackage.UserService", "mypackage.UserServiceAdmin"])
}
fn streaming() -> Options {
    Options::default().streaming_methods(["/mypackage.FeedService/Subscribe"])
}

fn cases() -> Vec<Case> {
    let secret = |keys: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: grpc-tls-credential, namespace: istio-system}}\ntype: kubernetes.io/tls\nstringData:\n{keys}"
        )
    };
    let bound_vs = format!(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: grpc-vs}}\nspec:\n  hosts: [grpc.example.com]\n  gateways: [grpc-gateway]\n  http:\n{ROUTE}"
    );
    let proxyless = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: grpc}\nspec:\n  selector: {matchLabels: {app: grpc}}\n  template:\n    metadata:\n      labels: {app: grpc}\n      annotations: {inject.istio.io/templates: grpc-agent, proxy.istio.io/config: '{\"holdApplicationUntilProxyStarts\": true}'}\n    spec:\n      containers: [{name: app, image: app}]\n";
    let dr = |policy: &str| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: grpc-dr}}\nspec:\n  host: grpc-service\n  trafficPolicy:\n{policy}"
        )
    };
    let pa = |mode: &str| {
        format!(
            "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: grpc-pa}}\nspec:\n  selector: {{matchLabels: {{app: grpc}}}}\n  mtls: {{mode: {mode}}}\n"
        )
    };
    let web_route = |cors: &str| {
        vs(&format!(
            "  - match: [{{headers: {{content-type: {{prefix: application/grpc-web}}}}}}]\n    route: [{{destination: {{host: grpc-service, port: {{number: 50051}}}}}}]\n{cors}"
        ))
    };
    let web_filter = "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata: {name: grpc-web-filter, namespace: istio-system}\nspec:\n  workloadSelector: {labels: {istio: ingressgateway}}\n  configPatches:\n  - applyTo: HTTP_FILTER\n    match:\n      context: GATEWAY\n      listener: {filterChain: {filter: {name: envoy.filters.network.http_connection_manager, subFilter: {name: envoy.filters.http.router}}}}\n    patch:\n      operation: INSERT_BEFORE\n      value: {name: envoy.filters.http.grpc_web, typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb}}\n";
    let cors_ok = "    corsPolicy: {allowOrigins: [{exact: 'https://myapp.example.com'}], allowMethods: [POST], exposeHeaders: [grpc-status, grpc-message]}\n";
    let cors_bad = "    corsPolicy: {allowOrigins: [{exact: 'https://myapp.example.com'}], allowMethods: [POST], exposeHeaders: [x-foo]}\n";
    let gateway2 = GATEWAY.replace("name: grpc-gateway", "name: other-gateway");
    let gateway2_other_host =
        gateway2.replace("hosts: [grpc.example.com]", "hosts: [web.example.com]");
    vec![
        Case { name: "backend port named http (UNAVAILABLE protocol error)", code: codes::BACKEND_NOT_HTTP2, failing: format!("{HTTP_SERVICE}---\n{}", vs(ROUTE)), path: "spec.http[0].route[0].destination", passing: format!("{GRPC_SERVICE}---\n{}", vs(ROUTE)), options: no_options },
        Case { name: "backend port unnamed (UNAVAILABLE protocol error)", code: codes::BACKEND_NOT_HTTP2, failing: format!("{UNNAMED_SERVICE}---\n{}", vs(ROUTE)), path: "spec.http[0].route[0].destination", passing: format!("{APP_PROTOCOL_SERVICE}---\n{}", vs(ROUTE)), options: no_options },
        Case { name: "gateway not in input", code: codes::REFERENCED_RESOURCE_NOT_FOUND, failing: bound_vs.clone(), path: "spec.gateways[0]", passing: format!("{GATEWAY}---\n{bound_vs}"), options: no_options },
        Case { name: "host not served by gateway", code: codes::HOST_NOT_FOUND_IN_GATEWAY, failing: format!("{}---\n{bound_vs}", GATEWAY.replace("hosts: [grpc.example.com]", "hosts: [other.example.com]")), path: "spec.hosts", passing: format!("{}---\n{bound_vs}", GATEWAY.replace("hosts: [grpc.example.com]", "hosts: ['*.example.com']")), options: no_options },
        Case { name: "credential secret missing", code: codes::REFERENCED_RESOURCE_NOT_FOUND, failing: format!("{GATEWAY}---\n{}", secret("  other: x\n").replace("grpc-tls-credential", "unrelated")), path: "spec.servers[0].tls.credentialName", passing: format!("{GATEWAY}---\n{}", secret("  tls.crt: c\n  tls.key: k\n")), options: no_options },
        Case { name: "credential secret without tls.crt/tls.key", code: codes::INVALID_GATEWAY_CREDENTIAL, failing: format!("{GATEWAY}---\n{}", secret("  cert.pem: c\n")), path: "data", passing: format!("{GATEWAY}---\n{}", secret("  cert: c\n  key: k\n")), options: no_options },
        Case { name: "finite timeout on a streaming route", code: codes::STREAMING_TIMEOUT, failing: vs("  - match: [{uri: {prefix: /mypackage.FeedService}}]\n    route: [{destination: {host: feed}}]\n    timeout: 60s\n"), path: "spec.http[0].timeout", passing: vs("  - match: [{uri: {prefix: /mypackage.FeedService}}]\n    route: [{destination: {host: feed}}]\n  - route: [{destination: {host: unary}}]\n    timeout: 60s\n").replace("  - route: [{destination: {host: unary}}]", "  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: unary}}]"), options: streaming },
        Case { name: "streaming method reaching a later catch-all", code: codes::STREAMING_TIMEOUT, failing: vs("  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: user}}]\n  - route: [{destination: {host: all}}]\n    timeout: 60s\n"), path: "spec.http[1].timeout", passing: vs("  - match: [{uri: {prefix: /mypackage.FeedService}}]\n    route: [{destination: {host: feed}}]\n  - route: [{destination: {host: all}}]\n    timeout: 60s\n"), options: streaming },
        Case { name: "timeout 0s refused by the CRD", code: codes::ZERO_TIMEOUT, failing: vs("  - route: [{destination: {host: streaming-service}}]\n    timeout: 0s\n"), path: "spec.http[0].timeout", passing: vs("  - route: [{destination: {host: streaming-service}}]\n"), options: no_options },
        Case { name: "HTTP retry condition on a gRPC route", code: codes::HTTP_RETRY_ON_GRPC, failing: vs(&format!("{ROUTE}    retries: {{attempts: 3, retryOn: '5xx,unavailable'}}\n")), path: "spec.http[0].retries.retryOn", passing: vs(&format!("{ROUTE}    retries: {{attempts: 3, retryOn: 'unavailable,connect-failure'}}\n")), options: no_options },
        Case { name: "resource-exhausted in retryOn", code: codes::RETRY_STORM, failing: vs(&format!("{ROUTE}    retries: {{attempts: 3, retryOn: 'unavailable,resource-exhausted,internal'}}\n")), path: "spec.http[0].retries.retryOn", passing: vs(&format!("{ROUTE}    retries: {{attempts: 3, retryOn: 'unavailable,internal'}}\n")), options: no_options },
        Case { name: "perTryTimeout above timeout", code: codes::PER_TRY_ABOVE_TIMEOUT, failing: vs(&format!("{ROUTE}    timeout: 10s\n    retries: {{attempts: 3, perTryTimeout: 20s, retryOn: unavailable}}\n")), path: "spec.http[0].retries.perTryTimeout", passing: vs(&format!("{ROUTE}    timeout: 60s\n    retries: {{attempts: 3, perTryTimeout: 20s, retryOn: unavailable}}\n")), options: no_options },
        Case { name: "gRPC-Web route without filter or port", code: codes::GRPC_WEB_NOT_ENABLED, failing: web_route(cors_ok), path: "spec.http[0].match", passing: format!("{web_filter}---\n{}", web_route(cors_ok)), options: no_options },
        Case { name: "gRPC-Web CORS without grpc-status", code: codes::GRPC_WEB_CORS_HEADERS, failing: format!("{web_filter}---\n{}", web_route(cors_bad)), path: "spec.http[0].corsPolicy.exposeHeaders", passing: format!("{web_filter}---\n{}", web_route(cors_ok)), options: no_options },
        Case { name: "proxyless load balancer", code: codes::PROXYLESS_LOAD_BALANCER, failing: format!("{GRPC_SERVICE}---\n{proxyless}---\n{}", dr("    loadBalancer: {simple: RANDOM}\n")), path: "spec.trafficPolicy.loadBalancer.simple", passing: format!("{GRPC_SERVICE}---\n{proxyless}---\n{}", dr("    loadBalancer: {simple: ROUND_ROBIN}\n")), options: no_options },
        Case { name: "proxyless TLS mode", code: codes::PROXYLESS_TLS_MODE, failing: format!("{GRPC_SERVICE}---\n{proxyless}---\n{}", dr("    tls: {mode: SIMPLE}\n")), path: "spec.trafficPolicy.tls.mode", passing: format!("{GRPC_SERVICE}---\n{proxyless}---\n{}", dr("    tls: {mode: ISTIO_MUTUAL}\n")), options: no_options },
        Case { name: "proxyless PERMISSIVE", code: codes::PROXYLESS_PERMISSIVE, failing: format!("{proxyless}---\n{}", pa("PERMISSIVE")), path: "spec.mtls.mode", passing: format!("{proxyless}---\n{}", pa("STRICT")), options: no_options },
        Case { name: "route shadowed by a broader prefix", code: codes::UNREACHABLE_RULE, failing: vs("  - match: [{uri: {prefix: /mypackage}}]\n    route: [{destination: {host: a}}]\n  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: b}}]\n"), path: "spec.http[1]", passing: vs("  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: b}}]\n  - match: [{uri: {prefix: /mypackage}}]\n    route: [{destination: {host: a}}]\n"), options: no_options },
        Case { name: "two gateways claim host and port", code: codes::CONFLICTING_GATEWAYS, failing: format!("{GATEWAY}---\n{gateway2}"), path: "spec.servers", passing: format!("{GATEWAY}---\n{gateway2_other_host}"), options: no_options },
        Case { name: "invalid document", code: codes::INVALID_DOCUMENT, failing: vs(&format!("{ROUTE}    timout: 5s\n")), path: "spec.http[0].timout", passing: vs(&format!("{ROUTE}    timeout: 5s\n")), options: no_options },
        Case { name: "prefix without its slash captures another route's service", code: codes::PREFIX_CAPTURES_SERVICE, failing: vs("  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: user}}]\n  - match: [{uri: {prefix: /mypackage.UserServiceAdmin/}}]\n    route: [{destination: {host: admin}}]\n"), path: "spec.http[0].match[0].uri.prefix", passing: vs("  - match: [{uri: {prefix: /mypackage.UserService/}}]\n    route: [{destination: {host: user}}]\n  - match: [{uri: {prefix: /mypackage.UserServiceAdmin/}}]\n    route: [{destination: {host: admin}}]\n"), options: no_options },
        Case { name: "prefix without its slash captures a descriptor set's service", code: codes::PREFIX_CAPTURES_SERVICE, failing: vs("  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: user}}]\n"), path: "spec.http[0].match[0].uri.prefix", passing: vs("  - match: [{uri: {prefix: /mypackage.UserService/}}]\n    route: [{destination: {host: user}}]\n"), options: admin_service },
        Case { name: "two VirtualServices on one gateway host each with a catch-all", code: codes::UNREACHABLE_CATCH_ALL, failing: format!("{GATEWAY}---\n{}---\n{}", gw_vs("a-first", "  - route: [{destination: {host: a}}]\n"), gw_vs("b-second", "  - match: [{uri: {prefix: /pkg.B/}}]\n    route: [{destination: {host: b}}]\n  - route: [{destination: {host: b}}]\n")), path: "spec.http[1]", passing: format!("{GATEWAY}---\n{}---\n{}", gw_vs("a-first", "  - route: [{destination: {host: a}}]\n"), gw_vs("b-second", "  - match: [{uri: {prefix: /pkg.B/}}]\n    route: [{destination: {host: b}}]\n")), options: no_options },
        Case { name: "perTryTimeout whose timed-out attempt is not retried", code: codes::PER_TRY_TIMEOUT_NOT_RETRIED, failing: vs(&format!("{ROUTE}    retries: {{attempts: 3, perTryTimeout: 1s, retryOn: 'unavailable,cancelled'}}\n")), path: "spec.http[0].retries.perTryTimeout", passing: vs(&format!("{ROUTE}    retries: {{attempts: 3, perTryTimeout: 1s, retryOn: 'unavailable,cancelled,reset'}}\n")), options: no_options },
        Case { name: "perTryTimeout under Istio's default retryOn", code: codes::PER_TRY_TIMEOUT_NOT_RETRIED, failing: vs(&format!("{ROUTE}    retries: {{attempts: 3, perTryTimeout: 1s}}\n")), path: "spec.http[0].retries.perTryTimeout", passing: vs(&format!("{ROUTE}    retries: {{attempts: 3, perTryTimeout: 1s, retryOn: 'unavailable,gateway-error'}}\n")), options: no_options },
        Case { name: "a match an earlier rule's broader prefix takes (Istio's overlap rule)", code: codes::INEFFECTIVE_MATCH, failing: vs("  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: a}}]\n  - match: [{uri: {prefix: /api/v2}}, {uri: {prefix: /other}}]\n    route: [{destination: {host: b}}]\n"), path: "spec.http[1]", passing: vs("  - match: [{uri: {prefix: /api/v2}}, {uri: {prefix: /other}}]\n    route: [{destination: {host: b}}]\n  - match: [{uri: {prefix: /api}}]\n    route: [{destination: {host: a}}]\n"), options: no_options },
        Case { name: "a TCP rule whose every match an earlier rule has", code: codes::UNREACHABLE_RULE, failing: "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: tcp}\nspec:\n  hosts: [tcp.example.com]\n  tcp:\n  - match: [{port: 31400}]\n    route: [{destination: {host: a}}]\n  - match: [{port: 31400}]\n    route: [{destination: {host: b}}]\n".into(), path: "spec.tcp[1]", passing: "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: tcp}\nspec:\n  hosts: [tcp.example.com]\n  tcp:\n  - match: [{port: 31400}]\n    route: [{destination: {host: a}}]\n  - match: [{port: 31401}]\n    route: [{destination: {host: b}}]\n".into(), options: no_options },
        Case { name: "two mesh VirtualServices for one host", code: codes::CONFLICTING_MESH_GATEWAY_HOSTS, failing: format!("{}---\n{}", mesh_vs("a", "ratings"), mesh_vs("b", "ratings.default.svc.cluster.local")), path: "spec.hosts", passing: format!("{}---\n{}", mesh_vs("a", "ratings"), mesh_vs("b", "reviews")), options: no_options },
        Case { name: "DestinationRule TLS without caCertificates", code: codes::NO_CERT_VERIFICATION_DESTINATION, failing: dr_tls("  trafficPolicy:\n    tls: {mode: SIMPLE}\n"), path: "spec.trafficPolicy.tls", passing: dr_tls("  trafficPolicy:\n    tls: {mode: SIMPLE, caCertificates: /etc/certs/ca.pem}\n"), options: no_options },
        Case { name: "port-level DestinationRule TLS without caCertificates", code: codes::NO_CERT_VERIFICATION_PORT, failing: dr_tls("  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: MUTUAL, clientCertificate: /c.pem, privateKey: /k.pem}\n"), path: "spec.trafficPolicy.portLevelSettings[0].tls", passing: dr_tls("  workloadSelector: {matchLabels: {app: db}}\n  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: MUTUAL, credentialName: db-credential}\n"), options: no_options },
        Case { name: "negative status condition", code: codes::NEGATIVE_CONDITION, failing: format!("{GRPC_SERVICE}status:\n  conditions:\n  - {{type: istio.io/WaypointBound, status: 'False', reason: NotFound, message: waypoint missing, lastTransitionTime: '2024-01-01T00:00:00Z'}}\n"), path: "status.conditions[0]", passing: format!("{GRPC_SERVICE}status:\n  conditions:\n  - {{type: argocd.argoproj.io/Synced, status: 'False', reason: r, message: m, lastTransitionTime: '2024-01-01T00:00:00Z'}}\n  - {{type: istio.io/WaypointBound, status: 'True', reason: r, message: m, lastTransitionTime: '2024-01-01T00:00:00Z'}}\n"), options: no_options },
        Case { name: "two Sidecars select one pod", code: codes::CONFLICTING_SIDECAR_SELECTORS, failing: format!("{POD}---\n{}---\n{}", sidecar("a", "{app: grpc}"), sidecar("b", "{tier: backend}")), path: "spec.workloadSelector", passing: format!("{POD}---\n{}---\n{}", sidecar("a", "{app: grpc}"), sidecar("b", "{tier: frontend}")), options: no_options },
        Case { name: "a Sidecar selector that selects no pod", code: codes::REFERENCED_RESOURCE_NOT_FOUND, failing: format!("{POD}---\n{}", sidecar("a", "{app: bogus}")), path: "spec.workloadSelector.labels", passing: format!("{POD}---\n{}", sidecar("a", "{app: grpc}")), options: no_options },
        Case { name: "two Sidecars without selector in one namespace", code: codes::MULTIPLE_SIDECARS_WITHOUT_SELECTOR, failing: format!("{}---\n{}", sidecar("a", "{}"), sidecar("b", "{}")), path: "spec", passing: format!("{}---\n{}", sidecar("a", "{}"), sidecar("b", "{app: grpc}")), options: no_options },
        Case { name: "two Gateways on one workload with one certificate", code: codes::GATEWAY_DUPLICATE_CERTIFICATE, failing: format!("{GATEWAY}---\n{}", GATEWAY.replace("name: grpc-gateway", "name: web-gateway").replace("hosts: [grpc.example.com]", "hosts: [web.example.com]")), path: "metadata.name", passing: format!("{GATEWAY}---\n{}", GATEWAY.replace("name: grpc-gateway", "name: web-gateway").replace("hosts: [grpc.example.com]", "hosts: [web.example.com]").replace("credentialName: grpc-tls-credential", "credentialName: web-tls-credential")), options: no_options },
        Case { name: "a Gateway port its workload's Service does not target", code: codes::GATEWAY_PORT_NOT_ON_SERVICE, failing: format!("{GATEWAY}---\n{INGRESS_POD}---\n{}", ingress_service(8080)), path: "spec.servers[0].port.number", passing: format!("{GATEWAY}---\n{INGRESS_POD}---\n{}", ingress_service(443)), options: no_options },
        Case { name: "a Gateway selector that selects no workload", code: codes::REFERENCED_RESOURCE_NOT_FOUND, failing: format!("{}---\n{INGRESS_POD}---\n{}", GATEWAY.replace("istio: ingressgateway", "istio: ingresstypo"), ingress_service(443)), path: "spec.selector", passing: format!("{GATEWAY}---\n{INGRESS_POD}---\n{}", ingress_service(443)), options: no_options },
        Case { name: "a route to a subset its host's DestinationRule lacks", code: codes::REFERENCED_RESOURCE_NOT_FOUND, failing: format!("{}---\n{}", subset_dr("v1"), vs("  - route: [{destination: {host: reviews, subset: v2}}]\n")), path: "spec.http[0].route[0].destination.subset", passing: format!("{}---\n{}", subset_dr("v2"), vs("  - route: [{destination: {host: reviews, subset: v2}}]\n")), options: no_options },
        Case { name: "a port name outside Istio's convention", code: codes::PORT_NAME_CONVENTION, failing: GRPC_SERVICE.replace("name: grpc, port", "name: api, port"), path: "spec.ports[0]", passing: GRPC_SERVICE.into(), options: no_options },
        Case { name: "a relative EnvoyFilter patch without priority", code: codes::ENVOY_FILTER_RELATIVE_OPERATION, failing: web_filter.into(), path: "spec.configPatches[0]", passing: web_filter.replace("spec:\n", "spec:\n  priority: 10\n"), options: no_options },
        Case { name: "an ADD patch on an HTTP route", code: codes::ENVOY_FILTER_ADD_INCORRECT, failing: web_filter.replace("applyTo: HTTP_FILTER", "applyTo: HTTP_ROUTE").replace("operation: INSERT_BEFORE", "operation: ADD"), path: "spec.configPatches[0]", passing: web_filter.replace("operation: INSERT_BEFORE", "operation: INSERT_FIRST"), options: no_options },
        Case { name: "a relative patch on a filter patched under a proxyVersion match", code: codes::ENVOY_FILTER_RELATIVE_WITH_PROXY_VERSION, failing: format!("{}---\n{}", web_filter.replace("context: GATEWAY\n", "context: GATEWAY\n      proxy: {proxyVersion: '^1\\.2.*'}\n").replace("name: grpc-web-filter", "name: a"), web_filter.replace("name: grpc-web-filter", "name: b")), path: "spec.configPatches[0]", passing: format!("{}---\n{}", web_filter.replace("context: GATEWAY\n", "context: GATEWAY\n      proxy: {proxyVersion: '^1\\.2.*'}\n").replace("name: grpc-web-filter", "name: a"), web_filter.replace("name: grpc-web-filter", "name: b").replace("spec:\n", "spec:\n  priority: 10\n")), options: no_options },
        Case { name: "a ServiceEntry TCP port without addresses", code: codes::SERVICE_ENTRY_ADDRESSES_REQUIRED, failing: service_entry("  ports: [{number: 5432, name: pg, protocol: TCP}]\n"), path: "spec.ports[0]", passing: service_entry("  addresses: [240.0.0.10]\n  ports: [{number: 5432, name: pg, protocol: TCP}]\n"), options: no_options },
        Case { name: "a DestinationRule for a host nothing defines", code: codes::UNKNOWN_DESTINATION_RULE_HOST, failing: subset_dr("v1"), path: "spec.host", passing: format!("{}---\n{}", subset_dr("v1"), GRPC_SERVICE.replace("grpc-service", "reviews")), options: no_options },
        Case { name: "a DestinationRule subset that selects no pod", code: codes::SUBSET_SELECTS_NO_POD, failing: format!("{}---\n{}---\n{POD}", subset_dr("v1"), GRPC_SERVICE.replace("grpc-service", "reviews")), path: "spec.subsets[0]", passing: format!("{}---\n{}---\n{}", subset_dr("v1"), GRPC_SERVICE.replace("grpc-service", "reviews"), POD.replace("tier: backend", "tier: backend, version: v1")), options: no_options },
        Case { name: "a VirtualService bound to a generated Gateway", code: codes::REFERENCED_INTERNAL_GATEWAY, failing: bound_vs.replace("gateways: [grpc-gateway]", "gateways: ['istio-ingress/gateway~istio-autogenerated-k8s-gateway~grpc']"), path: "spec.gateways[0]", passing: format!("{K8S_GATEWAY}---\n{}", bound_vs.replace("gateways: [grpc-gateway]", "gateways: [infra/grpc-gateway]")), options: no_options },
        Case { name: "a host no Gateway API listener serves", code: codes::HOST_NOT_FOUND_IN_GATEWAY, failing: format!("{}---\n{}", K8S_GATEWAY.replace("hostname: grpc.example.com", "hostname: web.example.com"), bound_vs.replace("gateways: [grpc-gateway]", "gateways: [infra/grpc-gateway]")), path: "spec.hosts", passing: format!("{K8S_GATEWAY}---\n{}", bound_vs.replace("gateways: [grpc-gateway]", "gateways: [infra/grpc-gateway]")), options: no_options },
        Case { name: "one port, two protocols, for one Deployment", code: codes::DEPLOYMENT_MULTIPLE_SERVICES, failing: format!("{DEPLOYMENT}---\n{GRPC_SERVICE}---\n{}", GRPC_SERVICE.replace("name: grpc-service", "name: grpc-udp").replace("{name: grpc, port: 50051}", "{name: udp, port: 50051, protocol: UDP}")), path: "metadata.name", passing: format!("{DEPLOYMENT}---\n{GRPC_SERVICE}---\n{}", GRPC_SERVICE.replace("name: grpc-service", "name: grpc-udp").replace("{name: grpc, port: 50051}", "{name: udp, port: 50052, protocol: UDP}")), options: no_options },
        Case { name: "one targetPort from two ports, for one Deployment", code: codes::DEPLOYMENT_CONFLICTING_PORTS, failing: format!("{DEPLOYMENT}---\n{GRPC_SERVICE}---\n{}", GRPC_SERVICE.replace("name: grpc-service", "name: grpc-alt").replace("{name: grpc, port: 50051}", "{name: grpc, port: 443, targetPort: 50051}")), path: "metadata.name", passing: format!("{DEPLOYMENT}---\n{GRPC_SERVICE}---\n{}", GRPC_SERVICE.replace("name: grpc-service", "name: grpc-alt")), options: no_options },
        Case { name: "a deprecated fault delay percent", code: codes::DEPRECATED, failing: vs("  - fault: {delay: {percent: 50, fixedDelay: 5s}}\n    route: [{destination: {host: a}}]\n"), path: "spec.http[0].fault.delay.percent", passing: vs("  - fault: {delay: {percentage: {value: 50}, fixedDelay: 5s}}\n    route: [{destination: {host: a}}]\n"), options: no_options },
        Case { name: "a gateway route that bypasses another VirtualService's subsets", code: codes::INGRESS_ROUTE_RULES_NOT_AFFECTED, failing: format!("{GATEWAY}---\n{}---\n{}", mesh_vs("canary", "reviews").replace("{destination: {host: reviews}}", "{destination: {host: reviews, subset: v2}}"), bound_vs.replace("host: grpc-service", "host: reviews")), path: "spec.http[0].route[0].destination", passing: format!("{GATEWAY}---\n{}---\n{}", mesh_vs("canary", "reviews").replace("{destination: {host: reviews}}", "{destination: {host: reviews, subset: v2}}"), bound_vs.replace("host: grpc-service", "host: reviews, subset: v2")), options: no_options },
        Case { name: "a portLevelMtls key that is not a port", code: codes::SCHEMA_VALIDATION_ERROR, failing: pa("STRICT").replace("mtls: {mode: STRICT}", "portLevelMtls: {acd: {mode: STRICT}}"), path: "spec.portLevelMtls.acd", passing: pa("STRICT").replace("mtls: {mode: STRICT}", "portLevelMtls: {'8080': {mode: STRICT}}"), options: no_options },
        Case { name: "outlier detection that can eject no pod of three", code: codes::OUTLIER_EJECTS_NOTHING, failing: format!("{}---\n{GRPC_SERVICE}---\n{}", dr("    outlierDetection: {consecutiveGatewayErrors: 3, consecutive5xxErrors: 0}\n"), DEPLOYMENT.replace("spec:\n  selector", "spec:\n  replicas: 3\n  selector")), path: "spec.trafficPolicy.outlierDetection", passing: format!("{}---\n{GRPC_SERVICE}---\n{}", dr("    outlierDetection: {consecutiveGatewayErrors: 3, consecutive5xxErrors: 0, maxEjectionPercent: 50}\n"), DEPLOYMENT.replace("spec:\n  selector", "spec:\n  replicas: 3\n  selector")), options: no_options },
        Case { name: "consecutiveGatewayErrors the 5xx counter always beats", code: codes::OUTLIER_GATEWAY_NEVER_ACTS, failing: dr("    outlierDetection: {consecutiveGatewayErrors: 7, maxEjectionPercent: 50}\n"), path: "spec.trafficPolicy.outlierDetection.consecutiveGatewayErrors", passing: dr("    outlierDetection: {consecutiveGatewayErrors: 7, consecutive5xxErrors: 0, maxEjectionPercent: 50}\n"), options: no_options },
        Case { name: "unchecked kind", code: codes::UNCHECKED_KIND, failing: "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c}\nspec: {secretName: c}\n".into(), path: "", passing: GRPC_SERVICE.into(), options: no_options },
    ]
    .into_iter()
    .chain(gateway_api::cases())
    .collect()
}

#[test]
fn each_check_has_a_failing_and_a_passing_manifest() {
    let mut failures = Vec::new();
    let cases = cases();
    for case in &cases {
        let options = (case.options)();
        let failing = run(&case.failing, &options);
        match failing.diagnostics().iter().find(|d| d.code == case.code) {
            None => failures.push(format!(
                "{}: expected {} in {:?}",
                case.name,
                case.code,
                failing.diagnostics()
            )),
            Some(d) => {
                if d.path != case.path {
                    failures.push(format!(
                        "{}: path {:?}, expected {:?}",
                        case.name, d.path, case.path
                    ));
                }
                if d.file.is_none() || d.location.is_none() {
                    failures.push(format!("{}: no file:line: {d}", case.name));
                }
                if d.severity != case.code.severity && case.code != codes::SCHEMA_VALIDATION_ERROR {
                    failures.push(format!("{}: severity {}", case.name, d.severity));
                }
            }
        }
        let passing = run(&case.passing, &options);
        // a passing manifest that does not even read proves nothing
        if passing
            .diagnostics()
            .iter()
            .any(|d| d.code == codes::INVALID_DOCUMENT || d.code == codes::UNUSABLE_INPUT)
        {
            failures.push(format!(
                "{}: passing manifest does not read: {:?}",
                case.name,
                passing.diagnostics()
            ));
        }
        if passing.diagnostics().iter().any(|d| d.code == case.code) {
            failures.push(format!(
                "{}: passing manifest flagged: {:?}",
                case.name,
                passing.diagnostics()
            ));
        }
    }
    // every code but the unusable-input and CRD ones has a case here (those are tested below)
    for code in codes::ALL {
        let covered = cases.iter().any(|c| c.code == *code)
            || [codes::UNUSABLE_INPUT, codes::SCHEMA_VALIDATION_ERROR].contains(code);
        assert!(covered, "no case for {code}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_http1_backend_case_says_what_clients_see_where_and_how_to_fix() {
    let report = run(
        &format!("{HTTP_SERVICE}---\n{}", vs(ROUTE)),
        &Options::default(),
    );
    let d = report
        .diagnostics()
        .iter()
        .find(|d| d.code == codes::BACKEND_NOT_HTTP2)
        .expect("caught");
    let text = d.to_string();
    assert!(text.starts_with("case.yaml:16  error  GRPC001  VirtualService default/grpc-vs: spec.http[0].route[0].destination: port 50051 of Service default/grpc-service is named \"http\""), "{text}");
    assert!(
        text.contains("UNAVAILABLE: upstream connect error or disconnect/reset before headers. reset reason: protocol error")
            && !text.contains("RST_STREAM")
            && text.contains("fix: name the port \"grpc\""),
        "{text}"
    );
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn unusable_input_is_reported_and_the_rest_still_checked() {
    let report = run(
        &format!("key: [unclosed\n---\n{HTTP_SERVICE}---\n{}", vs(ROUTE)),
        &Options::default(),
    );
    assert!(
        codes_of(&report).contains(&"GRPC013"),
        "{:?}",
        report.diagnostics()
    );
    assert!(
        codes_of(&report).contains(&"GRPC001"),
        "{:?}",
        report.diagnostics()
    );
    assert_eq!(report.exit_code(), 2);
    let empty = run("", &Options::default());
    assert_eq!(empty.exit_code(), 2);
    assert!(empty.diagnostics()[0].message.contains("no documents"));
}

#[test]
fn crd_schema_and_cel_checks_when_crds_are_given() {
    let Some(istio) = crate::support::istio_dir() else {
        return;
    };
    let crds = istio_grpc_analyze::CrdSet::from_yaml(
        &std::fs::read_to_string(istio.join("crds/crd-all.gen.yaml")).expect("read"),
    )
    .expect("CRDs load");
    let options = Options::default().crds(crds);
    // a CEL rule (durations >= 1ms) and a structural one (enum)
    let bad = run(
        &vs("  - route: [{destination: {host: s}}]\n    timeout: 0s\n"),
        &options,
    );
    let d = bad
        .diagnostics()
        .iter()
        .find(|d| d.code == codes::SCHEMA_VALIDATION_ERROR)
        .unwrap_or_else(|| panic!("{:?}", bad.diagnostics()));
    assert_eq!(d.path, "spec.http[0].timeout", "{d}");
    assert!(d.message.contains("greater than 1ms"), "{d}");
    assert_eq!(d.location.map(|l| l.line), Some(8), "{d}");
    let bad = run(
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n  - hosts: [a.example.com]\n",
        &options,
    );
    let d = bad
        .diagnostics()
        .iter()
        .find(|d| d.code == codes::SCHEMA_VALIDATION_ERROR)
        .unwrap_or_else(|| panic!("{:?}", bad.diagnostics()));
    assert!(
        d.path.starts_with("spec.servers[0]") && d.message.contains("port"),
        "{d}"
    );
    let good = run(&vs(ROUTE), &options);
    assert!(
        !codes_of(&good).contains(&"IST0106"),
        "{:?}",
        good.diagnostics()
    );
}

#[test]
fn a_timeout_cutting_a_stream_says_rst_stream() {
    let report = run(
        &vs(
            "  - match: [{uri: {prefix: /mypackage.FeedService/}}]\n    route: [{destination: {host: feed}}]\n    timeout: 2s\n",
        ),
        &streaming(),
    );
    let d = report
        .diagnostics()
        .iter()
        .find(|d| d.code == codes::STREAMING_TIMEOUT)
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics()));
    assert!(
        d.message
            .contains("INTERNAL: stream terminated by RST_STREAM with error code: INTERNAL_ERROR"),
        "{d}"
    );
}

#[test]
fn a_prefix_capture_names_the_service_and_the_fix() {
    let report = run(
        &vs(
            "  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: user}}]\n",
        ),
        &admin_service(),
    );
    let d = report
        .diagnostics()
        .iter()
        .find(|d| d.code == codes::PREFIX_CAPTURES_SERVICE)
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics()));
    assert!(
        d.message
            .contains("mypackage.UserServiceAdmin (/mypackage.UserServiceAdmin/"),
        "{d}"
    );
    assert_eq!(d.fix.as_deref(), Some("prefix: /mypackage.UserService/"));
    // a package-wide prefix is deliberate, and a lone service has nothing to capture
    for quiet in [
        "  - match: [{uri: {prefix: /mypackage}}]\n    route: [{destination: {host: user}}]\n",
        "  - match: [{uri: {prefix: /other.Service}}]\n    route: [{destination: {host: user}}]\n",
    ] {
        let report = run(&vs(quiet), &admin_service());
        assert!(
            !codes_of(&report).contains(&codes::PREFIX_CAPTURES_SERVICE.id),
            "{quiet}: {:?}",
            report.diagnostics()
        );
    }
}

#[test]
fn a_route_to_a_declared_service_is_grpc_even_without_a_package() {
    // `/Greeter` alone is not taken for gRPC (REST paths look like it) unless declared
    let yaml = format!(
        "{HTTP_SERVICE}---\n{}",
        vs("  - match: [{uri: {prefix: /Greeter/}}]\n    route: [{destination: {host: api, port: {number: 50051}}}]\n")
            .replace("name: grpc-vs", "name: web")
    )
    .replace("grpc-service", "api");
    assert!(!codes_of(&run(&yaml, &Options::default())).contains(&"GRPC001"));
    let declared = Options::default().grpc_services(["Greeter"]);
    assert!(codes_of(&run(&yaml, &declared)).contains(&"GRPC001"));
}

#[test]
fn the_oldest_catch_all_wins_and_is_named() {
    // b-second is older by creationTimestamp (as read back from a cluster), so it wins
    let yaml = format!(
        "{GATEWAY}---\n{}---\n{}",
        gw_vs("a-first", "  - route: [{destination: {host: a}}]\n"),
        gw_vs("b-second", "  - route: [{destination: {host: b}}]\n").replace(
            "metadata: {name: b-second}",
            "metadata: {name: b-second, creationTimestamp: '2024-01-01T00:00:00Z'}"
        ),
    );
    let report = run(&yaml, &Options::default());
    let found: Vec<_> = report
        .diagnostics()
        .iter()
        .filter(|d| d.code == codes::UNREACHABLE_CATCH_ALL)
        .collect();
    assert_eq!(found.len(), 1, "{:?}", report.diagnostics());
    let d = found[0];
    assert_eq!(
        d.resource.as_ref().map(|r| r.name.as_str()),
        Some("a-first")
    );
    assert!(
        d.message.contains(
            "host grpc.example.com on Gateway default/grpc-gateway: VirtualService default/b-second (spec.http[0]) wins"
        ),
        "{d}"
    );
    // bound only to the mesh: sidecars do not merge them this way
    let mesh = yaml.replace("gateways: [grpc-gateway]", "gateways: [mesh]");
    assert!(!codes_of(&run(&mesh, &Options::default())).contains(&codes::UNREACHABLE_CATCH_ALL.id));
}

#[test]
fn a_per_try_timeout_finding_says_what_the_client_sees_and_the_fix() {
    let report = run(
        &vs(&format!(
            "{ROUTE}    retries: {{attempts: 3, perTryTimeout: 1s, retryOn: unavailable}}\n"
        )),
        &Options::default(),
    );
    let d = report
        .diagnostics()
        .iter()
        .find(|d| d.code == codes::PER_TRY_TIMEOUT_NOT_RETRIED)
        .unwrap_or_else(|| panic!("{:?}", report.diagnostics()));
    assert!(
        d.message.contains("UNAVAILABLE: upstream request timeout"),
        "{d}"
    );
    assert_eq!(
        d.fix.as_deref(),
        Some("retryOn: unavailable,reset,cancelled,deadline-exceeded")
    );
    // attempts: 0 disables retries altogether: nothing to retry
    let off = run(
        &vs(&format!(
            "{ROUTE}    retries: {{attempts: 0, perTryTimeout: 1s}}\n"
        )),
        &Options::default(),
    );
    assert!(!codes_of(&off).contains(&codes::PER_TRY_TIMEOUT_NOT_RETRIED.id));
}

/// Istio's CRDs from the reference data, or `None` (the test says it skipped).
fn istio_crds() -> Option<istio_grpc_analyze::CrdSet> {
    let istio = crate::support::istio_dir()?;
    Some(
        istio_grpc_analyze::CrdSet::from_yaml(
            &std::fs::read_to_string(istio.join("crds/crd-all.gen.yaml")).expect("read"),
        )
        .expect("CRDs load"),
    )
}

#[test]
fn other_groups_kubernetes_and_unknown_crds_mixed_with_istio_give_no_error() {
    let Some(crds) = istio_crds() else { return };
    let options = Options::default().crds(crds);
    let yaml = format!(
        "{GATEWAY}---\n{}---\n{GRPC_SERVICE}---\n{}",
        vs(ROUTE),
        r#"apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: grpc-gateway, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
  - {name: https, port: 443, protocol: HTTPS, hostname: grpc.example.com, tls: {mode: Terminate, certificateRefs: [{name: grpc-cert}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: users, namespace: infra}
spec:
  parentRefs: [{name: grpc-gateway}]
  rules:
  - matches: [{method: {service: mypackage.UserService}}]
    backendRefs: [{name: grpc-service, port: 50051}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {k: v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: grpc}
spec:
  selector: {matchLabels: {app: grpc}}
  template:
    metadata: {labels: {app: grpc}}
    spec:
      containers: [{name: app, image: app}]
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: grpc-cert, namespace: infra}
spec: {secretName: grpc-cert, dnsNames: [grpc.example.com], issuerRef: {name: letsencrypt}}
"#
    );
    let report = run(&yaml, &options);
    let errors: Vec<String> = report
        .diagnostics()
        .iter()
        .filter(|d| d.severity == istio_grpc_analyze::Severity::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // each kind nothing checks says so, naming its group
    let unchecked: Vec<&str> = report
        .diagnostics()
        .iter()
        .filter(|d| d.code == codes::UNCHECKED_KIND)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        unchecked
            .iter()
            .any(|m| m.starts_with("cert-manager.io/v1 Certificate is not checked")),
        "{unchecked:?}"
    );
    // the Gateway API kinds are typed and checked (gateway_api.rs), not "unchecked"
    assert!(
        !unchecked
            .iter()
            .any(|m| m.contains("gateway.networking.k8s.io")),
        "{unchecked:?}"
    );
    // the same Gateway API Gateway, written with an Istio-only field, is still not Istio's:
    // Istio's CRD would refuse `listeners` and want `servers`
    assert!(
        !report
            .diagnostics()
            .iter()
            .any(|d| d.code == codes::SCHEMA_VALIDATION_ERROR)
    );
}

#[test]
fn the_crd_check_sees_the_values_the_types_read() {
    let Some(crds) = istio_crds() else { return };
    let options = Options::default().crds(crds);
    // `001:db8::` is a one-key mapping for a YAML 1.1 reader, the string `001:db8::` for Kubernetes
    let entry = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ext}\nspec:\n  hosts: [ext.example.com]\n  addresses: [1.2.3.4, 001:db8::]\n  ports: [{number: 443, name: https, protocol: HTTPS}]\n  resolution: STATIC\n  endpoints: [{address: 1.2.3.4}]\n";
    let report = run(entry, &options);
    assert!(
        !report
            .diagnostics()
            .iter()
            .any(|d| d.severity == istio_grpc_analyze::Severity::Error),
        "{:#?}",
        report.diagnostics()
    );
    // and a real schema error in the same object is still found
    let bad = run(
        &entry.replace("resolution: STATIC", "resolution: SOMETIMES"),
        &options,
    );
    assert!(
        bad.diagnostics()
            .iter()
            .any(|d| d.severity == istio_grpc_analyze::Severity::Error),
        "{:#?}",
        bad.diagnostics()
    );
}

/// GRPC022 counts the pods behind the host (Deployment `replicas`, 1 when unset) and says so;
/// without workloads in the input it reports only an unset share, as a condition; GRPC023
/// names the mapping of gRPC statuses to the counters.
#[test]
fn outlier_findings_count_the_pods_and_name_the_grpc_statuses() {
    let dr = |od: &str| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {{name: grpc-dr}}\nspec:\n  host: grpc-service\n  trafficPolicy:\n    outlierDetection: {od}\n"
        )
    };
    let deployment = |replicas: &str| {
        DEPLOYMENT.replace("spec:\n  selector", &format!("spec:\n{replicas}  selector"))
    };
    let messages = |text: &str| -> Vec<String> {
        run(text, &no_options())
            .diagnostics()
            .iter()
            .filter(|d| {
                d.code == codes::OUTLIER_EJECTS_NOTHING
                    || d.code == codes::OUTLIER_GATEWAY_NEVER_ACTS
            })
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect()
    };
    // one pod (replicas unset) at 50 %: 100 % for one pod does not fit
    assert_eq!(
        messages(&format!(
            "{}---\n{GRPC_SERVICE}---\n{}",
            dr("{consecutive5xxErrors: 3, maxEjectionPercent: 50}"),
            deployment("")
        )),
        [
            "GRPC022: maxEjectionPercent 50 ejects no pod of the 1 the host's Service selects: Envoy ejects a pod only while the ejected pods, it included, stay within the share (100 % for one), so a failing pod keeps taking calls"
        ]
    );
    // ten pods at Istio's default 10 %: one fits
    assert!(
        messages(&format!(
            "{}---\n{GRPC_SERVICE}---\n{}",
            dr("{consecutive5xxErrors: 3}"),
            deployment("  replicas: 10\n")
        ))
        .is_empty()
    );
    // no workload in the input: only the unset share, as a condition
    assert_eq!(
        messages(&dr("{consecutive5xxErrors: 3}")),
        [
            "GRPC022: without maxEjectionPercent, Istio's default 10 % ejects no pod unless the backend runs at least 10: Envoy ejects a pod only while the ejected pods, it included, stay within the share, so on a smaller backend a failing pod keeps taking calls"
        ]
    );
    assert!(messages(&dr("{consecutive5xxErrors: 3, maxEjectionPercent: 20}")).is_empty());
    // ejection turned off: nothing to say
    assert!(messages(&dr("{consecutive5xxErrors: 0}")).is_empty());
    assert_eq!(
        messages(&dr(
            "{consecutiveGatewayErrors: 5, maxEjectionPercent: 100}"
        )),
        [
            "GRPC023: consecutiveGatewayErrors 5 never ejects a pod: Envoy counts UNAVAILABLE (503) and DEADLINE_EXCEEDED (504) as 5xx too, so consecutive5xxErrors (unset: 5) ejects the pod first, on INTERNAL and UNKNOWN failures as well"
        ]
    );
    assert!(
        messages(&dr(
            "{consecutiveGatewayErrors: 4, maxEjectionPercent: 100}"
        ))
        .is_empty()
    );
}

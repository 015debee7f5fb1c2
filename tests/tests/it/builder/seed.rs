//! The seed article's YAML, compared as values with what the builder writes.
//!
//! The article lost its YAML indentation; the documents below are transcribed faithfully with
//! their indentation restored. The one deliberate change: the streaming example's apiVersion
//! `networking.rypt.io/v1` (a typo in the article) is written `networking.istio.io/v1`.
//! Durations are compared in Istio's canonical form (`24h` = `86400s`).
//!
//! One seed configuration breaks: the streaming route's `timeout: 0s` is refused by the
//! VirtualService CRD (`duration(self) >= duration('1ms')`, in `crd-all.gen.yaml` and the 1.30.3
//! release) and by Istio's webhook (`ValidateDuration`). The builder writes the same meaning,
//! "no timeout" (Istio's default, disabled); `streaming_zero_timeout_is_refused_by_the_crd`
//! shows why.
//!
//! Three more deviations are deliberate, because the seed's YAML breaks live traffic through a
//! real Envoy (each is applied to the seed's value below, by the function that names it):
//! * service prefixes end in `/` (`prefix: /mypackage.UserService/`): Istio writes a plain
//!   Envoy `prefix`, so the seed's `/mypackage.UserService` also takes
//!   `/mypackage.UserServiceAdmin/…` ([`service_prefixes_end_in_a_slash`]);
//! * a per-try timeout comes with `reset` in `retryOn`: with gRPC conditions alone Envoy does
//!   not retry a try that timed out, so the seed's `perTryTimeout: 20s` gave one 20 s try
//!   ([`per_try_timeouts_retry_on_reset`]);
//! * gRPC-Web's CORS policy sits on the backend's own route, not on a route matched by
//!   `content-type: application/grpc-web`: a browser's preflight carries no `content-type`,
//!   so with the seed's route it never met the policy ([`cors_on_the_backends_route`]).

use serde_json::Value;

use super::built;
use istio_grpc_examples as ex;
use istio_grpc_types::Object;

const GATEWAY_TLS: &str = r#"
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: grpc-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    hosts:
    - "grpc.example.com"
    tls:
      mode: SIMPLE
      credentialName: grpc-tls-credential
"#;

/// What `kubectl create secret tls grpc-tls-credential --cert=… --key=… -n istio-system`
/// creates (data elided: it is the files' content).
const SECRET: &str = r#"
apiVersion: v1
kind: Secret
metadata:
  name: grpc-tls-credential
  namespace: istio-system
type: kubernetes.io/tls
"#;

const GRPC_VS: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: grpc-vs
spec:
  hosts:
  - "grpc.example.com"
  gateways:
  - grpc-gateway
  http:
  - route:
    - destination:
        host: grpc-service
        port:
          number: 50051
"#;

const GRPC_ROUTING: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: grpc-routing
spec:
  hosts:
  - "grpc.example.com"
  gateways:
  - grpc-gateway
  http:
  - match:
    - uri:
        prefix: /mypackage.UserService
    route:
    - destination:
        host: user-grpc-service
        port:
          number: 50051
  - match:
    - uri:
        prefix: /mypackage.OrderService
    route:
    - destination:
        host: order-grpc-service
        port:
          number: 50051
  - match:
    - uri:
        prefix: /grpc.health.v1.Health
    route:
    - destination:
        host: user-grpc-service
        port:
          number: 50051
"#;

const GRPC_STREAMING: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: grpc-streaming
spec:
  hosts:
  - "grpc.example.com"
  gateways:
  - grpc-gateway
  http:
  - route:
    - destination:
        host: streaming-service
        port:
          number: 50051
    timeout: 0s
"#;

const GRPC_RESILIENCE: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: grpc-resilience
spec:
  hosts:
  - "grpc.example.com"
  gateways:
  - grpc-gateway
  http:
  - route:
    - destination:
        host: grpc-service
        port:
          number: 50051
    timeout: 60s
    retries:
      attempts: 3
      perTryTimeout: 20s
      retryOn: unavailable,resource-exhausted,internal
"#;

const PROXYLESS_ANNOTATIONS: &str = r#"
annotations:
  inject.istio.io/templates: grpc-agent
  proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
"#;

const GRPC_WEB_FILTER: &str = r#"
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: grpc-web-filter
  namespace: istio-system
spec:
  workloadSelector:
    labels:
      istio: ingressgateway
  configPatches:
  - applyTo: HTTP_FILTER
    match:
      context: GATEWAY
      listener:
        filterChain:
          filter:
            name: envoy.filters.network.http_connection_manager
            subFilter:
              name: envoy.filters.http.router
    patch:
      operation: INSERT_BEFORE
      value:
        name: envoy.filters.http.grpc_web
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb
"#;

const GRPC_WEB_VS: &str = r#"
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: grpc-web-vs
spec:
  hosts:
  - "grpc.example.com"
  gateways:
  - grpc-gateway
  http:
  - match:
    - headers:
        content-type:
          prefix: application/grpc-web
    corsPolicy:
      allowOrigins:
      - exact: "https://myapp.example.com"
      allowMethods:
      - POST
      allowHeaders:
      - content-type
      - grpc-timeout
      - x-grpc-web
      - x-user-agent
      exposeHeaders:
      - grpc-status
      - grpc-message
      - grpc-status-details-bin
      maxAge: "24h"
    route:
    - destination:
        host: grpc-service
        port:
          number: 50051
"#;

const GRPCURL_TLS: &str = r#"grpcurl -d '{"name": "World"}' \
-authority grpc.example.com \
$GATEWAY_IP:443 \
mypackage.Greeter/SayHello"#;

const GRPCURL_H2C: &str = r#"grpcurl -plaintext -d '{"name": "World"}' \
-authority grpc.example.com \
$GATEWAY_IP:80 \
mypackage.Greeter/SayHello"#;

const DURATION_KEYS: [&str; 3] = ["timeout", "perTryTimeout", "maxAge"];

/// Durations in Istio's canonical spelling, so `24h` equals `86400s`.
fn canonical(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if DURATION_KEYS.contains(&k.as_str())
                    && let Value::String(s) = v
                {
                    let d: istio_grpc_types::Duration =
                        s.parse().unwrap_or_else(|e| panic!("duration {s:?}: {e}"));
                    *s = d.to_string();
                } else {
                    canonical(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(canonical),
        _ => {}
    }
}

fn seed_value(yaml: &str) -> Value {
    let mut v: Value = serde_yaml::from_str(yaml).expect("the transcribed seed YAML parses");
    canonical(&mut v);
    v
}

fn value_of(object: &Object) -> Value {
    let mut v = object.to_json().expect("json");
    canonical(&mut v);
    v
}

fn find<'a>(objects: &'a [Object], kind: &str) -> &'a Object {
    objects
        .iter()
        .find(|o| o.kind() == kind)
        .unwrap_or_else(|| panic!("no {kind} among the objects"))
}

#[track_caller]
fn assert_same(ours: &Value, seed: &Value) {
    assert_eq!(
        ours,
        seed,
        "\nours:\n{}\nseed:\n{}",
        serde_json::to_string_pretty(ours).unwrap_or_default(),
        serde_json::to_string_pretty(seed).unwrap_or_default()
    );
}

#[test]
fn tls_gateway_and_secret() {
    let mesh = built(ex::tls_gateway());
    assert_same(
        &value_of(find(mesh.objects(), "Gateway")),
        &seed_value(GATEWAY_TLS),
    );
    let mut secret = value_of(find(mesh.objects(), "Secret"));
    let data = secret
        .as_object_mut()
        .and_then(|o| o.remove("data"))
        .expect("the Secret carries data");
    assert_eq!(
        data.as_object()
            .map(|d| d.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["tls.crt".into(), "tls.key".into()])
    );
    assert_same(&secret, &seed_value(SECRET));
}

#[test]
fn h2c_gateway_is_the_tls_one_on_80_without_tls() {
    let mesh = built(ex::h2c_gateway());
    let ours = value_of(find(mesh.objects(), "Gateway"));
    let mut expected = seed_value(GATEWAY_TLS);
    let server = &mut expected["spec"]["servers"][0];
    server.as_object_mut().map(|s| s.remove("tls"));
    server["port"] = serde_json::json!({"number": 80, "name": "grpc", "protocol": "GRPC"});
    assert_same(&ours, &expected);
    assert!(mesh.objects().iter().all(|o| o.kind() != "Secret"));
}

/// Deviation: `prefix: /<package>.<Service>` becomes `/<package>.<Service>/`.
fn service_prefixes_end_in_a_slash(vs: &mut Value) {
    for route in vs["spec"]["http"].as_array_mut().into_iter().flatten() {
        // `get_mut`, not `[..]`: indexing would insert the missing key as null.
        for m in route
            .get_mut("match")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(Value::String(prefix)) = m.pointer_mut("/uri/prefix") {
                prefix.push('/');
            }
        }
    }
}

/// Deviation: a route with a per-try timeout also retries on what a timed-out try ends as
/// (`reset`, and `cancelled`/`deadline-exceeded` when the server's forwarded deadline fires).
fn per_try_timeouts_retry_on_reset(vs: &mut Value) {
    for route in vs["spec"]["http"].as_array_mut().into_iter().flatten() {
        if let Some(retries) = route.get_mut("retries")
            && retries.get("perTryTimeout").is_some()
            && let Some(Value::String(on)) = retries.get_mut("retryOn")
        {
            for outcome in ["reset", "cancelled", "deadline-exceeded"] {
                if !on.split(',').any(|t| t == outcome) {
                    on.push(',');
                    on.push_str(outcome);
                }
            }
        }
    }
}

/// Deviation: the gRPC-Web route's CORS policy moves onto the backend's gRPC route (which the
/// preflight matches), and preflights from other origins are not forwarded.
fn cors_on_the_backends_route(web_vs: &Value, grpc_route: &Value) -> Value {
    let mut vs = web_vs.clone();
    let mut cors = web_vs["spec"]["http"][0]["corsPolicy"].clone();
    cors["unmatchedPreflights"] = Value::String("IGNORE".into());
    let mut route = grpc_route.clone();
    route["corsPolicy"] = cors;
    vs["spec"]["http"] = Value::Array(vec![route]);
    vs
}

#[test]
fn virtual_services() {
    for (mesh, seed) in [
        (ex::basic_route(), GRPC_VS),
        (ex::routing(), GRPC_ROUTING),
        (ex::resilience(), GRPC_RESILIENCE),
    ] {
        let mesh = built(mesh);
        let mut seed = seed_value(seed);
        service_prefixes_end_in_a_slash(&mut seed);
        per_try_timeouts_retry_on_reset(&mut seed);
        assert_same(&value_of(find(mesh.objects(), "VirtualService")), &seed);
    }
    // The deviations change what they say they change, and nothing else.
    let mut routing = seed_value(GRPC_ROUTING);
    service_prefixes_end_in_a_slash(&mut routing);
    assert_eq!(
        routing["spec"]["http"][0]["match"][0]["uri"]["prefix"],
        "/mypackage.UserService/"
    );
    let mut resilience = seed_value(GRPC_RESILIENCE);
    per_try_timeouts_retry_on_reset(&mut resilience);
    assert_eq!(
        resilience["spec"]["http"][0]["retries"]["retryOn"],
        "unavailable,resource-exhausted,internal,reset,cancelled,deadline-exceeded"
    );
}

/// The seed's streaming VirtualService, with `timeout: 0s` read as what it means: no timeout.
#[test]
fn streaming_virtual_service() {
    let mesh = built(ex::streaming());
    let mut seed = seed_value(GRPC_STREAMING);
    let route = seed["spec"]["http"][0].as_object_mut().expect("route");
    assert_eq!(route.remove("timeout"), Some(Value::String("0s".into())));
    assert_same(&value_of(find(mesh.objects(), "VirtualService")), &seed);
}

#[test]
fn streaming_zero_timeout_is_refused_by_the_crd() {
    let Some(crds) = crate::support::crds() else {
        return;
    };
    let findings = crds.check(&seed_value(GRPC_STREAMING));
    assert!(
        findings
            .cel
            .iter()
            .any(|f| f.contains("spec.http[0].timeout")),
        "the seed's `timeout: 0s` was expected to fail the CRD's CEL rule: {findings:?}"
    );
    let mesh = built(ex::streaming());
    let ours = find(mesh.objects(), "VirtualService")
        .to_json()
        .expect("json");
    assert!(crds.check(&ours).is_valid(), "{:?}", crds.check(&ours));
}

#[test]
fn backend_service_declares_grpc() {
    let mesh = built(ex::basic_route());
    let expected = seed_value(
        r#"
apiVersion: v1
kind: Service
metadata:
  name: grpc-service
spec:
  selector:
    app: grpc-service
  ports:
  - name: grpc
    appProtocol: grpc
    port: 50051
    targetPort: 50051
"#,
    );
    assert_same(&value_of(find(mesh.objects(), "Service")), &expected);
}

/// The seed's EnvoyFilter as is; its `grpc-web-vs` with the CORS policy on the backend's route
/// (see [`cors_on_the_backends_route`]): one VirtualService for the host, so no second
/// catch-all.
#[test]
fn grpc_web_filter_and_route() {
    let mesh = built(ex::grpc_web());
    assert_same(
        &value_of(find(mesh.objects(), "EnvoyFilter")),
        &seed_value(GRPC_WEB_FILTER),
    );
    let ours = value_of(find(mesh.objects(), "VirtualService"));
    let expected = cors_on_the_backends_route(
        &seed_value(GRPC_WEB_VS),
        &seed_value(GRPC_VS)["spec"]["http"][0],
    );
    assert_same(&ours, &expected);
    // The seed's route required the gRPC-Web content type, which no preflight carries.
    assert!(
        seed_value(GRPC_WEB_VS)["spec"]["http"][0]["match"][0]["headers"]["content-type"]
            .is_object()
    );
    assert!(ours["spec"]["http"][0].get("match").is_none());
}

#[test]
fn proxyless_annotations() {
    let mesh = built(ex::proxyless());
    let ours = serde_json::to_value(mesh.pod_annotations("echo")).expect("json");
    assert_same(&ours, &seed_value(PROXYLESS_ANNOTATIONS)["annotations"]);
    let dr = value_of(find(mesh.objects(), "DestinationRule"));
    assert_eq!(
        dr["spec"]["trafficPolicy"]["loadBalancer"]["simple"],
        "ROUND_ROBIN"
    );
    assert_eq!(dr["spec"]["trafficPolicy"]["tls"]["mode"], "ISTIO_MUTUAL");
    assert_eq!(dr["spec"]["subsets"][1]["labels"]["version"], "v2");
}

#[test]
fn grpcurl_commands() {
    let one_line = |s: &str| s.replace(" \\\n", " ");
    let tls = built(ex::tls_gateway());
    assert_eq!(
        tls.grpcurl_call("mypackage.Greeter/SayHello", r#"{"name": "World"}"#)
            .to_string(),
        one_line(GRPCURL_TLS)
    );
    let h2c = built(ex::h2c_gateway());
    assert_eq!(
        h2c.grpcurl_call("mypackage.Greeter/SayHello", r#"{"name": "World"}"#)
            .to_string(),
        one_line(GRPCURL_H2C)
    );
}

/// The transcriptions above hold what the article holds (its YAML, indentation aside).
#[test]
fn transcriptions_match_the_article() {
    let Some(dir) = crate::support::seed_dir() else {
        return;
    };
    let article =
        std::fs::read_to_string(dir.join("000_d4a8a13084e84de1.txt")).expect("the seed article");
    let flat = |s: &str| {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let article = flat(&article);
    for doc in [
        GATEWAY_TLS,
        GRPC_VS,
        GRPC_ROUTING,
        GRPC_RESILIENCE,
        GRPC_WEB_FILTER,
        GRPC_WEB_VS,
        PROXYLESS_ANNOTATIONS,
    ] {
        assert!(article.contains(&flat(doc)), "not in the article:\n{doc}");
    }
    assert!(article.contains(&flat(
        &GRPC_STREAMING.replace("networking.istio.io", "networking.rypt.io")
    )));
    assert!(article.contains(&flat(GRPCURL_TLS)) && article.contains(&flat(GRPCURL_H2C)));
}

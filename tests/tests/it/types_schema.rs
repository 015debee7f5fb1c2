//! istio-grpc-types against the CRDs: every property path of every kind round-trips, and
//! arbitrary typed objects write documents that pass the structural schema and CEL rules.

use istio_grpc_types::yaml;
use serde_json::{Value, json};

use crate::support::{self, ISTIO_KINDS, json_difference};

/// Every property path under `spec` of a schema, with the value to set there.
/// Paths are JSON pointers of object keys; `[]` marks a list item.
fn property_paths(schema: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            let path = format!("{prefix}/{name}");
            out.push(path.clone());
            property_paths(sub, &path, out);
        }
    }
    if let Some(items) = schema.get("items") {
        property_paths(items, &format!("{prefix}/[]"), out);
    }
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        property_paths(values, &format!("{prefix}/{{}}"), out);
    }
}

/// A value of the schema's type. `alternative` picks the second candidate for strings
/// (a duration) where the first (a plain word) is not accepted.
fn sample(schema: &Value, alternative: bool) -> Value {
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true))
        && schema.get("properties").is_none()
    {
        return json!({"name": "envoy.filters.http.grpc_web"});
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") if schema.get("format") == Some(&json!("byte")) => json!("YQ=="),
        Some("string") => {
            if alternative {
                json!("1.500s")
            } else {
                json!("a")
            }
        }
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        _ => json!({}),
    }
}

/// The schema node at `path` and a document body that sets it.
fn set_path(schema: &Value, path: &[&str], alternative: bool) -> Value {
    match path.split_first() {
        None => sample(schema, alternative),
        Some((&"[]", rest)) => json!([set_path(&schema["items"], rest, alternative)]),
        Some((&"{}", rest)) => {
            json!({"k": set_path(&schema["additionalProperties"], rest, alternative)})
        }
        Some((key, rest)) => {
            let mut map = serde_json::Map::new();
            map.insert(
                (*key).to_owned(),
                set_path(&schema["properties"][*key], rest, alternative),
            );
            Value::Object(map)
        }
    }
}

#[test]
fn every_crd_property_path_round_trips() {
    let Some(crds) = support::crds() else { return };
    let mut total = 0;
    let mut failures = Vec::new();
    for kind in ISTIO_KINDS {
        let (group, version) = if *kind == "PeerAuthentication" {
            ("security.istio.io", "v1")
        } else if *kind == "EnvoyFilter" {
            ("networking.istio.io", "v1alpha3")
        } else {
            ("networking.istio.io", "v1")
        };
        let schema = crds
            .schema(&format!("{group}/{version}"), kind)
            .expect("kind in CRDs");
        let spec = &schema["properties"]["spec"];
        let mut paths = Vec::new();
        property_paths(spec, "", &mut paths);
        assert!(paths.len() > 3, "{kind}: no properties found");
        for path in &paths {
            total += 1;
            let segments: Vec<&str> = path.split('/').skip(1).collect();
            let mut last_error = String::new();
            let ok = [false, true].into_iter().any(|alternative| {
                let body = set_path(spec, &segments, alternative);
                let document = json!({"apiVersion": format!("{group}/{version}"), "kind": kind, "metadata": {"name": "n"}, "spec": body});
                let text = serde_saphyr::to_string(&document).expect("yaml");
                match yaml::from_str(&text) {
                    Ok(docs) => {
                        let written = docs[0].object.to_json().expect("json");
                        match json_difference(&document, &written, "") {
                            None => true,
                            Some(d) => {
                                last_error = d;
                                false
                            }
                        }
                    }
                    Err(e) => {
                        last_error = e.to_string();
                        false
                    }
                }
            });
            if !ok {
                failures.push(format!("{kind} spec{path}: {last_error}"));
            }
        }
        eprintln!("{kind}: {} property paths", paths.len());
    }
    eprintln!("{total} property paths round-trip");
    assert!(
        failures.is_empty(),
        "{} of {total} paths fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

mod output_validity {
    //! Arbitrary typed objects (proptest strategies over the Rust types, with values inside
    //! Istio's documented ranges) write documents that pass the CRD's structural schema and
    //! CEL rules, and read back equal.

    use std::collections::BTreeMap;

    use istio_grpc_types::destination_rule::*;
    use istio_grpc_types::envoy_filter::*;
    use istio_grpc_types::gateway::*;
    use istio_grpc_types::peer_authentication::*;
    use istio_grpc_types::selector::MatchLabelsSelector;
    use istio_grpc_types::service_entry::*;
    use istio_grpc_types::sidecar::*;
    use istio_grpc_types::virtual_service::*;
    use istio_grpc_types::{Duration, Object, StringMatch, yaml};
    use proptest::collection::{btree_map, vec};
    use proptest::option;
    use proptest::prelude::*;

    use crate::support;

    fn name() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9-]{0,10}[a-z0-9]"
    }
    fn fqdn() -> impl Strategy<Value = String> {
        (
            name(),
            prop_oneof![
                Just("example.com"),
                Just("svc.cluster.local"),
                Just("mesh.internal")
            ],
        )
            .prop_map(|(n, d)| format!("{n}.{d}"))
    }
    fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
        btree_map(name(), name(), 1..3)
    }
    fn duration() -> impl Strategy<Value = Duration> {
        (1i64..3_600_000).prop_map(Duration::from_millis)
    }
    fn port() -> impl Strategy<Value = u32> {
        1u32..=65535
    }
    fn string_match() -> impl Strategy<Value = StringMatch> {
        prop_oneof![
            "/[a-z]{1,8}\\.[A-Z][a-z]{1,8}".prop_map(StringMatch::Prefix),
            "/[a-z]{1,8}".prop_map(StringMatch::Exact),
            Just(StringMatch::Regex("^/grpc\\..*".into())),
        ]
    }
    fn grpc_retry_on() -> impl Strategy<Value = String> {
        proptest::sample::subsequence(
            vec![
                "unavailable",
                "internal",
                "cancelled",
                "deadline-exceeded",
                "resource-exhausted",
                "connect-failure",
                "refused-stream",
                "reset",
            ],
            1..4,
        )
        .prop_map(|v| v.join(","))
    }

    fn virtual_service() -> impl Strategy<Value = Object> {
        let destination =
            (fqdn(), option::of(port()), option::of(name())).prop_map(|(host, port, subset)| {
                Destination {
                    host: Some(host),
                    port: port.map(|n| PortSelector {
                        number: Some(n),
                        ..Default::default()
                    }),
                    subset,
                    ..Default::default()
                }
            });
        let retries = (1i32..6, option::of(duration()), option::of(grpc_retry_on())).prop_map(
            |(attempts, per_try, on)| HttpRetry {
                attempts: Some(attempts),
                per_try_timeout: per_try,
                retry_on: on,
                ..Default::default()
            },
        );
        let cors = (
            vec(
                "https://[a-z]{1,8}\\.example\\.com".prop_map(StringMatch::Exact),
                1..3,
            ),
            1i64..86_400,
        )
            .prop_map(|(origins, age)| CorsPolicy {
                allow_origins: Some(origins),
                allow_methods: Some(vec!["POST".into(), "GET".into()]),
                allow_headers: Some(vec![
                    "content-type".into(),
                    "x-grpc-web".into(),
                    "grpc-timeout".into(),
                ]),
                expose_headers: Some(vec!["grpc-status".into(), "grpc-message".into()]),
                max_age: Some(Duration::from_secs(age)),
                allow_credentials: Some(false),
                ..Default::default()
            });
        let http = (
            option::of(name()),
            option::of(vec(string_match(), 1..3)),
            vec((destination, option::of(0i32..100)), 1..3),
            // not 0s: the CRD requires route timeouts >= 1ms (CEL), so `timeout: 0s` is refused
            option::of(duration()),
            option::of(retries),
            option::of(cors),
        )
            .prop_map(|(name, uris, dests, timeout, retries, cors)| HttpRoute {
                name,
                match_: uris.map(|u| {
                    u.into_iter()
                        .map(|uri| HttpMatchRequest {
                            uri: Some(uri),
                            ..Default::default()
                        })
                        .collect()
                }),
                route: Some(
                    dests
                        .into_iter()
                        .map(|(d, weight)| HttpRouteDestination {
                            destination: Some(d),
                            weight,
                            ..Default::default()
                        })
                        .collect(),
                ),
                timeout,
                retries,
                cors_policy: cors,
                ..Default::default()
            });
        (
            name(),
            vec(fqdn(), 1..3),
            option::of(vec(name(), 1..3)),
            vec(http, 1..4),
        )
            .prop_map(|(n, hosts, gateways, http)| {
                Object::from(VirtualService::new(
                    n,
                    VirtualServiceSpec {
                        hosts: Some(hosts),
                        gateways,
                        http: Some(http),
                        ..Default::default()
                    },
                ))
            })
    }

    fn gateway() -> impl Strategy<Value = Object> {
        let server = (
            port(),
            prop_oneof![Just("HTTP2"), Just("GRPC"), Just("HTTPS"), Just("HTTP")],
            vec(fqdn(), 1..3),
            name(),
        );
        (name(), labels(), vec(server, 1..4)).prop_map(|(n, selector, servers)| {
            let servers = servers
                .into_iter()
                .enumerate()
                .map(|(i, (number, protocol, hosts, credential))| Server {
                    port: Some(Port {
                        number: Some(number),
                        name: Some(format!("{}-{i}", protocol.to_lowercase())),
                        protocol: Some(protocol.into()),
                        ..Default::default()
                    }),
                    hosts: Some(hosts),
                    tls: (protocol == "HTTPS").then(|| ServerTlsSettings {
                        mode: Some(ServerTlsMode::Simple),
                        credential_name: Some(credential),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect();
            Object::from(Gateway::new(
                n,
                GatewaySpec {
                    selector: Some(selector),
                    servers: Some(servers),
                    ..Default::default()
                },
            ))
        })
    }

    fn destination_rule() -> impl Strategy<Value = Object> {
        let lb = prop_oneof![
            prop_oneof![
                Just(SimpleLb::RoundRobin),
                Just(SimpleLb::LeastRequest),
                Just(SimpleLb::Random)
            ]
            .prop_map(LbPolicy::Simple),
            name().prop_map(|h| LbPolicy::ConsistentHash(ConsistentHashLb {
                hash_key: Some(HashKey::HttpHeaderName(h)),
                ..Default::default()
            })),
        ];
        let policy = (
            option::of(lb),
            option::of(1i32..10_000),
            option::of(prop_oneof![
                Just(ClientTlsMode::Disable),
                Just(ClientTlsMode::IstioMutual)
            ]),
        )
            .prop_map(|(lb, max, tls)| TrafficPolicy {
                load_balancer: lb.map(|lb| LoadBalancerSettings {
                    lb_policy: Some(lb),
                    ..Default::default()
                }),
                connection_pool: max.map(|m| ConnectionPoolSettings {
                    http: Some(HttpSettings {
                        http2_max_requests: Some(m),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                tls: tls.map(|mode| ClientTlsSettings {
                    mode: Some(mode),
                    ..Default::default()
                }),
                ..Default::default()
            });
        (
            name(),
            fqdn(),
            option::of(policy),
            vec((name(), labels()), 0..3),
        )
            .prop_map(|(n, host, policy, subsets)| {
                let mut seen = std::collections::BTreeSet::new();
                let subsets: Vec<Subset> = subsets
                    .into_iter()
                    .filter(|(s, _)| seen.insert(s.clone()))
                    .map(|(name, labels)| Subset {
                        name: Some(name),
                        labels: Some(labels),
                        ..Default::default()
                    })
                    .collect();
                Object::from(DestinationRule::new(
                    n,
                    DestinationRuleSpec {
                        host: Some(host),
                        traffic_policy: policy,
                        subsets: (!subsets.is_empty()).then_some(subsets),
                        ..Default::default()
                    },
                ))
            })
    }

    fn service_entry() -> impl Strategy<Value = Object> {
        (
            name(),
            vec(fqdn(), 1..3),
            proptest::sample::subsequence(vec![80u32, 443, 50051, 8080], 1..4),
            prop_oneof![
                Just(ServiceEntryResolution::Dns),
                Just(ServiceEntryResolution::Static)
            ],
            prop_oneof![
                Just(ServiceEntryLocation::MeshExternal),
                Just(ServiceEntryLocation::MeshInternal)
            ],
        )
            .prop_map(|(n, hosts, ports, resolution, location)| {
                let ports = ports
                    .into_iter()
                    .map(|p| ServicePort {
                        number: Some(p),
                        name: Some(format!("grpc-{p}")),
                        protocol: Some("GRPC".into()),
                        ..Default::default()
                    })
                    .collect();
                let endpoints = (resolution == ServiceEntryResolution::Static).then(|| {
                    vec![istio_grpc_types::workload_entry::WorkloadEntry {
                        address: Some("10.0.0.1".into()),
                        ..Default::default()
                    }]
                });
                Object::from(ServiceEntry::new(
                    n,
                    ServiceEntrySpec {
                        hosts: Some(hosts),
                        ports: Some(ports),
                        resolution: Some(resolution),
                        location: Some(location),
                        endpoints,
                        ..Default::default()
                    },
                ))
            })
    }

    fn sidecar() -> impl Strategy<Value = Object> {
        (
            name(),
            option::of(labels()),
            vec(
                prop_oneof![
                    Just("./*".to_owned()),
                    fqdn().prop_map(|h| format!("istio-system/{h}"))
                ],
                1..3,
            ),
            option::of(prop_oneof![
                Just(OutboundTrafficPolicyMode::RegistryOnly),
                Just(OutboundTrafficPolicyMode::AllowAny)
            ]),
        )
            .prop_map(|(n, labels, hosts, mode)| {
                Object::from(Sidecar::new(
                    n,
                    SidecarSpec {
                        workload_selector: labels.map(|l| WorkloadSelector {
                            labels: Some(l),
                            ..Default::default()
                        }),
                        egress: Some(vec![IstioEgressListener {
                            hosts: Some(hosts),
                            ..Default::default()
                        }]),
                        outbound_traffic_policy: mode.map(|m| OutboundTrafficPolicy {
                            mode: Some(m),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                ))
            })
    }

    fn envoy_filter() -> impl Strategy<Value = Object> {
        (name(), labels(), prop_oneof![Just(PatchContext::Gateway), Just(PatchContext::SidecarInbound)], option::of(-10i32..10)).prop_map(|(n, labels, context, priority)| {
            let value: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
                "name": "envoy.filters.http.grpc_web",
                "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"}
            }))
            .expect("object");
            let patch = EnvoyConfigObjectPatch {
                apply_to: Some(ApplyTo::HttpFilter),
                match_: Some(EnvoyConfigObjectMatch {
                    context: Some(context),
                    object_types: Some(ObjectTypes::Listener(ListenerMatch {
                        filter_chain: Some(FilterChainMatch {
                            filter: Some(ListenerFilterMatch {
                                name: Some("envoy.filters.network.http_connection_manager".into()),
                                sub_filter: Some(ListenerSubFilterMatch { name: Some("envoy.filters.http.router".into()), ..Default::default() }),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })),
                    ..Default::default()
                }),
                patch: Some(Patch { operation: Some(PatchOperation::InsertBefore), value: Some(value), ..Default::default() }),
                ..Default::default()
            };
            Object::from(EnvoyFilter::new(n, EnvoyFilterSpec { workload_selector: Some(WorkloadSelector { labels: Some(labels), ..Default::default() }), config_patches: Some(vec![patch]), priority, ..Default::default() }))
        })
    }

    fn peer_authentication() -> impl Strategy<Value = Object> {
        let mode = prop_oneof![
            Just(MutualTlsMode::Strict),
            Just(MutualTlsMode::Permissive),
            Just(MutualTlsMode::Disable)
        ];
        (name(), labels(), mode.clone(), option::of((port(), mode))).prop_map(
            |(n, labels, mode, port_level)| {
                Object::from(PeerAuthentication::new(
                    n,
                    PeerAuthenticationSpec {
                        selector: Some(MatchLabelsSelector {
                            match_labels: Some(labels),
                            ..Default::default()
                        }),
                        mtls: Some(MutualTls {
                            mode: Some(mode),
                            ..Default::default()
                        }),
                        port_level_mtls: port_level.map(|(p, m)| {
                            BTreeMap::from([(
                                p.to_string(),
                                MutualTls {
                                    mode: Some(m),
                                    ..Default::default()
                                },
                            )])
                        }),
                        ..Default::default()
                    },
                ))
            },
        )
    }

    fn any_object() -> impl Strategy<Value = Object> {
        prop_oneof![
            virtual_service(),
            gateway(),
            destination_rule(),
            service_entry(),
            sidecar(),
            envoy_filter(),
            peer_authentication()
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn typed_objects_write_crd_valid_documents(object in any_object()) {
            let Some(crds) = support::crds() else { return Ok(()) };
            let text = yaml::to_string([&object]).expect("write");
            let json: serde_json::Value = serde_saphyr::from_str(&text).expect("our YAML is YAML");
            let findings = crds.check(&json);
            prop_assert!(findings.is_valid(), "{text}\nschema: {:?}\ncel: {:?}", findings.schema, findings.cel);
            prop_assert!(findings.unevaluable.is_empty(), "rules the CEL engine could not evaluate: {:?}", findings.unevaluable);
            let back = yaml::objects_from_str(&text).expect("read back");
            prop_assert_eq!(&back, &vec![object]);
        }
    }
}

/// CEL rules kube-cel cannot evaluate on Istio's own manifests: listed (a reviewed snapshot),
/// never silently counted as passing. `../shared/README.md` expects one: PeerAuthentication
/// `portLevelMtls` (`int()` of a map key).
#[test]
fn cel_rules_the_engine_cannot_evaluate_are_listed() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let Some(crds) = support::crds() else { return };
    let mut rules = std::collections::BTreeMap::<String, usize>::new();
    let mut documents = 0;
    for folder in ["manifests", "manifests-apidocs"] {
        for file in support::yaml_files(&istio.join(folder)) {
            let text = std::fs::read_to_string(&file).expect("read");
            for doc in yaml::parse(&text).into_iter().flatten() {
                let json = doc.source.json();
                if !support::is_istio_kind(&json) {
                    continue;
                }
                documents += 1;
                let findings = crds.check(&json);
                assert!(
                    findings.is_valid(),
                    "{}: Istio's own document fails its CRD: {findings:?}",
                    file.display()
                );
                for line in findings.unevaluable {
                    // keep the rule and error, not the path: one line per distinct rule
                    let rule = line
                        .split_once(": ")
                        .map_or(line.as_str(), |(_, r)| r)
                        .to_owned();
                    *rules
                        .entry(format!("{} {rule}", json["kind"].as_str().unwrap_or("?")))
                        .or_default() += 1;
                }
            }
        }
    }
    // the invalid corpus too (without `_err:` keys): an evaluation error on a bad value is listed
    for file in support::yaml_files(&istio.join("manifests-invalid")) {
        let text =
            crate::types_corpus::strip_err_keys(&std::fs::read_to_string(&file).expect("read"));
        for doc in yaml::parse(&text).into_iter().flatten() {
            let json = doc.source.json();
            if support::is_istio_kind(&json) {
                for line in crds.check(&json).unevaluable {
                    let rule = line
                        .split_once(": ")
                        .map_or(line.as_str(), |(_, r)| r)
                        .to_owned();
                    *rules
                        .entry(format!(
                            "{} {rule} (manifests-invalid)",
                            json["kind"].as_str().unwrap_or("?")
                        ))
                        .or_default() += 1;
                }
            }
        }
    }
    let listed: String = rules.iter().map(|(r, n)| format!("{n} x {r}\n")).collect();
    eprintln!("{documents} Istio documents; rules not evaluated:\n{listed}");
    insta::assert_snapshot!("cel_unevaluable_rules", listed);
}

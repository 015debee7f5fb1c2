//! Forward compatibility: fields the types do not know are kept, written back and listed (with
//! the nearest known name and their line), and strict reading still refuses them.

use istio_grpc_types::{Object, Strictness, VirtualService, yaml};
use serde_json::{Value, json};

use crate::support;

fn keep() -> yaml::Options {
    yaml::Options::default().strictness(Strictness::Keep)
}

/// One document of each Istio kind, each with unknown keys at the top level, in `metadata`,
/// in `spec`, and deeper (inside a list, a oneof struct, a map value), as a newer Istio and
/// Kubernetes might write them. Each entry: the YAML, and the paths of its unknown fields.
const NEWER: &[(&str, &[&str])] = &[
    (
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: grpc-vs
  newMetaField: {a: 1}
spec:
  hosts: [grpc.example.com]
  http:
  - route:
    - destination:
        host: grpc-service
        port: {number: 50051, portName: grpc}
      weight: 100
    timeout: 5s
    retryBudget: {percent: 20, minRetryConcurrency: 3}
  futureSpecField: [x, z]
topLevelFuture: true
",
        &[
            "topLevelFuture",
            "metadata.newMetaField",
            "spec.futureSpecField",
            "spec.http[0].retryBudget",
            "spec.http[0].route[0].destination.port.portName",
        ],
    ),
    (
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr}
spec:
  host: grpc-service
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      futureLb: {duration: 10s, aggression: 2}
    tls: {mode: ISTIO_MUTUAL, pqc: true}
",
        &[
            "spec.trafficPolicy.loadBalancer.futureLb",
            "spec.trafficPolicy.tls.pqc",
        ],
    ),
    (
        "apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ['*']
    tls: {mode: SIMPLE, credentialName: cert, futureTls: 1}
",
        &["spec.servers[0].tls.futureTls"],
    ),
    (
        "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: https, protocol: TLS, newPortField: x}]
  resolution: DNS
",
        &["spec.ports[0].newPortField"],
    ),
    (
        "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  egress: [{hosts: ['./*'], futureEgress: {}}]
",
        &["spec.egress[0].futureEgress"],
    ),
    (
        "apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata: {name: ef}
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    match: {context: GATEWAY, listener: {filterChain: {filter: {name: x, newMatch: 1}}}}
    patch: {operation: INSERT_BEFORE, value: {name: y}}
",
        &["spec.configPatches[0].match.listener.filterChain.filter.newMatch"],
    ),
    (
        "apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: pa}
spec:
  mtls: {mode: STRICT}
  portLevelMtls:
    '8080': {mode: DISABLE, future: x}
",
        &["spec.portLevelMtls.8080.future"],
    ),
];

#[test]
fn every_kind_keeps_unknown_fields_and_writes_them_back() {
    for (text, paths) in NEWER {
        let docs = yaml::from_str_with(text, &keep()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let doc = &docs[0];
        let found: Vec<&str> = doc.unknown_fields.iter().map(|u| u.path.as_str()).collect();
        let mut expected = paths.to_vec();
        let mut sorted = found.clone();
        expected.sort_unstable();
        sorted.sort_unstable();
        assert_eq!(sorted, expected, "{}", doc.object.kind());
        for u in &doc.unknown_fields {
            let at = u.location.expect("read from YAML: has a line");
            assert_eq!(
                doc.source.locate_key(&u.path),
                Some(at),
                "{} at {at}",
                u.path
            );
            assert!(u.path.ends_with(&u.name), "{u:?}");
        }
        // written back: the JSON of what was written is the JSON that was read
        assert_eq!(
            doc.object.to_json().expect("json"),
            doc.source.json(),
            "{}",
            doc.object.kind()
        );
        let written = yaml::to_string([&doc.object]).expect("writes");
        let again = yaml::from_str_with(&written, &keep()).expect("reads back");
        assert_eq!(again[0].object, doc.object, "{written}");
        // and an update through the types keeps them
        let mut updated = doc.object.clone();
        if let Object::VirtualService(vs) = &mut updated {
            vs.spec.gateways = Some(vec!["mesh".into()]);
            let json = updated.to_json().expect("json");
            assert_eq!(json["spec"]["futureSpecField"], json!(["x", "z"]));
            assert_eq!(json["spec"]["http"][0]["retryBudget"]["percent"], 20);
            assert_eq!(json["metadata"]["newMetaField"]["a"], 1);
            assert_eq!(json["topLevelFuture"], true);
        }
    }
}

#[test]
fn strict_reading_refuses_each_with_path_line_column_and_did_you_mean() {
    for (text, paths) in NEWER {
        let err = yaml::from_str(text).expect_err("strict by default");
        let path = err.path().expect("path");
        assert!(paths.contains(&path), "{err}");
        let at = err.location().expect("location");
        let key = path.rsplit(['.', '[']).next().unwrap_or(path);
        let line = text.lines().nth(at.line - 1).unwrap_or("");
        assert!(
            line[at.column - 1..].starts_with(key),
            "{err} points at {line:?}"
        );
        assert!(err.to_string().contains("unknown field"), "{err}");
    }
    let err = yaml::from_str(
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nspec:\n  http:\n  - timout: 5s\n",
    )
    .expect_err("typo");
    assert!(
        err.to_string()
            .contains("unknown field `timout` (did you mean `timeout`?)"),
        "{err}"
    );
    assert_eq!(err.location().map(|l| (l.line, l.column)), Some((5, 5)));
}

/// What `kube::Api::<VirtualService>::get` receives from an API server that runs a newer Istio:
/// server-set metadata, managedFields, status, and spec fields these types do not know.
fn from_api_server() -> Value {
    json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {
            "name": "grpc-vs",
            "namespace": "default",
            "uid": "0b7a3c4e-2d1f-4c1e-9a55-1f1e2d3c4b5a",
            "resourceVersion": "123456",
            "generation": 3,
            "creationTimestamp": "2026-11-25T10:00:00Z",
            "labels": {"app": "grpc"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "managedFields": [{
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": "networking.istio.io/v1",
                "time": "2026-11-25T10:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:spec": {".": {}, "f:hosts": {}}}
            }],
            "futureMetadata": "kept"
        },
        "spec": {
            "hosts": ["grpc.example.com"],
            "http": [{
                "route": [{"destination": {"host": "grpc-service", "port": {"number": 50051}}}],
                "timeout": "5s",
                "futureRouteField": {"enabled": true}
            }],
            "futureSpec": 7
        },
        "status": {
            "observedGeneration": 3,
            "conditions": [{"type": "Reconciled", "status": "True"}],
            "validationMessages": [{"type": {"code": "IST0101"}, "level": "ERROR"}]
        }
    })
}

#[test]
fn kube_api_json_from_a_newer_cluster_reads_and_round_trips() {
    let json = from_api_server();
    let vs: VirtualService = serde_json::from_value(json.clone()).expect("lenient serde read");
    assert_eq!(vs.metadata.resource_version.as_deref(), Some("123456"));
    assert!(vs.metadata.managed_fields.is_some());
    assert_eq!(serde_json::to_value(&vs).expect("json"), json);
    let unknown: Vec<String> = vs.unknown_fields().into_iter().map(|u| u.path).collect();
    assert_eq!(
        unknown,
        [
            "metadata.futureMetadata",
            "spec.futureSpec",
            "spec.http[0].futureRouteField"
        ]
    );

    // an update through the types (what `Api::replace` sends) keeps what the newer Istio wrote
    let mut updated = vs.clone();
    updated.spec.gateways = Some(vec!["mesh".into()]);
    let sent = serde_json::to_value(&updated).expect("json");
    assert_eq!(sent["spec"]["futureSpec"], 7);
    assert_eq!(sent["spec"]["http"][0]["futureRouteField"]["enabled"], true);
    assert_eq!(sent["metadata"]["futureMetadata"], "kept");
    assert_eq!(sent["status"], json["status"]);

    // a list, as `Api::list` receives it (CRD list items carry apiVersion and kind)
    let list = json!({
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualServiceList",
        "metadata": {"resourceVersion": "123457", "continue": ""},
        "items": [json.clone(), json]
    });
    let list: kube::core::ObjectList<VirtualService> =
        serde_json::from_value(list).expect("ObjectList reads");
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[0], vs);

    // the same through Object, and through serde_yaml
    let object: Object = serde_json::from_value(from_api_server()).expect("Object reads");
    assert_eq!(object.unknown_fields().len(), 3);
    let text = serde_yaml::to_string(&object).expect("serde_yaml writes");
    let back: Object = serde_yaml::from_str(&text).expect("serde_yaml reads");
    assert_eq!(back, object);
}

#[test]
fn kubernetes_kinds_with_unknown_fields_stay_typed() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 50051\n    appProtocl: grpc\n";
    let docs = yaml::from_str_with(text, &keep()).expect("kept");
    let doc = &docs[0];
    assert!(matches!(doc.object, Object::Service(_)), "{:?}", doc.object);
    assert_eq!(doc.object.kind(), "Service");
    assert_eq!(doc.unknown_fields.len(), 1);
    assert_eq!(doc.unknown_fields[0].path, "spec.ports[0].appProtocl");
    assert_eq!(doc.unknown_fields[0].location.map(|l| l.line), Some(7));
    assert_eq!(doc.object.to_json().expect("json"), doc.source.json());
    // strict: the error it always gave
    let err = yaml::from_str(text).expect_err("strict");
    assert_eq!(err.path(), Some("spec.ports[0].appProtocl"));
    // a Service k8s-openapi knows entirely stays typed
    let docs = yaml::from_str_with(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 1}]}\n",
        &keep(),
    )
    .expect("reads");
    assert!(matches!(docs[0].object, Object::Service(_)));
}

/// Every Istio document of the corpus, with an unknown key added to its spec and to the first
/// item of its first list of mappings (always a message), reads leniently and writes back
/// unchanged.
#[test]
fn corpus_with_injected_fields_round_trips() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let mut checked = 0;
    for folder in ["manifests", "manifests-generated"] {
        let mut files: Vec<_> = std::fs::read_dir(istio.join(folder))
            .expect("dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            for doc in yaml::parse(&text).into_iter().flatten() {
                // as the types write it (durations in their canonical spelling), plus the fields
                let mut json = doc.object.to_json().expect("json");
                // the Istio kinds these types type (others are kept whole as `Object::Other`)
                if matches!(doc.object, Object::Other(_))
                    || !json["apiVersion"]
                        .as_str()
                        .is_some_and(|a| a.contains(".istio.io/"))
                {
                    continue;
                }
                let Some(spec) = json.get_mut("spec").and_then(Value::as_object_mut) else {
                    continue;
                };
                spec.insert("zzFutureField".into(), json!({"nested": [1, "two"]}));
                let first_item = spec.values_mut().find_map(|v| {
                    v.as_array_mut()
                        .and_then(|items| items.first_mut())
                        .and_then(Value::as_object_mut)
                });
                if let Some(item) = first_item {
                    item.insert("innerFuture".into(), json!(true));
                }
                let object: Object = serde_json::from_value(json.clone())
                    .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                assert_eq!(object.to_json().expect("json"), json, "{}", f.display());
                assert!(
                    object
                        .unknown_fields()
                        .iter()
                        .any(|u| u.path == "spec.zzFutureField"),
                    "{}",
                    f.display()
                );
                checked += 1;
            }
        }
    }
    eprintln!("{checked} Istio documents read and wrote back injected fields");
    assert!(checked > 300, "only {checked} documents checked");
}

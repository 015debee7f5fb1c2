//! Kubernetes kinds (typed by k8s-openapi, which ignores keys it does not know) with fields
//! k8s-openapi does not know: read leniently, they stay typed, so the analyzer's rules read
//! them; the unknown fields are kept, written back, and reported with a did-you-mean.

use istio_grpc_analyze::{Inputs, Options, analyze, codes};
use istio_grpc_types::{Object, Strictness, yaml};

fn keep() -> yaml::Options {
    yaml::Options::default().strictness(Strictness::Keep)
}

/// A Service whose port misspells `appProtocol` (so the port is not declared HTTP/2), and a
/// field of a newer Kubernetes on its spec, behind a gRPC VirtualService.
const SERVICE: &str = "apiVersion: v1
kind: Service
metadata: {name: greeter, namespace: apps}
spec:
  selector: {app: greeter}
  trafficDistributionV2: PreferSameNode
  ports:
  - name: api
    port: 50051
    appProtocl: grpc
";

const VIRTUAL_SERVICE: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: greeter, namespace: apps}
spec:
  hosts: [grpc.example.com]
  gateways: [istio-ingress/grpc-gateway]
  http:
  - match: [{uri: {prefix: /helloworld.Greeter/}}]
    route:
    - destination: {host: greeter.apps.svc.cluster.local, port: {number: 50051}}
";

#[test]
fn a_service_with_unknown_fields_stays_typed_and_keeps_them() {
    let docs = yaml::from_str_with(SERVICE, &keep()).expect("reads leniently");
    let doc = &docs[0];
    let Object::Service(service) = &doc.object else {
        panic!("not typed: {:?}", doc.object)
    };
    let spec = service.spec.as_ref().expect("spec");
    assert_eq!(spec.ports.as_ref().expect("ports")[0].port, 50051);
    assert_eq!(spec.ports.as_ref().expect("ports")[0].app_protocol, None);
    let found: Vec<_> = doc
        .unknown_fields
        .iter()
        .map(|u| (u.path.as_str(), u.suggestion, u.location.map(|l| l.line)))
        .collect();
    assert_eq!(
        found,
        [
            (
                "spec.trafficDistributionV2",
                Some("trafficDistribution"),
                Some(6)
            ),
            ("spec.ports[0].appProtocl", Some("appProtocol"), Some(10)),
        ]
    );
    assert_eq!(doc.object.unknown_fields().len(), 2);
    // written back intact, through JSON and through YAML
    assert_eq!(doc.object.to_json().expect("json"), doc.source.json());
    let text = yaml::to_string([&doc.object]).expect("writes");
    let again = yaml::from_str_with(&text, &keep()).expect("reads its own output");
    assert_eq!(again[0].object, doc.object);
    assert_eq!(again[0].object.to_json().expect("json"), doc.source.json());
    // and through serde (what kube::Api and serde_json give)
    let object: Object = serde_json::from_value(doc.source.json()).expect("serde reads");
    assert_eq!(object, doc.object);
}

#[test]
fn strict_reading_refuses_them_with_the_nearest_name() {
    let err = yaml::from_str(SERVICE).expect_err("strict");
    assert_eq!(err.path(), Some("spec.trafficDistributionV2"));
    let message = err.to_string();
    assert!(
        message.contains("did you mean `trafficDistribution`?"),
        "{message}"
    );
    assert!(message.contains("v1 Service"), "{message}");
}

#[test]
fn an_unknown_field_has_no_place_once_its_list_item_is_gone() {
    let docs = yaml::from_str_with(SERVICE, &keep()).expect("reads");
    let mut object = docs[0].object.clone();
    let Object::Service(service) = &mut object else {
        panic!("typed")
    };
    service.spec.as_mut().expect("spec").ports = Some(Vec::new());
    let json = object.to_json().expect("json");
    assert_eq!(json["spec"]["ports"], serde_json::json!([]));
    assert_eq!(json["spec"]["trafficDistributionV2"], "PreferSameNode");
}

#[test]
fn every_kubernetes_kind_keeps_its_unknown_fields() {
    for (api, kind) in [
        ("v1", "Secret"),
        ("v1", "ConfigMap"),
        ("v1", "Namespace"),
        ("v1", "ServiceAccount"),
        ("v1", "Pod"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
    ] {
        // k8s-openapi writes the required `spec` of the workload kinds even when absent
        let spec = if api == "apps/v1" {
            "spec: {selector: {}, template: {}}\n"
        } else {
            ""
        };
        let text = format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: a\n  labls: {{app: a}}\n{spec}newField: {{x: 1}}\n"
        );
        let docs = yaml::from_str_with(&text, &keep()).expect("reads");
        let doc = &docs[0];
        assert!(!matches!(doc.object, Object::Other(_)), "{kind} not typed");
        assert_eq!(doc.object.kind(), kind);
        let found: Vec<_> = doc
            .unknown_fields
            .iter()
            .map(|u| (u.path.as_str(), u.suggestion))
            .collect();
        assert_eq!(
            found,
            [("metadata.labls", Some("labels")), ("newField", None)],
            "{kind}"
        );
        assert_eq!(
            doc.object.to_json().expect("json"),
            doc.source.json(),
            "{kind}"
        );
    }
}

#[test]
fn check_reports_the_unknown_fields_and_still_applies_the_service_rules() {
    let mut inputs = Inputs::new();
    inputs.add_yaml(None, &format!("{SERVICE}---\n{VIRTUAL_SERVICE}"));
    let report = analyze(&inputs, &Options::default());
    let d = report.diagnostics();
    let unknown: Vec<_> = d
        .iter()
        .filter(|d| d.code == codes::INVALID_DOCUMENT)
        .map(|d| (d.path.as_str(), d.fix.as_deref()))
        .collect();
    assert_eq!(
        unknown,
        [
            (
                "spec.trafficDistributionV2",
                Some("rename `trafficDistributionV2` to `trafficDistribution`")
            ),
            (
                "spec.ports[0].appProtocl",
                Some("rename `appProtocl` to `appProtocol`")
            ),
        ],
        "{d:#?}"
    );
    // the Service is read by the rules: its port is not declared HTTP/2 (GRPC001)
    assert_service_rules_ran(d);
}

/// The same Service with a creation timestamp written `+00:00`, as RFC 3339 allows and
/// k8s-openapi writes `Z`: a value k8s-openapi would write in another form.
fn service_with_offset_timestamp() -> String {
    SERVICE.replace(
        "metadata: {name: greeter, namespace: apps}",
        "metadata: {name: greeter, namespace: apps, creationTimestamp: \"2024-01-01T00:00:00+00:00\"}",
    )
}

#[test]
fn a_value_k8s_openapi_writes_in_another_form_stays_typed_and_is_written_as_read() {
    let text = service_with_offset_timestamp();
    for strictness in [Strictness::Keep, Strictness::Deny] {
        let text = if strictness == Strictness::Deny {
            // strict reading refuses unknown fields, not values in another form
            text.replace("  trafficDistributionV2: PreferSameNode\n", "")
                .replace("appProtocl", "appProtocol")
        } else {
            text.clone()
        };
        let options = yaml::Options::default().strictness(strictness);
        let docs = yaml::from_str_with(&text, &options).expect("reads");
        let Object::Service(service) = &docs[0].object else {
            panic!("not typed ({strictness:?}): {:?}", docs[0].object)
        };
        assert!(service.metadata.creation_timestamp.is_some());
        let json = docs[0].object.to_json().expect("writes");
        assert_eq!(
            json["metadata"]["creationTimestamp"], "2024-01-01T00:00:00+00:00",
            "not written as read ({strictness:?})"
        );
    }
}

#[test]
fn a_value_kept_as_read_gives_way_to_a_change_of_the_typed_value() {
    let docs = yaml::from_str_with(&service_with_offset_timestamp(), &keep()).expect("reads");
    let mut object = docs[0].object.clone();
    let Object::Service(service) = &mut object else {
        panic!("not typed: {object:?}")
    };
    let mut changed = service.metadata.clone();
    changed.creation_timestamp = None;
    service.metadata = changed;
    let json = object.to_json().expect("writes");
    assert_eq!(json["metadata"].get("creationTimestamp"), None, "{json:#}");
    // the unknown fields are still written back
    assert_eq!(json["spec"]["trafficDistributionV2"], "PreferSameNode");
}

#[test]
fn check_applies_the_service_rules_to_a_service_with_a_value_in_another_form() {
    let mut inputs = Inputs::new();
    inputs.add_yaml(
        None,
        &format!("{}---\n{VIRTUAL_SERVICE}", service_with_offset_timestamp()),
    );
    let report = analyze(&inputs, &Options::default());
    let d = report.diagnostics();
    assert_service_rules_ran(d);
}

/// The Service was typed and read by the rules: its port is not declared HTTP/2 (GRPC001),
/// and it is not reported as a kind nothing checks.
fn assert_service_rules_ran(d: &[istio_grpc_analyze::Diagnostic]) {
    assert!(
        d.iter().any(|d| d.code.id == "GRPC001"),
        "the Service rule did not fire: {d:#?}"
    );
    assert!(
        !d.iter().any(|d| d.code == codes::UNCHECKED_KIND),
        "the Service was not checked: {d:#?}"
    );
}

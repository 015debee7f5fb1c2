//! istio-grpc-types: serde_yaml interop, durations, errors that say where, kube::Api use,
//! secrets kept out of Debug.

use istio_grpc_types::{Duration, IstioKind, Object, VirtualService, yaml};
use serde::Deserialize;

use crate::support::{self, is_istio_kind};

/// The round trip also holds through serde_yaml (deprecated, but users have it): every Istio
/// document of the valid corpus, read by serde_yaml straight into `Object`, equals what our
/// reader gives, and writing it with serde_yaml and reading it back gives the same object.
#[test]
fn serde_yaml_round_trip_on_corpus() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let mut checked = 0;
    for folder in ["manifests", "manifests-apidocs", "manifests-generated"] {
        for file in support::yaml_files(&istio.join(folder)) {
            let text = std::fs::read_to_string(&file).expect("read");
            let ours: Vec<_> = yaml::parse(&text)
                .into_iter()
                .filter_map(Result::ok)
                .collect();
            let theirs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&text)
                .map(|d| serde_yaml::Value::deserialize(d).expect("serde_yaml reads the corpus"))
                .filter(|v| !v.is_null())
                .collect();
            if ours.len() != theirs.len() {
                continue; // a document only one reader accepts (the L1080 snake_case example)
            }
            for (doc, value) in ours.iter().zip(theirs) {
                if !is_istio_kind(&doc.source.json()) {
                    continue;
                }
                let via_serde_yaml: Object = serde_yaml::from_value(value)
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                assert_eq!(
                    via_serde_yaml,
                    doc.object,
                    "{}: serde_yaml reads a different object",
                    file.display()
                );
                let written = serde_yaml::to_string(&doc.object).expect("serde_yaml writes");
                let back: Object = serde_yaml::from_str(&written)
                    .unwrap_or_else(|e| panic!("{}: {e}\n{written}", file.display()));
                assert_eq!(
                    back,
                    doc.object,
                    "{}: serde_yaml round trip changed the object",
                    file.display()
                );
                checked += 1;
            }
        }
    }
    eprintln!("{checked} Istio documents round-trip through serde_yaml");
    assert!(checked > 400, "only {checked} documents checked");
}

/// serde_yaml's scanner (libyaml) refuses the YAML trap outright: an error with its position,
/// never a silently different value. What we write is read the same way by both.
#[test]
fn serde_yaml_on_the_yaml_trap_errs_or_agrees() {
    let text = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: trap}\nspec:\n  hosts: [example.com]\n  addresses: [1.2.3.4, 001:db8::]\n";
    let err = serde_yaml::from_str::<Object>(text)
        .expect_err("libyaml cannot scan `001:db8::` in a flow sequence");
    assert!(err.location().is_some_and(|l| l.line() == 6), "{err}");
    let ours = yaml::objects_from_str(text).expect("we read it as Kubernetes does");
    let written = yaml::to_string(&ours).expect("write");
    let Object::ServiceEntry(se) =
        serde_yaml::from_str::<Object>(written.trim_start_matches("---\n"))
            .expect("serde_yaml reads our output")
    else {
        panic!("kind")
    };
    assert_eq!(
        se.spec.addresses,
        Some(vec!["1.2.3.4".to_owned(), "001:db8::".to_owned()])
    );
}

#[test]
fn durations_follow_go() {
    let ok = [
        ("0", 0),
        ("0s", 0),
        ("1h", 3_600_000_000_000),
        ("1m30s", 90_000_000_000),
        ("1.5s", 1_500_000_000),
        ("300ms", 300_000_000),
        ("250us", 250_000),
        ("250\u{b5}s", 250_000),
        ("10ns", 10),
        ("-1.5h", -5_400_000_000_000),
        ("+5s", 5_000_000_000),
        (".5s", 500_000_000),
        ("1.s", 1_000_000_000),
        ("2h45m", 9_900_000_000_000),
    ];
    for (text, nanos) in ok {
        let d: Duration = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(d.as_nanos(), nanos, "{text}");
    }
    for bad in [
        "",
        "5",
        "1",
        "s",
        ".s",
        "1d",
        "1.5",
        "-",
        "1h-2m",
        "9999999999h",
        "1 s",
        "one second",
    ] {
        assert!(
            bad.parse::<Duration>().is_err(),
            "{bad:?} should be refused"
        );
    }
    let canonical = [
        ("60s", "60s"),
        ("1m", "60s"),
        ("1.5s", "1.500s"),
        ("1ms", "0.001s"),
        ("1us", "0.000001s"),
        ("1ns", "0.000000001s"),
        ("24h", "86400s"),
        ("0", "0s"),
        ("-1.5s", "-1.500s"),
    ];
    for (text, written) in canonical {
        assert_eq!(
            text.parse::<Duration>().expect("valid").to_string(),
            written,
            "{text}"
        );
    }
}

#[test]
fn errors_name_document_line_column_and_path() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# the route\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: grpc-vs\nspec:\n  http:\n  - route:\n    - destination: {host: grpc-service}\n    timout: 5s\n";
    let docs = yaml::parse(text);
    assert!(docs[0].is_ok());
    let err = docs[1].as_ref().expect_err("timout is a typo");
    assert_eq!(err.document(), Some(2));
    assert_eq!(err.path(), Some("spec.http[0].timout"));
    let at = err.location().expect("location");
    assert_eq!((at.line, at.column), (14, 5), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("unknown field `timout`") && message.contains("`timeout`"),
        "{message}"
    );

    let cases = [
        (
            "spec:\n  http:\n  - timeout: soon\n",
            "spec.http[0].timeout",
            "invalid duration \"soon\"",
        ),
        ("spec:\n  hosts: 3\n", "spec.hosts", "expected a list"),
        (
            "spec:\n  http:\n  - route:\n    - destination: {host: a, port: {number: -1}}\n",
            "spec.http[0].route[0].destination.port.number",
            "-1",
        ),
        (
            "spec:\n  http:\n  - match:\n    - uri: {exact: a, prefix: b}\n",
            "spec.http[0].match[0].uri",
            "only one of",
        ),
        (
            "metadata:\n  lables: {a: b}\nspec: {}\n",
            "metadata.lables",
            "unknown field `lables`",
        ),
    ];
    for (body, path, needle) in cases {
        let text = format!("apiVersion: networking.istio.io/v1\nkind: VirtualService\n{body}");
        let err = yaml::from_str(&text).expect_err(body);
        assert_eq!(err.path(), Some(path), "{err}");
        assert!(err.to_string().contains(needle), "{err}");
        assert!(err.location().is_some(), "{err}");
    }
}

#[test]
fn wrong_group_and_version_say_what_was_expected() {
    let err = yaml::from_str("apiVersion: networking.rypt.io/v1\nkind: VirtualService\nspec: {}\n")
        .expect_err("typo");
    assert_eq!(err.path(), Some("apiVersion"));
    let m = err.to_string();
    assert!(
        m.contains("\"networking.rypt.io\"") && m.contains("expected networking.istio.io/v1"),
        "{m}"
    );
    let err = yaml::from_str("apiVersion: networking.istio.io/v1\nkind: EnvoyFilter\nspec: {}\n")
        .expect_err("EnvoyFilter is v1alpha3 only");
    assert!(
        err.to_string().contains("networking.istio.io/v1alpha3"),
        "{err}"
    );
    // the Gateway API's Gateway is not Istio's: it is typed as the Gateway API's
    let docs = yaml::objects_from_str("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {gatewayClassName: istio, listeners: []}\n").expect("reads");
    assert!(matches!(&docs[0], Object::K8sGateway(g) if g.spec.gateway_class_name == "istio"));
    // another project's Gateway is not ours, and is carried through untouched
    let docs = yaml::objects_from_str("apiVersion: example.com/v1\nkind: Gateway\nmetadata: {name: g}\nspec: {gatewayClassName: istio}\n").expect("reads");
    assert!(
        matches!(&docs[0], Object::Other(o) if o.as_json()["spec"]["gatewayClassName"] == "istio")
    );
}

#[test]
fn served_versions_are_kept_and_new_objects_use_storage() {
    let docs = yaml::objects_from_str("apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\nmetadata: {name: a}\nspec: {}\n").expect("reads");
    let written = yaml::to_string(&docs).expect("writes");
    assert!(
        written.contains("apiVersion: networking.istio.io/v1alpha3"),
        "{written}"
    );
    let fresh = VirtualService::new("b", Default::default());
    assert_eq!(fresh.api_version_str(), "networking.istio.io/v1");
}

#[test]
fn kinds_work_with_kube_api() {
    use kube::Resource;
    assert_eq!(
        VirtualService::url_path(&(), Some("shop")),
        "/apis/networking.istio.io/v1/namespaces/shop/virtualservices"
    );
    assert_eq!(
        istio_grpc_types::EnvoyFilter::api_version(&()),
        "networking.istio.io/v1alpha3"
    );
    assert_eq!(
        istio_grpc_types::PeerAuthentication::PLURAL,
        "peerauthentications"
    );
    // `kube::Api<T>` needs Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug:
    // this function type-checks only if that holds. It is never called (no cluster here).
    fn _typed_api(client: kube::Client) -> kube::Api<VirtualService> {
        kube::Api::namespaced(client, "shop")
    }
}

#[test]
fn secret_data_never_shows_in_debug() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: grpc-tls-credential, namespace: istio-system}\ntype: kubernetes.io/tls\nstringData:\n  tls.crt: PUBLIC-CERT\n  tls.key: VERY-SECRET-KEY\n";
    let docs = yaml::objects_from_str(text).expect("reads");
    let debug = format!("{docs:?}");
    assert!(
        !debug.contains("VERY-SECRET-KEY") && !debug.contains("PUBLIC-CERT"),
        "{debug}"
    );
    assert!(
        debug.contains("tls.key") && debug.contains("grpc-tls-credential"),
        "{debug}"
    );
}

#[test]
fn unknown_fields_of_kubernetes_kinds_are_not_lost() {
    let err = yaml::from_str("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 50051\n    appProtocl: grpc\n").expect_err("typo");
    assert_eq!(err.path(), Some("spec.ports[0].appProtocl"), "{err}");
    assert_eq!(err.location().map(|l| l.line), Some(7), "{err}");
}

#[test]
fn non_objects_and_syntax_errors_are_reported_and_the_rest_is_read() {
    let docs = yaml::parse(
        "just a string\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkey: [unclosed\n",
    );
    assert_eq!(docs.len(), 3);
    assert!(
        docs[0]
            .as_ref()
            .is_err_and(|e| e.to_string().contains("expected a Kubernetes object"))
    );
    assert!(docs[1].is_ok());
    let syntax = docs[2].as_ref().expect_err("unclosed bracket");
    assert!(
        matches!(syntax, istio_grpc_types::Error::Syntax { .. }),
        "{syntax}"
    );
    assert_eq!(syntax.location().map(|l| l.line), Some(7), "{syntax}");
}

#[test]
fn output_is_deterministic() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let text = std::fs::read_to_string(
        istio.join("manifests/samples__bookinfo__networking__destination-rule-all.yaml"),
    )
    .expect("read");
    let objects = yaml::objects_from_str(&text).expect("reads");
    let first = yaml::to_string(&objects).expect("writes");
    let second =
        yaml::to_string(&yaml::objects_from_str(&first).expect("re-reads")).expect("writes");
    assert_eq!(first, second);
}

/// Large streams are read on several threads: the results must be those of a sequential read,
/// in stream order, with the stream's document indices and line numbers.
#[test]
fn large_streams_read_in_order_with_their_lines() {
    let doc = |i: usize| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v{i}\n")
    };
    let mut text = String::new();
    for i in 1..=1000 {
        text.push_str("---\n");
        if i == 777 {
            text.push_str(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  lables: {}\n\n",
            );
        } else {
            text.push_str(&doc(i));
        }
    }
    let docs = yaml::parse(&text);
    assert_eq!(docs.len(), 1000);
    for (i, d) in docs.iter().enumerate() {
        let n = i + 1;
        if n == 777 {
            let e = d.as_ref().expect_err("typo");
            assert_eq!(e.document(), Some(777));
            // 776 documents of 7 lines before it; `lables` is on line 5 of its document
            assert_eq!(e.location().map(|l| l.line), Some(776 * 7 + 6), "{e}");
        } else {
            let d = d.as_ref().expect("valid");
            assert_eq!(d.index, n);
            assert_eq!(d.object.name(), Some(format!("cm-{n}").as_str()));
            assert_eq!(
                d.source.locate("data.k").map(|l| l.line),
                Some((n - 1) * 7 + 7)
            );
        }
    }
}

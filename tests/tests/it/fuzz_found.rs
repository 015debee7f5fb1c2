//! Every failure the fuzzing harness (`fuzz_manifests.rs`, `types_fuzz.rs`) has found, each as
//! a named test with its minimal input, written out (the proptest seeds in
//! `tests/tests/proptest-regressions/` replay the generated cases too, but depend on the
//! corpus and the generators staying as they are).

use crate::fuzz_manifests::{check_analyzer, check_analyzer_in_memory, check_types};

fn everything(text: &str) {
    check_types(text);
    check_analyzer(text);
    check_analyzer_in_memory(text);
}

/// A value with a line break (here the `apiVersion`, quoted in the "not checked" finding) made
/// one finding two lines of the human report; an escape sequence reached the terminal as is.
/// Fixed in `Diagnostic`'s `Display`, which escapes control, bidi and line-separator
/// characters.
#[test]
fn a_line_break_in_a_value_keeps_the_finding_on_one_line() {
    everything("apiVersion: \"crlf\\r\\n\"\nkind: Service\nmetadata: {name: my-ingressgateway}\n");
    everything("apiVersion: \"v1\\u001b[2J\"\nkind: Thing\nmetadata: {name: \"a\\u202eb\"}\n");
}

/// A Kubernetes kind with fields k8s-openapi does not know (here a Service's `ports` and
/// `selector` nested under `metadata`, a line dropped by the harness) is kept as written when
/// read leniently, and the reader listed those fields; `Object::unknown_fields` listed none,
/// so the analyzer given the object in memory did not report them. Fixed in
/// `Object::unknown_fields`, which types such an object again to name them.
#[test]
fn a_kept_kubernetes_object_names_its_unknown_fields() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: my-ingressgateway\n  ports:\n  - name: http2\n    port: 80\n  selector:\n    myapp: private-ingressgateway\n";
    everything(text);
    let options =
        istio_grpc_types::yaml::Options::default().strictness(istio_grpc_types::Strictness::Keep);
    let doc = istio_grpc_types::yaml::parse_with(text, &options)
        .remove(0)
        .expect("read leniently");
    let paths: Vec<String> = doc
        .object
        .unknown_fields()
        .into_iter()
        .map(|u| u.path)
        .collect();
    assert_eq!(paths, ["metadata.ports", "metadata.selector"]);
    let mut inputs = istio_grpc_analyze::Inputs::new();
    inputs.add_object(doc.object);
    let report = istio_grpc_analyze::analyze(&inputs, &istio_grpc_analyze::Options::default());
    let reported: Vec<&str> = report
        .diagnostics()
        .iter()
        .filter(|d| d.code == istio_grpc_analyze::codes::INVALID_DOCUMENT)
        .map(|d| d.path.as_str())
        .collect();
    assert_eq!(reported, ["metadata.ports", "metadata.selector"]);
}

/// The same with a damaged key (a byte of a real file turned into U+FFFD): `spec.\u{fffd} name`.
#[test]
fn a_damaged_key_of_a_kubernetes_object_is_named() {
    everything(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: httpbin\n  namespace: default\nspec:\n  ports:\n  \u{fffd} name: h\n",
    );
}

//! [`Analysis`], which checks each document as it is read and keeps only what the checks across
//! documents need, gives what [`analyze`] gives over [`Inputs`] holding every object: the same
//! findings, in the same order, on Istio's corpora file by file and as one folder, on one thread
//! and on several.

use std::path::Path;

use istio_grpc_analyze::{Analysis, CrdSet, Inputs, Options, analyze};

use crate::support;

fn options(threads: usize) -> Options {
    Options::default()
        .crds(CrdSet::istio().expect("built-in CRDs"))
        .threads(threads)
}

fn both(path: &Path, threads: usize) {
    let options = options(threads);
    let mut inputs = Inputs::new();
    inputs.add_path(path);
    let held = analyze(&inputs, &options);
    let mut analysis = Analysis::new(&options);
    analysis.add_path(path);
    let streamed = analysis.finish();
    assert_eq!(
        streamed.diagnostics(),
        held.diagnostics(),
        "{}: the findings of the two ways differ",
        path.display()
    );
    assert_eq!(streamed.documents(), held.documents(), "{}", path.display());
    assert_eq!(streamed.exit_code(), held.exit_code(), "{}", path.display());
    assert_eq!(
        streamed.suppressed(),
        held.suppressed(),
        "{}",
        path.display()
    );
}

#[test]
fn checking_as_read_finds_what_checking_held_objects_finds() {
    let Some(istio) = support::istio_dir() else {
        return;
    };
    let mut files = 0;
    for corpus in [
        "manifests",
        "manifests-invalid",
        "manifests-generated",
        "manifests-apidocs",
    ] {
        let dir = istio.join(corpus);
        for path in support::yaml_files(&dir) {
            both(&path, 1);
            files += 1;
        }
        // one folder: objects of one file refer to those of others
        both(&dir, 2);
    }
    assert!(files > 100, "the corpora are there: {files} files");
}

/// A large mesh with findings of both kinds (a route's own, and one across objects: a port not
/// declared HTTP/2, a missing gateway), read on several threads.
#[test]
fn checking_as_read_finds_what_checking_held_objects_finds_on_a_large_mesh() {
    let mut text = String::new();
    for i in 0..1500 {
        let port = if i % 7 == 0 { "http" } else { "grpc" };
        let gateway = if i % 11 == 0 {
            "missing"
        } else {
            "grpc-gateway"
        };
        text.push_str(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: svc-{i}, namespace: shop}}\nspec:\n  selector: {{app: svc-{i}}}\n  ports: [{{name: {port}, port: 50051}}]\n---\n\
             apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: svc-{i}, namespace: shop}}\nspec:\n  hosts: [api.example.com]\n  gateways: [{gateway}]\n  http:\n  - match: [{{uri: {{prefix: /pkg.Svc{i}/}}}}]\n    route: [{{destination: {{host: svc-{i}, port: {{number: 50051}}}}}}]\n    retries: {{attempts: 2, retryOn: 'unavailable,5xx'}}\n---\n"
        ));
    }
    text.push_str("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: grpc-gateway, namespace: shop}\nspec:\n  selector: {istio: ingressgateway}\n  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [api.example.com]\n    tls: {mode: SIMPLE, credentialName: cert}\n");
    let dir = std::env::temp_dir().join(format!("istio-grpc-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("mesh.yaml");
    std::fs::write(&file, &text).expect("write");
    let options = options(2);
    let mut analysis = Analysis::new(&options);
    analysis.add_path(&file);
    let report = analysis.finish();
    let codes: std::collections::BTreeSet<&str> =
        report.diagnostics().iter().map(|d| d.code.id).collect();
    for expected in ["GRPC001", "GRPC004", "IST0101"] {
        assert!(codes.contains(expected), "{expected} in {codes:?}");
    }
    assert!(
        report.diagnostics().iter().all(|d| d.location.is_some()),
        "every finding located"
    );
    both(&file, 2);
    std::fs::remove_dir_all(&dir).ok();
}

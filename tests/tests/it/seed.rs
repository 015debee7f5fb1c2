//! The main job (`cargo run -p istio-grpc-examples --bin seed`) and the examples
//! (`--example NAME`): what they print passes `istio-grpc check` (the analyzer in-process, with
//! the CRD schema and CEL rules built into it, as the CLI runs it) and Istio's CRDs from the
//! reference data; the main job's Secret holds a real certificate for the host, signed by the
//! CA it tells clients to trust.

use istio_grpc_analyze::{CrdSet, Inputs, Options, Report, Severity, analyze, codes};
use istio_grpc_examples::main_job::{
    CREDENTIAL, HOST, HostCertificate, MainJob, PROXYLESS_SERVICE, PROXYLESS_VERSIONS,
};
use istio_grpc_types::Object;
use x509_parser::extensions::GeneralName;
use x509_parser::pem::parse_x509_pem;

fn job() -> (HostCertificate, MainJob) {
    let certificate = HostCertificate::self_signed(HOST).expect("rcgen makes a certificate");
    let job = MainJob::new(&certificate).expect("the main job builds");
    (certificate, job)
}

/// What `istio-grpc check` reports on `text` read as one file: the built-in CRDs (schema and
/// CEL) are on, as in the CLI.
fn check(name: &str, text: &str) -> Report {
    let mut inputs = Inputs::new();
    inputs.add_yaml(Some(std::path::Path::new(name)), text);
    let options = Options::default().crds(CrdSet::istio().expect("the built-in CRDs load"));
    analyze(&inputs, &options)
}

fn errors(report: &Report) -> Vec<String> {
    report
        .diagnostics()
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

/// Every Istio object of `objects` against `crd-all.gen.yaml` from the reference data.
fn assert_crds_accept(objects: &[Object]) {
    let Some(crds) = crate::support::crds() else {
        return;
    };
    let mut istio = 0;
    for object in objects {
        let json = object.to_json().expect("json");
        if !crate::support::is_istio_kind(&json) {
            continue;
        }
        istio += 1;
        let findings = crds.check(&json);
        assert!(
            findings.is_valid(),
            "{} {:?}: {findings:?}",
            object.kind(),
            object.name()
        );
    }
    assert!(istio > 0, "no Istio object among {} objects", objects.len());
}

#[test]
fn main_job_output_checks_clean() {
    let (_, job) = job();
    let text = job
        .to_text(std::path::Path::new("grpc.example.com-ca.crt"))
        .expect("writes");
    let report = check("seed.yaml", &text);
    assert!(errors(&report).is_empty(), "{:#?}", errors(&report));
    assert_eq!(report.exit_code(), 0, "{:#?}", report.diagnostics());
    // The warnings are the article's own choice (retrying resource-exhausted, GRPC005) and the
    // gRPC-Web EnvoyFilter's relative insertion (IST0151, as istioctl says of it).
    let warnings: std::collections::BTreeSet<&str> =
        report.diagnostics().iter().map(|d| d.code.id).collect();
    let expected: std::collections::BTreeSet<&str> = [
        codes::RETRY_STORM.id,
        codes::ENVOY_FILTER_RELATIVE_OPERATION.id,
    ]
    .into();
    assert_eq!(warnings, expected, "{:#?}", report.diagnostics());
    // Every printed object was read back: nothing lost to the comments around them.
    let read = istio_grpc_types::yaml::objects_from_str(&text).expect("reads back");
    assert_eq!(read, job.objects);
}

#[test]
fn main_job_objects_pass_istio_crds() {
    let (_, job) = job();
    assert_crds_accept(&job.objects);
}

/// Everything the article configures is in the main job.
#[test]
fn main_job_holds_everything_the_article_configures() {
    let (_, job) = job();
    let kinds: Vec<&str> = job.objects.iter().map(Object::kind).collect();
    for kind in [
        "Gateway",
        "Secret",
        "VirtualService",
        "DestinationRule",
        "Service",
        "EnvoyFilter",
        "Deployment",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let text = job.to_text(std::path::Path::new("ca.crt")).expect("writes");
    for needle in [
        "prefix: /mypackage.UserService/",
        "prefix: /mypackage.OrderService/",
        "prefix: /grpc.health.v1.Health/",
        "prefix: /mypackage.FeedService/",
        "retryOn: unavailable,resource-exhausted,internal",
        "perTryTimeout: 20s",
        "timeout: 60s",
        "envoy.filters.http.grpc_web",
        "exact: https://myapp.example.com",
        "simple: ROUND_ROBIN",
        "mode: ISTIO_MUTUAL",
        "credentialName: grpc-tls-credential",
        "appProtocol: grpc",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
    // The streaming service's route has no timeout, and `0s` appears nowhere.
    assert!(!text.contains("timeout: 0s"), "{text}");
}

/// The proxyless server's pod templates carry the article's annotations and select the
/// Service's pods, one Deployment per DestinationRule subset.
#[test]
fn proxyless_deployments_carry_the_annotations() {
    let (_, job) = job();
    let deployments: Vec<_> = job
        .objects
        .iter()
        .filter_map(|o| match o {
            Object::Deployment(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(deployments.len(), PROXYLESS_VERSIONS.len());
    for (d, version) in deployments.iter().zip(PROXYLESS_VERSIONS) {
        let meta = d.spec.template.metadata.as_ref().expect("pod metadata");
        let annotations = meta.annotations.as_ref().expect("annotations");
        assert_eq!(annotations["inject.istio.io/templates"], "grpc-agent");
        assert_eq!(
            annotations["proxy.istio.io/config"],
            r#"{"holdApplicationUntilProxyStarts": true}"#
        );
        let labels = meta.labels.as_ref().expect("labels");
        assert_eq!(labels["app"], PROXYLESS_SERVICE);
        assert_eq!(labels["version"], version);
        assert_eq!(labels["security.istio.io/tlsMode"], "istio");
        let selector = d.spec.selector.match_labels.as_ref().expect("selector");
        assert!(selector.iter().all(|(k, v)| labels.get(k) == Some(v)));
    }
    // The analyzer sees them as proxyless workloads: under a mesh-wide PERMISSIVE
    // PeerAuthentication, their tlsMode label is what keeps mTLS on; without it, GRPC011.
    let permissive = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls:\n    mode: PERMISSIVE\n";
    let permissive_found = |objects: Vec<Object>| {
        let mut inputs = Inputs::new();
        for o in objects {
            inputs.add_object(o);
        }
        inputs.add_yaml(None, permissive);
        analyze(&inputs, &Options::default())
            .diagnostics()
            .iter()
            .any(|d| d.code == codes::PROXYLESS_PERMISSIVE)
    };
    assert!(!permissive_found(job.objects.clone()));
    let mut unlabelled = job.objects.clone();
    for o in &mut unlabelled {
        if let Object::Deployment(d) = o
            && let Some(labels) = d
                .spec
                .template
                .metadata
                .as_mut()
                .and_then(|m| m.labels.as_mut())
        {
            labels.remove("security.istio.io/tlsMode");
        }
    }
    assert!(permissive_found(unlabelled));
}

/// The Secret's certificate parses, names the host, is for TLS servers, and is signed by the
/// CA the main job writes for clients; its key is the certificate's.
#[test]
fn secret_holds_a_certificate_for_the_host() {
    let (certificate, job) = job();
    let secret = job
        .objects
        .iter()
        .find_map(|o| match o {
            Object::Secret(s) => Some(s),
            _ => None,
        })
        .expect("a Secret");
    assert_eq!(secret.metadata.name.as_deref(), Some(CREDENTIAL));
    assert_eq!(secret.metadata.namespace.as_deref(), Some("istio-system"));
    assert_eq!(secret.type_.as_deref(), Some("kubernetes.io/tls"));
    let data = secret.data.as_ref().expect("data");
    let crt = &data["tls.crt"].0;
    let key = std::str::from_utf8(&data["tls.key"].0).expect("PEM key");

    let (_, pem) = parse_x509_pem(crt).expect("tls.crt is PEM");
    let cert = pem.parse_x509().expect("tls.crt is an X.509 certificate");
    let san = cert
        .subject_alternative_name()
        .expect("a well-formed SAN extension")
        .expect("a SAN extension");
    let names: Vec<&str> = san
        .value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some(*d),
            _ => None,
        })
        .collect();
    assert_eq!(names, [HOST]);
    let eku = cert
        .extended_key_usage()
        .expect("well-formed")
        .expect("an extended key usage");
    assert!(eku.value.server_auth);
    assert!(!cert.is_ca());

    let (_, ca_pem) = parse_x509_pem(certificate.ca_pem().as_bytes()).expect("the CA is PEM");
    let ca = ca_pem.parse_x509().expect("the CA is X.509");
    assert!(ca.is_ca());
    assert_eq!(cert.issuer(), ca.subject());
    cert.verify_signature(Some(ca.public_key()))
        .expect("the certificate is signed by the CA clients are told to trust");
    assert!(ca.verify_signature(Some(cert.public_key())).is_err());

    let key = rcgen::KeyPair::from_pem(key).expect("tls.key is a private key");
    assert_eq!(
        key.public_key_raw(),
        &*cert.public_key().subject_public_key.data
    );
    // The key stays out of Debug output.
    let debug = format!("{certificate:?}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
}

/// Two runs make two different certificates: nothing is fixed in the binary.
#[test]
fn each_run_makes_its_own_certificate() {
    let a = HostCertificate::self_signed(HOST).expect("made");
    let b = HostCertificate::self_signed(HOST).expect("made");
    assert_ne!(a.cert_pem(), b.cert_pem());
    assert_ne!(a.ca_pem(), b.ca_pem());
}

/// The printed checks trust the CA file by the path given, and name the host as authority
/// (grpcurl's server name for TLS).
#[test]
fn printed_checks_use_the_ca_file() {
    let (_, job) = job();
    let text = job
        .to_text(std::path::Path::new("/tmp/some-ca.crt"))
        .expect("writes");
    let checks: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("# grpcurl "))
        .collect();
    assert_eq!(checks.len(), job.mesh.grpcurl_checks().len(), "{text}");
    for c in checks {
        assert!(
            c.starts_with("# grpcurl -cacert /tmp/some-ca.crt ")
                && c.contains(" -authority grpc.example.com $GATEWAY_IP:443 "),
            "{c}"
        );
    }
}

/// Every example (`examples/examples/*.rs`) is listed, runs, and prints manifests that pass
/// the same checks.
#[test]
fn every_example_runs_and_checks_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/examples");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples/examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = istio_grpc_examples::example::ALL
        .iter()
        .map(|e| e.name.to_owned())
        .collect();
    assert_eq!(
        on_disk, listed,
        "examples/src/example.rs lists every example"
    );
    for example in istio_grpc_examples::example::ALL {
        let name = example.name;
        let text = (example.output)().unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = check(&format!("{name}.yaml"), &text);
        assert!(errors(&report).is_empty(), "{name}: {:#?}", errors(&report));
        let objects = istio_grpc_types::yaml::objects_from_str(&text)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            objects.iter().any(|o| o.kind() == "Gateway"),
            "{name}: {text}"
        );
        assert_crds_accept(&objects);
    }
}

/// Each example's `main` (what `cargo run --example NAME` runs) succeeds.
#[test]
fn every_example_main_succeeds() {
    for example in istio_grpc_examples::example::ALL {
        (example.main)().unwrap_or_else(|e| panic!("{}: {e}", example.name));
    }
}

/// The `.proto` examples follow the proto: the greeter's streaming methods get no timeout,
/// its unary ones theirs.
#[test]
fn proto_examples_follow_the_proto() {
    use istio_grpc_examples::example::{routes_from_a_proto, routes_from_a_tonic_trait};
    let by_descriptor = routes_from_a_proto::output().expect("runs");
    assert!(by_descriptor.contains("prefix: /helloworld.Greeter/"));
    let by_trait = routes_from_a_tonic_trait::output().expect("runs");
    assert!(by_trait.contains("exact: /helloworld.Greeter/SayHello"));
    assert!(by_trait.contains("exact: /helloworld.Greeter/LotsOfReplies"));
    let timeouts: Vec<&str> = by_trait
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("timeout:"))
        .collect();
    assert_eq!(timeouts, ["timeout: 5s"], "{by_trait}");
}

/// The main job's certificate on live traffic: its Secret's certificate and key served by a
/// real Envoy rendered from the main job's objects (as istiod would configure the gateway), a
/// health check run as printed (`grpcurl -cacert <CA file> -authority grpc.example.com …`)
/// succeeds, and without `-cacert` grpcurl refuses the certificate: the CA file is what makes
/// it trusted. Needs `ENVOY_BIN` and `GRPCURL_BIN` (skips without them, fails under CI).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_job_certificate_is_trusted_through_the_ca_file() {
    use istio_grpc_lab::{Certs, Gateway, greeter};
    let tag = "seed-main-job";
    let Some(envoy) = istio_grpc_lab::envoy(tag) else {
        return;
    };
    let Some(grpcurl) = istio_grpc_lab::grpcurl(tag) else {
        return;
    };
    let (certificate, job) = job();
    let secret = job
        .objects
        .iter()
        .find_map(|o| match o {
            Object::Secret(s) => s.data.clone(),
            _ => None,
        })
        .expect("the Secret's data");
    let dir = std::env::temp_dir().join(format!("istio-grpc-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    // `Certs` removes the folder on drop, also when the test fails.
    let certs = Certs {
        ca_pem: certificate.ca_pem().to_owned(),
        ca_file: write("grpc.example.com-ca.crt", certificate.ca_pem().as_bytes()),
        cert_file: write("tls.crt", &secret["tls.crt"].0),
        key_file: write("tls.key", &secret["tls.key"].0),
        dir: dir.clone(),
    };
    let backend = greeter().await;
    let services: Vec<String> = job
        .objects
        .iter()
        .filter(|o| o.kind() == "Service")
        .filter_map(|o| o.name().map(str::to_owned))
        .collect();
    let upstreams: Vec<(&str, std::net::SocketAddr)> = services
        .iter()
        .map(|s| (s.as_str(), backend.addr))
        .collect();
    let gw = Gateway::start(&envoy, tag, &job.objects, &upstreams, &certs);
    let address = gw.tls.expect("a TLS listener").to_string();
    let health = job
        .mesh
        .grpcurl_checks()
        .into_iter()
        .find(|c| c.to_string().contains("grpc.health.v1.Health/Check"))
        .expect("a health check is printed");
    let args: Vec<String> = health
        .args()
        .into_iter()
        .map(|a| a.replace("$GATEWAY_IP:443", &address))
        .collect();
    let run = |with_ca: bool| {
        let mut command = tokio::process::Command::new(&grpcurl);
        if with_ca {
            command.arg("-cacert").arg(&certs.ca_file);
        }
        command
            .args(&args)
            .env_remove("SSL_CERT_FILE")
            .kill_on_drop(true)
            .output()
    };
    let trusted = tokio::time::timeout(std::time::Duration::from_secs(20), run(true))
        .await
        .expect("grpcurl finishes within 20 s")
        .expect("grpcurl runs");
    let stdout = String::from_utf8_lossy(&trusted.stdout);
    assert!(
        trusted.status.success() && stdout.contains("SERVING"),
        "{}\n{stdout}",
        String::from_utf8_lossy(&trusted.stderr)
    );
    let untrusted = tokio::time::timeout(std::time::Duration::from_secs(20), run(false))
        .await
        .expect("grpcurl finishes within 20 s")
        .expect("grpcurl runs");
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert!(
        !untrusted.status.success() && stderr.contains("certificate"),
        "without -cacert: {stderr}"
    );
}

//! `istio-grpc check` run as a process: files with errors, clean files, non-YAML, empty input,
//! stdin, JSON output, CRDs.

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Runs `istio-grpc check ARGS...` and waits for it.
fn check(args: &[&OsStr]) -> Output {
    bin()
        .arg("check")
        .args(args)
        .output()
        .expect("the binary runs")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_istio-grpc"))
}

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn write(name: &str, text: &str) -> PathBuf {
    let p = dir().join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const CLEAN: &str = "apiVersion: v1\nkind: Service\nmetadata: {name: grpc-service}\nspec:\n  ports:\n  - {name: grpc, port: 50051}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: grpc-vs}\nspec:\n  hosts: [grpc.example.com]\n  http:\n  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: grpc-service, port: {number: 50051}}}]\n";

#[test]
fn clean_file_exits_0() {
    let f = write("clean.yaml", CLEAN);
    let o = check(&[f.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("0 errors, 0 warnings in 2 documents"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn file_with_errors_exits_1_with_file_line_and_fix() {
    let f = write(
        "vs.yaml",
        &CLEAN.replace("name: grpc, port", "name: http-api, port"),
    );
    let o = check(&[f.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("{}:15  error  GRPC001", f.display())),
        "{out}"
    );
    assert!(
        out.contains("is named \"http-api\"")
            && out.contains("reset reason: protocol error")
            && out.contains("fix: name the port"),
        "{out}"
    );
    assert!(out.contains("1 error, 0 warnings in 2 documents"), "{out}");
}

#[test]
fn non_yaml_is_reported_and_the_rest_checked_exit_2() {
    let bad = write("binary.yaml", "\u{0}\u{1}not: [yaml\n");
    let text = write("notes.yaml", "just some prose, not a manifest\n");
    let good = write(
        "vs2.yaml",
        &CLEAN.replace("name: grpc, port", "name: http, port"),
    );
    let o = check(&[bad.as_os_str(), text.as_os_str(), good.as_os_str()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("binary.yaml") && out.contains("GRPC013"),
        "{out}"
    );
    assert!(
        out.contains("notes.yaml") && out.contains("expected a Kubernetes object"),
        "{out}"
    );
    assert!(
        out.contains("GRPC001"),
        "the good file was still checked: {out}"
    );
}

#[test]
fn empty_input_exits_2() {
    let mut child = bin()
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run");
    drop(child.stdin.take());
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains("no documents found"), "{}", stdout(&o));
    let missing = check(&["/nonexistent/file.yaml".as_ref()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stdout(&missing).contains("cannot read"),
        "{}",
        stdout(&missing)
    );
}

#[test]
fn stdin_and_json_output() {
    let mut child = bin()
        .args(["check", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(CLEAN.replace("name: grpc, port", "port").as_bytes())
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON output");
    let d = &doc["diagnostics"][0];
    assert_eq!(d["code"], "GRPC001");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "<stdin>");
    assert_eq!(d["location"]["line"], 15);
    assert_eq!(d["path"], "spec.http[0].route[0].destination");
    assert_eq!(d["resource"]["kind"], "VirtualService");
    assert!(
        d["fix"]
            .as_str()
            .is_some_and(|f| f.contains("appProtocol: grpc"))
    );
    assert_eq!(doc["summary"]["errors"], 1);
    assert_eq!(doc["exitCode"], 1);
}

#[test]
fn crds_add_schema_and_cel_checks() {
    let crds =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/istio/crds/crd-all.gen.yaml");
    if !crds.exists() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "../shared/istio is missing beside the clone; CI needs it"
        );
        eprintln!("skipped: ../shared/istio not found");
        return;
    }
    let f = write(
        "zero.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: s}\nspec:\n  http:\n  - route: [{destination: {host: streaming-service}}]\n    timeout: 0s\n",
    );
    let o = check(&["--crds".as_ref(), crds.as_os_str(), f.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("IST0106") && out.contains("greater than 1ms"),
        "{out}"
    );
    assert!(out.contains("GRPC003"), "{out}");
    let bad = check(&["--crds".as_ref(), f.as_os_str(), f.as_os_str()]);
    assert_eq!(bad.status.code(), Some(2), "a manifest is not a CRD file");
}

/// With no flag the Istio CRDs built into the binary check schema and CEL rules; `--no-crds`
/// turns that off.
#[test]
fn built_in_crds_check_schema_and_cel_by_default() {
    let f = write(
        "zero-default.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: s}\nspec:\n  http:\n  - route: [{destination: {host: streaming-service}}]\n    timeout: 0s\n---\napiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers:\n  - hosts: [a.example.com]\n",
    );
    let o = check(&[f.as_os_str()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("IST0106  VirtualService default/s: spec.http[0].timeout")
            && out.contains("greater than 1ms"),
        "{out}"
    );
    assert!(
        out.contains("IST0106  Gateway default/g: spec.servers[0]") && out.contains("port"),
        "{out}"
    );
    let off = stdout(&check(&["--no-crds".as_ref(), f.as_os_str()]));
    assert!(!off.contains("IST0106"), "{off}");
}

/// The vendored CRDs are the reference data's, byte for byte (their source is documented in
/// istio-grpc-analyze/crds/README.md).
#[test]
fn vendored_crds_are_the_reference_crds() {
    let reference =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/istio/crds/crd-all.gen.yaml");
    let Ok(text) = std::fs::read_to_string(&reference) else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "../shared/istio is missing beside the clone; CI needs it"
        );
        eprintln!("skipped: ../shared/istio not found");
        return;
    };
    assert!(text == istio_grpc_analyze::ISTIO_CRDS, "the vendored CRDs differ from {}", reference.display());
    let set = istio_grpc_analyze::CrdSet::istio().expect("built-in CRDs load");
    assert!(set.covers("networking.istio.io/v1", "VirtualService"));
    assert!(!set.covers("gateway.networking.k8s.io/v1", "Gateway"));
}

/// `--descriptor-set`: the compiled `.proto` says which methods stream, and a route that serves
/// one with a finite timeout is an error; without it the analyzer cannot know.
#[test]
fn descriptor_set_tells_which_methods_stream() {
    use prost::Message;
    use prost_types::{
        FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto,
    };
    let set = FileDescriptorSet {
        file: vec![FileDescriptorProto {
            name: Some("feed.proto".into()),
            package: Some("mypackage".into()),
            service: vec![ServiceDescriptorProto {
                name: Some("FeedService".into()),
                method: vec![MethodDescriptorProto {
                    name: Some("Subscribe".into()),
                    input_type: Some(".mypackage.Req".into()),
                    output_type: Some(".mypackage.Event".into()),
                    server_streaming: Some(true),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let fds = dir().join("feed.bin");
    std::fs::write(&fds, set.encode_to_vec()).expect("write");
    let vs = write(
        "feed.yaml",
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: feed}\nspec:\n  hosts: [grpc.example.com]\n  http:\n  - match: [{uri: {prefix: /mypackage.FeedService}}]\n    route: [{destination: {host: streaming-service}}]\n    timeout: 60s\n",
    );
    let with = check(&["--descriptor-set".as_ref(), fds.as_os_str(), vs.as_os_str()]);
    assert_eq!(with.status.code(), Some(1), "{}", stdout(&with));
    assert!(
        stdout(&with).contains("GRPC002")
            && stdout(&with).contains("/mypackage.FeedService/Subscribe"),
        "{}",
        stdout(&with)
    );
    let without = check(&[vs.as_os_str()]);
    assert_eq!(without.status.code(), Some(0), "{}", stdout(&without));
    let not_fds = check(&["--descriptor-set".as_ref(), vs.as_os_str(), vs.as_os_str()]);
    assert_eq!(
        not_fds.status.code(),
        Some(2),
        "a YAML file is not a descriptor set"
    );
}

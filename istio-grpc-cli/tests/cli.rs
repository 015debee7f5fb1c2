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
    let diagnostics = doc["diagnostics"].as_array().expect("diagnostics");
    // the unnamed port is also IST0118 (info), on the Service
    assert!(
        diagnostics.iter().any(|d| d["code"] == "IST0118"),
        "{doc:#}"
    );
    let d = diagnostics
        .iter()
        .find(|d| d["code"] == "GRPC001")
        .unwrap_or_else(|| panic!("{doc:#}"));
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
    assert!(
        text == istio_grpc_analyze::ISTIO_CRDS,
        "the vendored CRDs differ from {}",
        reference.display()
    );
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

/// Only warnings: GRPC015 (a prefix that takes another service) and GRPC017 (a per-try timeout
/// that is not retried) on the first route, IST0130 on the second (the first one shadows it).
const WARNINGS_ONLY: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: grpc-vs, namespace: shop}\nspec:\n  hosts: [grpc.example.com]\n  http:\n  - match: [{uri: {prefix: /mypackage.UserService}}]\n    route: [{destination: {host: user}}]\n    retries: {attempts: 2, perTryTimeout: 1s, retryOn: unavailable}\n  - match: [{uri: {prefix: '/mypackage.UserServiceAdmin/'}}]\n    route: [{destination: {host: admin}}]\n";

fn sarif_schema() -> Option<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/sarif/sarif-schema-2.1.0.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "{} is missing; CI needs it",
            path.display()
        );
        eprintln!("skipped: {} not found", path.display());
        return None;
    };
    Some(serde_json::from_str(&text).expect("the SARIF schema is JSON"))
}

#[test]
fn sarif_output_validates_and_carries_rules_levels_locations_and_fixes() {
    let Some(schema) = sarif_schema() else { return };
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let warnings = write("sarif-warnings.yaml", WARNINGS_ONLY);
    let errors = write(
        "sarif-errors.yaml",
        &CLEAN.replace("name: grpc, port", "name: http-api, port"),
    );
    let o = check(&[
        "--format".as_ref(),
        "sarif".as_ref(),
        warnings.as_os_str(),
        errors.as_os_str(),
        "/nonexistent/input.yaml".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2), "unusable input keeps exit 2");
    let log: serde_json::Value = serde_json::from_slice(&o.stdout).expect("SARIF is JSON");
    let problems: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}\n{log:#}");
    // the validator does look: a level SARIF does not know is refused
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(rules.iter().any(|r| {
        r["id"] == "GRPC001"
            && r["defaultConfiguration"]["level"] == "error"
            && r["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
    }));
    let results = run["results"].as_array().expect("results");
    let by_rule = |id: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == id)
            .unwrap_or_else(|| panic!("no {id} in {log:#}"))
    };
    let grpc001 = by_rule("GRPC001");
    assert_eq!(grpc001["level"], "error");
    let region = &grpc001["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 15, "{grpc001:#}");
    assert_eq!(
        rules[grpc001["ruleIndex"].as_u64().expect("ruleIndex") as usize]["id"],
        "GRPC001"
    );
    assert!(
        grpc001["message"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("Fix: name the port")
    );
    // a fix that is a text edit becomes a SARIF fix with the exact region of the old text
    let grpc015 = results
        .iter()
        .find(|r| {
            r["ruleId"] == "GRPC015"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("sarif-warnings.yaml"))
        })
        .unwrap_or_else(|| panic!("no GRPC015 in sarif-warnings.yaml: {log:#}"));
    assert_eq!(grpc015["level"], "warning");
    let change = &grpc015["fixes"][0]["artifactChanges"][0];
    let replacement = &change["replacements"][0];
    assert_eq!(
        replacement["insertedContent"]["text"],
        "/mypackage.UserService/"
    );
    let deleted = &replacement["deletedRegion"];
    let line = WARNINGS_ONLY.lines().nth(6).expect("line 7");
    let start = line.find("/mypackage.UserService").expect("prefix") + 1;
    assert_eq!(
        (
            &deleted["startLine"],
            &deleted["startColumn"],
            &deleted["endColumn"]
        ),
        (
            &7.into(),
            &start.into(),
            &(start + "/mypackage.UserService".len()).into()
        ),
        "{grpc015:#}"
    );
    // the unreadable path is a result without an object
    assert!(results.iter().any(|r| r["ruleId"] == "GRPC013"));
}

#[test]
fn github_annotations() {
    let f = write("gh.yaml", WARNINGS_ONLY);
    let o = check(&["--format".as_ref(), "github".as_ref(), f.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "warnings do not fail by default");
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.contains("GRPC015"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.starts_with(&format!(
            "::warning file={},line=7,col=",
            f.display()
                .to_string()
                .replace(':', "%3A")
                .replace(',', "%2C")
        )),
        "{line}"
    );
    assert!(
        line.contains(",title=GRPC015 GrpcPrefixCapturesOtherService::VirtualService shop/grpc-vs: spec.http[0].match[0].uri.prefix: prefix /mypackage.UserService also takes"),
        "{line}"
    );
    assert!(
        line.contains("%0Afix: prefix: /mypackage.UserService/"),
        "{line}"
    );
    // and IST0130: the second route is shadowed by the first one's prefix
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::warning")).count(),
        3,
        "{out}"
    );
}

#[test]
fn fail_on_warning() {
    let f = write("fail-on.yaml", WARNINGS_ONLY);
    assert_eq!(check(&[f.as_os_str()]).status.code(), Some(0));
    let o = check(&["--fail-on".as_ref(), "warning".as_ref(), f.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let clean = write("fail-on-clean.yaml", CLEAN);
    let o = check(&["--fail-on".as_ref(), "warning".as_ref(), clean.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_baseline_accepts_known_findings_and_reports_new_ones() {
    let f = write(
        "baseline-input.yaml",
        &CLEAN.replace("name: grpc, port", "name: http-api, port"),
    );
    let baseline = dir().join("baseline.json");
    let first = check(&[
        "--write-baseline".as_ref(),
        baseline.as_os_str(),
        f.as_os_str(),
    ]);
    assert_eq!(first.status.code(), Some(1), "writing reports as usual");
    let written = std::fs::read_to_string(&baseline).expect("baseline written");
    assert!(written.contains("\"code\": \"GRPC001\""), "{written}");
    let o = check(&["--baseline".as_ref(), baseline.as_os_str(), f.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("0 errors, 0 warnings in 2 documents (1 accepted by the baseline)"),
        "{}",
        stdout(&o)
    );
    // a new finding (another route to the same port) is not in the baseline
    let grown = format!(
        "{}  - match: [{{uri: {{prefix: /mypackage.OrderService/}}}}]\n    route: [{{destination: {{host: grpc-service, port: {{number: 50051}}}}}}]\n",
        CLEAN.replace("name: grpc, port", "name: http-api, port")
    );
    std::fs::write(&f, grown).expect("write");
    let o = check(&["--baseline".as_ref(), baseline.as_os_str(), f.as_os_str()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("spec.http[1].route[0].destination"),
        "{}",
        stdout(&o)
    );
    let bad = write("not-a-baseline.json", "[1, 2]");
    let o = check(&["--baseline".as_ref(), bad.as_os_str(), f.as_os_str()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a baseline"));
}

#[test]
fn suppression_by_flag_and_by_annotation() {
    let broken = CLEAN.replace("name: grpc, port", "name: http-api, port");
    let f = write("suppress.yaml", &broken);
    let o = check(&[
        "--suppress".as_ref(),
        "GRPC001=VirtualService grpc-*.default".as_ref(),
        f.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("(1 suppressed)"), "{}", stdout(&o));
    // another namespace's pattern does not match
    let o = check(&[
        "--suppress".as_ref(),
        "GRPC001=VirtualService grpc-vs.shop".as_ref(),
        f.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let o = check(&["--suppress".as_ref(), "GRPC001".as_ref(), f.as_os_str()]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a malformed --suppress is a usage error"
    );
    let annotated = write(
        "suppress-annotation.yaml",
        &broken.replace(
            "metadata: {name: grpc-vs}",
            "metadata:\n  name: grpc-vs\n  annotations: {galley.istio.io/analyze-suppress: 'IST0101,GRPC001'}",
        ),
    );
    let o = check(&[annotated.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

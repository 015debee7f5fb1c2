//! `istio-grpc generate` run as a process: the example Greeter's `.proto` files (unary, the three
//! streaming kinds, health, names tonic's snake_case loses), stdin and stdout, a folder, flags,
//! imports and well-known types, and the errors a user meets.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use istio_grpc_builder::istio_grpc_types::{Object, yaml};
use istio_grpc_example_greeter::FILE_DESCRIPTOR_SET;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_istio-grpc"))
}

/// A scratch folder of one test, removed when the test ends (also on failure).
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("generate-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("scratch folder");
        Scratch(d)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn greeter_protos() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/greeter/proto")
}

/// `-I <greeter>/proto` and its three files.
fn greeter_args() -> Vec<String> {
    let dir = greeter_protos();
    let mut args = vec!["-I".to_owned(), dir.display().to_string()];
    for f in [
        "helloworld.proto",
        "grpc/health/v1/health.proto",
        "billing/v1/invoices.proto",
    ] {
        args.push(dir.join(f).display().to_string());
    }
    args
}

/// Runs `istio-grpc generate ARGS...` with `stdin` as its input.
fn generate(args: &[String], stdin: &str) -> Output {
    let mut child = bin()
        .arg("generate")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("the binary ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `istio-grpc generate ARGS...` expecting a refusal: exit status 1, nothing on stdout;
/// gives stderr.
fn refused(args: &[String], stdin: &str) -> String {
    let o = generate(args, stdin);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    text(&o.stderr)
}

fn objects(yaml_text: &str) -> Vec<Object> {
    yaml::objects_from_str(yaml_text).unwrap_or_else(|e| panic!("{e}\n{yaml_text}"))
}

/// The example Greeter's configuration, which `tests/tests/it/generate.rs` shows gives the same
/// objects as `#[routes]` and as the descriptor set by hand.
const CONFIG: &str = include_str!("../../schema/examples/greeter.yaml");

/// `-I <folder> <file> --host grpc.example.com` and `rest`.
fn one_file(folder: &Path, file: &Path, rest: &[&str]) -> Vec<String> {
    let mut args = vec![
        "-I".to_owned(),
        folder.display().to_string(),
        file.display().to_string(),
        "--host".to_owned(),
        "grpc.example.com".to_owned(),
    ];
    args.extend(rest.iter().map(|a| (*a).to_owned()));
    args
}

/// `.proto` files in, configuration on stdin, YAML on stdout: the library's objects for the
/// greeter's descriptor set (the macro way's, as the `it` test shows); `--descriptor-set` gives
/// the same bytes.
#[test]
fn protos_and_stdin_config_to_stdout_give_the_same_objects_as_the_library() {
    let mut args = greeter_args();
    args.extend(["--config".to_owned(), "-".to_owned()]);
    let o = generate(&args, CONFIG);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let library =
        istio_grpc_builder::config::manifests_from_descriptor_set(FILE_DESCRIPTOR_SET, CONFIG)
            .expect("the library generates");
    assert!(
        objects(&out) == library.objects(),
        "{out}\n{}",
        library.yaml()
    );
    assert_eq!(out, library.yaml());

    let scratch = Scratch::new("descriptor");
    let fds = scratch.0.join("fds.bin");
    std::fs::write(&fds, FILE_DESCRIPTOR_SET).expect("write the descriptor set");
    let args = [
        "--descriptor-set".to_owned(),
        fds.display().to_string(),
        "--config".to_owned(),
        "-".to_owned(),
    ];
    let o = generate(&args, CONFIG);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), out);
}

/// Flags for the simple case, a folder out, and `istio-grpc check` finds nothing in it.
#[test]
fn flags_into_a_folder_that_check_passes() {
    let scratch = Scratch::new("out");
    let out = scratch.0.join("deploy/istio");
    let mut args = greeter_args();
    args.extend(
        [
            "--host",
            "grpc.example.com",
            "--tls-secret",
            "my-cert",
            "--service",
            "helloworld.Greeter=greeter:9090",
            "--service",
            "*=backend.shop",
            "--out",
        ]
        .map(str::to_owned),
    );
    args.push(out.display().to_string());
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
    let stderr = text(&o.stderr);
    assert!(stderr.contains("wrote 4 files to"), "{stderr}");
    assert!(
        stderr.contains("kubectl create secret tls my-cert -n istio-system"),
        "{stderr}"
    );
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .expect("the folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "01-gateway-grpc-gateway.yaml",
            "02-virtualservice-grpc-vs.yaml",
            "03-service-greeter.yaml",
            "04-service-shop-backend.yaml",
        ]
    );
    let vs = std::fs::read_to_string(out.join("02-virtualservice-grpc-vs.yaml")).expect("read");
    assert!(vs.contains("host: backend.shop.svc.cluster.local"), "{vs}");
    assert!(vs.contains("number: 9090"), "{vs}");

    let check = bin().arg("check").arg(&out).output().expect("check runs");
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    assert!(
        text(&check.stdout).contains("0 errors, 0 warnings in 4 documents"),
        "{}",
        text(&check.stdout)
    );
}

/// TLS unless h2c is asked for by name.
#[test]
fn tls_by_default_h2c_by_name() {
    let mut args = greeter_args();
    args.extend(["--host", "grpc.example.com", "--service", "*=greeter"].map(str::to_owned));
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let tls = text(&o.stdout);
    assert!(
        tls.contains("protocol: HTTPS") && tls.contains("credentialName: grpc-tls-credential"),
        "{tls}"
    );
    args.push("--h2c".to_owned());
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let h2c = text(&o.stdout);
    assert!(h2c.contains("number: 80") && !h2c.contains("tls:"), "{h2c}");
    assert!(!text(&o.stderr).contains("kubectl create secret"));
}

#[test]
fn a_proto_syntax_error_names_file_line_and_column() {
    let scratch = Scratch::new("syntax");
    let bad = scratch.write(
        "bad.proto",
        "syntax = \"proto3\";\npackage x;\nservice S {\n  rpc A(R) returns (R)\n}\nmessage R {}\n",
    );
    let args = one_file(&scratch.0, &bad, &["--service", "*=x"]);
    let stderr = refused(&args, "");
    assert!(
        stderr.starts_with("bad.proto:5:1: expected ';' or '{', but found '}'"),
        "{stderr}"
    );
}

#[test]
fn a_config_typo_on_stdin_names_the_key_its_place_and_the_nearest_key() {
    let mut args = greeter_args();
    args.extend(["--config".to_owned(), "-".to_owned()]);
    let stderr = refused(&args, &CONFIG.replace("grpcServices:", "grpcServics:"));
    assert!(
        stderr.starts_with(
            "<stdin>:10:5: backends[0].grpcServics: unknown key `grpcServics` (did you mean `grpcServices`?)"
        ),
        "{stderr}"
    );
}

#[test]
fn a_timeout_on_a_streaming_method_is_refused_naming_it() {
    let scratch = Scratch::new("streaming");
    let config = scratch.write(
        "istio-grpc.yaml",
        &CONFIG
            .replace(
                "{name: GetHTTPStatus, timeout: 3s}",
                "{name: UploadCSV, timeout: 5s}",
            )
            .replace("{name: Check, timeout: 1s}", "{name: Chek, timeout: 1s}"),
    );
    let mut args = greeter_args();
    args.extend(["--config".to_owned(), config.display().to_string()]);
    let stderr = refused(&args, "");
    let lines: Vec<&str> = stderr.lines().collect();
    let file = config.display().to_string();
    assert_eq!(
        lines,
        [
            format!(
                "{file}:19:20: backends[0].grpcServices[1].methods[0].name: gRPC service `grpc.health.v1.Health` has no method `Chek` (did you mean `Check`?); its methods: Check, Watch"
            ),
            format!(
                "{file}:22:40: backends[0].grpcServices[2].methods[0].timeout: billing.v1.Invoices/UploadCSV is client-streaming: {}; remove `timeout` here, so its streams live as long as they need",
                istio_grpc_builder::config::STREAMING_TIMEOUT
            ),
        ],
        "{stderr}"
    );
}

/// Imports through `-I`, Google's well-known types built in; only the named file's services.
#[test]
fn imports_and_well_known_types() {
    let scratch = Scratch::new("imports");
    let shop = scratch.write(
        "shop.proto",
        "syntax = \"proto3\";\npackage shop.v1;\nimport \"google/protobuf/empty.proto\";\nimport \"helloworld.proto\";\nservice Shop {\n  rpc Ping(google.protobuf.Empty) returns (helloworld.HelloReply);\n  rpc Watch(google.protobuf.Empty) returns (stream helloworld.HelloReply);\n}\n",
    );
    let greeter = greeter_protos().display().to_string();
    let args = one_file(
        &scratch.0,
        &shop,
        &["-I", &greeter, "--h2c", "--service", "*=shop:8080"],
    );
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("prefix: /shop.v1.Shop/"), "{out}");
    assert!(
        !out.contains("helloworld.Greeter"),
        "imports are not exposed: {out}"
    );
    assert!(!out.contains("timeout"), "Watch streams: {out}");
}

#[test]
fn missing_flags_say_what_to_give() {
    let o = generate(&greeter_args(), "");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("--host"), "{}", text(&o.stderr));
    // A misspelt service is named by its flag, with the nearest service.
    let mut args = greeter_args();
    args.extend(
        [
            "--host",
            "grpc.example.com",
            "--service",
            "helloworld.Greter=greeter",
        ]
        .map(str::to_owned),
    );
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "istio-grpc: --service helloworld.Greter=greeter: the input defines no gRPC service `helloworld.Greter` (did you mean `helloworld.Greeter`?); it defines billing.v1.Invoices, grpc.health.v1.Health, helloworld.Greeter\n"
    );
    let scratch = Scratch::new("missing");
    let args = one_file(
        &scratch.0,
        &scratch.0.join("nope.proto"),
        &["--service", "*=x"],
    );
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("nope.proto"),
        "{}",
        text(&o.stderr)
    );
}

/// `--target gateway-api`: the same flags give a Gateway (class istio, HTTPS listener) and a
/// GRPCRoute per backend, on stdout and into a folder, and `istio-grpc check` finds nothing in
/// them; the Secret note names the Gateway's namespace, where the Gateway API reads it.
#[test]
fn gateway_api_target_writes_grpc_routes_that_check_passes() {
    let mut args = greeter_args();
    args.extend(
        [
            "--host",
            "grpc.example.com",
            "--tls-secret",
            "my-cert",
            "--service",
            "helloworld.Greeter=greeter:9090",
            "--service",
            "*=backend",
            "--target",
            "gateway-api",
        ]
        .map(str::to_owned),
    );
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let objects = objects(&out);
    let kinds: Vec<&str> = objects.iter().map(Object::kind).collect();
    assert_eq!(
        kinds,
        ["Gateway", "GRPCRoute", "GRPCRoute", "Service", "Service"],
        "{out}"
    );
    assert!(
        matches!(objects[0], Object::K8sGateway(_)),
        "a Gateway API Gateway, not Istio's: {out}"
    );
    assert!(out.contains("gatewayClassName: istio"), "{out}");
    assert!(out.contains("service: helloworld.Greeter"), "{out}");
    assert!(out.contains("mode: Terminate"), "{out}");
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains(
            "Secret my-cert in the Gateway's namespace; create it with\n  kubectl create secret tls my-cert --cert="
        ),
        "{stderr}"
    );

    let scratch = Scratch::new("gateway-api");
    let dir = scratch.0.join("deploy");
    args.extend(["--out".to_owned(), dir.display().to_string()]);
    let o = generate(&args, "");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let files = std::fs::read_dir(&dir).expect("the folder").count();
    assert_eq!(files, 5);
    let check = bin().arg("check").arg(&dir).output().expect("check runs");
    let report = text(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{report}{}",
        text(&check.stderr)
    );
    assert!(
        report.contains("0 errors, 0 warnings in 5 documents"),
        "{report}"
    );
}

/// What the Gateway API cannot say is refused with the builder's own error (here the
/// example's unary timeouts and retries, which a GRPCRoute has no field for), then a note that
/// names the configuration keys for the builder calls it names; exit status 1, nothing written.
#[test]
fn gateway_api_target_refuses_timeouts_with_the_builders_error() {
    let mut args = greeter_args();
    args.extend(["--config", "-", "--target", "gateway-api"].map(str::to_owned));
    let stderr = refused(&args, CONFIG);
    let services =
        istio_grpc_builder::descriptor::services(FILE_DESCRIPTOR_SET).expect("the descriptor set");
    let expected = istio_grpc_builder::config::GenerateConfig::from_yaml(CONFIG)
        .expect("the example configuration reads")
        .to_ingress(&services)
        .expect("and converts")
        .build_gateway_api()
        .expect_err("the Gateway API target refuses its timeouts")
        .to_string();
    let (error, note) = stderr
        .trim_end()
        .rsplit_once('\n')
        .expect("the error, then a note");
    assert_eq!(error, format!("istio-grpc: {expected}"));
    assert!(
        note.starts_with("note: in the configuration, `.timeout(..)` is a method's `timeout`"),
        "{note}"
    );
    assert!(stderr.contains("GRPCRoute"), "{stderr}");
    assert!(stderr.contains("timeout"), "{stderr}");
}

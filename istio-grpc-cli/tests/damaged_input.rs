//! `istio-grpc check` on damaged input, in every `--format` (with the built-in CRDs in the
//! human one): real manifests cut short, with
//! bytes changed, not UTF-8, and the inputs the fuzzing harness found failures with
//! (`tests/tests/it/fuzz_found.rs`). Whatever the input: exit status 0, 1 or 2, no panic, and
//! the JSON and SARIF reports are JSON. The harness itself (many more inputs, through the
//! library) is `tests/tests/it/fuzz_manifests.rs`.

use std::path::PathBuf;
use std::process::Command;

fn real_manifest() -> Option<Vec<u8>> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/istio/manifests/tests__testdata__config__none.yaml");
    match std::fs::read(&file) {
        Ok(bytes) => Some(bytes),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{} is missing beside the clone; CI needs it",
                file.display()
            )
        }
        Err(_) => {
            eprintln!("skipped: {} not found", file.display());
            None
        }
    }
}

/// The damaged inputs: (name, bytes).
fn inputs(real: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    // bytes changed at spread-out places, the same on every run
    let mut flipped = real.to_vec();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..24 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let at = (x >> 33) as usize % flipped.len();
        flipped[at] = (x >> 17) as u8;
    }
    let mut not_utf8 = real[..real.len() / 2].to_vec();
    not_utf8.extend_from_slice(&[0xff, 0xfe, 0x80]);
    vec![
        ("cut.yaml", real[..real.len() / 3].to_vec()),
        ("flipped.yaml", flipped),
        ("not-utf8.yaml", not_utf8),
        (
            "crlf-api-version.yaml",
            b"apiVersion: \"crlf\\r\\n\"\nkind: Service\nmetadata: {name: a}\n---\napiVersion: \"v1\\u001b[2J\"\nkind: Thing\nmetadata: {name: b}\n".to_vec(),
        ),
        (
            "misnested-service.yaml",
            b"apiVersion: v1\nkind: Service\nmetadata:\n  name: gw\n  ports:\n  - {name: http2, port: 80}\n".to_vec(),
        ),
    ]
}

#[test]
fn damaged_input_in_every_format() {
    let Some(real) = real_manifest() else {
        return;
    };
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    for (name, bytes) in inputs(&real) {
        let file = dir.join(name);
        std::fs::write(&file, &bytes).expect("write");
        for format in ["human", "json", "sarif", "github"] {
            // the built-in CRDs once per input (loading them is most of a run's time)
            let crds: &[&str] = if format == "human" {
                &[]
            } else {
                &["--no-crds"]
            };
            let out = Command::new(env!("CARGO_BIN_EXE_istio-grpc"))
                .args(["check", "--format", format])
                .args(crds)
                .arg(&file)
                .output()
                .expect("the binary runs");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0..=2)),
                "{name} --format {format}: {:?}\n{stdout}\n{stderr}",
                out.status
            );
            assert!(
                !stderr.contains("panicked"),
                "{name} --format {format}: {stderr}"
            );
            if matches!(format, "json" | "sarif") {
                serde_json::from_str::<serde_json::Value>(&stdout).unwrap_or_else(|e| {
                    panic!("{name} --format {format}: not JSON: {e}\n{stdout}")
                });
            }
            if format == "human" {
                // one line per finding, then the summary
                for line in stdout.lines() {
                    assert!(
                        line.starts_with(file.to_string_lossy().as_ref())
                            || line.contains(" in ") && line.contains("document"),
                        "{name}: a line that is neither a finding nor the summary: {line:?}\n{stdout}"
                    );
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

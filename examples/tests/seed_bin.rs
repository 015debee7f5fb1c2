//! The main job as a user runs it: `seed` prints YAML on stdout, writes the CA to the file it
//! names, and refuses an unknown argument with its usage.

use std::process::Command;

fn seed() -> Command {
    Command::new(env!("CARGO_BIN_EXE_seed"))
}

/// A directory removed when the test ends, also on failure.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("istio-grpc-seed-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

#[test]
fn prints_yaml_and_writes_the_ca_where_told() {
    let dir = temp_dir("ca");
    let ca = dir.0.join("my-ca.crt");
    let out = seed()
        .args(["--ca-file".as_ref(), ca.as_os_str()])
        .output()
        .expect("seed runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let pem = std::fs::read_to_string(&ca).expect("the CA file is written");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert!(!pem.contains("PRIVATE KEY"));
    assert!(stderr.contains(&ca.display().to_string()), "{stderr}");
    assert!(
        stdout.contains(&format!("# grpcurl -cacert {} ", ca.display())),
        "{stdout}"
    );
    let objects = istio_grpc_types::yaml::objects_from_str(&stdout).expect("YAML on stdout");
    assert!(objects.iter().any(|o| o.kind() == "Secret"));
    assert!(objects.iter().any(|o| o.kind() == "Deployment"));
}

#[test]
fn refuses_an_unknown_argument() {
    let dir = temp_dir("bad");
    let out = seed()
        .arg("--ca")
        .current_dir(&dir.0)
        .output()
        .expect("seed runs");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown argument \"--ca\""), "{stderr}");
    assert!(stderr.contains("usage: seed [--ca-file PATH]"), "{stderr}");
    assert!(
        std::fs::read_dir(&dir.0).expect("dir").next().is_none(),
        "nothing written"
    );
}

#[test]
fn a_missing_path_is_an_error() {
    let out = seed().arg("--ca-file").output().expect("seed runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--ca-file needs a path"), "{stderr}");
}

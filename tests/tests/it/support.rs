//! Access to the reference data in `../shared` (never copied into the project).

use std::path::PathBuf;

/// The `shared/istio` folder, or `None` (with a note) when it is absent outside CI.
/// Under CI (`CI=true`) its absence fails the test with a clear message.
pub fn istio_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/istio");
    if dir.join("crds/crd-all.gen.yaml").exists() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the reference data ../shared/istio is missing (looked in {}); CI needs it beside the clone", dir.display());
    }
    eprintln!("skipped: reference data ../shared/istio not found at {}", dir.display());
    None
}

/// The seed article's folder.
#[allow(dead_code)]
pub fn seed_dir() -> Option<PathBuf> {
    istio_dir().map(|d| d.join("../seed"))
}

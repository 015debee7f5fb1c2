//! Access to the reference data in `../shared` (never copied into the project), and the CRD
//! checks (structural schema with jsonschema, CEL rules with kube-cel) built from it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// The `shared/istio` folder, or `None` (with a note) when it is absent outside CI.
/// Under CI (`CI=true`) its absence fails the test with a clear message.
pub fn istio_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/istio");
    if dir.join("crds/crd-all.gen.yaml").exists() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "the reference data ../shared/istio is missing (looked in {}); CI needs it beside the clone",
            dir.display()
        );
    }
    eprintln!(
        "skipped: reference data ../shared/istio not found at {}",
        dir.display()
    );
    None
}

/// The seed article's folder.
#[allow(dead_code)]
pub fn seed_dir() -> Option<PathBuf> {
    istio_dir().map(|d| d.join("../seed"))
}

/// Every `.yaml` file directly in `dir`, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// What a check found, as `path: message` lines.
#[derive(Debug, Default)]
pub struct Findings {
    /// Structural-schema violations.
    pub schema: Vec<String>,
    /// CEL rules that evaluated to false.
    pub cel: Vec<String>,
    /// CEL rules the engine could not evaluate: listed, not hidden.
    pub unevaluable: Vec<String>,
}

impl Findings {
    /// No schema or CEL violation (unevaluable rules are reported separately).
    pub fn is_valid(&self) -> bool {
        self.schema.is_empty() && self.cel.is_empty()
    }
}

/// The CRDs of `crds/crd-all.gen.yaml`, checked with the analyzer's [`CrdSet`]
/// (jsonschema for the structural schema, kube-cel for the CEL rules).
///
/// [`CrdSet`]: istio_grpc_analyze::CrdSet
pub struct Crds {
    set: istio_grpc_analyze::CrdSet,
}

/// The CRDs, loaded once. `None` when the reference data is absent (outside CI).
pub fn crds() -> Option<&'static Crds> {
    static CRDS: OnceLock<Option<Crds>> = OnceLock::new();
    CRDS.get_or_init(|| {
        let dir = istio_dir()?;
        let text = std::fs::read_to_string(dir.join("crds/crd-all.gen.yaml")).expect("read CRDs");
        Some(Crds {
            set: istio_grpc_analyze::CrdSet::from_yaml(&text).expect("Istio's CRDs load"),
        })
    })
    .as_ref()
}

impl Crds {
    /// The openAPIV3Schema of `kind` at `apiVersion` (`networking.istio.io/v1`).
    pub fn schema(&self, api_version: &str, kind: &str) -> Option<&Value> {
        self.set.schema(api_version, kind)
    }

    /// Checks one object (JSON with apiVersion and kind) against its CRD.
    pub fn check(&self, object: &Value) -> Findings {
        let lines =
            |v: Vec<(String, String)>| v.into_iter().map(|(p, m)| format!("{p}: {m}")).collect();
        match self.set.check(object) {
            Some(f) => Findings {
                schema: lines(f.schema),
                cel: lines(f.cel),
                unevaluable: lines(f.unevaluable),
            },
            None => Findings {
                schema: vec![format!(
                    "no CRD for {} {}",
                    object["kind"], object["apiVersion"]
                )],
                ..Default::default()
            },
        }
    }
}

/// The Istio kinds `istio-grpc-types` types.
pub const ISTIO_KINDS: &[&str] = &[
    "VirtualService",
    "Gateway",
    "DestinationRule",
    "ServiceEntry",
    "Sidecar",
    "EnvoyFilter",
    "PeerAuthentication",
];

/// Whether a JSON object is one of [`ISTIO_KINDS`] in an Istio group.
pub fn is_istio_kind(value: &Value) -> bool {
    let kind = value["kind"].as_str().unwrap_or("");
    let api = value["apiVersion"].as_str().unwrap_or("");
    ISTIO_KINDS.contains(&kind) && api.contains(".istio.io/")
}

/// Compares what was read with what was written. Differences allowed, and only these:
/// durations respelled canonically (both sides parse to the same duration), numbers that are
/// equal as numbers (`1` and `1.0`), and `null`-valued keys (absent, as for Kubernetes).
/// Returns the first other difference as `path: read X, wrote Y`.
pub fn json_difference(read: &Value, written: &Value, path: &str) -> Option<String> {
    use istio_grpc_types::Duration;
    match (read, written) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = format!("{path}.{k}");
                match b.get(k) {
                    None if va.is_null() => {}
                    None => return Some(format!("{p}: read {va}, wrote nothing")),
                    Some(vb) => {
                        if let Some(d) = json_difference(va, vb, &p) {
                            return Some(d);
                        }
                    }
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    return Some(format!("{path}.{k}: read nothing, wrote {vb}"));
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Some(format!("{path}: read {} items, wrote {}", a.len(), b.len()));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .find_map(|(i, (x, y))| json_difference(x, y, &format!("{path}[{i}]")))
        }
        (Value::String(x), Value::String(y)) if x != y => {
            match (x.parse::<Duration>(), y.parse::<Duration>()) {
                (Ok(dx), Ok(dy)) if dx == dy => None,
                _ => Some(format!("{path}: read {x:?}, wrote {y:?}")),
            }
        }
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        (a, b) if a == b => None,
        (a, b) => Some(format!("{path}: read {a}, wrote {b}")),
    }
}

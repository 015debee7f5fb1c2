//! Access to the reference data in `../shared` (never copied into the project), and the CRD
//! checks (structural schema with jsonschema, CEL rules with kube-cel) built from it.

use std::collections::BTreeMap;
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

/// One kind's schema from the CRD, ready to check objects.
pub struct CrdSchema {
    /// The openAPIV3Schema as in the CRD.
    pub schema: Value,
    strict: jsonschema::Validator,
    cel: kube_cel::CompiledSchema,
}

/// What a check found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Structural-schema violations (`path: message`).
    pub schema: Vec<String>,
    /// CEL rules that evaluated to false (`path: message`).
    pub cel: Vec<String>,
    /// CEL rules the engine could not evaluate (`path: rule: error`): listed, not hidden.
    pub unevaluable: Vec<String>,
}

impl Findings {
    /// No schema or CEL violation (unevaluable rules are reported separately).
    pub fn is_valid(&self) -> bool {
        self.schema.is_empty() && self.cel.is_empty()
    }
}

/// The CRDs of `crds/crd-all.gen.yaml`, by kind and version.
pub struct Crds {
    by_kind: BTreeMap<(String, String), CrdSchema>,
}

/// The structural schema made strict the way the API server is with `fieldValidation=Strict`:
/// objects with `properties` and no `x-kubernetes-preserve-unknown-fields` refuse other keys;
/// `nullable` becomes a JSON-schema type union.
fn strict(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let v = match k.as_str() {
                    "properties" | "patternProperties" => match v {
                        Value::Object(props) => Value::Object(
                            props.iter().map(|(k, v)| (k.clone(), strict(v))).collect(),
                        ),
                        other => other.clone(),
                    },
                    "x-kubernetes-validations" => continue,
                    _ => strict(v),
                };
                out.insert(k.clone(), v);
            }
            let preserve =
                map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !preserve
            {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(Value::String(t)) = map.get("type") {
                    out.insert("type".into(), serde_json::json!([t, "null"]));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(strict).collect()),
        other => other.clone(),
    }
}

/// The CRDs, loaded once. `None` when the reference data is absent (outside CI).
pub fn crds() -> Option<&'static Crds> {
    static CRDS: OnceLock<Option<Crds>> = OnceLock::new();
    CRDS.get_or_init(|| {
        let dir = istio_dir()?;
        let text = std::fs::read_to_string(dir.join("crds/crd-all.gen.yaml")).expect("read CRDs");
        let docs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("CRDs parse as YAML");
        let mut by_kind = BTreeMap::new();
        for crd in docs {
            let kind = crd["spec"]["names"]["kind"]
                .as_str()
                .expect("kind")
                .to_owned();
            for version in crd["spec"]["versions"].as_array().expect("versions") {
                let name = version["name"].as_str().expect("version name").to_owned();
                let schema = version["schema"]["openAPIV3Schema"].clone();
                // The API server adds these to every CRD's root (ObjectMeta is validated apart).
                let mut rooted = schema.clone();
                if let Some(props) = rooted["properties"].as_object_mut() {
                    props.insert("apiVersion".into(), serde_json::json!({"type": "string"}));
                    props.insert("kind".into(), serde_json::json!({"type": "string"}));
                    props.insert("metadata".into(), serde_json::json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
                }
                let strict_validator = jsonschema::draft4::new(&strict(&rooted))
                    .expect("CRD schema compiles as JSON schema");
                let cel = kube_cel::compile_schema(&schema);
                by_kind.insert(
                    (kind.clone(), name),
                    CrdSchema {
                        schema,
                        strict: strict_validator,
                        cel,
                    },
                );
            }
        }
        Some(Crds { by_kind })
    })
    .as_ref()
}

impl Crds {
    /// The schema of `kind` at `version`.
    pub fn schema(&self, kind: &str, version: &str) -> Option<&CrdSchema> {
        self.by_kind.get(&(kind.to_owned(), version.to_owned()))
    }

    /// Checks one object (JSON with apiVersion and kind) against its CRD.
    pub fn check(&self, object: &Value) -> Findings {
        let kind = object["kind"].as_str().unwrap_or("");
        let version = object["apiVersion"]
            .as_str()
            .and_then(|v| v.rsplit('/').next())
            .unwrap_or("");
        let Some(crd) = self.schema(kind, version) else {
            return Findings {
                schema: vec![format!("no CRD for {kind} {version}")],
                ..Default::default()
            };
        };
        let mut findings = Findings::default();
        for e in crd.strict.iter_errors(object) {
            findings
                .schema
                .push(format!("{}: {}", e.instance_path(), e));
        }
        let validator = kube_cel::Validator::new();
        if let Err(errors) = validator.validate_compiled(&crd.cel, object, None) {
            for e in errors.into_vec() {
                let line = format!("{}: {}", e.field_path, e.message);
                match e.kind {
                    kube_cel::ErrorKind::ValidationFailure | kube_cel::ErrorKind::InvalidResult => {
                        findings.cel.push(line)
                    }
                    _ => findings
                        .unevaluable
                        .push(format!("{line} (rule: {})", e.rule)),
                }
            }
        }
        findings
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

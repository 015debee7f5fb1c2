//! Istio's CRDs as checks: the structural schema (with jsonschema, strict about unknown fields
//! the way the API server is under `fieldValidation=Strict`) and the CEL rules
//! (`x-kubernetes-validations`, with kube-cel).

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// Why CRDs could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CrdError {
    /// The text is not YAML.
    #[error("the CRD file is not YAML: {0}")]
    Yaml(String),
    /// A document is not a CustomResourceDefinition with schemas.
    #[error(
        "document {document} is not a CustomResourceDefinition with an openAPIV3Schema: {reason}"
    )]
    NotACrd {
        /// Position of the document, from 1.
        document: usize,
        /// What is missing.
        reason: String,
    },
}

/// What checking one object found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Structural-schema violations, as `(field path, message)`.
    pub schema: Vec<(String, String)>,
    /// CEL rules that evaluated to false, as `(field path, message)`.
    pub cel: Vec<(String, String)>,
    /// CEL rules the engine could not evaluate, as `(field path, rule and error)`: listed, not hidden.
    pub unevaluable: Vec<(String, String)>,
}

impl Findings {
    /// Neither a schema nor a CEL violation.
    pub fn is_valid(&self) -> bool {
        self.schema.is_empty() && self.cel.is_empty()
    }
}

/// One version of one CRD. Its validators are compiled on first use, so that a run over a few
/// kinds does not pay for compiling all of Istio's schemas.
struct Compiled {
    schema: Value,
    validators: std::sync::OnceLock<Result<Validators, String>>,
}

struct Validators {
    strict: jsonschema::Validator,
    cel: kube_cel::CompiledSchema,
}

impl Compiled {
    fn validators(&self) -> &Result<Validators, String> {
        self.validators.get_or_init(|| {
            // the API server adds these to every CRD root (ObjectMeta is validated apart)
            let mut rooted = self.schema.clone();
            if let Some(props) = rooted["properties"].as_object_mut() {
                props.insert("apiVersion".into(), json!({"type": "string"}));
                props.insert("kind".into(), json!({"type": "string"}));
                props.insert(
                    "metadata".into(),
                    json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}),
                );
            }
            let strict = jsonschema::draft4::new(&strict(&rooted))
                .map_err(|e| format!("the CRD's schema does not compile: {e}"))?;
            Ok(Validators {
                strict,
                cel: kube_cel::compile_schema(&self.schema),
            })
        })
    }
}

/// `(group, kind, version)`: a kind is only ever checked against its own group's CRD (a Gateway
/// API `Gateway` is not Istio's `Gateway`).
type Key = (String, String, String);

/// The schemas of a set of CRDs, by group, kind and version.
pub struct CrdSet {
    by_kind: BTreeMap<Key, Compiled>,
}

/// `networking.istio.io/v1` → `("networking.istio.io", "v1")`; `v1` → `("", "v1")`.
fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}

impl std::fmt::Debug for CrdSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrdSet")
            .field("kinds", &self.by_kind.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The schema made strict: objects with `properties` and no
/// `x-kubernetes-preserve-unknown-fields` refuse other keys; `nullable` becomes a type union.
/// Subschemas of `oneOf`/`anyOf`/`allOf`/`not` only validate values (in a structural schema
/// they never declare fields), so they are left open: the Gateway API's address
/// `oneOf: [{properties: {type: {enum: [IPAddress]}, value: …}}, {properties: {type: {not: …}}}]`
/// must not refuse `value` in its second branch.
fn strict(schema: &Value) -> Value {
    strict_in(schema, false)
}

fn strict_in(schema: &Value, in_logic: bool) -> Value {
    let strict = |v: &Value| strict_in(v, in_logic);
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
                    "oneOf" | "anyOf" | "allOf" | "not" => strict_in(v, true),
                    _ => strict(v),
                };
                out.insert(k.clone(), v);
            }
            let preserve =
                map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !preserve
                && !in_logic
            {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            if map.get("nullable") == Some(&Value::Bool(true))
                && let Some(Value::String(t)) = map.get("type")
            {
                out.insert("type".into(), json!([t, "null"]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(strict).collect()),
        other => other.clone(),
    }
}

/// Whether a CEL evaluation error is a field the rule reads being absent.
fn is_missing_field(error: &str) -> bool {
    error.contains("Missing argument or target") || error.contains("no such key")
}

/// The `message` of the `x-kubernetes-validations` entry whose `rule` is `rule`.
fn rule_message(schema: &Value, rule: &str) -> Option<String> {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(rules)) = map.get("x-kubernetes-validations") {
                for r in rules {
                    if r["rule"] == rule {
                        return r["message"].as_str().map(str::to_owned);
                    }
                }
            }
            map.values().find_map(|v| rule_message(v, rule))
        }
        Value::Array(items) => items.iter().find_map(|v| rule_message(v, rule)),
        _ => None,
    }
}

/// `/spec/http/0/timeout` → `spec.http[0].timeout`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        if seg.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg.replace("~1", "/").replace("~0", "~"));
        }
    }
    out
}

/// Istio's CRDs as the API server has them, built in: see `crds/README.md` for the source.
pub const ISTIO_CRDS: &str = include_str!("../crds/istio-crd-all.gen.yaml");

/// The Gateway API v1.6.1 standard-channel install (`standard-install.yaml`, 10 CRDs and a
/// ValidatingAdmissionPolicy), built in: see `crds/README.md` for the source.
pub const GATEWAY_API_CRDS: &str = include_str!("../crds/gateway-api-v1.6.1-standard-install.yaml");

/// Kinds an install file may carry beside its CRDs that hold no schema: skipped on reading.
const NOT_SCHEMAS: &[&str] = &[
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
];

/// The group whose CEL runtime errors count as the API server's rejection (see [`CrdSet::check`]).
const GATEWAY_API_GROUP: &str = "gateway.networking.k8s.io";

impl CrdSet {
    /// Istio's CRDs of the release the types were generated from ([`ISTIO_CRDS`]), built into
    /// the binary: the API server's structural-schema and CEL checks with no file to find.
    /// (The text is part of this crate and a test loads it, so this does not fail in practice.)
    pub fn istio() -> Result<CrdSet, CrdError> {
        CrdSet::from_yaml(ISTIO_CRDS)
    }

    /// The Gateway API v1.6.1 standard-channel CRDs ([`GATEWAY_API_CRDS`]), built in: Gateway,
    /// GatewayClass, HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy, ListenerSet,
    /// TLSRoute, TCPRoute, UDPRoute, by group, kind and version.
    pub fn gateway_api() -> Result<CrdSet, CrdError> {
        CrdSet::from_yaml(GATEWAY_API_CRDS)
    }

    /// Every CRD built in: Istio's ([`CrdSet::istio`]) and the Gateway API's
    /// ([`CrdSet::gateway_api`]); what `istio-grpc check` uses without `--crds`.
    pub fn built_in() -> Result<CrdSet, CrdError> {
        let mut set = CrdSet::istio()?;
        set.extend(CrdSet::gateway_api()?);
        Ok(set)
    }

    /// Adds the CRDs of `other` (its schema wins where both have a group, kind and version).
    pub fn extend(&mut self, other: CrdSet) {
        self.by_kind.extend(other.by_kind);
    }

    /// Reads CustomResourceDefinitions from multi-document YAML (`crd-all.gen.yaml`, a Gateway
    /// API `standard-install.yaml`). ValidatingAdmissionPolicies (and their bindings), which
    /// install files carry beside the CRDs, are skipped; any other kind is an error.
    pub fn from_yaml(text: &str) -> Result<CrdSet, CrdError> {
        let docs: Vec<Value> =
            serde_saphyr::from_multiple(text).map_err(|e| CrdError::Yaml(e.to_string()))?;
        let mut by_kind = BTreeMap::new();
        for (i, crd) in docs.iter().enumerate() {
            let not = |reason: &str| CrdError::NotACrd {
                document: i + 1,
                reason: reason.to_owned(),
            };
            if NOT_SCHEMAS.iter().any(|k| crd["kind"] == *k) {
                continue;
            }
            if crd["kind"] != "CustomResourceDefinition" {
                return Err(not("kind is not CustomResourceDefinition"));
            }
            let kind = crd["spec"]["names"]["kind"]
                .as_str()
                .ok_or_else(|| not("no spec.names.kind"))?;
            let group = crd["spec"]["group"]
                .as_str()
                .ok_or_else(|| not("no spec.group"))?;
            for version in crd["spec"]["versions"]
                .as_array()
                .ok_or_else(|| not("no spec.versions"))?
            {
                let name = version["name"]
                    .as_str()
                    .ok_or_else(|| not("a version without a name"))?;
                let schema = version["schema"]["openAPIV3Schema"].clone();
                if !schema.is_object() {
                    return Err(not("a version without schema.openAPIV3Schema"));
                }
                by_kind.insert(
                    (group.to_owned(), kind.to_owned(), name.to_owned()),
                    Compiled {
                        schema,
                        validators: std::sync::OnceLock::new(),
                    },
                );
            }
        }
        Ok(CrdSet { by_kind })
    }

    /// The openAPIV3Schema of `kind` at `apiVersion` (`networking.istio.io/v1`), as in the CRD.
    pub fn schema(&self, api_version: &str, kind: &str) -> Option<&Value> {
        self.get(api_version, kind).map(|c| &c.schema)
    }

    /// Whether the set has a CRD for this `apiVersion` (group and version) and kind.
    pub fn covers(&self, api_version: &str, kind: &str) -> bool {
        self.get(api_version, kind).is_some()
    }

    /// How many group/kind/version schemas the set holds.
    pub fn len(&self) -> usize {
        self.by_kind.len()
    }

    /// Whether the set holds no schema.
    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }

    fn get(&self, api_version: &str, kind: &str) -> Option<&Compiled> {
        let (group, version) = split_api_version(api_version);
        self.by_kind
            .get(&(group.to_owned(), kind.to_owned(), version.to_owned()))
    }

    /// Checks one object (JSON with apiVersion and kind) against its CRD; `None` when the set
    /// has no CRD for it.
    pub fn check(&self, object: &Value) -> Option<Findings> {
        let kind = object["kind"].as_str().unwrap_or("");
        let compiled = self.get(object["apiVersion"].as_str().unwrap_or(""), kind)?;
        let mut findings = Findings::default();
        let crd = match compiled.validators() {
            Ok(v) => v,
            Err(e) => {
                findings.unevaluable.push((String::new(), e.clone()));
                return Some(findings);
            }
        };
        for e in crd.strict.iter_errors(object) {
            let path = dotted(&e.instance_path().to_string());
            // one finding per unknown field, at the field's own path, so that it can be matched
            // with what the types report about the same field
            if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                e.kind()
            {
                for name in unexpected {
                    let at = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    findings.schema.push((
                        at,
                        format!("Additional properties are not allowed ('{name}' was unexpected)"),
                    ));
                }
                continue;
            }
            findings.schema.push((path, e.to_string()));
        }
        let gateway_api =
            split_api_version(object["apiVersion"].as_str().unwrap_or("")).0 == GATEWAY_API_GROUP;
        // the thread's own validator: building one registers every Kubernetes CEL function,
        // which cost more than evaluating an object's rules
        if let Err(errors) = kube_cel::validate_compiled(&crd.cel, object, None) {
            for e in errors.into_vec() {
                match e.kind {
                    kube_cel::ErrorKind::ValidationFailure | kube_cel::ErrorKind::InvalidResult => {
                        findings.cel.push((e.field_path, e.message))
                    }
                    // A Gateway API rule that reads a field the object leaves out (listener
                    // `tls: {mode: Terminate}` without certificateRefs: `size(self.certificateRefs)`)
                    // fails to evaluate, and the API server rejects the object with that error
                    // (NOTES §5): reported as the rule's own message.
                    _ if gateway_api && is_missing_field(&e.message) => {
                        let message = rule_message(&compiled.schema, &e.rule)
                            .unwrap_or_else(|| e.message.clone());
                        findings.cel.push((
                            e.field_path,
                            format!(
                                "{message} (the rule reads a field that is not set: {})",
                                e.message
                            ),
                        ))
                    }
                    _ => findings
                        .unevaluable
                        .push((e.field_path, format!("{} (rule: {})", e.message, e.rule))),
                }
            }
        }
        Some(findings)
    }
}

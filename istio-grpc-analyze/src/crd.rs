//! Istio's CRDs as checks: the structural schema (with jsonschema, strict about unknown fields
//! the way the API server is under `fieldValidation=Strict`) and the CEL rules
//! (`x-kubernetes-validations`, with kube-cel).

use std::collections::{BTreeMap, HashMap, HashSet};

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
    /// Boxed, so that its nodes keep the addresses `ruled` knows them by.
    cel: Box<kube_cel::CompiledSchema>,
    /// The CEL schema nodes (by address) with a rule in their subtree: the others are not
    /// walked at all.
    ruled: HashSet<usize>,
}

/// The address of a compiled schema node: its identity while the [`CrdSet`] lives.
fn node_id(node: &kube_cel::CompiledSchema) -> usize {
    std::ptr::from_ref(node) as usize
}

/// Adds to `ruled` every node of `node`'s tree that has a rule (or a rule that did not
/// compile) in its subtree; whether `node` is one of them.
fn mark_ruled(node: &kube_cel::CompiledSchema, ruled: &mut HashSet<usize>) -> bool {
    let mut any = !node.validations.is_empty();
    for child in node
        .properties
        .values()
        .chain(node.items.as_deref())
        .chain(node.additional_properties.as_deref())
        .chain(&node.all_of)
        .chain(&node.one_of)
        .chain(&node.any_of)
    {
        // every child is visited, so that all of them are marked
        any |= mark_ruled(child, ruled);
    }
    if any {
        ruled.insert(node_id(node));
    }
    any
}

/// CEL verdicts already reached, by schema node and value (its JSON text), with paths relative
/// to the node: checking many objects of one shape evaluates each distinct value of a ruled
/// field once. A verdict is a function of the node and the value alone, since no old object is
/// given (transition rules do not run) and the root variables are not bound. Valid for the one
/// [`CrdSet`] it borrows (the keys are node addresses).
pub(crate) struct CelMemo<'a> {
    verdicts: HashMap<(usize, String), Vec<kube_cel::ValidationError>>,
    set: std::marker::PhantomData<&'a CrdSet>,
}

impl CelMemo<'_> {
    /// An empty memo.
    pub(crate) fn new() -> Self {
        CelMemo {
            verdicts: HashMap::new(),
            set: std::marker::PhantomData,
        }
    }
}

/// How many verdicts a [`CelMemo`] keeps before it starts again (memory stays bounded
/// whatever the input).
const MEMO_CAPACITY: usize = 16_384;

/// How deep the subtree walk goes before it hands the whole object to kube-cel (Istio's ruled
/// fields are at most 9 levels down, the Gateway API's about as deep).
const MAX_SUBTREE_DEPTH: usize = 24;

/// Where the subtree walk stops and hands over to kube-cel's own walk of the whole object.
#[derive(Debug)]
struct WholeObject;

/// kube-cel's `effective_path` and `join_path` composed: `rel` is a path kube-cel reported for
/// a walk started at the node at `prefix`.
fn join_relative(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_owned()
    } else if rel.is_empty() {
        prefix.to_owned()
    } else if rel.starts_with('.') || rel.starts_with('[') {
        format!("{prefix}{rel}")
    } else {
        format!("{prefix}.{rel}")
    }
}

impl Validators {
    /// kube-cel's verdict on `object`, as `kube_cel::validate_compiled` on the whole object
    /// gives it, but walking only the schema subtrees that hold rules and evaluating each
    /// topmost ruled node once per distinct value (`memo`). kube-cel evaluates the rules (its
    /// own walk, defaults and value conversion from that node down); this only chooses where
    /// to start it. Where the two could differ (a ruled field absent but defaulted by its
    /// schema, whose nested defaults kube-cel applies only from the root), the whole object
    /// goes to kube-cel as before.
    fn cel(&self, object: &Value, memo: &mut CelMemo<'_>) -> Vec<kube_cel::ValidationError> {
        let mut errors = Vec::new();
        match self.cel_walk(&self.cel, object, "", 0, memo, &mut errors) {
            Ok(()) => errors,
            Err(WholeObject) => kube_cel::validate_compiled(&self.cel, object, None)
                .err()
                .map(kube_cel::ValidationErrors::into_vec)
                .unwrap_or_default(),
        }
    }

    /// The part of kube-cel's `walk_compiled` that finds the nodes to evaluate, in its order.
    fn cel_walk(
        &self,
        node: &kube_cel::CompiledSchema,
        value: &Value,
        path: &str,
        depth: usize,
        memo: &mut CelMemo<'_>,
        errors: &mut Vec<kube_cel::ValidationError>,
    ) -> Result<(), WholeObject> {
        if !self.ruled.contains(&node_id(node)) {
            return Ok(());
        }
        // kube-cel's depth guard counts from where its walk starts: past this depth the whole
        // object goes to kube-cel, so that the guard counts from the root as before
        if depth > MAX_SUBTREE_DEPTH {
            return Err(WholeObject);
        }
        if !node.validations.is_empty() {
            let key = (node_id(node), value.to_string());
            let verdict = match memo.verdicts.get(&key) {
                Some(found) => found,
                None => {
                    let found = kube_cel::validate_compiled(node, value, None)
                        .err()
                        .map(kube_cel::ValidationErrors::into_vec)
                        .unwrap_or_default();
                    if memo.verdicts.len() >= MEMO_CAPACITY {
                        memo.verdicts.clear();
                    }
                    memo.verdicts.entry(key).or_insert(found)
                }
            };
            errors.extend(verdict.iter().map(|e| {
                let mut e = e.clone();
                e.field_path = join_relative(path, &e.field_path);
                e
            }));
            return Ok(());
        }
        if let Some(obj) = value.as_object() {
            for (name, child) in &node.properties {
                match obj.get(name) {
                    Some(child_value) => self.cel_walk(
                        child,
                        child_value,
                        &join_relative(path, name),
                        depth + 1,
                        memo,
                        errors,
                    )?,
                    None if child.default.is_some() && self.ruled.contains(&node_id(child)) => {
                        return Err(WholeObject);
                    }
                    None => {}
                }
            }
        }
        if let (Some(items), Some(array)) = (&node.items, value.as_array()) {
            for (i, item) in array.iter().enumerate() {
                let at = format!("{path}[{i}]");
                self.cel_walk(items, item, &at, depth + 1, memo, errors)?;
            }
        }
        if !node.preserve_unknown_fields
            && let (Some(additional), Some(obj)) = (&node.additional_properties, value.as_object())
        {
            for (key, child_value) in obj {
                if node.properties.contains_key(key) {
                    continue;
                }
                let at = join_relative(path, key);
                self.cel_walk(additional, child_value, &at, depth + 1, memo, errors)?;
            }
        }
        for branch in node.all_of.iter().chain(&node.one_of).chain(&node.any_of) {
            self.cel_walk(branch, value, path, depth + 1, memo, errors)?;
        }
        Ok(())
    }
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
            let cel = Box::new(kube_cel::compile_schema(&self.schema));
            let mut ruled = HashSet::new();
            mark_ruled(&cel, &mut ruled);
            Ok(Validators { strict, cel, ruled })
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
        self.check_with(object, &mut CelMemo::new())
    }

    /// [`CrdSet::check`], reusing the CEL verdicts of earlier objects checked with `memo`.
    pub(crate) fn check_with<'a>(
        &'a self,
        object: &Value,
        memo: &mut CelMemo<'a>,
    ) -> Option<Findings> {
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
        // most objects are valid: telling so is cheaper than collecting no errors
        let errors = (!crd.strict.is_valid(object)).then(|| crd.strict.iter_errors(object));
        for e in errors.into_iter().flatten() {
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
        // kube-cel evaluates with the thread's own validator: building one registers every
        // Kubernetes CEL function, which cost more than evaluating an object's rules
        for e in crd.cel(object, memo) {
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
        Some(findings)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::{Value, json};

    use super::{CelMemo, CrdSet};

    /// The object's CEL verdicts: kube-cel's own on the whole object (as before the subtree
    /// walk), the subtree walk's with a memo shared over all calls, and with a fresh one.
    fn verdicts(
        set: &CrdSet,
        object: &Value,
        memo: &mut CelMemo<'_>,
    ) -> [Vec<kube_cel::ValidationError>; 3] {
        let api = object["apiVersion"].as_str().unwrap_or("");
        let compiled = set.get(api, object["kind"].as_str().unwrap_or(""));
        let Some(Ok(v)) = compiled.map(super::Compiled::validators) else {
            return Default::default();
        };
        let whole = kube_cel::validate_compiled(&v.cel, object, None)
            .err()
            .map(kube_cel::ValidationErrors::into_vec)
            .unwrap_or_default();
        [
            whole,
            v.cel(object, memo),
            v.cel(object, &mut CelMemo::new()),
        ]
    }

    /// Objects that fail CEL rules at every depth, Gateway API objects whose ruled fields
    /// are defaulted, and the Istio corpus: the subtree walk and its memo give exactly what
    /// kube-cel gives on the whole object, in the same order.
    #[test]
    fn the_subtree_walk_gives_kube_cels_verdict_on_the_whole_object() {
        let set = CrdSet::built_in().expect("built-in CRDs");
        let mut objects = vec![
            json!({"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                "metadata": {"name": "a"},
                "spec": {"hosts": ["a"], "http": [
                    {"timeout": "0s", "retries": {"perTryTimeout": "0s", "attempts": 1}},
                    {"timeout": "5s", "fault": {"delay": {"fixedDelay": "0s"}}},
                    {"timeout": "0s"}]}}),
            json!({"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
                "metadata": {"name": "a"},
                "spec": {"host": "a", "workloadSelector": {"matchLabels": {"a*": "b*", "": "c"}},
                    "trafficPolicy": {"connectionPool": {"http": {"idleTimeout": "0s"}},
                        "portLevelSettings": [{"port": {"number": 1},
                            "outlierDetection": {"interval": "0s"}}]},
                    "subsets": [{"name": "v1", "trafficPolicy":
                        {"connectionPool": {"tcp": {"connectTimeout": "0s"}}}}]}}),
            json!({"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                "metadata": {"name": "a"},
                "spec": {"servers": [{"port": {"number": 443, "name": "h", "protocol": "HTTPS"},
                    "hosts": ["a"], "tls": {"mode": "SIMPLE", "credentialName": "c",
                        "credentialNames": ["d"]}}]}}),
            // Gateway API: rules at the root and on lists, defaults on absent ruled fields
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                "metadata": {"name": "r"},
                "spec": {"parentRefs": [{"name": "g", "port": 0}],
                    "rules": [{"backendRefs": [{"name": "s"}]},
                        {"matches": [{"path": {"type": "RegularExpression", "value": "(a"}}],
                         "filters": [{"type": "RequestRedirect"}, {"type": "URLRewrite"}]}]}}),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                "metadata": {"name": "g"},
                "spec": {"gatewayClassName": "c", "listeners": [
                    {"name": "a", "port": 443, "protocol": "HTTPS", "tls": {"mode": "Terminate"}},
                    {"name": "a", "port": 80, "protocol": "HTTP", "hostname": "*.x"}]}}),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute",
                "metadata": {"name": "r"},
                "spec": {"rules": [{"matches": [{"method": {"type": "Exact"}}]}]}}),
        ];
        let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/istio");
        let mut files = Vec::new();
        for dir in [
            "manifests",
            "manifests-invalid",
            "manifests-apidocs",
            "manifests-generated",
        ] {
            crate::input::collect(&shared.join(dir), &mut files);
        }
        if files.is_empty() {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "the reference data ../shared/istio is missing; CI needs it beside the clone"
            );
            eprintln!(
                "skipped the Istio corpus: ../shared/istio not found at {}",
                shared.display()
            );
        }
        for file in &files {
            let text = std::fs::read_to_string(file).expect("read");
            if let Ok(docs) = serde_saphyr::from_multiple::<Value>(&text) {
                objects.extend(docs.into_iter().filter(Value::is_object));
            }
        }
        let (mut compared, mut failing) = (0, 0);
        let mut memo = CelMemo::new();
        // twice over, so that the second round is answered from the memo
        for object in objects.iter().chain(&objects) {
            let api = object["apiVersion"].as_str().unwrap_or("");
            if !set.covers(api, object["kind"].as_str().unwrap_or("")) {
                continue;
            }
            let [want, with_memo, fresh] = verdicts(&set, object, &mut memo);
            assert_eq!(with_memo, want, "with the memo: {object}");
            assert_eq!(fresh, want, "{object}");
            compared += 1;
            failing += usize::from(!want.is_empty());
        }
        eprintln!("compared {compared} objects, {failing} failing a CEL rule");
        assert!(
            failing >= 12,
            "objects that fail a CEL rule: {failing} of {compared}"
        );
    }
}

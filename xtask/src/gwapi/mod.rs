//! `cargo xtask codegen`, Gateway API part: the v1.6.1 CRDs → `istio-grpc-types/src/gateway_api/`.
//!
//! Input: `xtask/data/gateway-api/{standard,experimental}-install.yaml` (vendored release assets,
//! see the README there). The types follow the **standard** channel: every field of the
//! storage version's `spec` schema of Gateway, GRPCRoute, HTTPRoute, ReferenceGrant and
//! BackendTLSPolicy. Fields only the experimental channel has (HTTPRoute `retry`,
//! `sessionPersistence`, ...) are not typed: they land in the `extra` map of the struct they
//! appear in (kept and written back, listed by `unknown_fields`, refused by strict reading), and
//! the generated docs of that struct name them.
//!
//! Mapping (see [`schema`]):
//! * an object with `properties` → a struct with an `extra` map; required fields are not
//!   `Option`;
//! * a discriminated union (an object whose `type` enum names, value by value, its other
//!   properties, like a filter's `type: RequestMirror` + `requestMirror`) → a struct holding a
//!   Rust enum with one variant per `type` value;
//! * a string enum → a Rust enum; a GEP-2257 duration (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`) →
//!   `gateway_api::Duration`; a map → `BTreeMap`;
//! * structurally identical objects are one type (a `ParentReference` is the same in GRPCRoute
//!   and HTTPRoute); types used by more than one kind go to `common.rs`.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

mod emit;
mod schema;

/// The vendored CRDs, relative to the workspace root.
pub(crate) const STANDARD: &str = "xtask/data/gateway-api/standard-install.yaml";
pub(crate) const EXPERIMENTAL: &str = "xtask/data/gateway-api/experimental-install.yaml";
/// The release the CRDs must say they are (annotation `gateway.networking.k8s.io/bundle-version`).
pub(crate) const BUNDLE_VERSION: &str = "v1.6.1";
/// Where the generated modules go, relative to the workspace root.
const OUT: &str = "istio-grpc-types/src/gateway_api";

/// One kind the types cover.
pub(crate) struct Target {
    /// `kind`, e.g. `GRPCRoute`.
    pub(crate) kind: &'static str,
    /// The Rust name of the resource, e.g. `GrpcRoute`.
    pub(crate) rust: &'static str,
    /// The module, e.g. `grpc_route`.
    pub(crate) module: &'static str,
    /// The plural resource name, as in the CRD's `spec.names.plural`.
    pub(crate) plural: &'static str,
    /// Served versions, the one new objects get first (Istio watches ReferenceGrant `v1beta1`).
    pub(crate) versions: &'static [&'static str],
}

pub(crate) const TARGETS: &[Target] = &[
    Target {
        kind: "Gateway",
        plural: "gateways",
        rust: "Gateway",
        module: "gateway",
        versions: &["v1", "v1beta1"],
    },
    Target {
        kind: "GRPCRoute",
        plural: "grpcroutes",
        rust: "GrpcRoute",
        module: "grpc_route",
        versions: &["v1"],
    },
    Target {
        kind: "HTTPRoute",
        plural: "httproutes",
        rust: "HttpRoute",
        module: "http_route",
        versions: &["v1", "v1beta1"],
    },
    Target {
        kind: "ReferenceGrant",
        plural: "referencegrants",
        rust: "ReferenceGrant",
        module: "reference_grant",
        versions: &["v1beta1", "v1"],
    },
    Target {
        kind: "BackendTLSPolicy",
        plural: "backendtlspolicies",
        rust: "BackendTlsPolicy",
        module: "backend_tls_policy",
        versions: &["v1"],
    },
];

/// The CRDs of one install file, by kind.
pub(crate) struct Crds {
    by_kind: Vec<(String, Value)>,
}

impl Crds {
    pub(crate) fn parse(text: &str) -> Result<Crds, String> {
        let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| e.to_string())?;
        let mut by_kind = Vec::new();
        for doc in docs {
            if doc["kind"] != "CustomResourceDefinition" {
                continue; // the install files also carry a ValidatingAdmissionPolicy
            }
            let bundle =
                &doc["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"];
            if bundle != BUNDLE_VERSION {
                return Err(format!(
                    "CRD {} is bundle-version {bundle}, expected {BUNDLE_VERSION}",
                    doc["metadata"]["name"]
                ));
            }
            let kind = doc["spec"]["names"]["kind"]
                .as_str()
                .ok_or("a CRD without spec.names.kind")?
                .to_owned();
            by_kind.push((kind, doc));
        }
        Ok(Crds { by_kind })
    }

    fn crd(&self, kind: &str) -> Result<&Value, String> {
        self.by_kind
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("no CRD for kind {kind}"))
    }

    /// The `spec` schema of `kind` at its first version, checking (with `exact`) that the CRD
    /// serves exactly the versions the target lists and that their `spec` schemas are the same.
    /// (The experimental channel serves more, e.g. BackendTLSPolicy `v1alpha3`.)
    pub(crate) fn spec(&self, target: &Target, exact: bool) -> Result<(&Value, &Value), String> {
        let crd = self.crd(target.kind)?;
        if crd["spec"]["names"]["plural"] != target.plural {
            return Err(format!(
                "{} is not called {} in its CRD",
                target.kind, target.plural
            ));
        }
        let versions = crd["spec"]["versions"]
            .as_array()
            .ok_or("no spec.versions")?;
        let served: Vec<&Value> = versions.iter().filter(|v| v["served"] == true).collect();
        let mut names: Vec<&str> = served.iter().filter_map(|v| v["name"].as_str()).collect();
        let mut wanted = target.versions.to_vec();
        names.sort_unstable();
        wanted.sort_unstable();
        if exact && names != wanted {
            return Err(format!(
                "{} serves {names:?}, the generator expects {wanted:?}",
                target.kind
            ));
        }
        let spec_of = |v: &Value| v["schema"]["openAPIV3Schema"]["properties"]["spec"].clone();
        let first = spec_of(served[0]);
        if exact && served.iter().any(|v| spec_of(v) != first) {
            return Err(format!(
                "the served versions of {} have different spec schemas",
                target.kind
            ));
        }
        let storage = served
            .iter()
            .find(|v| v["name"] == target.versions[0])
            .ok_or("no such version")?;
        let root = &storage["schema"]["openAPIV3Schema"];
        Ok((&root["properties"]["spec"], root))
    }
}

/// Generates (or, with `check`, re-checks) the Gateway API modules.
pub(crate) fn run(root: &Path, check: bool) -> Result<String, String> {
    let read = |rel: &str| {
        let path = root.join(rel);
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let standard = Crds::parse(&read(STANDARD)?).map_err(|e| format!("{STANDARD}: {e}"))?;
    let experimental =
        Crds::parse(&read(EXPERIMENTAL)?).map_err(|e| format!("{EXPERIMENTAL}: {e}"))?;
    let generated = generate(&standard, &experimental)?;
    let mut stale = Vec::new();
    for (module, source) in &generated.files {
        let source = crate::codegen::rustfmt(root, source)?;
        let rel = format!("{OUT}/{module}.rs");
        let target = root.join(&rel);
        let old = std::fs::read_to_string(&target).ok();
        if old.as_deref() != Some(source.as_str()) {
            if !check {
                std::fs::write(&target, &source)
                    .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            }
            stale.push(rel);
        }
    }
    if check && !stale.is_empty() {
        return Err(format!(
            "generated files are stale: {} (run `cargo xtask codegen`)",
            stale.join(", ")
        ));
    }
    let mut summary = String::new();
    let _ = write!(
        summary,
        "codegen (Gateway API {BUNDLE_VERSION}): {} modules, {} types",
        generated.files.len(),
        generated.types
    );
    summary.push_str(if check {
        " (up to date)"
    } else if stale.is_empty() {
        " (unchanged)"
    } else {
        " (written)"
    });
    Ok(summary)
}

/// The generated modules (unformatted).
pub(crate) struct Generated {
    pub(crate) files: Vec<(String, String)>,
    pub(crate) types: usize,
}

pub(crate) fn generate(standard: &Crds, experimental: &Crds) -> Result<Generated, String> {
    let mut model = schema::Model::default();
    for target in TARGETS {
        let (spec, _) = standard.spec(target, true)?;
        let (exp_spec, _) = experimental.spec(target, false)?;
        model.add_resource(target, spec, exp_spec)?;
    }
    let unused = model.unused_names();
    if !unused.is_empty() {
        return Err(format!(
            "NAMES in xtask/src/gwapi/schema.rs names places no CRD has: {}",
            unused.join(", ")
        ));
    }
    let files = emit::modules(&model)?;
    Ok(Generated {
        files,
        types: model.defs.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crds(kind: &str, spec: &str) -> Crds {
        let text = format!(
            r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: x
  annotations: {{gateway.networking.k8s.io/bundle-version: {BUNDLE_VERSION}}}
spec:
  names: {{kind: {kind}, plural: grpcroutes}}
  versions:
  - name: v1
    served: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {spec}
"#
        );
        Crds::parse(&text).expect("parses")
    }

    const TARGET: Target = Target {
        kind: "GRPCRoute",
        plural: "grpcroutes",
        rust: "GrpcRoute",
        module: "grpc_route",
        versions: &["v1"],
    };

    fn one(spec: &str, exp: &str) -> String {
        let std = crds("GRPCRoute", spec);
        let exp = crds("GRPCRoute", exp);
        let mut model = schema::Model::default();
        model
            .add_resource(
                &TARGET,
                std.spec(&TARGET, true).expect("spec").0,
                exp.spec(&TARGET, false).expect("spec").0,
            )
            .expect("model");
        emit::modules(&model)
            .expect("emits")
            .into_iter()
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A `type` enum naming its sibling fields is a Rust enum with one variant per value, and
    /// the wire form refuses a payload of another variant.
    #[test]
    fn discriminated_unions_become_enums() {
        let spec = r#"{type: object, properties: {filters: {type: array, items: {type: object, required: [type],
            properties: {type: {type: string, enum: [RequestMirror, URLRewrite]},
                         requestMirror: {type: object, properties: {percent: {type: integer, format: int32}}},
                         urlRewrite: {type: object, properties: {hostname: {type: string}}}}}}}}"#;
        let out = one(spec, spec);
        for expected in [
            "pub enum GrpcRouteFilterKind {",
            "RequestMirror(HttpRequestMirrorFilter),",
            "UrlRewrite(UrlRewrite),",
            "pub struct GrpcRouteFilter {",
            "pub value: GrpcRouteFilterKind,",
            "\"URLRewrite\" => {",
            "`type: URLRewrite` needs `urlRewrite`",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
        }
    }

    #[test]
    fn durations_required_fields_and_experimental_notes() {
        let spec = r#"{type: object, required: [name], properties: {
            name: {type: string},
            timeout: {type: string, pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$'}}}"#;
        let exp = r#"{type: object, required: [name], properties: {
            name: {type: string}, retry: {type: object, properties: {attempts: {type: integer}}},
            timeout: {type: string, pattern: '^([0-9]{1,5}(h|m|s|ms)){1,4}$'}}}"#;
        let out = one(spec, exp);
        for expected in [
            "pub name: String,",
            "pub timeout: Option<super::Duration>,",
            "experimental channel only",
            "`retry`",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
        }
    }

    #[test]
    fn a_wrong_bundle_version_is_refused() {
        let text = "kind: CustomResourceDefinition\nmetadata: {name: x, annotations: {gateway.networking.k8s.io/bundle-version: v1.5.0}}\nspec: {names: {kind: Gateway}}\n";
        let err = Crds::parse(text).err().expect("refused");
        assert!(err.contains("expected v1.6.1"), "{err}");
    }
}

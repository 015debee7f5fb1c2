//! CRD schemas → a model of Rust types.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::Target;
use crate::codegen::names::snake;

/// GEP-2257 durations (`shared_types.go` `Duration`).
pub(crate) const DURATION_PATTERN: &str = "^([0-9]{1,5}(h|m|s|ms)){1,4}$";

/// Rust names for the types at these places (`Kind.path`), where the name the generator would
/// derive from the field name is ambiguous or far from the Go type's name. A place may hold one
/// `*`, standing for any run of the path (`HTTPRoute.*.filters[]`: the rule's and the
/// backendRefs' filters). A named place is its own type, shared only with the places the table
/// gives the same name and shape (so HTTPRoute's header match is not GRPCRoute's, though their
/// schemas are equal); unnamed places of equal shape share one type, named where first seen.
const NAMES: &[(&str, &str)] = &[
    // Gateway
    ("Gateway.spec.listeners[]", "Listener"),
    ("Gateway.spec.listeners[].tls", "ListenerTlsConfig"),
    ("Gateway.spec.listeners[].tls.mode", "TlsMode"),
    ("Gateway.*.certificateRefs[]", "SecretObjectReference"),
    (
        "Gateway.spec.tls.backend.clientCertificateRef",
        "SecretObjectReference",
    ),
    ("Gateway.spec.listeners[].allowedRoutes", "AllowedRoutes"),
    (
        "Gateway.spec.listeners[].allowedRoutes.kinds[]",
        "RouteGroupKind",
    ),
    (
        "Gateway.spec.listeners[].allowedRoutes.namespaces",
        "RouteNamespaces",
    ),
    (
        "Gateway.spec.listeners[].allowedRoutes.namespaces.from",
        "FromNamespaces",
    ),
    ("Gateway.*.selector", "LabelSelector"),
    (
        "Gateway.*.selector.matchExpressions[]",
        "LabelSelectorRequirement",
    ),
    ("Gateway.spec.addresses[]", "GatewaySpecAddress"),
    ("Gateway.spec.allowedListeners", "AllowedListeners"),
    (
        "Gateway.spec.allowedListeners.namespaces",
        "ListenerNamespaces",
    ),
    (
        "Gateway.spec.allowedListeners.namespaces.from",
        "ListenerFromNamespaces",
    ),
    ("Gateway.spec.infrastructure", "GatewayInfrastructure"),
    (
        "Gateway.spec.infrastructure.parametersRef",
        "LocalParametersReference",
    ),
    ("Gateway.spec.tls", "GatewayTlsConfig"),
    ("Gateway.spec.tls.backend", "GatewayBackendTls"),
    ("Gateway.spec.tls.frontend", "FrontendTlsConfig"),
    ("Gateway.spec.tls.frontend.default", "TlsConfig"),
    ("Gateway.spec.tls.frontend.perPort[].tls", "TlsConfig"),
    ("Gateway.*.validation", "FrontendTlsValidation"),
    (
        "Gateway.*.validation.caCertificateRefs[]",
        "ObjectReference",
    ),
    ("Gateway.*.validation.mode", "FrontendValidationMode"),
    ("Gateway.spec.tls.frontend.perPort[]", "TlsPortConfig"),
    // both routes
    ("*.parentRefs[]", "ParentReference"),
    ("*HeaderModifier", "HttpHeaderFilter"),
    ("*HeaderModifier.set[]", "HttpHeader"),
    ("*HeaderModifier.add[]", "HttpHeader"),
    ("*.requestMirror", "HttpRequestMirrorFilter"),
    ("*.requestMirror.backendRef", "BackendObjectReference"),
    ("*.requestMirror.fraction", "Fraction"),
    ("*.extensionRef", "LocalObjectReference"),
    // GRPCRoute
    ("GRPCRoute.spec.rules[]", "GrpcRouteRule"),
    ("GRPCRoute.spec.rules[].matches[]", "GrpcRouteMatch"),
    ("GRPCRoute.spec.rules[].matches[].method", "GrpcMethodMatch"),
    (
        "GRPCRoute.spec.rules[].matches[].method.type",
        "GrpcMethodMatchType",
    ),
    (
        "GRPCRoute.spec.rules[].matches[].headers[]",
        "GrpcHeaderMatch",
    ),
    (
        "GRPCRoute.spec.rules[].matches[].headers[].type",
        "GrpcHeaderMatchType",
    ),
    ("GRPCRoute.*.filters[]", "GrpcRouteFilter"),
    ("GRPCRoute.spec.rules[].backendRefs[]", "GrpcBackendRef"),
    // HTTPRoute
    ("HTTPRoute.spec.rules[]", "HttpRouteRule"),
    ("HTTPRoute.spec.rules[].matches[]", "HttpRouteMatch"),
    ("HTTPRoute.spec.rules[].matches[].path", "HttpPathMatch"),
    (
        "HTTPRoute.spec.rules[].matches[].path.type",
        "PathMatchType",
    ),
    (
        "HTTPRoute.spec.rules[].matches[].headers[]",
        "HttpHeaderMatch",
    ),
    (
        "HTTPRoute.spec.rules[].matches[].headers[].type",
        "HeaderMatchType",
    ),
    (
        "HTTPRoute.spec.rules[].matches[].queryParams[]",
        "HttpQueryParamMatch",
    ),
    (
        "HTTPRoute.spec.rules[].matches[].queryParams[].type",
        "QueryParamMatchType",
    ),
    ("HTTPRoute.spec.rules[].matches[].method", "HttpMethod"),
    ("HTTPRoute.*.filters[]", "HttpRouteFilter"),
    ("HTTPRoute.*.cors", "HttpCorsFilter"),
    ("HTTPRoute.*.cors.allowMethods[]", "CorsAllowMethod"),
    ("HTTPRoute.*.requestRedirect", "HttpRequestRedirectFilter"),
    ("HTTPRoute.*.requestRedirect.path", "HttpPathModifier"),
    ("HTTPRoute.*.urlRewrite.path", "HttpPathModifier"),
    ("HTTPRoute.*.requestRedirect.scheme", "RedirectScheme"),
    ("HTTPRoute.*.urlRewrite", "HttpUrlRewriteFilter"),
    ("HTTPRoute.spec.rules[].backendRefs[]", "HttpBackendRef"),
    ("HTTPRoute.spec.rules[].timeouts", "HttpRouteTimeouts"),
    // ReferenceGrant
    ("ReferenceGrant.spec.from[]", "ReferenceGrantFrom"),
    ("ReferenceGrant.spec.to[]", "ReferenceGrantTo"),
    // BackendTLSPolicy
    (
        "BackendTLSPolicy.spec.targetRefs[]",
        "LocalPolicyTargetReferenceWithSectionName",
    ),
    (
        "BackendTLSPolicy.spec.validation",
        "BackendTlsPolicyValidation",
    ),
    (
        "BackendTLSPolicy.spec.validation.caCertificateRefs[]",
        "LocalObjectReference",
    ),
    (
        "BackendTLSPolicy.spec.validation.subjectAltNames[]",
        "SubjectAltName",
    ),
];

/// The name [`NAMES`] gives the place `path`.
fn table_name(path: &str) -> Option<&'static str> {
    table_entry(path).map(|(_, n)| n)
}

/// The [`NAMES`] entry that names the place `path`.
fn table_entry(path: &str) -> Option<(&'static str, &'static str)> {
    NAMES
        .iter()
        .copied()
        .find(|(p, _)| match p.split_once('*') {
            Some((prefix, suffix)) => {
                path.len() >= prefix.len() + suffix.len()
                    && path.starts_with(prefix)
                    && path.ends_with(suffix)
            }
            None => *p == path,
        })
}

/// A Rust type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ty {
    String,
    Bool,
    I32,
    I64,
    Duration,
    /// Any JSON (`x-kubernetes-preserve-unknown-fields` without properties).
    Json,
    /// A generated type, by index into [`Model::defs`].
    Named(usize),
    Vec(Box<Ty>),
    Map(Box<Ty>),
}

/// A field of a struct.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub(crate) json: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) doc: String,
}

/// One variant of a discriminated union.
#[derive(Clone, Debug)]
pub(crate) struct Variant {
    /// The `type` value, e.g. `URLRewrite`.
    pub(crate) value: String,
    /// The payload's key, e.g. `urlRewrite`.
    pub(crate) json: String,
    pub(crate) ty: Ty,
    pub(crate) doc: String,
}

#[derive(Clone, Debug)]
pub(crate) enum Body {
    Struct(Vec<Field>),
    StrEnum {
        values: Vec<String>,
        default: Option<String>,
    },
    Union {
        /// The discriminator's doc.
        type_doc: String,
        variants: Vec<Variant>,
        /// `type` values only the experimental channel has.
        experimental_values: Vec<String>,
    },
}

/// A generated type.
#[derive(Clone, Debug)]
pub(crate) struct Def {
    pub(crate) name: String,
    pub(crate) doc: String,
    pub(crate) body: Body,
    /// Where it was first seen: `GRPCRoute.spec.rules[].matches[]`.
    pub(crate) origin: String,
    /// Modules of the kinds that use it.
    pub(crate) users: BTreeSet<&'static str>,
    /// Keys only the experimental channel has at this place.
    pub(crate) experimental: Vec<String>,
    /// Whether the name comes from [`NAMES`] (a derived name gives way to it).
    pub(crate) explicit: bool,
}

/// The generated resources and every type they use.
#[derive(Default)]
pub(crate) struct Model {
    pub(crate) defs: Vec<Def>,
    by_key: BTreeMap<String, usize>,
    by_name: BTreeMap<String, usize>,
    /// (target, index of its spec type, root schema description).
    pub(crate) resources: Vec<(&'static Target, usize, String)>,
    /// The [`NAMES`] places that named something.
    used_names: BTreeSet<&'static str>,
}

/// The first paragraph of a description, as one line.
pub(crate) fn first_paragraph(v: &Value) -> String {
    let text = v["description"].as_str().unwrap_or("");
    let para = text.split("\n\n").next().unwrap_or("");
    para.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A schema without its descriptions: what makes two places the same type.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "description")
                .map(|(k, v)| (k.clone(), shape(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        other => other.clone(),
    }
}

/// `URLRewrite` → `UrlRewrite`, `CORS` → `Cors`, `GET` → `Get`, `http` → `Http`, `IPAddress`
/// → `IpAddress`: words at case changes, an upper-case run being one word.
pub(crate) fn pascal_words(s: &str) -> String {
    let chars: Vec<char> = s.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if chars[i].is_ascii_uppercase() {
            let run = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_uppercase())
                .count();
            if run > 1 {
                // `URLRewrite`: the run but its last capital, which starts the next word
                let end = if chars.get(i + run).is_some_and(char::is_ascii_lowercase) {
                    i + run - 1
                } else {
                    i + run
                };
                words.push(chars[start..end].iter().collect());
                i = end;
                continue;
            }
            i += 1;
        }
        while i < chars.len() && !chars[i].is_ascii_uppercase() {
            i += 1;
        }
        words.push(chars[start..i].iter().collect());
    }
    words
        .iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            let mut c = lower.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The Rust variant of an enum value: [`pascal_words`], and `*` → `Wildcard`.
pub(crate) fn variant_name(value: &str) -> String {
    if value == "*" {
        "Wildcard".to_owned()
    } else {
        pascal_words(value)
    }
}

/// `matches` → `match`, `backendRefs` → `backendRef`, `addresses` → `address`.
fn singular(s: &str) -> &str {
    if s.ends_with("ches") || s.ends_with("sses") {
        return &s[..s.len() - 2];
    }
    s.strip_suffix('s').unwrap_or(s)
}

/// Where the walk is: the kind, the dotted path, and the experimental schema at the same place.
struct At<'a> {
    target: &'static Target,
    path: String,
    exp: Option<&'a Value>,
    /// The Rust name of the enclosing struct.
    parent: String,
}

impl Model {
    /// Adds a resource's spec (and everything it uses).
    pub(crate) fn add_resource(
        &mut self,
        target: &'static Target,
        spec: &Value,
        exp_spec: &Value,
    ) -> Result<(), String> {
        let at = At {
            target,
            path: format!("{}.spec", target.kind),
            exp: Some(exp_spec),
            parent: String::new(),
        };
        let name = format!("{}Spec", target.rust);
        let ty = self.object(spec, &at, &name)?;
        let Ty::Named(i) = ty else {
            return Err(format!("{}.spec is not an object", target.kind));
        };
        self.resources.push((target, i, first_paragraph(spec)));
        Ok(())
    }

    fn name_for(&mut self, path: &str, default: String) -> String {
        match table_entry(path) {
            Some((place, name)) => {
                self.used_names.insert(place);
                name.to_owned()
            }
            None => default,
        }
    }

    /// The [`NAMES`] places no schema has: a stale table (an error, so the table stays true).
    pub(crate) fn unused_names(&self) -> Vec<&'static str> {
        NAMES
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| !self.used_names.contains(p))
            .collect()
    }

    /// Registers a def under its shape key, or returns the one already there.
    fn intern(&mut self, key: String, def: Def) -> Result<usize, String> {
        if let Some(&i) = self.by_key.get(&key) {
            if def.explicit && !self.defs[i].explicit {
                // the shape was first seen where the table names it not: take the table's name
                self.by_name.remove(&self.defs[i].name);
                if let Some(&other) = self.by_name.get(&def.name) {
                    return Err(format!(
                        "two different types would be called {}: at {} and at {}",
                        def.name, self.defs[other].origin, def.origin
                    ));
                }
                self.by_name.insert(def.name.clone(), i);
                self.defs[i].name = def.name.clone();
                self.defs[i].explicit = true;
            }
            for u in def.users {
                self.defs[i].users.insert(u);
            }
            return Ok(i);
        }
        if let Some(&other) = self.by_name.get(&def.name) {
            return Err(format!(
                "two different types would be called {}: at {} and at {} (add a name to NAMES in xtask/src/gwapi/schema.rs)",
                def.name, self.defs[other].origin, def.origin
            ));
        }
        let i = self.defs.len();
        self.by_name.insert(def.name.clone(), i);
        self.by_key.insert(key, i);
        self.defs.push(def);
        Ok(i)
    }

    fn ty(&mut self, schema: &Value, at: &At<'_>, prop: &str) -> Result<Ty, String> {
        let t = schema["type"].as_str().unwrap_or("");
        if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
            return Err(format!("{}: int-or-string is not supported", at.path));
        }
        Ok(match t {
            "string" => match schema.get("enum").and_then(Value::as_array) {
                Some(values) => {
                    let values: Vec<String> = values
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .map(str::to_owned)
                                .ok_or("a non-string enum value")
                        })
                        .collect::<Result<_, _>>()?;
                    let name =
                        self.name_for(&at.path, format!("{}{}", at.parent, pascal_words(prop)));
                    let default = schema["default"].as_str().map(str::to_owned);
                    // a name from NAMES makes its own type; otherwise equal enums are one
                    let named = table_name(&at.path).is_some();
                    let key = if named {
                        format!("enum {values:?} {default:?} {name}")
                    } else {
                        format!("enum {values:?} {default:?}")
                    };
                    let def = Def {
                        name,
                        doc: first_paragraph(schema),
                        body: Body::StrEnum { values, default },
                        origin: at.path.clone(),
                        users: BTreeSet::from([at.target.module]),
                        experimental: Vec::new(),
                        explicit: named,
                    };
                    Ty::Named(self.intern(key, def)?)
                }
                None if schema["pattern"] == DURATION_PATTERN => Ty::Duration,
                None => Ty::String,
            },
            "boolean" => Ty::Bool,
            "integer" => match schema["format"].as_str() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            "array" => {
                let items = &schema["items"];
                let inner = At {
                    target: at.target,
                    path: format!("{}[]", at.path),
                    exp: at.exp.map(|e| &e["items"]),
                    parent: at.parent.clone(),
                };
                Ty::Vec(Box::new(self.ty(items, &inner, singular(prop))?))
            }
            "object" if schema.get("properties").is_some() => {
                let default = pascal_words(prop);
                let name = self.name_for(&at.path, default);
                self.object(schema, at, &name)?
            }
            "object" => match schema.get("additionalProperties") {
                Some(v) if v.is_object() => {
                    let inner = At {
                        target: at.target,
                        path: format!("{}.*", at.path),
                        exp: at.exp.map(|e| &e["additionalProperties"]),
                        parent: at.parent.clone(),
                    };
                    Ty::Map(Box::new(self.ty(v, &inner, prop)?))
                }
                _ => Ty::Json,
            },
            other => return Err(format!("{}: unsupported schema type {other:?}", at.path)),
        })
    }

    /// A struct, or a discriminated union.
    fn object(&mut self, schema: &Value, at: &At<'_>, name: &str) -> Result<Ty, String> {
        let props = schema["properties"]
            .as_object()
            .ok_or_else(|| format!("{}: no properties", at.path))?;
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let exp_props = at.exp.and_then(|e| e["properties"].as_object());
        let experimental: Vec<String> = exp_props
            .map(|e| {
                e.keys()
                    .filter(|k| !props.contains_key(*k))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let child = |key: &str| At {
            target: at.target,
            path: format!("{}.{key}", at.path),
            exp: exp_props.and_then(|e| e.get(key)),
            parent: name.to_owned(),
        };
        // a discriminated union: `type` is an enum, and each of its values names another
        // property (case-insensitively), which are all the other properties
        if let Some(values) = props
            .get("type")
            .and_then(|t| t.get("enum"))
            .and_then(Value::as_array)
        {
            let payload_of = |value: &str| {
                props
                    .keys()
                    .find(|k| k.as_str() != "type" && k.eq_ignore_ascii_case(value))
            };
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            let all_named = values.iter().all(|v| payload_of(v).is_some());
            if all_named && props.len() == values.len() + 1 {
                let mut variants = Vec::new();
                for value in &values {
                    let json = payload_of(value).ok_or("checked above")?;
                    let ty = self.ty(&props[json], &child(json), json)?;
                    variants.push(Variant {
                        value: (*value).to_owned(),
                        json: json.clone(),
                        ty,
                        doc: first_paragraph(&props[json]),
                    });
                }
                let exp_values: Vec<String> = exp_props
                    .and_then(|e| e.get("type"))
                    .and_then(|t| t["enum"].as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .filter(|v| !values.contains(v))
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                let named = table_name(&at.path).is_some();
                let key = format!(
                    "union {} exp {experimental:?} {exp_values:?} {}",
                    shape(schema),
                    if named { name } else { "" }
                );
                let def = Def {
                    name: name.to_owned(),
                    doc: first_paragraph(schema),
                    body: Body::Union {
                        type_doc: first_paragraph(&props["type"]),
                        variants,
                        experimental_values: exp_values,
                    },
                    origin: at.path.clone(),
                    users: BTreeSet::from([at.target.module]),
                    experimental,
                    explicit: table_name(&at.path).is_some(),
                };
                return Ok(Ty::Named(self.intern(key, def)?));
            }
        }
        let mut fields = Vec::new();
        for (json, prop) in props {
            let ty = self.ty(prop, &child(json), json)?;
            fields.push(Field {
                json: json.clone(),
                ty,
                required: required.contains(json.as_str()),
                doc: first_paragraph(prop),
            });
        }
        let named = table_name(&at.path).is_some();
        let key = format!(
            "struct {} exp {experimental:?} {}",
            shape(schema),
            if named { name } else { "" }
        );
        let def = Def {
            name: name.to_owned(),
            doc: first_paragraph(schema),
            body: Body::Struct(fields),
            origin: at.path.clone(),
            users: BTreeSet::from([at.target.module]),
            experimental,
            explicit: table_name(&at.path).is_some(),
        };
        Ok(Ty::Named(self.intern(key, def)?))
    }

    /// Rust field name of a JSON key.
    pub(crate) fn field_name(json: &str) -> String {
        snake(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_words_splits_acronyms() {
        assert_eq!(pascal_words("URLRewrite"), "UrlRewrite");
        assert_eq!(pascal_words("CORS"), "Cors");
        assert_eq!(pascal_words("GET"), "Get");
        assert_eq!(pascal_words("http"), "Http");
        assert_eq!(pascal_words("IPAddress"), "IpAddress");
        assert_eq!(
            pascal_words("RequestHeaderModifier"),
            "RequestHeaderModifier"
        );
        assert_eq!(pascal_words("backendRefs"), "BackendRefs");
    }

    #[test]
    fn singular_of_lists() {
        assert_eq!(singular("matches"), "match");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("backendRefs"), "backendRef");
        assert_eq!(singular("kinds"), "kind");
        assert_eq!(singular("perPort"), "perPort");
    }
}

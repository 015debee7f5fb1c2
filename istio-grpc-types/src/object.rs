//! One enum over every object a manifest may hold: the Istio and Gateway API kinds typed by
//! this crate, common Kubernetes kinds typed by k8s-openapi, and anything else carried through
//! as JSON. Kinds are told apart by group and kind: a `gateway.networking.k8s.io` Gateway is
//! [`Object::K8sGateway`], never Istio's `Gateway`.
//!
//! The kinds are listed once, in the [`object_kinds!`] invocation at the end of this file: the
//! enum, the `From` conversions, every per-kind `match` and the reading dispatch by group and
//! kind are generated from that one list. It is a `macro_rules!` inside this crate rather than
//! a table the xtask expands: the list is short and written by hand (it is not derived from
//! Istio's API like the generated types), and a reader sees list and expansion in one file.

use std::fmt;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::gateway_api::{self, BackendTlsPolicy, GrpcRoute, HttpRoute, ReferenceGrant};
use crate::kubernetes::KubeObject;
use crate::unknown::UnknownField;
use crate::{
    DestinationRule, EnvoyFilter, Gateway, IstioKind, PeerAuthentication, ServiceEntry, Sidecar,
    VirtualService,
};

/// An object of a kind this crate does not type, kept exactly as written.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownObject {
    value: serde_json::Map<String, Value>,
}

impl Serialize for UnknownObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl UnknownObject {
    /// The object as JSON.
    pub fn as_json(&self) -> &serde_json::Map<String, Value> {
        &self.value
    }

    fn str_at(&self, keys: &[&str]) -> Option<&str> {
        let mut v = self.value.get(keys[0])?;
        for k in &keys[1..] {
            v = v.get(k)?;
        }
        v.as_str()
    }
}

/// Generates [`Object`] and everything that goes kind by kind from one list of kinds, in three
/// families: Istio kinds and Gateway API kinds (this crate's types, identified by
/// [`IstioKind`]) and Kubernetes kinds (k8s-openapi's types, identified by
/// `k8s_openapi::Resource`, carried in a [`KubeObject`]).
macro_rules! object_kinds {
    (
        istio { $($iv:ident($it:ty), $idoc:literal;)* }
        gateway_api { $($gv:ident($gt:ty), $gdoc:literal;)* }
        kubernetes { $($kv:ident($kt:ty), $kdoc:literal;)* }
    ) => {
        /// A Kubernetes object of any kind. Nothing is dropped: kinds this crate does not type
        /// are kept whole as [`UnknownObject`], and the fields a typed kind does not know are
        /// kept inside it ([`Object::unknown_fields`]). The typed kinds are boxed, so that a
        /// list of objects costs each object's own size rather than the largest kind's.
        #[derive(Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Object {
            $(#[doc = $idoc] $iv(Box<$it>),)*
            $(#[doc = $gdoc] $gv(Box<$gt>),)*
            $(#[doc = $kdoc] $kv(Box<KubeObject<$kt>>),)*
            /// Any other kind, kept as written.
            Other(UnknownObject),
        }

        impl Object {
            /// The object's `kind`.
            pub fn kind(&self) -> &str {
                match self {
                    $(Object::$iv(_) => <$it as IstioKind>::KIND,)*
                    $(Object::$gv(_) => <$gt as IstioKind>::KIND,)*
                    $(Object::$kv(_) => <$kt as k8s_openapi::Resource>::KIND,)*
                    Object::Other(o) => o.str_at(&["kind"]).unwrap_or(""),
                }
            }

            /// The object's API group (`networking.istio.io`, `gateway.networking.k8s.io`,
            /// `apps`; empty for Kubernetes' core group): with [`kind`](Object::kind), what
            /// identifies its kind.
            pub fn group(&self) -> &str {
                match self {
                    $(Object::$iv(_) => <$it as IstioKind>::GROUP,)*
                    $(Object::$gv(_) => <$gt as IstioKind>::GROUP,)*
                    $(Object::$kv(_) => <$kt as k8s_openapi::Resource>::GROUP,)*
                    Object::Other(o) => o
                        .str_at(&["apiVersion"])
                        .and_then(|v| v.rsplit_once('/'))
                        .map_or("", |(group, _)| group),
                }
            }

            /// The object's metadata, for every kind but [`Object::Other`].
            pub fn metadata(&self) -> Option<&ObjectMeta> {
                Some(match self {
                    $(Object::$iv(o) => &o.metadata,)*
                    $(Object::$gv(o) => &o.metadata,)*
                    $(Object::$kv(o) => &o.metadata,)*
                    Object::Other(_) => return None,
                })
            }

            /// The fields of this object that the types do not know (fields of a newer Istio or
            /// Kubernetes, or misspelled ones), each with its path and the nearest known name.
            /// Reading keeps them and writing writes them back;
            /// [`yaml::parse_with`](crate::yaml::parse_with) also gives their line and column.
            ///
            /// ```
            /// use istio_grpc_types::Object;
            ///
            /// let vs: Object = serde_json::from_str(r#"{"apiVersion": "networking.istio.io/v1",
            ///   "kind": "VirtualService", "metadata": {"name": "a"},
            ///   "spec": {"hosts": ["a"], "http": [{"timout": "5s", "retryBudget": {"percent": 10}}]}}"#)?;
            /// let unknown = vs.unknown_fields();
            /// assert_eq!(unknown[0].path, "spec.http[0].retryBudget");
            /// assert_eq!(unknown[1].path, "spec.http[0].timout");
            /// assert_eq!(unknown[1].suggestion, Some("timeout"));
            /// // written back as read
            /// assert_eq!(vs.to_json()?["spec"]["http"][0]["retryBudget"]["percent"], 10);
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            pub fn unknown_fields(&self) -> Vec<UnknownField> {
                match self {
                    $(Object::$iv(o) => o.unknown_fields(),)*
                    $(Object::$gv(o) => o.unknown_fields(),)*
                    $(Object::$kv(o) => o.unknown_fields(),)*
                    Object::Other(_) => Vec::new(),
                }
            }

            /// Types an object by its group and kind (read from `apiVersion`), or keeps it as
            /// written when no typed kind claims it.
            #[cfg(feature = "read")]
            fn typed_by_kind(
                api_version: &str,
                kind: &str,
                map: serde_json::Map<String, Value>,
                strictness: Strictness,
            ) -> Result<(Object, Vec<UnknownField>), PathError> {
                let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
                match kind {
                    $(k if k == <$it as IstioKind>::KIND
                        && claims_istio_kind(k, group, <$it as IstioKind>::GROUP) =>
                    {
                        ours::<$it>(map, strictness).map(|(o, u)| (Object::$iv(Box::new(o)), u))
                    })*
                    $(k if k == <$gt as IstioKind>::KIND && claims_gateway_api_kind(k, group) => {
                        ours::<$gt>(map, strictness).map(|(o, u)| (Object::$gv(Box::new(o)), u))
                    })*
                    $(k if k == <$kt as k8s_openapi::Resource>::KIND
                        && api_version == <$kt as k8s_openapi::Resource>::API_VERSION =>
                    {
                        let Typed(o, u) = typed_k8s::<$kt>(map, api_version, strictness)?;
                        Ok((Object::$kv(Box::new(o)), u))
                    })*
                    _ => Ok((Object::Other(UnknownObject { value: map }), Vec::new())),
                }
            }
        }

        impl Serialize for Object {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Object::$iv(o) => o.serialize(s),)*
                    $(Object::$gv(o) => o.serialize(s),)*
                    $(Object::$kv(o) => o.serialize(s),)*
                    Object::Other(o) => o.serialize(s),
                }
            }
        }

        impl fmt::Debug for Object {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if let Object::Secret(secret) = self {
                    return debug_secret(secret, f);
                }
                match self {
                    $(Object::$iv(o) => f.debug_tuple(stringify!($iv)).field(o).finish(),)*
                    $(Object::$gv(o) => f.debug_tuple(stringify!($gv)).field(o).finish(),)*
                    $(Object::$kv(o) => f.debug_tuple(stringify!($kv)).field(o).finish(),)*
                    Object::Other(o) => f.debug_tuple("Other").field(o).finish(),
                }
            }
        }

        $(impl From<$it> for Object {
            fn from(o: $it) -> Self {
                Object::$iv(Box::new(o))
            }
        })*
        $(impl From<$gt> for Object {
            fn from(o: $gt) -> Self {
                Object::$gv(Box::new(o))
            }
        })*
        $(impl From<$kt> for Object {
            fn from(o: $kt) -> Self {
                Object::$kv(Box::new(KubeObject::new(o)))
            }
        }
        impl From<KubeObject<$kt>> for Object {
            fn from(o: KubeObject<$kt>) -> Self {
                Object::$kv(Box::new(o))
            }
        })*
    };
}

object_kinds! {
    istio {
        VirtualService(VirtualService), "networking.istio.io VirtualService.";
        Gateway(Gateway), "networking.istio.io Gateway.";
        DestinationRule(DestinationRule), "networking.istio.io DestinationRule.";
        ServiceEntry(ServiceEntry), "networking.istio.io ServiceEntry.";
        Sidecar(Sidecar), "networking.istio.io Sidecar.";
        EnvoyFilter(EnvoyFilter), "networking.istio.io EnvoyFilter.";
        PeerAuthentication(PeerAuthentication), "security.istio.io PeerAuthentication.";
    }
    gateway_api {
        K8sGateway(gateway_api::Gateway), "gateway.networking.k8s.io Gateway (the Kubernetes Gateway API's, not Istio's).";
        HttpRoute(HttpRoute), "gateway.networking.k8s.io HTTPRoute.";
        GrpcRoute(GrpcRoute), "gateway.networking.k8s.io GRPCRoute.";
        ReferenceGrant(ReferenceGrant), "gateway.networking.k8s.io ReferenceGrant.";
        BackendTlsPolicy(BackendTlsPolicy), "gateway.networking.k8s.io BackendTLSPolicy.";
    }
    kubernetes {
        Service(Service), "core/v1 Service.";
        Secret(Secret), "core/v1 Secret. Its data never appears in `Debug` output.";
        ConfigMap(ConfigMap), "core/v1 ConfigMap.";
        Namespace(Namespace), "core/v1 Namespace.";
        ServiceAccount(ServiceAccount), "core/v1 ServiceAccount.";
        Pod(Pod), "core/v1 Pod.";
        Deployment(Deployment), "apps/v1 Deployment.";
        StatefulSet(StatefulSet), "apps/v1 StatefulSet.";
        DaemonSet(DaemonSet), "apps/v1 DaemonSet.";
    }
}

/// Secret data (TLS private keys) must never reach logs: names and keys only.
fn debug_secret(o: &KubeObject<Secret>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let keys: Vec<&String> = o
        .data
        .iter()
        .flat_map(|d| d.keys())
        .chain(o.string_data.iter().flat_map(|d| d.keys()))
        .collect();
    f.debug_struct("Secret")
        .field("name", &o.metadata.name)
        .field("namespace", &o.metadata.namespace)
        .field("type", &o.type_)
        .field("keys", &keys)
        .finish_non_exhaustive()
}

impl Object {
    /// `metadata.name`, when set.
    pub fn name(&self) -> Option<&str> {
        match self {
            Object::Other(o) => o.str_at(&["metadata", "name"]),
            _ => self.metadata().and_then(|m| m.name.as_deref()),
        }
    }

    /// `metadata.namespace`, when set.
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Object::Other(o) => o.str_at(&["metadata", "namespace"]),
            _ => self.metadata().and_then(|m| m.namespace.as_deref()),
        }
    }

    /// The object as a JSON value, exactly as it is written.
    pub fn to_json(&self) -> Result<Value, serde_json::Error> {
        serde_json::to_value(self)
    }
}

#[cfg(feature = "read")]
use crate::kubernetes::{Typed, typed_k8s};
#[cfg(feature = "read")]
use crate::{path::PathError, unknown::Strictness};
#[cfg(feature = "read")]
pub(crate) use read::typed;
#[cfg(feature = "read")]
use read::{claims_gateway_api_kind, claims_istio_kind, ours};

/// Reading: typing JSON by group and kind (the `read` feature).
#[cfg(feature = "read")]
mod read {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    use super::Object;
    use crate::gateway_api;
    use crate::path::{PathError, PathSegment, render_path};
    use crate::unknown::{Strictness, UnknownField, Walk, unknown_fields};

    pub(crate) fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, PathError> {
        serde_path_to_error::deserialize(value).map_err(PathError::from_path_to_error)
    }

    /// One of this crate's kinds, with its unknown fields (the first is the error when they
    /// are refused).
    pub(super) fn ours<T: serde::de::DeserializeOwned + Walk>(
        map: serde_json::Map<String, Value>,
        strictness: Strictness,
    ) -> Result<(T, Vec<UnknownField>), PathError> {
        let object: T = typed(Value::Object(map))?;
        let unknown = unknown_fields(&object);
        match (strictness, unknown.first()) {
            (Strictness::Deny, Some(first)) => Err(first.to_path_error()),
            _ => Ok((object, unknown)),
        }
    }

    /// Whether an object of one of our Istio kinds with a foreign group is a misspelling of
    /// ours (`networking.rypt.io`) rather than another project's kind of the same name (the
    /// Gateway API's `gateway.networking.k8s.io` Gateway).
    pub(super) fn claims_istio_kind(kind: &str, group: &str, ours: &str) -> bool {
        if group == ours || group.ends_with(".istio.io") {
            return true;
        }
        if group.ends_with(".k8s.io") || group.ends_with(".x-k8s.io") {
            return false;
        }
        let first_label = |g: &str| g.split('.').next().unwrap_or("").to_owned();
        kind != "Gateway" || first_label(group) == first_label(ours)
    }

    /// Whether an object of a Gateway API kind is ours to type (and so to check): the Gateway
    /// API's group, or, for the kinds only the Gateway API has (HTTPRoute, GRPCRoute, …), a
    /// group that looks like a misspelling of it (`gateway.networking.k8s.oi`), so that reading
    /// says which group was expected. A `Gateway` of another group is another project's.
    pub(super) fn claims_gateway_api_kind(kind: &str, group: &str) -> bool {
        if group == gateway_api::GROUP {
            return true;
        }
        kind != "Gateway"
            && group.starts_with("gateway.")
            && !group.ends_with(".x-k8s.io")
            && !group.ends_with(".istio.io")
    }

    impl Object {
        /// Types a JSON object by its `apiVersion` and `kind`; returns the fields the types do
        /// not know beside it (with [`Strictness::Deny`], the first of them is the error
        /// instead).
        pub(crate) fn from_json(
            value: Value,
            strictness: Strictness,
        ) -> Result<(Object, Vec<UnknownField>), PathError> {
            let Value::Object(map) = value else {
                return Err(PathError {
                    path: vec![],
                    message: format!(
                        "expected a Kubernetes object (a mapping with apiVersion and kind), found {}",
                        json_type(&value)
                    ),
                });
            };
            let api_version = map
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let Some(kind) = map.get("kind").and_then(Value::as_str).map(str::to_owned) else {
                let path = vec![PathSegment::Key("kind".into())];
                return Err(PathError {
                    path,
                    message: "missing field `kind` (every object needs apiVersion and kind)".into(),
                });
            };
            if api_version.is_empty() {
                let path = vec![PathSegment::Key("apiVersion".into())];
                return Err(PathError {
                    path,
                    message: format!("missing field `apiVersion` for kind {kind}"),
                });
            }
            Object::typed_by_kind(&api_version, &kind, map, strictness)
        }
    }

    fn json_type(v: &Value) -> &'static str {
        match v {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "a mapping",
        }
    }

    impl<'de> Deserialize<'de> for Object {
        /// Any self-describing format (JSON, serde_yaml, serde-saphyr): the object is read as
        /// JSON first, then typed by `apiVersion` and `kind`. Errors name the field path.
        /// Fields the types do not know are kept ([`Strictness::Keep`]): this is how objects
        /// come back from an API server running a newer Istio or Kubernetes
        /// ([`Object::unknown_fields`] lists them).
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let value = crate::yaml::JsonValue::deserialize(d)?.0;
            match Object::from_json(value, Strictness::Keep) {
                Ok((object, _)) => Ok(object),
                Err(e) => Err(serde::de::Error::custom(format_args!(
                    "{}: {}",
                    render_path(&e.path),
                    e.message
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed kinds are boxed: a list of objects holds one pointer per object, not the
    /// largest kind's size (2,608 bytes when they were inline), and an object costs the size
    /// of its own kind.
    #[test]
    fn an_object_is_small_inline() {
        let size = std::mem::size_of::<Object>();
        assert!(size <= 80, "Object is {size} bytes inline");
        assert!(std::mem::size_of::<VirtualService>() > 4 * size);
    }
}

//! One enum over every object a manifest may hold: the Istio and Gateway API kinds typed by
//! this crate, common Kubernetes kinds typed by k8s-openapi, and anything else carried through
//! as JSON. Kinds are told apart by group and kind: a `gateway.networking.k8s.io` Gateway is
//! [`Object::K8sGateway`], never Istio's `Gateway`.

use std::fmt;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::gateway_api::{self, BackendTlsPolicy, GrpcRoute, HttpRoute, ReferenceGrant};
use crate::kubernetes::{KubeObject, Typed, typed_k8s};
use crate::path::{PathError, PathSegment, render_path};
use crate::unknown::{Strictness, UnknownField};
use crate::{
    DestinationRule, EnvoyFilter, Gateway, IstioKind, PeerAuthentication, ServiceEntry, Sidecar,
    VirtualService,
};

/// A Kubernetes object of any kind. Nothing is dropped: kinds this crate does not type are
/// kept whole as [`UnknownObject`]. The typed kinds are boxed, so that a list of objects
/// costs each object's own size rather than the largest kind's.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Object {
    /// networking.istio.io VirtualService.
    VirtualService(Box<VirtualService>),
    /// networking.istio.io Gateway.
    Gateway(Box<Gateway>),
    /// networking.istio.io DestinationRule.
    DestinationRule(Box<DestinationRule>),
    /// networking.istio.io ServiceEntry.
    ServiceEntry(Box<ServiceEntry>),
    /// networking.istio.io Sidecar.
    Sidecar(Box<Sidecar>),
    /// networking.istio.io EnvoyFilter.
    EnvoyFilter(Box<EnvoyFilter>),
    /// security.istio.io PeerAuthentication.
    PeerAuthentication(Box<PeerAuthentication>),
    /// gateway.networking.k8s.io Gateway (the Kubernetes Gateway API's, not Istio's).
    K8sGateway(Box<gateway_api::Gateway>),
    /// gateway.networking.k8s.io HTTPRoute.
    HttpRoute(Box<HttpRoute>),
    /// gateway.networking.k8s.io GRPCRoute.
    GrpcRoute(Box<GrpcRoute>),
    /// gateway.networking.k8s.io ReferenceGrant.
    ReferenceGrant(Box<ReferenceGrant>),
    /// gateway.networking.k8s.io BackendTLSPolicy.
    BackendTlsPolicy(Box<BackendTlsPolicy>),
    /// core/v1 Service.
    Service(Box<KubeObject<Service>>),
    /// core/v1 Secret. Its data never appears in `Debug` output.
    Secret(Box<KubeObject<Secret>>),
    /// core/v1 ConfigMap.
    ConfigMap(Box<KubeObject<ConfigMap>>),
    /// core/v1 Namespace.
    Namespace(Box<KubeObject<Namespace>>),
    /// core/v1 ServiceAccount.
    ServiceAccount(Box<KubeObject<ServiceAccount>>),
    /// core/v1 Pod.
    Pod(Box<KubeObject<Pod>>),
    /// apps/v1 Deployment.
    Deployment(Box<KubeObject<Deployment>>),
    /// apps/v1 StatefulSet.
    StatefulSet(Box<KubeObject<StatefulSet>>),
    /// apps/v1 DaemonSet.
    DaemonSet(Box<KubeObject<DaemonSet>>),
    /// Any other kind, kept as written.
    Other(UnknownObject),
}

/// An object of a kind this crate does not type, kept exactly as written.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct UnknownObject {
    value: serde_json::Map<String, Value>,
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

pub(crate) fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, PathError> {
    serde_path_to_error::deserialize(value).map_err(PathError::from_path_to_error)
}

/// Whether an object of one of our Istio kinds with a foreign group is a misspelling of ours
/// (`networking.rypt.io`) rather than another project's kind of the same name (the Gateway API's
/// `gateway.networking.k8s.io` Gateway).
fn claims_istio_kind(kind: &str, group: &str, ours: &str) -> bool {
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
/// API's group, or, for the kinds only the Gateway API has (HTTPRoute, GRPCRoute, …), a group
/// that looks like a misspelling of it (`gateway.networking.k8s.oi`), so that reading says which
/// group was expected. A `Gateway` of another group is another project's.
fn claims_gateway_api_kind(kind: &str, group: &str) -> bool {
    if group == gateway_api::GROUP {
        return true;
    }
    kind != "Gateway"
        && group.starts_with("gateway.")
        && !group.ends_with(".x-k8s.io")
        && !group.ends_with(".istio.io")
}

impl Object {
    /// Types a JSON object by its `apiVersion` and `kind`; returns the fields the types do not
    /// know beside it (with [`Strictness::Deny`], the first of them is the error instead).
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
        let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        macro_rules! istio {
            ($($k:ident),*) => {
                match kind.as_str() {
                    $(stringify!($k) if claims_istio_kind(&kind, group, <$k as IstioKind>::GROUP) => {
                        let object: $k = typed(Value::Object(map))?;
                        let unknown = object.unknown_fields();
                        return match (strictness, unknown.first()) {
                            (Strictness::Deny, Some(first)) => Err(first.to_path_error()),
                            _ => Ok((Object::$k(Box::new(object)), unknown)),
                        };
                    })*
                    _ => {}
                }
            };
        }
        istio!(
            VirtualService,
            Gateway,
            DestinationRule,
            ServiceEntry,
            Sidecar,
            EnvoyFilter,
            PeerAuthentication
        );
        macro_rules! gateway_api {
            ($($variant:ident $k:ty),*) => {
                match kind.as_str() {
                    $(k if k == <$k as IstioKind>::KIND && claims_gateway_api_kind(k, group) => {
                        let object: $k = typed(Value::Object(map))?;
                        let unknown = object.unknown_fields();
                        return match (strictness, unknown.first()) {
                            (Strictness::Deny, Some(first)) => Err(first.to_path_error()),
                            _ => Ok((Object::$variant(Box::new(object)), unknown)),
                        };
                    })*
                    _ => {}
                }
            };
        }
        gateway_api!(
            K8sGateway gateway_api::Gateway,
            HttpRoute HttpRoute,
            GrpcRoute GrpcRoute,
            ReferenceGrant ReferenceGrant,
            BackendTlsPolicy BackendTlsPolicy
        );
        macro_rules! kubernetes {
            ($($api:literal $k:ident),*) => {
                match (api_version.as_str(), kind.as_str()) {
                    $(($api, stringify!($k)) => {
                        return Ok(match typed_k8s::<$k>(map, &api_version, strictness)? {
                            Typed::Typed(o, unknown) => (Object::$k(Box::new(o)), unknown),
                            Typed::AsWritten(value) => (Object::Other(UnknownObject { value }), Vec::new()),
                        });
                    })*
                    _ => {}
                }
            };
        }
        kubernetes!(
            "v1" Service,
            "v1" Secret,
            "v1" ConfigMap,
            "v1" Namespace,
            "v1" ServiceAccount,
            "v1" Pod,
            "apps/v1" Deployment,
            "apps/v1" StatefulSet,
            "apps/v1" DaemonSet
        );
        Ok((Object::Other(UnknownObject { value: map }), Vec::new()))
    }

    /// The fields of this object that the types do not know (fields of a newer Istio or
    /// Kubernetes, or misspelled ones), each with its path and the nearest known name. Reading
    /// keeps them and writing writes them back; [`yaml::parse_with`](crate::yaml::parse_with)
    /// also gives their line and column.
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
            Object::VirtualService(o) => o.unknown_fields(),
            Object::Gateway(o) => o.unknown_fields(),
            Object::DestinationRule(o) => o.unknown_fields(),
            Object::ServiceEntry(o) => o.unknown_fields(),
            Object::Sidecar(o) => o.unknown_fields(),
            Object::EnvoyFilter(o) => o.unknown_fields(),
            Object::PeerAuthentication(o) => o.unknown_fields(),
            Object::K8sGateway(o) => o.unknown_fields(),
            Object::HttpRoute(o) => o.unknown_fields(),
            Object::GrpcRoute(o) => o.unknown_fields(),
            Object::ReferenceGrant(o) => o.unknown_fields(),
            Object::BackendTlsPolicy(o) => o.unknown_fields(),
            Object::Service(o) => o.unknown_fields(),
            Object::Secret(o) => o.unknown_fields(),
            Object::ConfigMap(o) => o.unknown_fields(),
            Object::Namespace(o) => o.unknown_fields(),
            Object::ServiceAccount(o) => o.unknown_fields(),
            Object::Pod(o) => o.unknown_fields(),
            Object::Deployment(o) => o.unknown_fields(),
            Object::StatefulSet(o) => o.unknown_fields(),
            Object::DaemonSet(o) => o.unknown_fields(),
            Object::Other(_) => Vec::new(),
        }
    }

    /// The object's `kind`.
    pub fn kind(&self) -> &str {
        match self {
            Object::VirtualService(_) => VirtualService::KIND,
            Object::Gateway(_) => Gateway::KIND,
            Object::DestinationRule(_) => DestinationRule::KIND,
            Object::ServiceEntry(_) => ServiceEntry::KIND,
            Object::Sidecar(_) => Sidecar::KIND,
            Object::EnvoyFilter(_) => EnvoyFilter::KIND,
            Object::PeerAuthentication(_) => PeerAuthentication::KIND,
            Object::K8sGateway(_) => gateway_api::Gateway::KIND,
            Object::HttpRoute(_) => HttpRoute::KIND,
            Object::GrpcRoute(_) => GrpcRoute::KIND,
            Object::ReferenceGrant(_) => ReferenceGrant::KIND,
            Object::BackendTlsPolicy(_) => BackendTlsPolicy::KIND,
            Object::Service(_) => "Service",
            Object::Secret(_) => "Secret",
            Object::ConfigMap(_) => "ConfigMap",
            Object::Namespace(_) => "Namespace",
            Object::ServiceAccount(_) => "ServiceAccount",
            Object::Pod(_) => "Pod",
            Object::Deployment(_) => "Deployment",
            Object::StatefulSet(_) => "StatefulSet",
            Object::DaemonSet(_) => "DaemonSet",
            Object::Other(o) => o.str_at(&["kind"]).unwrap_or(""),
        }
    }

    /// The object's metadata, for every kind but [`Object::Other`].
    pub fn metadata(&self) -> Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta> {
        Some(match self {
            Object::VirtualService(o) => &o.metadata,
            Object::Gateway(o) => &o.metadata,
            Object::DestinationRule(o) => &o.metadata,
            Object::ServiceEntry(o) => &o.metadata,
            Object::Sidecar(o) => &o.metadata,
            Object::EnvoyFilter(o) => &o.metadata,
            Object::PeerAuthentication(o) => &o.metadata,
            Object::K8sGateway(o) => &o.metadata,
            Object::HttpRoute(o) => &o.metadata,
            Object::GrpcRoute(o) => &o.metadata,
            Object::ReferenceGrant(o) => &o.metadata,
            Object::BackendTlsPolicy(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Secret(o) => &o.metadata,
            Object::ConfigMap(o) => &o.metadata,
            Object::Namespace(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::StatefulSet(o) => &o.metadata,
            Object::DaemonSet(o) => &o.metadata,
            Object::Other(_) => return None,
        })
    }

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

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Object::VirtualService(o) => o.serialize(s),
            Object::Gateway(o) => o.serialize(s),
            Object::DestinationRule(o) => o.serialize(s),
            Object::ServiceEntry(o) => o.serialize(s),
            Object::Sidecar(o) => o.serialize(s),
            Object::EnvoyFilter(o) => o.serialize(s),
            Object::PeerAuthentication(o) => o.serialize(s),
            Object::K8sGateway(o) => o.serialize(s),
            Object::HttpRoute(o) => o.serialize(s),
            Object::GrpcRoute(o) => o.serialize(s),
            Object::ReferenceGrant(o) => o.serialize(s),
            Object::BackendTlsPolicy(o) => o.serialize(s),
            Object::Service(o) => o.serialize(s),
            Object::Secret(o) => o.serialize(s),
            Object::ConfigMap(o) => o.serialize(s),
            Object::Namespace(o) => o.serialize(s),
            Object::ServiceAccount(o) => o.serialize(s),
            Object::Pod(o) => o.serialize(s),
            Object::Deployment(o) => o.serialize(s),
            Object::StatefulSet(o) => o.serialize(s),
            Object::DaemonSet(o) => o.serialize(s),
            Object::Other(o) => o.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Object {
    /// Any self-describing format (JSON, serde_yaml, serde-saphyr): the object is read as JSON
    /// first, then typed by `apiVersion` and `kind`. Errors name the field path. Fields the
    /// types do not know are kept ([`Strictness::Keep`]): this is how objects come back from
    /// an API server running a newer Istio ([`Object::unknown_fields`] lists them).
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

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Object::VirtualService(o) => f.debug_tuple("VirtualService").field(o).finish(),
            Object::Gateway(o) => f.debug_tuple("Gateway").field(o).finish(),
            Object::DestinationRule(o) => f.debug_tuple("DestinationRule").field(o).finish(),
            Object::ServiceEntry(o) => f.debug_tuple("ServiceEntry").field(o).finish(),
            Object::Sidecar(o) => f.debug_tuple("Sidecar").field(o).finish(),
            Object::EnvoyFilter(o) => f.debug_tuple("EnvoyFilter").field(o).finish(),
            Object::PeerAuthentication(o) => f.debug_tuple("PeerAuthentication").field(o).finish(),
            Object::K8sGateway(o) => f.debug_tuple("K8sGateway").field(o).finish(),
            Object::HttpRoute(o) => f.debug_tuple("HttpRoute").field(o).finish(),
            Object::GrpcRoute(o) => f.debug_tuple("GrpcRoute").field(o).finish(),
            Object::ReferenceGrant(o) => f.debug_tuple("ReferenceGrant").field(o).finish(),
            Object::BackendTlsPolicy(o) => f.debug_tuple("BackendTlsPolicy").field(o).finish(),
            Object::Service(o) => f.debug_tuple("Service").field(o).finish(),
            Object::Secret(o) => {
                // Secret data (TLS private keys) must never reach logs: names and keys only.
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
            Object::ConfigMap(o) => f.debug_tuple("ConfigMap").field(o).finish(),
            Object::Namespace(o) => f.debug_tuple("Namespace").field(o).finish(),
            Object::ServiceAccount(o) => f.debug_tuple("ServiceAccount").field(o).finish(),
            Object::Pod(o) => f.debug_tuple("Pod").field(o).finish(),
            Object::Deployment(o) => f.debug_tuple("Deployment").field(o).finish(),
            Object::StatefulSet(o) => f.debug_tuple("StatefulSet").field(o).finish(),
            Object::DaemonSet(o) => f.debug_tuple("DaemonSet").field(o).finish(),
            Object::Other(o) => f.debug_tuple("Other").field(o).finish(),
        }
    }
}

macro_rules! from_kube {
    ($($k:ident),*) => {
        $(impl From<$k> for Object {
            fn from(o: $k) -> Self {
                Object::$k(Box::new(KubeObject::new(o)))
            }
        }
        impl From<KubeObject<$k>> for Object {
            fn from(o: KubeObject<$k>) -> Self {
                Object::$k(Box::new(o))
            }
        })*
    };
}
from_kube!(
    Service,
    Secret,
    ConfigMap,
    Namespace,
    ServiceAccount,
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet
);

macro_rules! from_kind {
    ($($k:ident: $t:ty),*) => {
        $(impl From<$t> for Object {
            fn from(o: $t) -> Self {
                Object::$k(Box::new(o))
            }
        })*
    };
}
from_kind!(
    VirtualService: VirtualService, Gateway: Gateway, DestinationRule: DestinationRule, ServiceEntry: ServiceEntry,
    Sidecar: Sidecar, EnvoyFilter: EnvoyFilter, PeerAuthentication: PeerAuthentication,
    K8sGateway: gateway_api::Gateway, HttpRoute: HttpRoute, GrpcRoute: GrpcRoute,
    ReferenceGrant: ReferenceGrant, BackendTlsPolicy: BackendTlsPolicy
);

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

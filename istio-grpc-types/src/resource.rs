//! What every Istio resource shares: apiVersion/kind checks, metadata, `kube::Resource`.

use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
#[cfg(feature = "read")]
use serde::de::{self, Deserialize, Deserializer};

/// The version part of an Istio `apiVersion`.
///
/// Objects read from YAML keep the version they were written with; new objects use the
/// storage version of their kind (`v1`, or `v1alpha3` for `EnvoyFilter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// `v1`: the storage version of every networking kind but EnvoyFilter, and of PeerAuthentication.
    V1,
    /// `v1beta1`.
    V1beta1,
    /// `v1alpha3`: EnvoyFilter's only version; still served for the other networking kinds.
    V1alpha3,
}

impl Version {
    /// The version as it appears in `apiVersion`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V1beta1 => "v1beta1",
            Version::V1alpha3 => "v1alpha3",
        }
    }

    #[cfg(feature = "read")]
    pub(crate) fn parse(s: &str) -> Option<Version> {
        match s {
            "v1" => Some(Version::V1),
            "v1beta1" => Some(Version::V1beta1),
            "v1alpha3" => Some(Version::V1alpha3),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identity of an Istio kind, as associated constants (like kube-core's `Resource`, but static).
pub trait IstioKind {
    /// `kind`, e.g. `VirtualService`.
    const KIND: &'static str;
    /// API group, e.g. `networking.istio.io`.
    const GROUP: &'static str;
    /// Plural resource name, e.g. `virtualservices`.
    const PLURAL: &'static str;
    /// Every version the CRD serves; the first is the storage version.
    const VERSIONS: &'static [Version];
}

/// Why an `apiVersion` does not fit a kind, in words that say what was expected.
#[cfg(feature = "read")]
pub(crate) fn api_version_error<K: IstioKind>(found: &str) -> String {
    let expected: Vec<String> = K::VERSIONS
        .iter()
        .map(|v| format!("{}/{}", K::GROUP, v))
        .collect();
    let hint = match found.split_once('/') {
        Some((group, _)) if group != K::GROUP => {
            format!(" (the group is {:?}, not {:?})", group, K::GROUP)
        }
        Some(_) => " (that version is not served)".to_owned(),
        None => " (apiVersion is group/version)".to_owned(),
    };
    format!(
        "apiVersion {found:?} is not an apiVersion of {}: expected {}{hint}",
        K::KIND,
        expected.join(" or ")
    )
}

#[cfg(feature = "read")]
pub(crate) fn parse_api_version<K: IstioKind>(found: &str) -> Result<Version, String> {
    found
        .split_once('/')
        .filter(|(group, _)| *group == K::GROUP)
        .and_then(|(_, v)| Version::parse(v))
        .filter(|v| K::VERSIONS.contains(v))
        .ok_or_else(|| api_version_error::<K>(found))
}

/// `apiVersion`, checked against the kind.
#[cfg(feature = "read")]
pub(crate) fn de_api_version<'de, D: Deserializer<'de>, K: IstioKind>(
    d: D,
) -> Result<Version, D::Error> {
    let s = String::deserialize(d)?;
    parse_api_version::<K>(&s).map_err(de::Error::custom)
}

/// `kind`, checked against the kind.
#[cfg(feature = "read")]
pub(crate) fn de_kind<'de, D: Deserializer<'de>, K: IstioKind>(d: D) -> Result<(), D::Error> {
    let s = String::deserialize(d)?;
    if s == K::KIND {
        Ok(())
    } else {
        Err(de::Error::custom(format_args!(
            "kind {s:?} is not {:?}",
            K::KIND
        )))
    }
}

/// `metadata` and the keys of it that `ObjectMeta` does not know. k8s-openapi drops unknown
/// keys; these are kept (and a typo such as `lables` can be reported). Read field by field, so
/// that an error names `metadata.<key>`.
#[cfg(feature = "read")]
pub(crate) fn de_metadata<'de, D: Deserializer<'de>>(d: D) -> Result<Metadata, D::Error> {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
        ManagedFieldsEntry, OwnerReference, Time,
    };
    use std::collections::BTreeMap;

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct MetaWire {
        annotations: Option<BTreeMap<String, String>>,
        creation_timestamp: Option<Time>,
        deletion_grace_period_seconds: Option<i64>,
        deletion_timestamp: Option<Time>,
        finalizers: Option<Vec<String>>,
        generate_name: Option<String>,
        generation: Option<i64>,
        labels: Option<BTreeMap<String, String>>,
        managed_fields: Option<Vec<ManagedFieldsEntry>>,
        name: Option<String>,
        namespace: Option<String>,
        owner_references: Option<Vec<OwnerReference>>,
        resource_version: Option<String>,
        self_link: Option<String>,
        uid: Option<String>,
        #[serde(flatten)]
        extra: crate::Extra,
    }
    let m = Option::<MetaWire>::deserialize(d)?;
    Ok(m.map(|m| Metadata {
        meta: ObjectMeta {
            annotations: m.annotations,
            creation_timestamp: m.creation_timestamp,
            deletion_grace_period_seconds: m.deletion_grace_period_seconds,
            deletion_timestamp: m.deletion_timestamp,
            finalizers: m.finalizers,
            generate_name: m.generate_name,
            generation: m.generation,
            labels: m.labels,
            managed_fields: m.managed_fields,
            name: m.name,
            namespace: m.namespace,
            owner_references: m.owner_references,
            resource_version: m.resource_version,
            self_link: m.self_link,
            uid: m.uid,
        },
        extra: m.extra,
    })
    .unwrap_or_default())
}

/// `metadata` as read: what `ObjectMeta` holds, and the keys it does not know.
#[cfg(feature = "read")]
#[derive(Default)]
pub(crate) struct Metadata {
    pub(crate) meta: ObjectMeta,
    pub(crate) extra: crate::Extra,
}

/// `metadata` as written: `ObjectMeta` and the unknown keys that were read with it.
pub(crate) struct MetadataOut<'a> {
    pub(crate) meta: &'a ObjectMeta,
    pub(crate) extra: &'a crate::Extra,
}

/// One mapping: the keys of `ObjectMeta`, then the unknown ones (as `#[serde(flatten)]` on
/// both wrote it).
impl serde::Serialize for MetadataOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap as _};
        let meta = serde_json::to_value(self.meta).map_err(S::Error::custom)?;
        let mut map = serializer.serialize_map(None)?;
        if let serde_json::Value::Object(meta) = &meta {
            for (key, value) in meta {
                map.serialize_entry(key, value)?;
            }
        }
        for (key, value) in self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn is_default_meta(meta: &ObjectMeta) -> bool {
    *meta == ObjectMeta::default()
}

#[doc(hidden)]
pub(crate) fn skip_meta(meta: &ObjectMeta) -> bool {
    is_default_meta(meta)
}

/// Defines a resource struct around a generated spec: identity constants, serde with
/// apiVersion/kind checks, and `kube::Resource`.
macro_rules! istio_resource {
    (
        $(#[$doc:meta])*
        kind: $kind:ident,
        spec: $spec:ident,
        group: $group:literal,
        plural: $plural:literal,
        versions: [$($version:ident),+ $(,)?],
    ) => {
        $crate::resource::istio_resource! {
            $(#[$doc])*
            kind: $kind as stringify!($kind),
            spec: $spec,
            group: $group,
            plural: $plural,
            versions: [$($version),+],
        }
    };
    // a kind whose name is not a Rust type name (Gateway API `GRPCRoute` → `GrpcRoute`)
    (
        $(#[$doc:meta])*
        kind: $kind:ident as $kind_name:expr,
        spec: $spec:ident,
        group: $group:literal,
        plural: $plural:literal,
        versions: [$($version:ident),+ $(,)?],
    ) => {
        $(#[$doc])*
        ///
        /// Reading checks `apiVersion` and `kind`, and keeps the version that was read;
        /// [`new`](Self::new) uses the storage version.
        #[derive(Clone, Debug, PartialEq)]
        pub struct $kind {
            /// The served version this object was read with, or the storage version.
            pub api_version: $crate::Version,
            /// Standard Kubernetes object metadata.
            pub metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
            /// The Istio specification.
            pub spec: $spec,
            /// Status as the API server reports it (written by Istio, kept as JSON).
            pub status: Option<serde_json::Value>,
            /// Top-level keys these types do not know, kept as read and written back.
            pub extra: $crate::Extra,
            /// Keys of `metadata` that `ObjectMeta` does not know (a newer Kubernetes'), kept as
            /// read and written back.
            pub metadata_extra: $crate::Extra,
        }

        impl $crate::IstioKind for $kind {
            const KIND: &'static str = $kind_name;
            const GROUP: &'static str = $group;
            const PLURAL: &'static str = $plural;
            const VERSIONS: &'static [$crate::Version] = &[$($crate::Version::$version),+];
        }

        impl $kind {
            /// A new object named `name`, in the storage version, with no namespace.
            pub fn new(name: impl Into<String>, spec: $spec) -> Self {
                Self {
                    api_version: <Self as $crate::IstioKind>::VERSIONS[0],
                    metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                        name: Some(name.into()),
                        ..Default::default()
                    },
                    spec,
                    status: None,
                    extra: Default::default(),
                    metadata_extra: Default::default(),
                }
            }

            /// The fields of this object that the types do not know, with their paths and the
            /// nearest known names (see [`Object::unknown_fields`]($crate::Object::unknown_fields)).
            pub fn unknown_fields(&self) -> Vec<$crate::UnknownField> {
                $crate::unknown::unknown_fields(self)
            }

            /// The full `apiVersion` string, e.g. `networking.istio.io/v1`.
            pub fn api_version_str(&self) -> String {
                format!("{}/{}", $group, self.api_version)
            }
        }

        impl $crate::unknown::Walk for $kind {
            fn walk(&self, w: &mut $crate::unknown::Walker) {
                w.extra(&self.extra, &["apiVersion", "kind", "metadata", "spec", "status"]);
                w.field("metadata", &$crate::unknown::MetadataExtra(&self.metadata_extra));
                w.field("spec", &self.spec);
            }
        }

        #[cfg(feature = "kube")]
        impl kube_core::Resource for $kind {
            type DynamicType = ();
            type Scope = kube_core::NamespaceResourceScope;

            fn kind(_: &()) -> std::borrow::Cow<'_, str> {
                <Self as $crate::IstioKind>::KIND.into()
            }
            fn group(_: &()) -> std::borrow::Cow<'_, str> {
                $group.into()
            }
            fn version(_: &()) -> std::borrow::Cow<'_, str> {
                <Self as $crate::IstioKind>::VERSIONS[0].as_str().into()
            }
            fn plural(_: &()) -> std::borrow::Cow<'_, str> {
                $plural.into()
            }
            fn meta(&self) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }

        impl serde::Serialize for $kind {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut s = serializer.serialize_map(None)?;
                s.serialize_entry("apiVersion", &self.api_version_str())?;
                s.serialize_entry("kind", <Self as $crate::IstioKind>::KIND)?;
                if !self.metadata_extra.is_empty() {
                    let meta = $crate::resource::MetadataOut { meta: &self.metadata, extra: &self.metadata_extra };
                    s.serialize_entry("metadata", &meta)?;
                } else if !$crate::resource::skip_meta(&self.metadata) {
                    s.serialize_entry("metadata", &self.metadata)?;
                }
                s.serialize_entry("spec", &self.spec)?;
                if let Some(status) = &self.status {
                    s.serialize_entry("status", status)?;
                }
                for (key, value) in &self.extra {
                    s.serialize_entry(key, value)?;
                }
                s.end()
            }
        }

        #[cfg(feature = "read")]
        impl<'de> serde::Deserialize<'de> for $kind {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                fn api_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<$crate::Version, D::Error> {
                    $crate::resource::de_api_version::<D, $kind>(d)
                }
                fn kind<'de, D: serde::Deserializer<'de>>(d: D) -> Result<(), D::Error> {
                    $crate::resource::de_kind::<D, $kind>(d)
                }
                #[derive(serde::Deserialize)]
                struct Wire {
                    #[serde(rename = "apiVersion", deserialize_with = "api_version")]
                    api_version: $crate::Version,
                    #[serde(rename = "kind", deserialize_with = "kind")]
                    #[allow(dead_code)]
                    kind: (),
                    #[serde(default, deserialize_with = "crate::resource::de_metadata")]
                    metadata: $crate::resource::Metadata,
                    #[serde(default)]
                    spec: $spec,
                    #[serde(default)]
                    status: Option<serde_json::Value>,
                    #[serde(flatten)]
                    extra: $crate::Extra,
                }
                let wire = Wire::deserialize(deserializer)?;
                Ok(Self {
                    api_version: wire.api_version,
                    metadata: wire.metadata.meta,
                    spec: wire.spec,
                    status: wire.status,
                    extra: wire.extra,
                    metadata_extra: wire.metadata.extra,
                })
            }
        }
    };
}
pub(crate) use istio_resource;

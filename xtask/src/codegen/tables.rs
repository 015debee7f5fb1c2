//! What the generator knows besides the inventory: which proto files become which modules,
//! which messages are resources, names chosen by hand, and the CRD's fields that the proto
//! snapshot lacks.

use super::model::{Field, Message};

/// Proto file → Rust module, in output order.
pub(crate) const FILES: &[(&str, &str)] = &[
    (
        "networking/v1alpha3/virtual_service.proto",
        "virtual_service",
    ),
    ("networking/v1alpha3/gateway.proto", "gateway"),
    (
        "networking/v1alpha3/destination_rule.proto",
        "destination_rule",
    ),
    ("networking/v1alpha3/service_entry.proto", "service_entry"),
    ("networking/v1alpha3/sidecar.proto", "sidecar"),
    ("networking/v1alpha3/envoy_filter.proto", "envoy_filter"),
    ("networking/v1alpha3/workload_entry.proto", "workload_entry"),
    (
        "security/v1beta1/peer_authentication.proto",
        "peer_authentication",
    ),
    ("type/v1beta1/selector.proto", "selector"),
];

/// A top-level message that is the `spec` of a resource.
pub(crate) struct Resource {
    pub(crate) kind: &'static str,
    pub(crate) group: &'static str,
    pub(crate) plural: &'static str,
    /// Served versions, the storage version first (as Rust `Version` variants).
    pub(crate) versions: &'static [&'static str],
}

const NETWORKING: &[&str] = &["V1", "V1beta1", "V1alpha3"];

pub(crate) const RESOURCES: &[Resource] = &[
    Resource {
        kind: "VirtualService",
        group: "networking.istio.io",
        plural: "virtualservices",
        versions: NETWORKING,
    },
    Resource {
        kind: "Gateway",
        group: "networking.istio.io",
        plural: "gateways",
        versions: NETWORKING,
    },
    Resource {
        kind: "DestinationRule",
        group: "networking.istio.io",
        plural: "destinationrules",
        versions: NETWORKING,
    },
    Resource {
        kind: "ServiceEntry",
        group: "networking.istio.io",
        plural: "serviceentries",
        versions: NETWORKING,
    },
    Resource {
        kind: "Sidecar",
        group: "networking.istio.io",
        plural: "sidecars",
        versions: NETWORKING,
    },
    Resource {
        kind: "EnvoyFilter",
        group: "networking.istio.io",
        plural: "envoyfilters",
        versions: &["V1alpha3"],
    },
    Resource {
        kind: "PeerAuthentication",
        group: "security.istio.io",
        plural: "peerauthentications",
        versions: &["V1", "V1beta1"],
    },
];

pub(crate) fn resource(message: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.kind == message)
}

/// Messages not generated: hand-written elsewhere, status-only, or duplicates.
pub(crate) const SKIP: &[(&str, &str)] = &[
    ("networking/v1alpha3/virtual_service.proto", "StringMatch"), // string_match.rs
    (
        "networking/v1alpha3/service_entry.proto",
        "ServiceEntryStatus",
    ), // status is kept as JSON
    (
        "networking/v1alpha3/service_entry.proto",
        "ServiceEntryAddress",
    ),
    ("type/v1beta1/selector.proto", "PortSelector"), // same shape as networking PortSelector
];

/// Rust names where the mechanical conversion reads badly or collides.
pub(crate) const NAME_OVERRIDES: &[((&str, &str), &str)] = &[
    (
        ("type/v1beta1/selector.proto", "WorkloadSelector"),
        "MatchLabelsSelector",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "TrafficPolicy.ProxyProtocol.VERSION",
        ),
        "ProxyProtocolVersion",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "ClientTLSSettings.TLSmode",
        ),
        "ClientTlsMode",
    ),
    (
        (
            "networking/v1alpha3/gateway.proto",
            "ServerTLSSettings.TLSmode",
        ),
        "ServerTlsMode",
    ),
    (
        (
            "networking/v1alpha3/gateway.proto",
            "ServerTLSSettings.TLSProtocol",
        ),
        "TlsProtocol",
    ),
    (
        (
            "networking/v1alpha3/gateway.proto",
            "ServerTLSSettings.TLSCertificate",
        ),
        "TlsCertificate",
    ),
    (
        (
            "security/v1beta1/peer_authentication.proto",
            "PeerAuthentication.MutualTLS.Mode",
        ),
        "MutualTlsMode",
    ),
    (
        (
            "networking/v1alpha3/service_entry.proto",
            "ServiceEntry.Location",
        ),
        "ServiceEntryLocation",
    ),
    (
        (
            "networking/v1alpha3/service_entry.proto",
            "ServiceEntry.Resolution",
        ),
        "ServiceEntryResolution",
    ),
    (
        (
            "networking/v1alpha3/sidecar.proto",
            "OutboundTrafficPolicy.Mode",
        ),
        "OutboundTrafficPolicyMode",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "LocalityLoadBalancerSetting.Failover",
        ),
        "LocalityFailover",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "ZoneAwareLoadBalancerSetting.Failover",
        ),
        "ZoneAwareFailover",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "LocalityLoadBalancerSetting.Distribute",
        ),
        "LocalityDistribute",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "ConnectionPoolSettings.TCPSettings",
        ),
        "TcpSettings",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "ConnectionPoolSettings.HTTPSettings",
        ),
        "HttpSettings",
    ),
    (
        (
            "networking/v1alpha3/destination_rule.proto",
            "LoadBalancerSettings.ConsistentHashLB.HTTPCookie.Attribute",
        ),
        "HttpCookieAttribute",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.RouteConfigurationMatch.RouteMatch",
        ),
        "RouteConfigurationRouteMatch",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.RouteConfigurationMatch.RouteMatch.Action",
        ),
        "RouteMatchAction",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.WaypointMatch.RouteMatch",
        ),
        "WaypointRouteMatch",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.ListenerMatch.FilterMatch",
        ),
        "ListenerFilterMatch",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.ListenerMatch.SubFilterMatch",
        ),
        "ListenerSubFilterMatch",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.WaypointMatch.FilterMatch",
        ),
        "WaypointFilterMatch",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.WaypointMatch.FilterMatch.SubFilterMatch",
        ),
        "WaypointSubFilterMatch",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.Patch.Operation",
        ),
        "PatchOperation",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.Patch.FilterClass",
        ),
        "PatchFilterClass",
    ),
    (
        (
            "networking/v1alpha3/envoy_filter.proto",
            "EnvoyFilter.Patch",
        ),
        "Patch",
    ),
    (
        (
            "networking/v1alpha3/virtual_service.proto",
            "Headers.HeaderOperations",
        ),
        "HeaderOperations",
    ),
    (
        (
            "networking/v1alpha3/virtual_service.proto",
            "HTTPFaultInjection.Delay",
        ),
        "FaultDelay",
    ),
    (
        (
            "networking/v1alpha3/virtual_service.proto",
            "HTTPFaultInjection.Abort",
        ),
        "FaultAbort",
    ),
];

/// Oneof enum names: (message, oneof) → Rust enum.
pub(crate) const ONEOF_NAMES: &[((&str, &str), &str)] = &[
    (("LoadBalancerSettings", "lb_policy"), "LbPolicy"),
    (
        ("LoadBalancerSettings.ConsistentHashLB", "hash_key"),
        "HashKey",
    ),
    (
        ("LoadBalancerSettings.ConsistentHashLB", "hash_algorithm"),
        "HashAlgorithm",
    ),
    (
        ("EnvoyFilter.EnvoyConfigObjectMatch", "object_types"),
        "ObjectTypes",
    ),
    (("HTTPRedirect", "redirect_port"), "RedirectPort"),
    (("HTTPBody", "specifier"), "BodySpecifier"),
    (("HTTPFaultInjection.Delay", "http_delay_type"), "DelayType"),
    (("HTTPFaultInjection.Abort", "error_type"), "AbortError"),
];

/// Proto scalar and well-known types → Rust types.
pub(crate) const SCALARS: &[(&str, &str)] = &[
    ("string", "String"),
    ("bool", "bool"),
    ("int32", "i32"),
    ("uint32", "u32"),
    ("int64", "i64"),
    ("uint64", "u64"),
    ("double", "f64"),
    ("float", "f32"),
    ("bytes", "String"),
    ("google.protobuf.BoolValue", "bool"),
    ("google.protobuf.UInt32Value", "u32"),
    ("google.protobuf.UInt64Value", "u64"),
    ("google.protobuf.DoubleValue", "f64"),
    ("google.protobuf.Duration", "crate::Duration"),
    (
        "google.protobuf.Struct",
        "serde_json::Map<String, serde_json::Value>",
    ),
];

/// Types written by hand in the types crate, and types of the shared `type` package.
pub(crate) const EXTERNAL: &[(&str, &str)] = &[
    ("StringMatch", "crate::StringMatch"),
    (
        "istio.type.v1beta1.WorkloadSelector",
        "crate::selector::MatchLabelsSelector",
    ),
    (
        "istio.type.v1beta1.PolicyTargetReference",
        "crate::selector::PolicyTargetReference",
    ),
];

/// The value of `key` in a table of pairs.
pub(crate) fn lookup<K: PartialEq, V: Copy>(table: &[(K, V)], key: &K) -> Option<V> {
    table.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
}

/// A key the CRD accepts besides the camelCase names.
pub(crate) struct Alias {
    pub(crate) message: &'static str,
    pub(crate) key: &'static str,
    pub(crate) field: &'static str,
    pub(crate) ty: &'static str,
    pub(crate) doc: &'static str,
}

pub(crate) const CRD_ALIASES: &[Alias] = &[Alias {
    message: "HTTPRoute",
    key: "mirror_percent",
    field: "mirror_percent_alias",
    ty: "google.protobuf.UInt32Value",
    doc: "The CRD's alternative spelling of `mirrorPercent` (kubebuilder altName); kept as written. Deprecated.",
}];

fn field(json: &str, ty: &str, repeated: bool, oneof: Option<&str>, doc: &str) -> Field {
    Field {
        json: json.to_owned(),
        ty: ty.to_owned(),
        repeated,
        oneof: oneof.map(str::to_owned),
        deprecated: false,
        doc: doc.to_owned(),
    }
}

/// Messages of the CRD that the proto snapshot lacks (the inventory's `crd_only`, written out
/// with their real types from istio/istio@86c9f01fd735 `crd-all.gen.yaml`).
pub(crate) fn crd_only_messages() -> Vec<Message> {
    vec![Message {
        proto: "networking/v1alpha3/destination_rule.proto".to_owned(),
        name: "LoadBalancerSettings.BackendUtilization".to_owned(),
        doc: "Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load (CRD only, Istio >= 1.31).".to_owned(),
        oneofs: Vec::new(),
        fields: vec![
            field("errorUtilizationPenaltyPercent", "uint32", false, None, "Penalty applied to endpoints that report errors, as a percentage."),
            field("metricNamesForComputingUtilization", "string", true, None, "ORCA metric names used to compute utilization."),
            field("weightExpirationPeriod", "google.protobuf.Duration", false, None, "How long a weight stays valid without a fresh report."),
            field("weightStabilizationPeriod", "google.protobuf.Duration", false, None, "How long to wait before a new weight takes effect."),
            field("weightUpdatePeriod", "google.protobuf.Duration", false, None, "How often weights are recomputed."),
        ],
    }]
}

/// Fields of the CRD that the proto snapshot lacks, by message name; `backendUtilization` is
/// a third member of the `lb_policy` oneof.
pub(crate) fn crd_only_fields(message: &str) -> Vec<Field> {
    match message {
        "LoadBalancerSettings" => vec![field(
            "backendUtilization",
            "BackendUtilization",
            false,
            Some("lb_policy"),
            "Utilization-based load balancing from backend-reported ORCA metrics (CRD only, Istio >= 1.31).",
        )],
        "ServerTLSSettings" => vec![field(
            "ecdhCurves",
            "string",
            true,
            None,
            "Optional: If specified, only support the specified ecdh curves (CRD only, Istio >= 1.31).",
        )],
        "EnvoyFilter.ListenerMatch.FilterChainMatch" => vec![field(
            "transportSocket",
            "string",
            false,
            None,
            "If non-empty, the name of the transport socket the filter chain is configured with (CRD only).",
        )],
        _ => Vec::new(),
    }
}

//! The part of Envoy's v3 API the rendering writes: typed where the rendering decides something
//! (listeners, chains, routes, clusters), JSON where a filter's config is passed through.
//!
//! Field names are Envoy's proto JSON names, so [`Bootstrap`] serialises to a file that
//! `envoy -c` reads.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// `envoy.config.bootstrap.v3.Bootstrap`, static resources only.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bootstrap {
    /// The admin endpoint (`/ready`, `/config_dump`), on 127.0.0.1.
    pub admin: Admin,
    /// Listeners and clusters.
    pub static_resources: StaticResources,
}

/// `admin`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Admin {
    /// Where it listens.
    pub address: Address,
}

/// `static_resources`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StaticResources {
    /// One per gateway port.
    pub listeners: Vec<Listener>,
    /// One per destination (`outbound|<port>|<subset>|<fqdn>`).
    pub clusters: Vec<Cluster>,
}

/// `config.core.v3.Address` (socket addresses only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Address {
    /// `socket_address`.
    pub socket_address: SocketAddress,
}

/// `config.core.v3.SocketAddress`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SocketAddress {
    /// IP address.
    pub address: String,
    /// Port.
    pub port_value: u16,
}

impl Address {
    /// A TCP address.
    pub fn new(ip: impl Into<String>, port: u16) -> Self {
        Address {
            socket_address: SocketAddress {
                address: ip.into(),
                port_value: port,
            },
        }
    }
}

/// `config.listener.v3.Listener`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listener {
    /// `<bind>_<port>`, e.g. `0.0.0.0_443`.
    pub name: String,
    /// Local address (loopback).
    pub address: Address,
    /// Always `OUTBOUND` for gateways.
    pub traffic_direction: &'static str,
    /// `tls_inspector` when a chain matches on SNI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub listener_filters: Vec<NamedConfig>,
    /// One chain for a plaintext HTTP port, one per server for HTTPS.
    pub filter_chains: Vec<FilterChain>,
}

/// A `{name, typed_config}` pair: listener filters, HTTP filters, transport sockets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamedConfig {
    /// Extension name.
    pub name: String,
    /// Its configuration, with `@type`.
    pub typed_config: Value,
}

/// `config.listener.v3.FilterChain`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FilterChain {
    /// SNI match of a TLS chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_chain_match: Option<FilterChainMatch>,
    /// `15s` on TLS chains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_socket_connect_timeout: Option<String>,
    /// `envoy.transport_sockets.tls` with a `DownstreamTlsContext`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_socket: Option<NamedConfig>,
    /// The chain's name (istiod names sidecar inbound chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The HTTP connection manager.
    pub filters: Vec<HcmFilter>,
}

/// `filter_chain_match`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FilterChainMatch {
    /// The server's hosts.
    pub server_names: Vec<String>,
}

/// The `envoy.filters.network.http_connection_manager` network filter.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HcmFilter {
    /// `envoy.filters.network.http_connection_manager`.
    pub name: &'static str,
    /// The manager.
    pub typed_config: HttpConnectionManager,
}

/// `extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(missing_docs)] // Envoy's field names; the rendering cites where each value comes from.
pub struct HttpConnectionManager {
    #[serde(rename = "@type")]
    pub type_url: &'static str,
    pub stat_prefix: String,
    pub codec_type: &'static str,
    pub use_remote_address: bool,
    pub normalize_path: bool,
    pub path_with_escaped_slashes_action: &'static str,
    pub stream_idle_timeout: &'static str,
    pub upgrade_configs: Vec<Value>,
    pub forward_client_cert_details: &'static str,
    pub set_current_client_cert_details: Value,
    pub server_name: &'static str,
    pub server_header_transformation: &'static str,
    pub http_protocol_options: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http2_protocol_options: Option<Value>,
    pub proxy_100_continue: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_log: Vec<NamedConfig>,
    pub route_config: RouteConfiguration,
    pub http_filters: Vec<NamedConfig>,
}

/// `config.route.v3.RouteConfiguration` (inline; istiod serves it over RDS).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteConfiguration {
    /// istiod's RDS name: `http.<port>` or `https.<port>.<portName>.<gateway>.<namespace>`.
    pub name: String,
    /// `false`.
    pub validate_clusters: bool,
    /// `true`.
    pub ignore_port_in_host_matching: bool,
    /// 1 MiB.
    pub max_direct_response_body_size_bytes: u32,
    /// One per host.
    pub virtual_hosts: Vec<VirtualHost>,
}

/// `config.route.v3.VirtualHost`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VirtualHost {
    /// `<host>:<port>`.
    pub name: String,
    /// `[<host>]`.
    pub domains: Vec<String>,
    /// `true` (`x-envoy-attempt-count` to the upstream).
    pub include_request_attempt_count: bool,
    /// In Istio's order.
    pub routes: Vec<Route>,
}

/// `config.route.v3.Route`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Route {
    /// The http rule's `name`, as istiod writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it matches.
    #[serde(rename = "match")]
    pub match_: RouteMatch,
    /// Where it goes.
    pub route: RouteAction,
    /// CORS policy.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub typed_per_filter_config: BTreeMap<String, Value>,
}

/// `config.route.v3.RouteMatch`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RouteMatch {
    /// Plain string prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Exact path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `path_separated_prefix`: what istiod writes for a prefix other than `/` under Gateway
    /// API semantics (`/pkg.Svc` matches `/pkg.Svc` and `/pkg.Svc/…` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_separated_prefix: Option<String>,
    /// RE2 regex on the path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_regex: Option<Value>,
    /// `!ignoreUriCase`, always written.
    pub case_sensitive: bool,
    /// Header matchers, sorted by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Value>,
    /// Query parameter matchers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub query_parameters: Vec<Value>,
}

/// `config.route.v3.RouteAction`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteAction {
    /// One destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Several weighted destinations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weighted_clusters: Option<Value>,
    /// Route timeout (`0s` = none).
    pub timeout: String,
    /// Cap on the client's `grpc-timeout` (`0s` = no cap); what istiod writes on gateway routes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_grpc_timeout: Option<String>,
    /// `max_stream_duration` (with `grpc_timeout_header_max`): what istiod writes on a
    /// sidecar's inbound route instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_stream_duration: Option<Value>,
    /// Retries (absent when `attempts: 0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_policy: Option<RetryPolicy>,
}

/// `config.route.v3.RetryPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(missing_docs)] // Envoy's field names.
pub struct RetryPolicy {
    pub retry_on: String,
    pub num_retries: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retriable_status_codes: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retry_host_predicate: Vec<NamedConfig>,
    pub host_selection_retry_max_attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_priority: Option<NamedConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_back_off: Option<Value>,
}

/// `config.cluster.v3.Cluster`, STATIC with one endpoint (istiod: EDS).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(missing_docs)] // Envoy's field names.
pub struct Cluster {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub connect_timeout: &'static str,
    pub lb_policy: &'static str,
    pub common_lb_config: Value,
    pub circuit_breakers: Value,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub typed_extension_protocol_options: BTreeMap<String, Value>,
    /// Passive health checking, from a DestinationRule's `outlierDetection`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<Value>,
    pub load_assignment: Value,
}

impl Cluster {
    /// Whether Envoy speaks HTTP/2 to this cluster (`explicit_http_config.http2_protocol_options`).
    pub fn is_http2(&self) -> bool {
        self.typed_extension_protocol_options.values().any(|o| {
            o.pointer("/explicit_http_config/http2_protocol_options")
                .is_some()
        })
    }
}

//! Istio objects → Envoy bootstrap. Each rule names the istiod function it follows (file paths
//! and the pinned commit are in `shared/istio/ENVOY.md`; `core/` = `pilot/pkg/networking/core/`,
//! `route/` = `core/route/`).

use std::collections::BTreeMap;

use istio_grpc_types::destination_rule::{
    H2UpgradePolicy, LbPolicy, OutlierDetection, SimpleLb, TrafficPolicy,
};
use istio_grpc_types::envoy_filter::{ApplyTo, ObjectTypes, PatchContext, PatchOperation};
use istio_grpc_types::gateway::{Server, ServerTlsMode};
use istio_grpc_types::protocol::PortProtocol;
use istio_grpc_types::virtual_service::{
    CorsPolicy, HttpMatchRequest, HttpRetry, HttpRoute, UnmatchedPreflights,
};
use istio_grpc_types::{
    DestinationRule, Duration, EnvoyFilter, Gateway, Object, StringMatch, VirtualService,
};
use k8s_openapi::api::core::v1::Service;
use serde_json::{Value, json};

use crate::model::*;
use crate::{RenderError, RenderOptions, Rendered};

const HCM: &str = "envoy.filters.network.http_connection_manager";
const ROUTER: &str = "envoy.filters.http.router";
pub(crate) const GRPC_WEB: &str = "envoy.filters.http.grpc_web";
const CORS: &str = "envoy.filters.http.cors";
const DEFAULT_NS: &str = "default";

/// The objects the rendering reads, by kind, in input order.
pub(crate) struct Inputs<'a> {
    gateways: Vec<&'a Gateway>,
    virtual_services: Vec<&'a VirtualService>,
    destination_rules: Vec<&'a DestinationRule>,
    pub(crate) services: Vec<&'a Service>,
    envoy_filters: Vec<&'a EnvoyFilter>,
}

pub(crate) fn ns(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.namespace.as_deref().unwrap_or(DEFAULT_NS)
}

pub(crate) fn name(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or("")
}

/// `<short>.<namespace>.svc.cluster.local` for a short name, the name itself otherwise
/// (`pilot/pkg/model/config.go` `ResolveShortnameToFQDN`).
pub(crate) fn fqdn(host: &str, namespace: &str) -> String {
    if host.contains('.') || host == "*" {
        host.to_owned()
    } else {
        format!("{host}.{namespace}.svc.cluster.local")
    }
}

/// The objects by kind; notes for the kinds a rendering does not read.
pub(crate) fn collect<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
) -> (Inputs<'a>, Vec<String>) {
    let mut inputs = Inputs {
        gateways: vec![],
        virtual_services: vec![],
        destination_rules: vec![],
        services: vec![],
        envoy_filters: vec![],
    };
    let mut notes = Vec::new();
    for object in objects {
        match object {
            Object::Gateway(g) => inputs.gateways.push(g),
            Object::VirtualService(v) => inputs.virtual_services.push(v),
            Object::DestinationRule(d) => inputs.destination_rules.push(d),
            Object::Service(s) => inputs.services.push(s),
            Object::EnvoyFilter(e) => inputs.envoy_filters.push(e),
            Object::Secret(_) => {} // credentials come as files from the caller
            other => notes.push(format!(
                "{} {}: not part of a gateway's configuration here, ignored",
                other.kind(),
                other.name().unwrap_or("")
            )),
        }
    }
    (inputs, notes)
}

pub(crate) fn render<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    let (mut inputs, notes) = collect(objects);
    if inputs.gateways.is_empty() {
        return Err(RenderError::NoGateway);
    }
    // `pilot/pkg/model/virtualservice_controller.go` `sortMergedVirtualServicesByCreationTime`:
    // oldest first; equal (or absent) timestamps keep the input order (stable sort).
    inputs
        .virtual_services
        .sort_by_key(|vs| vs.metadata.creation_timestamp.as_ref().map(|t| t.0));

    let mut r = Renderer::new(&inputs, options, notes);
    let (mut listeners, mut summary) = (Vec::new(), Vec::new());
    // `core/listener.go` `buildGatewayListeners`: one listener per (bind, port) over all servers.
    let mut ports: BTreeMap<(String, u32), Vec<(&Gateway, &Server)>> = BTreeMap::new();
    for gw in &inputs.gateways {
        for (i, server) in gw.spec.servers.iter().flatten().enumerate() {
            let port = server.port.as_ref().and_then(|p| p.number).ok_or_else(|| {
                RenderError::Invalid {
                    object: format!("Gateway {}", name(&gw.metadata)),
                    path: format!("spec.servers[{i}].port.number"),
                    message: "missing".into(),
                }
            })?;
            let bind = server.bind.clone().unwrap_or_else(|| "0.0.0.0".into());
            ports.entry((bind, port)).or_default().push((gw, server));
        }
    }
    for ((bind, port), servers) in &ports {
        let (listener, infos) = r.listener(bind, *port, servers)?;
        listeners.push(listener);
        summary.extend(infos);
    }
    Ok(r.finish(listeners, summary))
}

pub(crate) struct Renderer<'a> {
    pub(crate) inputs: &'a Inputs<'a>,
    pub(crate) options: &'a RenderOptions,
    pub(crate) clusters: BTreeMap<String, Cluster>,
    pub(crate) notes: Vec<String>,
}

/// Which proxy a listener is rendered for (what EnvoyFilter `context` it matches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Proxy {
    /// The ingress gateway.
    Gateway,
    /// A sidecar's inbound side.
    SidecarInbound,
}

/// What kind of chain a server gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ServerKind {
    /// HTTP, HTTP2, GRPC: plaintext HCM.
    Plain,
    /// GRPC-WEB: plaintext HCM with the grpc_web filter.
    PlainGrpcWeb,
    /// HTTPS with `tls.mode: SIMPLE`.
    Tls,
}

fn server_kind(gw: &Gateway, server: &Server, i: usize) -> Result<ServerKind, RenderError> {
    let protocol = server
        .port
        .as_ref()
        .and_then(|p| p.protocol.clone())
        .unwrap_or_default()
        .to_ascii_uppercase();
    let unsupported = |what: String| RenderError::Unsupported {
        object: format!("Gateway {}", name(&gw.metadata)),
        path: format!("spec.servers[{i}]"),
        what,
    };
    match protocol.as_str() {
        // `core/gateway.go` `buildGatewayTCPBasedFilterChains`: ports whose protocol `IsHTTP()`
        // share one plaintext HCM; `pkg/config/validation/validation.go` `validateServer`
        // refuses TLS settings on them.
        "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" => {
            if server
                .tls
                .as_ref()
                .is_some_and(|t| t.https_redirect == Some(true))
            {
                return Err(unsupported("tls.httpsRedirect".into()));
            }
            if server.tls.as_ref().is_some_and(|t| t.mode.is_some()) {
                return Err(RenderError::Invalid {
                    object: format!("Gateway {}", name(&gw.metadata)),
                    path: format!("spec.servers[{i}].tls"),
                    message: format!(
                        "a {protocol} port cannot have TLS settings (Istio's validateServer refuses it); use protocol HTTPS"
                    ),
                });
            }
            Ok(if protocol == "GRPC-WEB" {
                ServerKind::PlainGrpcWeb
            } else {
                ServerKind::Plain
            })
        }
        "HTTPS" => match server.tls.as_ref().and_then(|t| t.mode.as_ref()) {
            Some(ServerTlsMode::Simple) => Ok(ServerKind::Tls),
            Some(other) => Err(unsupported(format!(
                "tls.mode {other:?} (only SIMPLE is rendered; client certificates, passthrough and Istio mTLS need istiod's SDS)"
            ))),
            None => Err(RenderError::Invalid {
                object: format!("Gateway {}", name(&gw.metadata)),
                path: format!("spec.servers[{i}].tls.mode"),
                message: "an HTTPS server needs tls.mode".into(),
            }),
        },
        other => Err(unsupported(format!(
            "port protocol `{other}` (only HTTP, HTTP2, GRPC, GRPC-WEB and HTTPS are rendered)"
        ))),
    }
}

/// Server hosts without their `ns/` prefix (`pilot/pkg/model/gateway.go` `GetSNIHostsForServer`).
fn server_hosts(server: &Server) -> Vec<String> {
    let mut hosts: Vec<String> = server
        .hosts
        .iter()
        .flatten()
        .map(|h| h.rsplit_once('/').map_or(h.as_str(), |(_, h)| h).to_owned())
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// Whether a VirtualService host and a server host intersect (`host.Name.Matches`, simplified
/// to exact names, `*` and `*.suffix` wildcards).
fn hosts_intersect(vs_host: &str, server_host: &str) -> bool {
    let wild = |pattern: &str, name: &str| {
        pattern == "*"
            || pattern == name
            || pattern
                .strip_prefix('*')
                .is_some_and(|suffix| name.ends_with(suffix))
    };
    wild(server_host, vs_host) || wild(vs_host, server_host)
}

/// Summary of one rendered listener, for printing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerInfo {
    /// `<bind>_<port>`.
    pub name: String,
    /// The gateway port.
    pub gateway_port: u32,
    /// Where it listens locally.
    pub local_port: u16,
    /// TLS (true) or plaintext h2c/HTTP/1.1.
    pub tls: bool,
    /// The hosts it serves.
    pub hosts: Vec<String>,
    /// Whether the grpc_web filter is in its chain.
    pub grpc_web: bool,
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(
        inputs: &'a Inputs<'a>,
        options: &'a RenderOptions,
        notes: Vec<String>,
    ) -> Self {
        Renderer {
            inputs,
            options,
            clusters: BTreeMap::new(),
            notes,
        }
    }

    /// The bootstrap: admin on loopback, the listeners, every cluster made on the way.
    pub(crate) fn finish(
        mut self,
        listeners: Vec<Listener>,
        summary: Vec<ListenerInfo>,
    ) -> Rendered {
        let clusters = std::mem::take(&mut self.clusters).into_values().collect();
        Rendered {
            bootstrap: Bootstrap {
                admin: Admin {
                    address: Address::new("127.0.0.1", self.options.admin_port),
                },
                static_resources: StaticResources {
                    listeners,
                    clusters,
                },
            },
            listeners: summary,
            notes: self.notes,
        }
    }

    fn listener(
        &mut self,
        bind: &str,
        port: u32,
        servers: &[(&Gateway, &Server)],
    ) -> Result<(Listener, Vec<ListenerInfo>), RenderError> {
        // `core/gateway.go` `getListenerName`: `bind + "_" + port`.
        let listener_name = format!("{bind}_{port}");
        let local_port = *self
            .options
            .listen_ports
            .get(&port)
            .ok_or(RenderError::ListenPortNotMapped { port })?;
        let mut kinds = Vec::new();
        for (gw, server) in servers {
            let i = gw
                .spec
                .servers
                .iter()
                .flatten()
                .position(|s| std::ptr::eq(s, *server))
                .unwrap_or(0);
            kinds.push(server_kind(gw, server, i)?);
        }
        let tls = kinds.contains(&ServerKind::Tls);
        if tls && kinds.iter().any(|k| *k != ServerKind::Tls) {
            return Err(RenderError::Unsupported {
                object: format!("port {port}"),
                path: "spec.servers".into(),
                what: "HTTPS and plaintext servers on the same port".into(),
            });
        }
        let stat_prefix = format!("outbound_{bind}_{port};");
        let mut chains = Vec::new();
        let mut infos = Vec::new();
        if tls {
            for (gw, server) in servers {
                // `pilot/pkg/model/gateway.go` `gatewayRDSRouteName`: per TLS server.
                let port_name = server
                    .port
                    .as_ref()
                    .and_then(|p| p.name.clone())
                    .unwrap_or_default();
                let route_name = format!(
                    "https.{port}.{port_name}.{}.{}",
                    name(&gw.metadata),
                    ns(&gw.metadata)
                );
                let hosts = server_hosts(server);
                let routes = self.route_config(route_name, port, &[(gw, server)])?;
                let filters = self.http_filters(
                    Proxy::Gateway,
                    &gw.spec.selector.clone().unwrap_or_default(),
                    port,
                    &listener_name,
                )?;
                let grpc_web = filters.iter().any(|f| f.name == GRPC_WEB);
                let hcm = self.hcm(stat_prefix.clone(), routes, filters);
                chains.push(FilterChain {
                    // `core/listener.go` `toFilterChainMatch`: omitted for `*`.
                    filter_chain_match: (!hosts.iter().any(|h| h == "*")).then(|| {
                        FilterChainMatch {
                            server_names: hosts.clone(),
                        }
                    }),
                    // `core/listener.go` `gatewayTransportSocketConnectTimeout`.
                    transport_socket_connect_timeout: Some("15s".into()),
                    transport_socket: Some(self.downstream_tls(gw, server)?),
                    name: None,
                    filters: vec![hcm],
                });
                infos.push(ListenerInfo {
                    name: listener_name.clone(),
                    gateway_port: port,
                    local_port,
                    tls: true,
                    hosts,
                    grpc_web,
                });
            }
        } else {
            // `pilot/pkg/model/gateway.go` `gatewayRDSRouteName`: `http.<port>` for all servers.
            let routes = self.route_config(format!("http.{port}"), port, servers)?;
            let mut filters = Vec::new();
            for (gw, _) in servers {
                filters = self.http_filters(
                    Proxy::Gateway,
                    &gw.spec.selector.clone().unwrap_or_default(),
                    port,
                    &listener_name,
                )?;
            }
            // `core/listener_builder.go` `buildHTTPConnectionManager`: grpc_web only when the
            // server port protocol is GRPC-WEB, right before grpc_stats.
            if kinds.contains(&ServerKind::PlainGrpcWeb) {
                insert_grpc_web(&mut filters);
            }
            let grpc_web = filters.iter().any(|f| f.name == GRPC_WEB);
            let mut hosts: Vec<String> =
                servers.iter().flat_map(|(_, s)| server_hosts(s)).collect();
            hosts.sort();
            hosts.dedup();
            chains.push(FilterChain {
                filter_chain_match: None,
                transport_socket_connect_timeout: None,
                transport_socket: None,
                name: None,
                filters: vec![self.hcm(stat_prefix, routes, filters)],
            });
            infos.push(ListenerInfo {
                name: listener_name.clone(),
                gateway_port: port,
                local_port,
                tls: false,
                hosts,
                grpc_web,
            });
        }
        let listener = Listener {
            name: listener_name,
            address: Address::new("127.0.0.1", local_port),
            // `core/listener.go` `buildGatewayListener`.
            traffic_direction: "OUTBOUND",
            // `buildGatewayListener`: "add a TLS inspector if we need to detect ServerName or ALPN".
            listener_filters: if tls {
                vec![NamedConfig {
                    name: "envoy.filters.listener.tls_inspector".into(),
                    typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"}),
                }]
            } else {
                vec![]
            },
            filter_chains: chains,
        };
        Ok((listener, infos))
    }

    /// `core/listener.go` `BuildListenerTLSContext` for `tls.mode: SIMPLE`. istiod fetches the
    /// credential over SDS (`kubernetes://<credentialName>`); here it is read from the caller's
    /// files.
    fn downstream_tls(&self, gw: &Gateway, server: &Server) -> Result<NamedConfig, RenderError> {
        let tls = server.tls.as_ref();
        let credential = tls.and_then(|t| t.credential_name.clone());
        let files = match &credential {
            Some(c) => self.options.credentials.get(c).cloned().ok_or_else(|| {
                RenderError::CredentialNotGiven {
                    gateway: name(&gw.metadata).to_owned(),
                    credential: c.clone(),
                }
            })?,
            None => {
                match (
                    tls.and_then(|t| t.server_certificate.clone()),
                    tls.and_then(|t| t.private_key.clone()),
                ) {
                    (Some(cert), Some(key)) => crate::CertFiles {
                        cert_chain: cert.into(),
                        private_key: key.into(),
                    },
                    _ => {
                        return Err(RenderError::Invalid {
                        object: format!("Gateway {}", name(&gw.metadata)),
                        path: "spec.servers[].tls".into(),
                        message: "SIMPLE TLS needs credentialName (or serverCertificate and privateKey)".into(),
                    });
                    }
                }
            }
        };
        let mut common = json!({
            // `pilot/pkg/networking/util/util.go` `ALPNHttp`.
            "alpn_protocols": ["h2", "http/1.1"],
            "tls_certificates": [{
                "certificate_chain": {"filename": files.cert_chain},
                "private_key": {"filename": files.private_key},
            }],
        });
        // `applyServerTLSSettings`: only what the server asks for.
        let version = |v: &istio_grpc_types::gateway::TlsProtocol| {
            serde_json::to_value(v)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let mut params = serde_json::Map::new();
        if let Some(v) = tls.and_then(|t| t.min_protocol_version.as_ref()) {
            params.insert("tls_minimum_protocol_version".into(), json!(version(v)));
        }
        if let Some(v) = tls.and_then(|t| t.max_protocol_version.as_ref()) {
            params.insert("tls_maximum_protocol_version".into(), json!(version(v)));
        }
        if let Some(c) = tls.and_then(|t| t.cipher_suites.clone()) {
            params.insert("cipher_suites".into(), json!(c));
        }
        if !params.is_empty() {
            common["tls_params"] = Value::Object(params);
        }
        Ok(NamedConfig {
            name: "envoy.transport_sockets.tls".into(),
            typed_config: json!({
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
                "require_client_certificate": false,
                "common_tls_context": common,
            }),
        })
    }

    /// `core/gateway.go` `buildGatewayConnectionManager` + `core/listener_builder.go`
    /// `buildHTTPConnectionManager` with the default mesh config (ENVOY.md §1.5).
    pub(crate) fn hcm(
        &self,
        stat_prefix: String,
        route_config: RouteConfiguration,
        http_filters: Vec<NamedConfig>,
    ) -> HcmFilter {
        HcmFilter {
            name: HCM,
            typed_config: HttpConnectionManager {
                type_url: "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                stat_prefix,
                codec_type: "AUTO",
                use_remote_address: true,
                normalize_path: true,
                path_with_escaped_slashes_action: "KEEP_UNCHANGED",
                stream_idle_timeout: "0s",
                upgrade_configs: vec![json!({"upgrade_type": "websocket"})],
                forward_client_cert_details: "SANITIZE_SET",
                set_current_client_cert_details: json!({"subject": true, "cert": true, "dns": true, "uri": true}),
                server_name: "istio-envoy",
                server_header_transformation: "OVERWRITE",
                http_protocol_options: json!({}),
                http2_protocol_options: None,
                proxy_100_continue: true,
                // Not istiod's (no access log unless meshConfig.accessLogFile): for reading runs.
                access_log: if self.options.access_log {
                    vec![NamedConfig {
                        name: "envoy.access_loggers.stdout".into(),
                        typed_config: json!({
                            "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog",
                            "log_format": {"text_format_source": {"inline_string": crate::ACCESS_LOG_FORMAT}},
                        }),
                    }]
                } else {
                    vec![]
                },
                route_config,
                http_filters,
            },
        }
    }

    /// `core/listener_builder.go` `buildHTTPConnectionManager` filter order, without the
    /// Istio-only filters (`istio.metadata_exchange`, `istio.alpn`, `istio.stats`: not in
    /// upstream Envoy), then the EnvoyFilter patches that match this gateway.
    pub(crate) fn http_filters(
        &mut self,
        proxy: Proxy,
        labels: &BTreeMap<String, String>,
        port: u32,
        listener_name: &str,
    ) -> Result<Vec<NamedConfig>, RenderError> {
        // `pilot/pkg/xds/filters/filters.go` `GrpcStats`, `Fault`, `Cors`, `BuildRouterFilter`.
        let mut filters = vec![
            NamedConfig {
                name: "envoy.filters.http.grpc_stats".into(),
                typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig", "emit_filter_state": true, "stats_for_all_methods": false}),
            },
            NamedConfig {
                name: "envoy.filters.http.fault".into(),
                typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault"}),
            },
            NamedConfig {
                name: CORS.into(),
                typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"}),
            },
            NamedConfig {
                name: ROUTER.into(),
                typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}),
            },
        ];
        self.apply_envoy_filters(proxy, labels, port, listener_name, &mut filters)?;
        Ok(filters)
    }

    /// `pilot/pkg/networking/core/envoyfilter/listener_patch.go` (`patchHTTPFilters`), for
    /// `applyTo: HTTP_FILTER` only: INSERT_BEFORE/INSERT_AFTER/INSERT_FIRST/ADD/REMOVE/REPLACE
    /// relative to `subFilter.name`. EnvoyFilters are applied in input order (istiod: by
    /// priority, then creation time). A patch applies when its `context` is the proxy's
    /// (`GATEWAY`, or `SIDECAR_INBOUND` for a sidecar's inbound listener: `envoyfilter.go`
    /// `patchContextMatch`) or `ANY`, and its workload selector matches the proxy's pod, which
    /// carries at least `labels` (the Gateway's selector, or the Service's).
    fn apply_envoy_filters(
        &mut self,
        proxy: Proxy,
        labels: &BTreeMap<String, String>,
        port: u32,
        listener_name: &str,
        filters: &mut Vec<NamedConfig>,
    ) -> Result<(), RenderError> {
        let mut sorted: Vec<&EnvoyFilter> = self.inputs.envoy_filters.clone();
        sorted.sort_by_key(|f| f.spec.priority.unwrap_or(0));
        for ef in sorted {
            let ef_name = format!("EnvoyFilter {}", name(&ef.metadata));
            if ef.spec.target_refs.is_some() {
                return Err(RenderError::Unsupported {
                    object: ef_name,
                    path: "spec.targetRefs".into(),
                    what: "targetRefs (only workloadSelector is rendered)".into(),
                });
            }
            // The workload selector must match the gateway pod; the pod carries at least the
            // Gateway's selector labels.
            let selected = ef
                .spec
                .workload_selector
                .as_ref()
                .and_then(|s| s.labels.as_ref())
                .is_none_or(|wanted| wanted.iter().all(|(k, v)| labels.get(k) == Some(v)));
            if !selected {
                continue;
            }
            for (i, patch) in ef.spec.config_patches.iter().flatten().enumerate() {
                let path = format!("spec.configPatches[{i}]");
                let unsupported = |what: &str| RenderError::Unsupported {
                    object: ef_name.clone(),
                    path: path.clone(),
                    what: what.to_owned(),
                };
                if patch.apply_to != Some(ApplyTo::HttpFilter) {
                    return Err(unsupported(
                        "applyTo other than HTTP_FILTER (only HTTP filter patches are rendered)",
                    ));
                }
                let m = patch.match_.as_ref();
                match (m.and_then(|m| m.context.as_ref()), proxy) {
                    (None | Some(PatchContext::Any), _)
                    | (Some(PatchContext::Gateway), Proxy::Gateway)
                    | (Some(PatchContext::SidecarInbound), Proxy::SidecarInbound) => {}
                    _ => continue, // another proxy's (or direction's) patch
                }
                let listener = match m.and_then(|m| m.object_types.as_ref()) {
                    None => None,
                    Some(ObjectTypes::Listener(l)) => Some(l),
                    Some(_) => {
                        return Err(unsupported("an HTTP_FILTER patch matching no listener"));
                    }
                };
                if let Some(l) = listener {
                    if l.port_number.is_some_and(|p| p != port)
                        || l.name.as_ref().is_some_and(|n| n != listener_name)
                    {
                        continue;
                    }
                    if l.port_name.is_some() || l.listener_filter.is_some() {
                        return Err(unsupported("listener.portName / listener.listenerFilter"));
                    }
                }
                let chain_filter = listener
                    .and_then(|l| l.filter_chain.as_ref())
                    .and_then(|c| c.filter.as_ref());
                if chain_filter
                    .and_then(|f| f.name.as_deref())
                    .is_some_and(|n| n != HCM)
                {
                    continue;
                }
                let anchor = chain_filter
                    .and_then(|f| f.sub_filter.as_ref())
                    .and_then(|s| s.name.clone());
                let value = patch.patch.as_ref().and_then(|p| p.value.clone());
                let new_filter = || -> Result<NamedConfig, RenderError> {
                    let v = value
                        .clone()
                        .ok_or_else(|| unsupported("a patch without value"))?;
                    let filter_name = v
                        .get("name")
                        .and_then(Value::as_str)
                        .ok_or_else(|| unsupported("a filter value without `name`"))?
                        .to_owned();
                    let typed_config = v
                        .get("typed_config")
                        .or_else(|| v.get("typedConfig"))
                        .cloned()
                        .ok_or_else(|| unsupported("a filter value without `typed_config`"))?;
                    Ok(NamedConfig {
                        name: filter_name,
                        typed_config,
                    })
                };
                let at = anchor
                    .as_ref()
                    .and_then(|a| filters.iter().position(|f| &f.name == a));
                match patch.patch.as_ref().and_then(|p| p.operation.as_ref()) {
                    Some(PatchOperation::InsertBefore) => match (anchor.as_ref(), at) {
                        (Some(_), Some(at)) => filters.insert(at, new_filter()?),
                        (Some(_), None) => {} // no such filter: istiod applies nothing
                        (None, _) => filters.insert(0, new_filter()?),
                    },
                    Some(PatchOperation::InsertAfter) => match (anchor.as_ref(), at) {
                        (Some(_), Some(at)) => filters.insert(at + 1, new_filter()?),
                        (Some(_), None) => {}
                        (None, _) => filters.push(new_filter()?),
                    },
                    Some(PatchOperation::InsertFirst) => filters.insert(0, new_filter()?),
                    Some(PatchOperation::Add) => filters.push(new_filter()?),
                    Some(PatchOperation::Remove) => {
                        if let Some(at) = at {
                            filters.remove(at);
                        }
                    }
                    Some(PatchOperation::Replace) => {
                        if let Some(at) = at {
                            filters[at] = new_filter()?;
                        }
                    }
                    _ => {
                        return Err(unsupported(
                            "patch operation other than INSERT_*/ADD/REMOVE/REPLACE",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// `core/gateway.go` `buildGatewayHTTPRouteConfig`: one virtual host per host, the routes of
    /// every bound VirtualService appended in creation order, then `route/route.go`
    /// `SortVHostRoutes` (catch-alls last, relative order kept).
    fn route_config(
        &mut self,
        route_name: String,
        port: u32,
        servers: &[(&Gateway, &Server)],
    ) -> Result<RouteConfiguration, RenderError> {
        let mut vhosts: Vec<(String, Vec<Route>)> = Vec::new();
        for vs in &self.inputs.virtual_services {
            let vs_ns = ns(&vs.metadata);
            for (gw, server) in servers {
                let gw_ref_ok = vs.spec.gateways.iter().flatten().any(|g| {
                    let (g_ns, g_name) = g.split_once('/').unwrap_or((vs_ns, g.as_str()));
                    g_name == name(&gw.metadata) && g_ns == ns(&gw.metadata)
                });
                if !gw_ref_ok {
                    continue;
                }
                let s_hosts = server_hosts(server);
                for vs_host in vs.spec.hosts.iter().flatten() {
                    if !s_hosts.iter().any(|h| hosts_intersect(vs_host, h)) {
                        continue;
                    }
                    let routes = self.vs_routes(vs, gw, port)?;
                    match vhosts.iter_mut().find(|(h, _)| h == vs_host) {
                        Some((_, existing)) => existing.extend(routes),
                        None => vhosts.push((vs_host.clone(), routes)),
                    }
                }
            }
        }
        let virtual_hosts = if vhosts.is_empty() {
            // No vhost → `blackhole:<port>` with no routes (404 NR).
            vec![VirtualHost {
                name: format!("blackhole:{port}"),
                domains: vec!["*".into()],
                include_request_attempt_count: true,
                routes: vec![],
            }]
        } else {
            vhosts
                .into_iter()
                .map(|(host, routes)| {
                    // `route/route.go` `SortVHostRoutes`: stable, catch-alls moved last.
                    let (mut specific, catch_all): (Vec<Route>, Vec<Route>) =
                        routes.into_iter().partition(|r| !is_catch_all(&r.match_));
                    specific.extend(catch_all);
                    VirtualHost {
                        // `util.DomainName`: `<host>:<port>`.
                        name: format!("{host}:{port}"),
                        domains: vec![host],
                        // `util/proxy_headers.go` `GetProxyHeadersFromProxyConfig` default.
                        include_request_attempt_count: true,
                        routes: specific,
                    }
                })
                .collect()
        };
        Ok(RouteConfiguration {
            name: route_name,
            validate_clusters: false,
            ignore_port_in_host_matching: true,
            max_direct_response_body_size_bytes: 1_048_576,
            virtual_hosts,
        })
    }

    /// `route/route.go` `BuildHTTPRoutesForVirtualService`: one route per match (one match-all
    /// route for a rule without `match`), stopping after the first catch-all.
    fn vs_routes(
        &mut self,
        vs: &VirtualService,
        gw: &Gateway,
        port: u32,
    ) -> Result<Vec<Route>, RenderError> {
        let object = format!("VirtualService {}", name(&vs.metadata));
        let mut out = Vec::new();
        for (i, http) in vs.spec.http.iter().flatten().enumerate() {
            let path = format!("spec.http[{i}]");
            let mut catch_all = false;
            let matches: Vec<Option<&HttpMatchRequest>> = match &http.match_ {
                Some(m) if !m.is_empty() => m.iter().map(Some).collect(),
                _ => vec![None],
            };
            for (j, m) in matches.into_iter().enumerate() {
                if let Some(m) = m {
                    // `route/route.go` `translateRoute`: a match for another gateway or port is
                    // skipped.
                    if let Some(gws) = &m.gateways
                        && !gws.iter().any(|g| {
                            let (g_ns, g_name) = g.split_once('/').unwrap_or((ns(&vs.metadata), g));
                            g_name == name(&gw.metadata) && g_ns == ns(&gw.metadata)
                        })
                    {
                        continue;
                    }
                    if m.port.is_some_and(|p| p != port) {
                        continue;
                    }
                }
                let gateway_semantics = vs
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(crate::gateway_api::ROUTE_SEMANTICS))
                    .is_some_and(|v| v == "gateway");
                let route_match =
                    translate_match(m, gateway_semantics, &object, &format!("{path}.match[{j}]"))?;
                let action = self.route_action(vs, http, &object, &path)?;
                let mut typed_per_filter_config = BTreeMap::new();
                if let Some(cors) = &http.cors_policy {
                    typed_per_filter_config.insert(CORS.to_owned(), translate_cors(cors));
                }
                let route = Route {
                    name: http.name.clone(),
                    match_: route_match,
                    route: action,
                    typed_per_filter_config,
                };
                let is_catch_all = is_catch_all(&route.match_);
                out.push(route);
                if is_catch_all {
                    catch_all = true;
                    break;
                }
            }
            if catch_all {
                break;
            }
        }
        Ok(out)
    }

    fn route_action(
        &mut self,
        vs: &VirtualService,
        http: &HttpRoute,
        object: &str,
        path: &str,
    ) -> Result<RouteAction, RenderError> {
        let unsupported = |field: &str| RenderError::Unsupported {
            object: object.to_owned(),
            path: format!("{path}.{field}"),
            what: format!("`{field}` is not rendered"),
        };
        for (set, field) in [
            (http.redirect.is_some(), "redirect"),
            (http.direct_response.is_some(), "directResponse"),
            (http.delegate.is_some(), "delegate"),
            (http.rewrite.is_some(), "rewrite"),
            (http.fault.is_some(), "fault"),
            (http.mirror.is_some() || http.mirrors.is_some(), "mirror"),
            (http.headers.is_some(), "headers"),
        ] {
            if set {
                return Err(unsupported(field));
            }
        }
        let dests = http.route.as_deref().unwrap_or_default();
        if dests.is_empty() {
            return Err(RenderError::Invalid {
                object: object.to_owned(),
                path: format!("{path}.route"),
                message: "an http rule needs at least one destination".into(),
            });
        }
        let mut clusters = Vec::new();
        for (k, d) in dests.iter().enumerate() {
            if d.headers.is_some() {
                return Err(unsupported(&format!("route[{k}].headers")));
            }
            let dest = d.destination.as_ref().ok_or_else(|| RenderError::Invalid {
                object: object.to_owned(),
                path: format!("{path}.route[{k}].destination"),
                message: "missing".into(),
            })?;
            let cluster = self.cluster_for(
                vs,
                dest.host.as_deref().unwrap_or(""),
                dest.port.as_ref().and_then(|p| p.number),
                dest.subset.as_deref(),
                object,
                &format!("{path}.route[{k}].destination"),
            )?;
            clusters.push((cluster, d.weight.unwrap_or(0)));
        }
        // `route/route.go` `setTimeout`: no VS timeout → `0s` (disabled); `max_grpc_timeout`
        // set to the same value for Envoy proxies (the client's `grpc-timeout`, capped).
        let timeout = http.timeout.unwrap_or(Duration::ZERO).to_string();
        let (cluster, weighted_clusters) = if clusters.len() == 1 {
            (Some(clusters.remove(0).0), None)
        } else {
            // `route/route.go` `applyHTTPRouteDestination`: weighted clusters.
            let list: Vec<Value> = clusters
                .into_iter()
                .map(|(name, weight)| json!({"name": name, "weight": weight}))
                .collect();
            (None, Some(json!({"clusters": list})))
        };
        Ok(RouteAction {
            cluster,
            weighted_clusters,
            max_grpc_timeout: Some(timeout.clone()),
            max_stream_duration: None,
            timeout,
            retry_policy: convert_retry_policy(http.retries.as_ref()),
        })
    }

    /// `core/cluster_builder.go` `buildCluster` (name `outbound|<port>|<subset>|<fqdn>`,
    /// `model.BuildSubsetKey`), `setUpstreamProtocol`, `applyTrafficPolicy`.
    fn cluster_for(
        &mut self,
        vs: &VirtualService,
        host: &str,
        port: Option<u32>,
        subset: Option<&str>,
        object: &str,
        path: &str,
    ) -> Result<String, RenderError> {
        let full = fqdn(host, ns(&vs.metadata));
        let service = self
            .inputs
            .services
            .iter()
            .find(|s| fqdn(name(&s.metadata), ns(&s.metadata)) == full)
            .ok_or_else(|| RenderError::ServiceNotGiven {
                object: object.to_owned(),
                path: path.to_owned(),
                host: full.clone(),
            })?;
        let ports = service
            .spec
            .as_ref()
            .and_then(|s| s.ports.clone())
            .unwrap_or_default();
        let svc_port = match port {
            Some(p) => ports.iter().find(|sp| sp.port == p as i32),
            None if ports.len() == 1 => ports.first(),
            None => None,
        }
        .ok_or_else(|| RenderError::Invalid {
            object: object.to_owned(),
            path: format!("{path}.port"),
            message: format!(
                "Service {full} has no port {} (it has {:?})",
                port.map_or(
                    "(none given; required when the Service has several ports)".into(),
                    |p| p.to_string()
                ),
                ports.iter().map(|p| p.port).collect::<Vec<_>>()
            ),
        })?;
        let port_number = svc_port.port as u32;
        let cluster_name = format!("outbound|{port_number}|{}|{full}", subset.unwrap_or(""));
        if self.clusters.contains_key(&cluster_name) {
            return Ok(cluster_name);
        }
        let upstream = self
            .options
            .upstream_for(&full, port_number)
            .ok_or_else(|| RenderError::UpstreamNotMapped {
                host: full.clone(),
                port: port_number,
            })?;
        let protocol = PortProtocol::select(
            svc_port.name.as_deref(),
            svc_port.app_protocol.as_deref(),
            svc_port.protocol.as_deref(),
        );
        let policy = self.traffic_policy(&full, subset, object, path)?;
        let mut protocol_options = BTreeMap::new();
        // `core/cluster_builder.go` `setUpstreamProtocol`: `port.Protocol.IsHTTP2()` →
        // `setH2Options`; a gateway never sniffs, so `http`, unnamed and anything else stay
        // HTTP/1.1.
        let mut h2 = protocol.is_http2();
        let http_pool = policy
            .and_then(|p| p.connection_pool.as_ref())
            .and_then(|c| c.http.as_ref());
        let use_client_protocol = http_pool.and_then(|h| h.use_client_protocol) == Some(true);
        // `core/cluster_traffic_policy.go` `shouldH2Upgrade`: useClientProtocol → never;
        // `h2UpgradePolicy: UPGRADE` → upgrade; otherwise the mesh default DO_NOT_UPGRADE.
        if !use_client_protocol
            && http_pool.and_then(|h| h.h2_upgrade_policy.as_ref())
                == Some(&H2UpgradePolicy::Upgrade)
        {
            h2 = true;
        }
        if use_client_protocol {
            // `applyConnectionPool` → `setUseDownstreamProtocol`.
            protocol_options.insert(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions".to_owned(),
                json!({
                    "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                    "use_downstream_protocol_config": {"http2_protocol_options": {}},
                }),
            );
        } else if h2 {
            protocol_options = h2_options();
        }
        // `core/cluster_traffic_policy.go` `applyLoadBalancer`: DR `simple`, else
        // `defaultLBAlgorithm()` = LEAST_REQUEST.
        let lb_policy = match policy
            .and_then(|p| p.load_balancer.as_ref())
            .and_then(|l| l.lb_policy.as_ref())
        {
            None | Some(LbPolicy::Simple(SimpleLb::Unspecified)) => "LEAST_REQUEST",
            Some(LbPolicy::Simple(SimpleLb::RoundRobin)) => "ROUND_ROBIN",
            Some(LbPolicy::Simple(SimpleLb::LeastRequest | SimpleLb::LeastConn)) => "LEAST_REQUEST",
            Some(LbPolicy::Simple(SimpleLb::Random)) => "RANDOM",
            Some(other) => {
                return Err(RenderError::Unsupported {
                    object: format!("DestinationRule for {full}"),
                    path: "spec.trafficPolicy.loadBalancer".into(),
                    what: format!("{other:?} (only simple ROUND_ROBIN, LEAST_REQUEST, RANDOM)"),
                });
            }
        };
        if policy.is_some_and(|p| p.tls.is_some()) {
            // mTLS to sidecars needs Istio's SDS: out of scope.
            self.notes.push(format!(
                "DestinationRule for {full}: trafficPolicy.tls is not rendered (Istio mTLS to sidecars is out of scope); the lab talks plaintext to {upstream}"
            ));
        }
        if subset.is_some() {
            self.notes.push(format!(
                "{cluster_name}: subsets are not told apart locally; every subset goes to {upstream}"
            ));
        }
        // istiod: EDS; here the one local address.
        let mut cluster = static_cluster(&cluster_name, lb_policy, protocol_options, upstream);
        // `applyConnectionPool`: `http2MaxRequests` above 0 is the `max_requests` threshold
        if let Some(max) = http_pool
            .and_then(|h| h.http2_max_requests)
            .filter(|m| *m > 0)
        {
            cluster.circuit_breakers["thresholds"][0]["max_requests"] = json!(max);
        }
        if let Some(outlier) = policy.and_then(|p| p.outlier_detection.as_ref()) {
            apply_outlier_detection(&mut cluster, outlier);
        }
        self.clusters.insert(cluster_name.clone(), cluster);
        Ok(cluster_name)
    }

    /// The DestinationRule traffic policy for a host (and subset), `applyDestinationRule`.
    fn traffic_policy(
        &self,
        full: &str,
        subset: Option<&str>,
        _object: &str,
        _path: &str,
    ) -> Result<Option<&'a TrafficPolicy>, RenderError> {
        let Some(dr) = self.inputs.destination_rules.iter().find(|d| {
            d.spec
                .host
                .as_deref()
                .is_some_and(|h| fqdn(h, ns(&d.metadata)) == full)
        }) else {
            return Ok(None);
        };
        let top = dr.spec.traffic_policy.as_ref();
        if top.is_some_and(|t| t.port_level_settings.is_some()) {
            return Err(RenderError::Unsupported {
                object: format!("DestinationRule {}", name(&dr.metadata)),
                path: "spec.trafficPolicy.portLevelSettings".into(),
                what: "port-level settings are not rendered".into(),
            });
        }
        let sub = subset.and_then(|s| {
            dr.spec
                .subsets
                .iter()
                .flatten()
                .find(|x| x.name.as_deref() == Some(s))
                .and_then(|x| x.traffic_policy.as_ref())
        });
        Ok(sub.or(top))
    }
}

/// `core/cluster_traffic_policy.go` `applyOutlierDetection`: success-rate ejection off, each
/// consecutive counter given enforced at 100 % (0 turns it off), the sweep interval, ejection
/// time and share as given, and the panic threshold at `minHealthPercent` (0 unless given: no
/// panic mode, so calls fail rather than go to ejected hosts).
fn apply_outlier_detection(cluster: &mut Cluster, o: &OutlierDetection) {
    let mut out = serde_json::Map::new();
    out.insert("enforcing_success_rate".into(), json!(0));
    let enforce = |v: u32| if v > 0 { 100 } else { 0 };
    if let Some(v) = o.consecutive_5xx_errors {
        out.insert("consecutive_5xx".into(), json!(v));
        out.insert("enforcing_consecutive_5xx".into(), json!(enforce(v)));
    }
    if let Some(v) = o.consecutive_gateway_errors {
        out.insert("consecutive_gateway_failure".into(), json!(v));
        out.insert(
            "enforcing_consecutive_gateway_failure".into(),
            json!(enforce(v)),
        );
    }
    if let Some(d) = &o.interval {
        out.insert("interval".into(), json!(d.to_string()));
    }
    if let Some(d) = &o.base_ejection_time {
        out.insert("base_ejection_time".into(), json!(d.to_string()));
    }
    if let Some(p) = o.max_ejection_percent.filter(|p| *p > 0) {
        out.insert("max_ejection_percent".into(), json!(p));
    }
    cluster.outlier_detection = Some(Value::Object(out));
    let min_health = o.min_health_percent.unwrap_or(0);
    if min_health >= 0 {
        cluster.common_lb_config = json!({"healthy_panic_threshold": {"value": min_health}});
    }
}

/// `core/cluster_builder.go` `setH2Options`: explicit HTTP/2 to the upstream.
pub(crate) fn h2_options() -> BTreeMap<String, Value> {
    BTreeMap::from([(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions".to_owned(),
        json!({
            "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            "explicit_http_config": {"http2_protocol_options": {}},
        }),
    )])
}

/// A STATIC cluster with one endpoint, the mesh default `connectTimeout` (10s) and istiod's
/// default circuit breakers (`core/cluster_traffic_policy.go`
/// `getDefaultCircuitBreakerThresholds`).
pub(crate) fn static_cluster(
    name: &str,
    lb_policy: &'static str,
    protocol_options: BTreeMap<String, Value>,
    upstream: std::net::SocketAddr,
) -> Cluster {
    Cluster {
        name: name.to_owned(),
        type_: "STATIC",
        connect_timeout: "10s",
        lb_policy,
        common_lb_config: json!({}),
        circuit_breakers: json!({"thresholds": [{
            "max_connections": 4294967295u32, "max_pending_requests": 4294967295u32,
            "max_requests": 4294967295u32, "max_retries": 4294967295u32, "track_remaining": true,
        }]}),
        typed_extension_protocol_options: protocol_options,
        outlier_detection: None,
        load_assignment: json!({
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {
                "address": upstream.ip().to_string(), "port_value": upstream.port(),
            }}}}]}],
        }),
    }
}

/// `core/listener_builder.go` `buildHTTPConnectionManager` for a GRPC-Web listener protocol:
/// `grpc_web` (`pilot/pkg/xds/filters/filters.go` `GrpcWeb`) right before `grpc_stats`, unless
/// an EnvoyFilter already put it in.
pub(crate) fn insert_grpc_web(filters: &mut Vec<NamedConfig>) {
    if filters.iter().any(|f| f.name == GRPC_WEB) {
        return;
    }
    let at = filters
        .iter()
        .position(|f| f.name == "envoy.filters.http.grpc_stats")
        .unwrap_or(0);
    filters.insert(
        at,
        NamedConfig {
            name: GRPC_WEB.into(),
            typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"}),
        },
    );
}

/// `route/route.go` `IsCatchAllRoute`: prefix `/` (or path-separated `/`) or regex `.*`, and no
/// header or query match.
pub(crate) fn is_catch_all(m: &RouteMatch) -> bool {
    let path_all = m.prefix.as_deref() == Some("/")
        || m.safe_regex
            .as_ref()
            .and_then(|r| r.get("regex"))
            .and_then(Value::as_str)
            == Some(".*");
    path_all && m.headers.is_empty() && m.query_parameters.is_empty()
}

/// `pilot/pkg/networking/util/util.go` `ConvertToEnvoyMatch` for a `StringMatcher`.
fn string_matcher(m: &StringMatch) -> Option<Value> {
    match m {
        StringMatch::Exact(v) => Some(json!({"exact": v})),
        StringMatch::Prefix(v) => Some(json!({"prefix": v})),
        StringMatch::Regex(v) => Some(json!({"safe_regex": {"regex": v}})),
        StringMatch::Present => None,
    }
}

/// `route/route.go` `translateHeaderMatch`: an empty match or `regex: "*"` is a presence match.
fn header_matcher(name: &str, m: &StringMatch, invert: bool) -> Value {
    let mut v = match m {
        StringMatch::Regex(r) if r == "*" => json!({"name": name, "present_match": true}),
        _ => match string_matcher(m) {
            Some(sm) => json!({"name": name, "string_match": sm}),
            None => json!({"name": name, "present_match": true}),
        },
    };
    if invert {
        v["invert_match"] = json!(true);
    }
    v
}

/// `route/route.go` `TranslateRouteMatch`: uri → plain `prefix` / `path` / `safe_regex` (never
/// `path_separated_prefix` for user VirtualServices), headers sorted by name, `method`,
/// `authority` and `scheme` as pseudo-headers.
fn translate_match(
    m: Option<&HttpMatchRequest>,
    gateway_semantics: bool,
    object: &str,
    path: &str,
) -> Result<RouteMatch, RenderError> {
    let mut out = RouteMatch {
        case_sensitive: true,
        ..RouteMatch::default()
    };
    let Some(m) = m else {
        out.prefix = Some("/".into());
        return Ok(out);
    };
    for (set, field) in [
        (m.source_labels.is_some(), "sourceLabels"),
        (m.source_namespace.is_some(), "sourceNamespace"),
    ] {
        if set {
            return Err(RenderError::Unsupported {
                object: object.to_owned(),
                path: format!("{path}.{field}"),
                what: format!("`{field}` is not rendered"),
            });
        }
    }
    out.case_sensitive = m.ignore_uri_case != Some(true);
    match &m.uri {
        None | Some(StringMatch::Present) => out.prefix = Some("/".into()),
        // `route/route.go` `TranslateRouteMatch`: with gateway semantics (a VirtualService
        // converted from the Gateway API) a prefix other than `/` is `path_separated_prefix`,
        // trailing `/` trimmed.
        Some(StringMatch::Prefix(p)) if gateway_semantics && p != "/" => {
            out.path_separated_prefix = Some(p.trim_end_matches('/').to_owned());
        }
        Some(StringMatch::Prefix(p)) => out.prefix = Some(p.clone()),
        Some(StringMatch::Exact(p)) => out.path = Some(p.clone()),
        Some(StringMatch::Regex(r)) => out.safe_regex = Some(json!({"regex": r})),
    }
    let mut headers: Vec<(String, Value)> = Vec::new();
    for (k, v) in m.headers.iter().flatten() {
        headers.push((k.clone(), header_matcher(k, v, false)));
    }
    for (k, v) in m.without_headers.iter().flatten() {
        headers.push((k.clone(), header_matcher(k, v, true)));
    }
    for (pseudo, v) in [
        (":method", &m.method),
        (":authority", &m.authority),
        (":scheme", &m.scheme),
    ] {
        if let Some(v) = v {
            headers.push((pseudo.to_owned(), header_matcher(pseudo, v, false)));
        }
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    out.headers = headers.into_iter().map(|(_, v)| v).collect();
    for (k, v) in m.query_params.iter().flatten() {
        out.query_parameters.push(match string_matcher(v) {
            Some(sm) => json!({"name": k, "string_match": sm}),
            None => json!({"name": k, "present_match": true}),
        });
    }
    Ok(out)
}

/// `route/route.go` `TranslateCORSPolicy` (route-level `typed_per_filter_config`).
fn translate_cors(c: &CorsPolicy) -> Value {
    let mut origins: Vec<Value> = c
        .allow_origins
        .iter()
        .flatten()
        .filter_map(string_matcher)
        .collect();
    origins.extend(c.allow_origin.iter().flatten().map(|o| json!({"exact": o})));
    let mut v = json!({
        "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
        "allow_origin_string_match": origins,
        "filter_enabled": {"default_value": {"numerator": 100, "denominator": "HUNDRED"}},
        // `forwardNotMatchingPreflights`: true unless `unmatchedPreflights: IGNORE`.
        "forward_not_matching_preflights": c.unmatched_preflights != Some(UnmatchedPreflights::Ignore),
    });
    let join = |l: &Option<Vec<String>>| l.as_ref().map(|l| l.join(","));
    if let Some(m) = join(&c.allow_methods) {
        v["allow_methods"] = json!(m);
    }
    if let Some(h) = join(&c.allow_headers) {
        v["allow_headers"] = json!(h);
    }
    if let Some(h) = join(&c.expose_headers) {
        v["expose_headers"] = json!(h);
    }
    if let Some(age) = c.max_age {
        v["max_age"] = json!((age.as_nanos() / 1_000_000_000).to_string());
    }
    if let Some(cred) = c.allow_credentials {
        v["allow_credentials"] = json!(cred);
    }
    v
}

/// Istio's default retry policy (`route/retry/retry.go` `DefaultPolicy`).
pub const DEFAULT_RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/// `route/retry/retry.go` `ConvertPolicy` (no mesh `defaultHttpRetryPolicy`).
fn convert_retry_policy(retries: Option<&HttpRetry>) -> Option<RetryPolicy> {
    let mut out = RetryPolicy {
        retry_on: DEFAULT_RETRY_ON.to_owned(),
        num_retries: 2,
        per_try_timeout: None,
        retriable_status_codes: vec![],
        retry_host_predicate: vec![NamedConfig {
            name: "envoy.retry_host_predicates.previous_hosts".into(),
            typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"}),
        }],
        host_selection_retry_max_attempts: 5,
        retry_priority: None,
        retry_back_off: None,
    };
    let Some(r) = retries else {
        return Some(out);
    };
    let attempts = r.attempts.unwrap_or(0);
    if attempts <= 0 {
        return None; // "explicitly disabling the retry policy"
    }
    out.num_retries = attempts as u32;
    if let Some(on) = r.retry_on.as_deref().filter(|s| !s.is_empty()) {
        let (retry_on, codes) = parse_retry_on(on);
        out.retry_on = retry_on;
        if !codes.is_empty() && !out.retry_on.contains("retriable-status-codes") {
            out.retry_on.push_str(",retriable-status-codes");
        }
        out.retriable_status_codes = codes;
    }
    out.per_try_timeout = r.per_try_timeout.map(|d| d.to_string());
    if r.retry_ignore_previous_hosts == Some(false) {
        out.retry_host_predicate.clear();
    }
    if r.retry_remote_localities == Some(true) {
        out.retry_priority = Some(NamedConfig {
            name: "envoy.retry_priorities.previous_priorities".into(),
            typed_config: json!({"@type": "type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig", "update_frequency": 2}),
        });
    }
    if let Some(b) = r.backoff {
        out.retry_back_off = Some(json!({"base_interval": b.to_string()}));
    }
    Some(out)
}

/// Status codes Go's `http.StatusText` knows.
fn is_known_http_status(code: u32) -> bool {
    const KNOWN: &[u32] = &[
        100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303,
        304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413,
        414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502,
        503, 504, 505, 506, 507, 508, 510, 511,
    ];
    KNOWN.contains(&code)
}

/// `route/retry/retry.go` `parseRetryOn`: integers with a Go `http.StatusText` become
/// `retriable_status_codes`; every other token is copied verbatim.
pub fn parse_retry_on(retry_on: &str) -> (String, Vec<u32>) {
    let mut tokens = Vec::new();
    let mut codes = Vec::new();
    for t in retry_on.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match t.parse::<u32>() {
            Ok(code) if is_known_http_status(code) => codes.push(code),
            _ => tokens.push(t),
        }
    }
    (tokens.join(","), codes)
}

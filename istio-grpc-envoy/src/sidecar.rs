//! The inbound side of a backend's sidecar: what istiod gives the Envoy next to a workload for
//! the ports of the Service that selects it. The lab runs it as a second Envoy between the
//! gateway and the tonic server, so that what istiod puts only on the sidecar (the `grpc_web`
//! filter of a `grpc-web` Service port, `SIDECAR_INBOUND` EnvoyFilter patches) is on the path.
//!
//! Followed (`core/` = `pilot/pkg/networking/core/`): `core/listener_inbound.go`
//! (`buildInboundChainConfigs`, `getFilterChainsByServicePort`, `inboundCustomListener`,
//! `buildInboundListener`, `inboundChainForOpts`, `buildSidecarInboundHTTPOpts`),
//! `core/listener_builder.go` (`buildHTTPConnectionManager`: the same HTTP filters as the
//! gateway, `grpc_web` when the port protocol is GRPC-Web), `core/httproute.go`
//! (`buildSidecarInboundHTTPRouteConfig`), `core/route/route.go`
//! (`BuildDefaultHTTPInboundRoute`), `core/cluster_builder.go` (`buildInboundCluster`,
//! `setUpstreamProtocol`), `util/proxy_headers.go` (`GetProxyHeadersFromProxyConfig`).
//!
//! How it differs from a pod, on purpose:
//! * one listener per port, bound to the local port the caller maps the target port to, as
//!   istiod writes it for captureMode `NONE` (`inboundCustomListener`); with iptables capture,
//!   istiod puts the same chain into `virtualInbound` (port 15006) behind a `destination_port`
//!   match, which needs the redirect the lab does not have;
//! * only the plaintext chain: Istio mTLS (PeerAuthentication PERMISSIVE adds chains for
//!   `istio-peer-exchange` ALPN) is out of scope, as for the gateway's clusters;
//! * no protocol sniffing: a port without a declared protocol, and TCP ports, are refused.

use std::collections::BTreeMap;

use istio_grpc_types::Object;
use istio_grpc_types::protocol::PortProtocol;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::json;

use crate::model::*;
use crate::render::{
    GRPC_WEB, Proxy, Renderer, collect, fqdn, h2_options, insert_grpc_web, name, ns, static_cluster,
};
use crate::{ListenerInfo, RenderError, RenderOptions, Rendered};

/// `core/listener_inbound.go` `getFilterChainsByServicePort` … `inboundCustomListener`: one
/// inbound listener per port of the Service `host`, each routing to the inbound cluster
/// `inbound|<targetPort>||`, which sends to the workload's address from `options`.
pub(crate) fn render<'a>(
    objects: impl IntoIterator<Item = &'a Object>,
    host: &str,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    let (inputs, notes) = collect(objects);
    let full = fqdn(host, "default");
    let service = inputs
        .services
        .iter()
        .find(|s| fqdn(name(&s.metadata), ns(&s.metadata)) == full)
        .ok_or_else(|| RenderError::ServiceNotGiven {
            object: format!("sidecar of {host}"),
            path: "(the workload's Service)".into(),
            host: full.clone(),
        })?;
    let object = format!("Service {}", name(&service.metadata));
    let labels: BTreeMap<String, String> = service
        .spec
        .as_ref()
        .and_then(|s| s.selector.clone())
        .unwrap_or_default();
    let ports = service
        .spec
        .as_ref()
        .and_then(|s| s.ports.clone())
        .unwrap_or_default();
    let mut r = Renderer::new(&inputs, options, notes);
    let (mut listeners, mut summary) = (Vec::new(), Vec::new());
    for (i, port) in ports.iter().enumerate() {
        let path = format!("spec.ports[{i}]");
        let unsupported = |what: String| RenderError::Unsupported {
            object: object.clone(),
            path: path.clone(),
            what,
        };
        let service_port = u32::try_from(port.port).map_err(|_| RenderError::Invalid {
            object: object.clone(),
            path: format!("{path}.port"),
            message: format!("{} is not a port number", port.port),
        })?;
        // `buildInboundChainConfigs`: the chain is keyed by the target port.
        let target_port = match &port.target_port {
            None => service_port,
            Some(IntOrString::Int(n)) => u32::try_from(*n).map_err(|_| RenderError::Invalid {
                object: object.clone(),
                path: format!("{path}.targetPort"),
                message: format!("{n} is not a port number"),
            })?,
            Some(IntOrString::String(named)) => {
                return Err(unsupported(format!(
                    "targetPort {named:?} names a container port, which only the pod knows; give the number"
                )));
            }
        };
        let protocol = PortProtocol::select(
            port.name.as_deref(),
            port.app_protocol.as_deref(),
            port.protocol.as_deref(),
        );
        match protocol {
            PortProtocol::Grpc
            | PortProtocol::GrpcWeb
            | PortProtocol::Http2
            | PortProtocol::Http => {}
            PortProtocol::Unnamed => {
                return Err(unsupported(
                    "a port without a declared protocol: the sidecar sniffs it (TCP and HTTP chains), which is not rendered; name it or set appProtocol".into(),
                ));
            }
            other => {
                return Err(unsupported(format!(
                    "a {} port: only HTTP inbound chains are rendered",
                    other.describe()
                )));
            }
        }
        let local_port = *options
            .listen_ports
            .get(&target_port)
            .ok_or(RenderError::ListenPortNotMapped { port: target_port })?;
        let upstream = options.upstream_for(&full, service_port).ok_or_else(|| {
            RenderError::UpstreamNotMapped {
                host: full.clone(),
                port: service_port,
            }
        })?;

        // `model.BuildInboundSubsetKey`.
        let cluster_name = format!("inbound|{target_port}||");
        r.clusters.insert(
            cluster_name.clone(),
            inbound_cluster(&cluster_name, protocol, upstream),
        );

        // `core/httproute.go` `buildSidecarInboundHTTPRouteConfig` +
        // `route/route.go` `BuildDefaultHTTPInboundRoute`: one wildcard vhost, prefix `/`, no
        // timeout, `max_stream_duration` 0 with `grpc_timeout_header_max` 0, and the inbound
        // retry policy (`EnableInboundRetryPolicy`, default on): 2 × `reset-before-request`.
        let route_config = RouteConfiguration {
            name: cluster_name.clone(),
            validate_clusters: false,
            ignore_port_in_host_matching: false,
            max_direct_response_body_size_bytes: 4096, // Envoy's default; istiod sets none here
            virtual_hosts: vec![VirtualHost {
                name: format!("inbound|http|{service_port}"),
                domains: vec!["*".into()],
                include_request_attempt_count: false,
                routes: vec![Route {
                    name: Some("default".into()),
                    match_: RouteMatch {
                        prefix: Some("/".into()),
                        case_sensitive: true,
                        ..RouteMatch::default()
                    },
                    route: RouteAction {
                        cluster: Some(cluster_name.clone()),
                        weighted_clusters: None,
                        timeout: "0s".into(),
                        max_grpc_timeout: None,
                        max_stream_duration: Some(
                            json!({"max_stream_duration": "0s", "grpc_timeout_header_max": "0s"}),
                        ),
                        retry_policy: Some(RetryPolicy {
                            retry_on: "reset-before-request".into(),
                            num_retries: 2,
                            per_try_timeout: None,
                            retriable_status_codes: vec![],
                            retry_host_predicate: vec![],
                            host_selection_retry_max_attempts: 0,
                            retry_priority: None,
                            retry_back_off: None,
                        }),
                    },
                    typed_per_filter_config: BTreeMap::new(),
                }],
            }],
        };

        // `getListenerName(bind, targetPort)`: `0.0.0.0_<targetPort>`.
        let listener_name = format!("0.0.0.0_{target_port}");
        let mut filters =
            r.http_filters(Proxy::SidecarInbound, &labels, target_port, &listener_name)?;
        // `buildHTTPConnectionManager`: grpc_web when the port protocol is GRPC-Web (here the
        // Service port's, `buildSidecarInboundHTTPOpts`), right before grpc_stats.
        if protocol == PortProtocol::GrpcWeb {
            insert_grpc_web(&mut filters);
        }
        let grpc_web = filters.iter().any(|f| f.name == GRPC_WEB);
        // `inboundChainConfig.StatPrefix`: `inbound_<bind>_<targetPort>` + `;`.
        let mut hcm = r.hcm(format!("inbound_{listener_name};"), route_config, filters);
        // `buildSidecarInboundHTTPOpts` + `GetProxyHeadersFromProxyConfig` (sidecar inbound).
        let cm = &mut hcm.typed_config;
        cm.use_remote_address = false;
        cm.forward_client_cert_details = "APPEND_FORWARD";
        cm.set_current_client_cert_details =
            json!({"subject": true, "uri": true, "dns": true, "cert": false, "chain": false});
        if protocol.is_http2() {
            // "See https://github.com/grpc/grpc-web/…#configure-the-proxy"
            cm.http2_protocol_options = Some(json!({}));
        }
        listeners.push(Listener {
            name: listener_name.clone(),
            address: Address::new("127.0.0.1", local_port),
            traffic_direction: "INBOUND",
            // `populateListenerFilters` for a bound listener whose chain matches no TLS or
            // ALPN: no original_dst, no inspectors.
            listener_filters: vec![],
            filter_chains: vec![FilterChain {
                // istiod matches `destination_port: <targetPort>`; the lab's listener is
                // bound to another local port, so the match is left out.
                filter_chain_match: None,
                transport_socket_connect_timeout: None,
                transport_socket: None,
                name: Some(listener_name.clone()),
                filters: vec![hcm],
            }],
        });
        summary.push(ListenerInfo {
            name: listener_name,
            gateway_port: target_port,
            local_port,
            tls: false,
            hosts: vec![full.clone()],
            grpc_web,
        });
    }
    if listeners.is_empty() {
        return Err(RenderError::Invalid {
            object,
            path: "spec.ports".into(),
            message: "no ports: the sidecar gets no inbound listener".into(),
        });
    }
    r.notes.push(format!(
        "sidecar of {full}: plaintext inbound chains only (Istio mTLS is out of scope); listeners bound as for captureMode NONE"
    ));
    Ok(r.finish(listeners, summary))
}

/// `core/cluster_builder.go` `buildInboundCluster`: `inbound|<port>||`, STATIC to the workload
/// (`buildInboundLocalityLbEndpoints`), HTTP/2 when the Service port's protocol is
/// (`setUpstreamProtocol`), istiod's default circuit breakers (`applyTrafficPolicy`).
fn inbound_cluster(name: &str, protocol: PortProtocol, upstream: std::net::SocketAddr) -> Cluster {
    let options = if protocol.is_http2() {
        h2_options()
    } else {
        BTreeMap::new()
    };
    // One endpoint: the policy changes nothing; Envoy's default.
    static_cluster(name, "ROUND_ROBIN", options, upstream)
}

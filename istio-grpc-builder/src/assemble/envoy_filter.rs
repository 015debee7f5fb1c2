//! The gRPC-Web EnvoyFilter: `envoy.filters.http.grpc_web` inserted before the router in the
//! gateway's HTTP connection manager, for backends translated with
//! [`GrpcWeb::envoy_filter`](crate::GrpcWeb::envoy_filter).

use istio_grpc_types::EnvoyFilter;
use istio_grpc_types::envoy_filter::{
    ApplyTo, EnvoyConfigObjectMatch, EnvoyConfigObjectPatch, EnvoyFilterSpec, FilterChainMatch,
    ListenerFilterMatch, ListenerMatch, ListenerSubFilterMatch, ObjectTypes, Patch, PatchContext,
    PatchOperation,
};
use istio_grpc_types::sidecar::WorkloadSelector;

use super::check::Checked;
use crate::grpc_web::Translation;

pub(super) fn write(c: &Checked<'_>) -> Option<EnvoyFilter> {
    let wanted = c.backends.iter().any(|b| {
        b.spec
            .grpc_web
            .as_ref()
            .is_some_and(|w| w.translation == Translation::EnvoyFilter)
    });
    if !wanted {
        return None;
    }
    let mut value = serde_json::Map::new();
    value.insert("name".to_owned(), "envoy.filters.http.grpc_web".into());
    value.insert(
        "typed_config".to_owned(),
        serde_json::json!({
            "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"
        }),
    );
    let mut f = EnvoyFilter::new(
        "grpc-web-filter",
        EnvoyFilterSpec {
            workload_selector: Some(WorkloadSelector {
                labels: Some(c.spec.selector.iter().cloned().collect()),
            }),
            config_patches: Some(vec![EnvoyConfigObjectPatch {
                apply_to: Some(ApplyTo::HttpFilter),
                match_: Some(EnvoyConfigObjectMatch {
                    context: Some(PatchContext::Gateway),
                    object_types: Some(ObjectTypes::Listener(ListenerMatch {
                        filter_chain: Some(FilterChainMatch {
                            filter: Some(ListenerFilterMatch {
                                name: Some(
                                    "envoy.filters.network.http_connection_manager".to_owned(),
                                ),
                                sub_filter: Some(ListenerSubFilterMatch {
                                    name: Some("envoy.filters.http.router".to_owned()),
                                }),
                            }),
                            ..Default::default()
                        }),
                        ..Default::default()
                    })),
                    ..Default::default()
                }),
                patch: Some(Patch {
                    operation: Some(PatchOperation::InsertBefore),
                    value: Some(value),
                    ..Default::default()
                }),
            }]),
            ..Default::default()
        },
    );
    f.metadata.namespace = Some(c.spec.workload_namespace.clone());
    Some(f)
}

//! An index over the inputs: find the Service behind a host, the Gateway behind a reference,
//! the workloads behind a selector.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use istio_grpc_types::{
    DestinationRule, EnvoyFilter, Gateway, Object, PeerAuthentication, ServiceEntry, Sidecar,
    VirtualService,
};
use k8s_openapi::api::core::v1::{Secret, Service};

use crate::diagnostic::Pending;
use crate::{Code, Diagnostic, Manifest};

/// A pod template or pod: where labels and annotations of workloads are.
pub(crate) struct Workload<'a> {
    pub(crate) manifest: &'a Manifest,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) annotations: BTreeMap<String, String>,
}

pub(crate) struct Model<'a> {
    pub(crate) virtual_services: Vec<(&'a Manifest, &'a VirtualService)>,
    pub(crate) gateways: Vec<(&'a Manifest, &'a Gateway)>,
    pub(crate) destination_rules: Vec<(&'a Manifest, &'a DestinationRule)>,
    pub(crate) envoy_filters: Vec<(&'a Manifest, &'a EnvoyFilter)>,
    pub(crate) peer_authentications: Vec<(&'a Manifest, &'a PeerAuthentication)>,
    pub(crate) sidecars: Vec<(&'a Manifest, &'a Sidecar)>,
    /// Gateway API Gateways (`gateway.networking.k8s.io`).
    pub(crate) k8s_gateways: Vec<(&'a Manifest, &'a istio_grpc_types::gateway_api::Gateway)>,
    pub(crate) service_entries: Vec<(&'a Manifest, &'a ServiceEntry)>,
    pub(crate) services: Vec<(&'a Manifest, &'a Service)>,
    pub(crate) secrets: Vec<(&'a Manifest, &'a Secret)>,
    pub(crate) workloads: Vec<Workload<'a>>,
    /// (namespace, name) -> index into `services` / `gateways`, so lookups stay O(1) on big meshes.
    service_index: HashMap<(&'a str, &'a str), usize>,
    gateway_index: HashMap<(&'a str, &'a str), usize>,
    /// gRPC services declared by the caller ([`crate::Options::grpc_services`]).
    pub(crate) grpc_services: BTreeSet<String>,
}

impl<'a> Model<'a> {
    pub(crate) fn new(manifests: &'a [Manifest], grpc_services: BTreeSet<String>) -> Self {
        let mut m = Model {
            virtual_services: vec![],
            gateways: vec![],
            destination_rules: vec![],
            envoy_filters: vec![],
            peer_authentications: vec![],
            sidecars: vec![],
            k8s_gateways: vec![],
            service_entries: vec![],
            services: vec![],
            secrets: vec![],
            workloads: vec![],
            service_index: HashMap::new(),
            gateway_index: HashMap::new(),
            grpc_services,
        };
        for manifest in manifests {
            let template =
                |t: &'a Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>| {
                    t.as_ref().map(|meta| Workload {
                        manifest,
                        labels: meta.labels.clone().unwrap_or_default(),
                        annotations: meta.annotations.clone().unwrap_or_default(),
                    })
                };
            match &manifest.object {
                Object::VirtualService(o) => m.virtual_services.push((manifest, o)),
                Object::Gateway(o) => m.gateways.push((manifest, o)),
                Object::DestinationRule(o) => m.destination_rules.push((manifest, o)),
                Object::EnvoyFilter(o) => m.envoy_filters.push((manifest, o)),
                Object::PeerAuthentication(o) => m.peer_authentications.push((manifest, o)),
                Object::Sidecar(o) => m.sidecars.push((manifest, o)),
                Object::K8sGateway(o) => m.k8s_gateways.push((manifest, o)),
                Object::ServiceEntry(o) => m.service_entries.push((manifest, o)),
                Object::Service(o) => m.services.push((manifest, o)),
                Object::Secret(o) => m.secrets.push((manifest, o)),
                Object::Deployment(o) => m.workloads.extend(template(&o.spec.template.metadata)),
                Object::StatefulSet(o) => m.workloads.extend(template(&o.spec.template.metadata)),
                Object::DaemonSet(o) => m.workloads.extend(template(&o.spec.template.metadata)),
                Object::Pod(o) => m.workloads.push(Workload {
                    manifest,
                    labels: o.metadata.labels.clone().unwrap_or_default(),
                    annotations: o.metadata.annotations.clone().unwrap_or_default(),
                }),
                _ => {}
            }
        }
        for (i, (manifest, svc)) in m.services.iter().enumerate() {
            m.service_index
                .entry((
                    manifest.namespace(),
                    svc.metadata.name.as_deref().unwrap_or(""),
                ))
                .or_insert(i);
        }
        for (i, (manifest, gw)) in m.gateways.iter().enumerate() {
            m.gateway_index
                .entry((
                    manifest.namespace(),
                    gw.metadata.name.as_deref().unwrap_or(""),
                ))
                .or_insert(i);
        }
        m
    }

    /// The Service a destination host names: `name`, `name.ns`, `name.ns.svc[.cluster.local]`;
    /// a short name is in the referring object's namespace.
    pub(crate) fn service_for_host(
        &self,
        host: &str,
        from_namespace: &str,
    ) -> Option<(&'a Manifest, &'a Service)> {
        let host = host
            .trim_end_matches(".cluster.local")
            .trim_end_matches(".svc");
        let (name, namespace) = match host.split_once('.') {
            Some((name, ns)) if !ns.contains('.') => (name, ns),
            Some(_) => return None, // an external name: a ServiceEntry host, not a Service
            None => (host, from_namespace),
        };
        self.service_index
            .get(&(namespace, name))
            .map(|&i| self.services[i])
    }

    /// The Gateway a VirtualService `gateways` entry names (`name` or `namespace/name`).
    pub(crate) fn gateway(
        &self,
        reference: &str,
        from_namespace: &str,
    ) -> Option<(&'a Manifest, &'a Gateway)> {
        let (namespace, name) = reference
            .split_once('/')
            .unwrap_or((from_namespace, reference));
        self.gateway_index
            .get(&(namespace, name))
            .map(|&i| self.gateways[i])
    }

    /// Workloads in `namespace` (any namespace when `None`) whose labels include `selector`.
    pub(crate) fn workloads_selected(
        &self,
        selector: &BTreeMap<String, String>,
        namespace: Option<&str>,
    ) -> Vec<&Workload<'a>> {
        self.workloads
            .iter()
            .filter(|w| namespace.is_none_or(|ns| w.manifest.namespace() == ns))
            .filter(|w| selector.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
            .collect()
    }
}

/// Builds a diagnostic about a field of a manifest.
pub(crate) fn diagnostic(
    manifest: &Manifest,
    code: Code,
    path: impl Into<String>,
    message: impl Into<String>,
    fix: Option<String>,
) -> Diagnostic {
    let path = path.into();
    Diagnostic {
        code,
        severity: code.severity,
        resource: Some(manifest.resource()),
        // looked up once every check has run, for all findings of the manifest at once
        location: None,
        path,
        file: manifest.file.clone(),
        message: message.into(),
        fix,
        edit: None,
        pending: Some(Pending {
            manifest: manifest.id,
            key: false,
        }),
    }
}

/// Whether a Gateway server host (`[ns/]host`) serves `host` for a VirtualService in `vs_namespace`.
pub(crate) fn server_host_covers(
    server_host: &str,
    host: &str,
    vs_namespace: &str,
    gateway_namespace: &str,
) -> bool {
    let (ns, pattern) = server_host.split_once('/').unwrap_or(("*", server_host));
    let ns_ok = ns == "*" || (ns == "." && vs_namespace == gateway_namespace) || ns == vs_namespace;
    ns_ok && host_covers(pattern, host)
}

/// Whether a host pattern (`*`, `*.example.com`, `grpc.example.com`) covers `host`.
pub(crate) fn host_covers(pattern: &str, host: &str) -> bool {
    if pattern == "*" || pattern == host {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => {
            host.strip_suffix(suffix)
                .is_some_and(|rest| rest.ends_with('.'))
                || host.strip_prefix("*.").is_some_and(|h| h.ends_with(suffix))
        }
        None => host
            .strip_prefix("*.")
            .is_some_and(|suffix| pattern.ends_with(&format!(".{suffix}"))),
    }
}

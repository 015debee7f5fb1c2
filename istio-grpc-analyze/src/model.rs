//! What the rules across objects read: an index over the objects of the input, find the
//! Service behind a host, the Gateway behind a reference, the workloads behind a selector.
//!
//! The kinds a mesh holds many of (Services, VirtualServices, DestinationRules, workloads) are
//! kept in their [`crate::lean`] forms; the others whole, with their [`Head`].

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use istio_grpc_types::gateway_api::{GrpcRoute, HttpRoute, ReferenceGrant};
use istio_grpc_types::{
    EnvoyFilter, Gateway, KubeObject, Object, PeerAuthentication, ServiceEntry, Sidecar,
};
use k8s_openapi::api::core::v1::{Namespace, Secret};

use crate::chunked::Chunked;
use crate::diagnostic::Pending;
use crate::lean;
pub(crate) use crate::lean::{Head, Workload};
use crate::{Code, Diagnostic, Manifest, Resource};

/// What one object gives the rules across objects ([`Model::add`]): a variant per kind, named
/// as the kind (`ServiceEntry` among them).
#[allow(clippy::enum_variant_names)]
pub(crate) enum Entry {
    VirtualService(Head, lean::VirtualService),
    Service(Head, lean::Service),
    DestinationRule(Head, lean::DestinationRule),
    Workload(Workload),
    Gateway(Head, Box<Gateway>),
    EnvoyFilter(Head, Box<EnvoyFilter>),
    PeerAuthentication(Head, Box<PeerAuthentication>),
    Sidecar(Head, Box<Sidecar>),
    K8sGateway(Head, Box<istio_grpc_types::gateway_api::Gateway>),
    ServiceEntry(Head, Box<ServiceEntry>),
    Secret(Head, Box<KubeObject<Secret>>),
    GrpcRoute(Head, Box<GrpcRoute>),
    HttpRoute(Head, Box<HttpRoute>),
    ReferenceGrant(Head, Box<ReferenceGrant>),
    Namespace(Head, Box<KubeObject<Namespace>>),
}

impl Entry {
    pub(crate) fn head_mut(&mut self) -> &mut Head {
        match self {
            Entry::VirtualService(h, _)
            | Entry::Service(h, _)
            | Entry::DestinationRule(h, _)
            | Entry::Gateway(h, _)
            | Entry::EnvoyFilter(h, _)
            | Entry::PeerAuthentication(h, _)
            | Entry::Sidecar(h, _)
            | Entry::K8sGateway(h, _)
            | Entry::ServiceEntry(h, _)
            | Entry::Secret(h, _)
            | Entry::GrpcRoute(h, _)
            | Entry::HttpRoute(h, _)
            | Entry::ReferenceGrant(h, _)
            | Entry::Namespace(h, _) => h,
            Entry::Workload(w) => &mut w.head,
        }
    }

    /// What the rules across objects keep of an object (nothing, for a kind none of them reads).
    pub(crate) fn of(
        manifest: &Manifest,
        file: Option<Arc<Path>>,
        grpc_services: &BTreeSet<String>,
        shared: &mut lean::Interner,
    ) -> Option<Entry> {
        let head = Head::of(manifest, file, shared);
        if let Some(w) = Workload::of(&manifest.object, &head, shared) {
            return Some(Entry::Workload(w));
        }
        Some(match &manifest.object {
            Object::VirtualService(o) => {
                Entry::VirtualService(head, lean::VirtualService::of(o, grpc_services, shared))
            }
            Object::Service(o) => Entry::Service(head, lean::Service::of(o, shared)),
            Object::DestinationRule(o) => {
                Entry::DestinationRule(head, lean::DestinationRule::of(o, shared))
            }
            Object::Gateway(o) => Entry::Gateway(head, o.clone()),
            Object::EnvoyFilter(o) => Entry::EnvoyFilter(head, o.clone()),
            Object::PeerAuthentication(o) => Entry::PeerAuthentication(head, o.clone()),
            Object::Sidecar(o) => Entry::Sidecar(head, o.clone()),
            Object::K8sGateway(o) => Entry::K8sGateway(head, o.clone()),
            Object::ServiceEntry(o) => Entry::ServiceEntry(head, o.clone()),
            Object::Secret(o) => Entry::Secret(head, o.clone()),
            Object::GrpcRoute(o) => Entry::GrpcRoute(head, o.clone()),
            Object::HttpRoute(o) => Entry::HttpRoute(head, o.clone()),
            Object::ReferenceGrant(o) => Entry::ReferenceGrant(head, o.clone()),
            Object::Namespace(o) => Entry::Namespace(head, o.clone()),
            _ => return None,
        })
    }
}

/// namespace -> name -> the first object of that name, looked up without building a key.
#[derive(Default)]
struct ByName(HashMap<Box<str>, HashMap<Box<str>, usize>>);

impl ByName {
    fn insert(&mut self, head: &Head, at: usize) {
        self.0
            .entry(head.namespace().into())
            .or_default()
            .entry(head.name().into())
            .or_insert(at);
    }

    fn get(&self, namespace: &str, name: &str) -> Option<&usize> {
        self.0.get(namespace)?.get(name)
    }
}

#[derive(Default)]
pub(crate) struct Model {
    pub(crate) virtual_services: Chunked<(Head, lean::VirtualService)>,
    pub(crate) gateways: Vec<(Head, Box<Gateway>)>,
    pub(crate) destination_rules: Chunked<(Head, lean::DestinationRule)>,
    pub(crate) envoy_filters: Vec<(Head, Box<EnvoyFilter>)>,
    pub(crate) peer_authentications: Vec<(Head, Box<PeerAuthentication>)>,
    pub(crate) sidecars: Vec<(Head, Box<Sidecar>)>,
    /// Gateway API Gateways (`gateway.networking.k8s.io`).
    pub(crate) k8s_gateways: Vec<(Head, Box<istio_grpc_types::gateway_api::Gateway>)>,
    pub(crate) grpc_routes: Vec<(Head, Box<GrpcRoute>)>,
    pub(crate) http_routes: Vec<(Head, Box<HttpRoute>)>,
    pub(crate) reference_grants: Vec<(Head, Box<ReferenceGrant>)>,
    pub(crate) namespaces: Vec<(Head, Box<KubeObject<Namespace>>)>,
    pub(crate) service_entries: Vec<(Head, Box<ServiceEntry>)>,
    pub(crate) services: Chunked<(Head, lean::Service)>,
    pub(crate) secrets: Vec<(Head, Box<KubeObject<Secret>>)>,
    pub(crate) workloads: Chunked<Workload>,
    /// (namespace, name) -> index into `services` / `gateways`, so lookups stay O(1) on big meshes.
    service_index: ByName,
    gateway_index: ByName,
    /// gRPC services declared by the caller ([`crate::Options::grpc_services`]).
    pub(crate) grpc_services: BTreeSet<String>,
}

impl Model {
    pub(crate) fn new(grpc_services: BTreeSet<String>) -> Self {
        Model {
            grpc_services,
            ..Model::default()
        }
    }

    /// Adds what an object gives, in input order.
    pub(crate) fn add(&mut self, entry: Entry) {
        match entry {
            Entry::VirtualService(h, o) => self.virtual_services.push((h, o)),
            Entry::Service(h, o) => {
                self.service_index.insert(&h, self.services.len());
                self.services.push((h, o));
            }
            Entry::DestinationRule(h, o) => self.destination_rules.push((h, o)),
            Entry::Workload(w) => self.workloads.push(w),
            Entry::Gateway(h, o) => {
                self.gateway_index.insert(&h, self.gateways.len());
                self.gateways.push((h, o));
            }
            Entry::EnvoyFilter(h, o) => self.envoy_filters.push((h, o)),
            Entry::PeerAuthentication(h, o) => self.peer_authentications.push((h, o)),
            Entry::Sidecar(h, o) => self.sidecars.push((h, o)),
            Entry::K8sGateway(h, o) => self.k8s_gateways.push((h, o)),
            Entry::ServiceEntry(h, o) => self.service_entries.push((h, o)),
            Entry::Secret(h, o) => self.secrets.push((h, o)),
            Entry::GrpcRoute(h, o) => self.grpc_routes.push((h, o)),
            Entry::HttpRoute(h, o) => self.http_routes.push((h, o)),
            Entry::ReferenceGrant(h, o) => self.reference_grants.push((h, o)),
            Entry::Namespace(h, o) => self.namespaces.push((h, o)),
        }
    }

    /// The Service a destination host names: `name`, `name.ns`, `name.ns.svc[.cluster.local]`;
    /// a short name is in the referring object's namespace.
    pub(crate) fn service_for_host(
        &self,
        host: &str,
        from_namespace: &str,
    ) -> Option<(&Head, &lean::Service)> {
        let host = host
            .trim_end_matches(".cluster.local")
            .trim_end_matches(".svc");
        let (name, namespace) = match host.split_once('.') {
            Some((name, ns)) if !ns.contains('.') => (name, ns),
            Some(_) => return None, // an external name: a ServiceEntry host, not a Service
            None => (host, from_namespace),
        };
        self.service_index
            .get(namespace, name)
            .map(|&i| (&self.services[i].0, &self.services[i].1))
    }

    /// The Gateway a VirtualService `gateways` entry names (`name` or `namespace/name`).
    pub(crate) fn gateway(
        &self,
        reference: &str,
        from_namespace: &str,
    ) -> Option<(&Head, &Gateway)> {
        let (namespace, name) = reference
            .split_once('/')
            .unwrap_or((from_namespace, reference));
        self.gateway_index
            .get(namespace, name)
            .map(|&i| (&self.gateways[i].0, &*self.gateways[i].1))
    }

    /// Workloads in `namespace` (any namespace when `None`) whose labels include `selector`.
    pub(crate) fn workloads_selected<'s>(
        &self,
        selector: impl IntoIterator<Item = (&'s str, &'s str)> + Clone,
        namespace: Option<&str>,
    ) -> Vec<&Workload> {
        self.workloads
            .iter()
            .filter(|w| namespace.is_none_or(|ns| w.head.namespace() == ns))
            .filter(|w| w.labels.has_all(selector.clone()))
            .collect()
    }
}

/// What a finding is about: an object read whole ([`Manifest`]) or kept by its [`Head`].
pub(crate) trait Subject {
    fn id(&self) -> usize;
    fn file(&self) -> Option<&Path>;
    fn resource(&self) -> Resource;
}

impl<T: Subject + ?Sized> Subject for &T {
    fn id(&self) -> usize {
        (**self).id()
    }
    fn file(&self) -> Option<&Path> {
        (**self).file()
    }
    fn resource(&self) -> Resource {
        (**self).resource()
    }
}

impl Subject for Manifest {
    fn id(&self) -> usize {
        self.id
    }
    fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
    fn resource(&self) -> Resource {
        Manifest::resource(self)
    }
}

impl Subject for Head {
    fn id(&self) -> usize {
        self.id
    }
    fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
    fn resource(&self) -> Resource {
        Head::resource(self)
    }
}

/// Builds a diagnostic about a field of an object.
pub(crate) fn diagnostic(
    subject: &(impl Subject + ?Sized),
    code: Code,
    path: impl Into<String>,
    message: impl Into<String>,
    fix: Option<String>,
) -> Diagnostic {
    let path = path.into();
    Diagnostic {
        code,
        severity: code.severity,
        resource: Some(subject.resource()),
        // looked up once every check has run, for all findings of the object at once
        location: None,
        path,
        file: subject.file().map(Path::to_path_buf),
        message: message.into(),
        fix,
        edit: None,
        pending: Some(Pending {
            manifest: subject.id(),
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

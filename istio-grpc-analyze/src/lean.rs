//! What the checks across objects keep of each object: the fields they read, small.
//!
//! Checking a mesh used to hold every object typed until the last rule had run: 2 to 3 KB an
//! object (a `DestinationRule` is 2 KB of mostly empty options before it holds a value, a label
//! map a 540-byte tree node for one label), five times the YAML it came from. The rules that
//! read one object at a time now run as the object is read ([`crate::local`]); what the rules
//! across objects read of it is kept here, a few hundred bytes an object, and the typed object
//! is dropped. The kinds few manifests hold many of (Gateways, Secrets, EnvoyFilters, …) are kept
//! whole ([`crate::model::Model`]).
//!
//! Every form is projected from the typed object by one function here, so that what a rule may
//! read is decided in one place: a rule that needs a field not kept fails to compile.

use std::path::Path;
use std::sync::Arc;

use istio_grpc_types::destination_rule::{ClientTlsMode, LbPolicy, SimpleLb};
use istio_grpc_types::virtual_service::{self, HttpRoute as TypedHttpRoute};
use istio_grpc_types::{Object, StringMatch};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::Resource;
use crate::input::Manifest;

/// Short strings many objects share (kinds, namespaces, port names and protocols, label keys,
/// hosts), kept once by each thread that reads: an `Arc<str>` where a `String` of its own
/// would take a 32-byte allocation per object.
#[derive(Default)]
pub(crate) struct Interner(std::collections::HashSet<Arc<str>>);

impl Interner {
    pub(crate) fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(s) {
            return shared.clone();
        }
        let shared: Arc<str> = s.into();
        self.0.insert(shared.clone());
        shared
    }

    fn all(&mut self, items: Option<&Vec<String>>) -> Box<[Arc<str>]> {
        items.into_iter().flatten().map(|s| self.get(s)).collect()
    }
}

/// Who an object is: what a finding about it names, and where it was read.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    /// Its place among the documents read ([`crate::diagnostic::Pending`]).
    pub(crate) id: usize,
    kind: Arc<str>,
    /// `metadata.namespace`, `default` when it has none.
    namespace: Arc<str>,
    name: Box<str>,
    pub(crate) file: Option<Arc<Path>>,
}

impl Head {
    pub(crate) fn of(manifest: &Manifest, file: Option<Arc<Path>>, shared: &mut Interner) -> Head {
        Head {
            id: manifest.id,
            kind: shared.get(manifest.object.kind()),
            namespace: shared.get(manifest.namespace()),
            name: manifest.object.name().unwrap_or("").into(),
            file,
        }
    }

    pub(crate) fn kind(&self) -> &str {
        &self.kind
    }

    pub(crate) fn namespace(&self) -> &str {
        &self.namespace
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn resource(&self) -> Resource {
        Resource {
            kind: self.kind.to_string(),
            namespace: self.namespace.to_string(),
            name: self.name.to_string(),
        }
    }
}

/// Labels (or a selector, or annotations) as a sorted list: a map of one label as a tree costs a
/// 540-byte node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Labels(Box<[(Arc<str>, Box<str>)]>);

impl Labels {
    pub(crate) fn of(
        map: Option<&std::collections::BTreeMap<String, String>>,
        shared: &mut Interner,
    ) -> Labels {
        Labels(
            map.into_iter()
                .flatten()
                .map(|(k, v)| (shared.get(k), v.as_str().into()))
                .collect(),
        )
    }

    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| (**k).cmp(key))
            .ok()
            .map(|i| &*self.0[i].1)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.0.iter().map(|(k, v)| (&**k, &**v))
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(_, v)| &**v)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether these labels carry every `key: value` of `selector`.
    pub(crate) fn has_all<'s>(
        &self,
        selector: impl IntoIterator<Item = (&'s str, &'s str)>,
    ) -> bool {
        selector.into_iter().all(|(k, v)| self.get(k) == Some(v))
    }

    /// As a map, for the messages and rules that build one.
    pub(crate) fn to_map(&self) -> std::collections::BTreeMap<String, String> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

/// A core/v1 Service: its ports and selector.
#[derive(Clone, Debug)]
pub(crate) struct Service {
    pub(crate) ports: Box<[ServicePort]>,
    /// `spec.selector` (`None`: not written).
    pub(crate) selector: Option<Labels>,
}

#[derive(Clone, Debug)]
pub(crate) struct ServicePort {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) app_protocol: Option<Arc<str>>,
    pub(crate) protocol: Option<Arc<str>>,
    pub(crate) port: i32,
    pub(crate) target_port: Option<IntOrString>,
}

impl Service {
    pub(crate) fn of(svc: &k8s_openapi::api::core::v1::Service, shared: &mut Interner) -> Service {
        let spec = svc.spec.as_ref();
        Service {
            ports: spec
                .and_then(|s| s.ports.as_ref())
                .into_iter()
                .flatten()
                .map(|p| ServicePort {
                    name: p.name.as_deref().map(|s| shared.get(s)),
                    app_protocol: p.app_protocol.as_deref().map(|s| shared.get(s)),
                    protocol: p.protocol.as_deref().map(|s| shared.get(s)),
                    port: p.port,
                    target_port: p.target_port.clone(),
                })
                .collect(),
            selector: spec
                .and_then(|s| s.selector.as_ref())
                .map(|s| Labels::of(Some(s), shared)),
        }
    }
}

/// An Istio VirtualService: its hosts, bindings and routes, as the rules across objects read them.
#[derive(Clone, Debug)]
pub(crate) struct VirtualService {
    /// `metadata.creationTimestamp` as JSON writes it.
    pub(crate) created: Option<Box<str>>,
    pub(crate) hosts: Box<[Arc<str>]>,
    pub(crate) gateways: Box<[Arc<str>]>,
    pub(crate) export_to: Box<[Arc<str>]>,
    pub(crate) http: Box<[HttpRoute]>,
    /// `spec.tcp[i].route[j].destination`.
    pub(crate) tcp: Box<[Box<[Option<Destination>]>]>,
    /// `spec.tls[i].route[j].destination`.
    pub(crate) tls: Box<[Box<[Option<Destination>]>]>,
}

/// Where a route sends requests: `host`, `port.number`, `subset`.
#[derive(Clone, Debug)]
pub(crate) struct Destination {
    pub(crate) host: Option<Box<str>>,
    pub(crate) port: Option<u32>,
    pub(crate) subset: Option<Box<str>>,
}

impl Destination {
    fn of(d: &virtual_service::Destination) -> Destination {
        Destination {
            host: d.host.as_deref().map(Into::into),
            port: d.port.as_ref().and_then(|p| p.number),
            subset: d.subset.as_deref().map(Into::into),
        }
    }
}

/// An HTTP route of a VirtualService.
#[derive(Clone, Debug)]
pub(crate) struct HttpRoute {
    /// A match on a gRPC path (see [`crate::checks::grpc_service`]) or on `content-type:
    /// application/grpc…`: the route's own sign that it carries gRPC.
    pub(crate) grpc_match: bool,
    /// A match on `content-type: application/grpc-web…`.
    pub(crate) grpc_web_match: bool,
    /// The route takes every request (see `catch_all`).
    pub(crate) catch_all: bool,
    /// `route[j].destination`.
    pub(crate) route: Box<[Option<Destination>]>,
    pub(crate) mirror: Option<Box<Destination>>,
    /// `mirrors[j].destination`.
    pub(crate) mirrors: Box<[Option<Destination>]>,
    /// `retries.retryOn`, when written and not blank, on a route not [`HttpRoute::grpc_match`]
    /// (those are checked with the object).
    pub(crate) retry_on: Option<Box<str>>,
    /// The gRPC services its uri matches name (see [`crate::checks::grpc_service`]).
    pub(crate) services: Box<[Box<str>]>,
    /// `match[k].uri.prefix` written as a service without its trailing slash (`/pkg.Svc`).
    pub(crate) bare_prefixes: Box<[(usize, Box<str>)]>,
}

/// Whether a route takes every request (istiod's `IsCatchAllRoute`: no match, or a match on
/// nothing but uri prefix `/` or regex `.*`).
pub(crate) fn is_catch_all(route: &TypedHttpRoute) -> bool {
    let matches = route.match_.as_deref().unwrap_or_default();
    matches.is_empty()
        || matches.iter().any(|m| match crate::checks::uri_only(m) {
            Some(None) => true,
            Some(Some(StringMatch::Prefix(p))) => p == "/",
            Some(Some(StringMatch::Regex(r))) => r == ".*",
            _ => false,
        })
}

impl VirtualService {
    pub(crate) fn of(
        vs: &istio_grpc_types::VirtualService,
        grpc_services: &std::collections::BTreeSet<String>,
        shared: &mut Interner,
    ) -> VirtualService {
        let spec = &vs.spec;
        VirtualService {
            created: vs
                .metadata
                .creation_timestamp
                .as_ref()
                .and_then(|t| serde_json::to_value(t).ok())
                .and_then(|v| v.as_str().map(Into::into)),
            hosts: shared.all(spec.hosts.as_ref()),
            gateways: shared.all(spec.gateways.as_ref()),
            export_to: shared.all(spec.export_to.as_ref()),
            http: spec
                .http
                .iter()
                .flatten()
                .map(|r| HttpRoute {
                    grpc_match: crate::checks::grpc_match(grpc_services, r),
                    grpc_web_match: r
                        .match_
                        .iter()
                        .flatten()
                        .any(crate::checks::is_grpc_web_match),
                    catch_all: is_catch_all(r),
                    route: r
                        .route
                        .iter()
                        .flatten()
                        .map(|d| d.destination.as_ref().map(Destination::of))
                        .collect(),
                    mirror: r.mirror.as_ref().map(|m| Box::new(Destination::of(m))),
                    mirrors: r
                        .mirrors
                        .iter()
                        .flatten()
                        .map(|m| m.destination.as_ref().map(Destination::of))
                        .collect(),
                    services: r
                        .match_
                        .iter()
                        .flatten()
                        .filter_map(|m| m.uri.as_ref()?.value())
                        .filter_map(|p| crate::checks::grpc_service(grpc_services, p))
                        .map(Into::into)
                        .collect(),
                    bare_prefixes: r
                        .match_
                        .iter()
                        .flatten()
                        .enumerate()
                        .filter_map(|(k, m)| match &m.uri {
                            Some(StringMatch::Prefix(prefix))
                                if !prefix.ends_with('/')
                                    && matches!(
                                        istio_grpc_types::grpc::split_path(prefix),
                                        Some((_, None))
                                    ) =>
                            {
                                Some((k, prefix.as_str().into()))
                            }
                            _ => None,
                        })
                        .collect(),
                    retry_on: r
                        .retries
                        .as_ref()
                        .filter(|_| !crate::checks::grpc_match(grpc_services, r))
                        .and_then(|r| r.retry_on.as_deref())
                        .filter(|r| !r.trim().is_empty())
                        .map(Into::into),
                })
                .collect(),
            tcp: spec
                .tcp
                .iter()
                .flatten()
                .map(|r| destinations(&r.route))
                .collect(),
            tls: spec
                .tls
                .iter()
                .flatten()
                .map(|r| destinations(&r.route))
                .collect(),
        }
    }

    /// The index of the first catch-all HTTP route: istiod stops translating there.
    pub(crate) fn catch_all(&self) -> Option<usize> {
        self.http.iter().position(|r| r.catch_all)
    }
}

/// The destinations of a TCP or TLS route's `route` list.
fn destinations(
    route: &Option<Vec<virtual_service::RouteDestination>>,
) -> Box<[Option<Destination>]> {
    route
        .iter()
        .flatten()
        .map(|d| d.destination.as_ref().map(Destination::of))
        .collect()
}

/// An Istio DestinationRule: its host, subsets and the traffic policy settings rules read.
#[derive(Clone, Debug)]
pub(crate) struct DestinationRule {
    pub(crate) host: Option<Box<str>>,
    pub(crate) subsets: Box<[Subset]>,
    /// The top-level traffic policy, then each subset's, with their paths.
    pub(crate) policies: Box<[Policy]>,
}

#[derive(Clone, Debug)]
pub(crate) struct Subset {
    pub(crate) name: Option<Box<str>>,
    pub(crate) labels: Labels,
}

/// What the rules read of a traffic policy.
#[derive(Clone, Debug)]
pub(crate) struct Policy {
    /// `spec.trafficPolicy` or `spec.subsets[i].trafficPolicy`.
    pub(crate) path: Arc<str>,
    pub(crate) outlier_detection: Option<Outlier>,
    /// `loadBalancer.simple`.
    pub(crate) simple_lb: Option<SimpleLb>,
    /// `tls.mode`.
    pub(crate) tls_mode: Option<ClientTlsMode>,
}

impl DestinationRule {
    pub(crate) fn of(
        dr: &istio_grpc_types::DestinationRule,
        shared: &mut Interner,
    ) -> DestinationRule {
        DestinationRule {
            host: dr.spec.host.as_deref().map(Into::into),
            subsets: dr
                .spec
                .subsets
                .iter()
                .flatten()
                .map(|s| Subset {
                    name: s.name.as_deref().map(Into::into),
                    labels: Labels::of(s.labels.as_ref(), shared),
                })
                .collect(),
            policies: crate::checks::traffic_policies(dr)
                .into_iter()
                .map(|(path, p)| Policy {
                    path: shared.get(&path),
                    outlier_detection: p.outlier_detection.as_ref().map(|o| Outlier {
                        consecutive_5xx_errors: o.consecutive_5xx_errors,
                        consecutive_gateway_errors: o.consecutive_gateway_errors,
                        max_ejection_percent: o.max_ejection_percent,
                    }),
                    simple_lb: match p.load_balancer.as_ref().and_then(|l| l.lb_policy.as_ref()) {
                        Some(LbPolicy::Simple(lb)) => Some(*lb),
                        _ => None,
                    },
                    tls_mode: p.tls.as_ref().and_then(|t| t.mode),
                })
                .filter(|p| {
                    p.outlier_detection.is_some() || p.simple_lb.is_some() || p.tls_mode.is_some()
                })
                .collect(),
        }
    }
}

/// What the rules read of `outlierDetection`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outlier {
    pub(crate) consecutive_5xx_errors: Option<u32>,
    pub(crate) consecutive_gateway_errors: Option<u32>,
    pub(crate) max_ejection_percent: Option<i32>,
}

/// A pod, or a pod template of a Deployment, StatefulSet or DaemonSet.
#[derive(Clone, Debug)]
pub(crate) struct Workload {
    pub(crate) head: Head,
    pub(crate) labels: Labels,
    pub(crate) annotations: Labels,
    /// `spec.replicas` of a Deployment or StatefulSet.
    pub(crate) replicas: Option<i32>,
}

impl Workload {
    /// The workload of an object, if it is one (`head` says who the object is).
    pub(crate) fn of(object: &Object, head: &Head, shared: &mut Interner) -> Option<Workload> {
        let mut template =
            |meta: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>,
             replicas: Option<i32>| {
                meta.map(|meta| Workload {
                    head: head.clone(),
                    labels: Labels::of(meta.labels.as_ref(), shared),
                    annotations: Labels::of(meta.annotations.as_ref(), shared),
                    replicas,
                })
            };
        match object {
            Object::Deployment(o) => template(o.spec.template.metadata.as_ref(), o.spec.replicas),
            Object::StatefulSet(o) => template(o.spec.template.metadata.as_ref(), o.spec.replicas),
            Object::DaemonSet(o) => template(o.spec.template.metadata.as_ref(), None),
            Object::Pod(o) => template(Some(&o.metadata), None),
            _ => None,
        }
    }
}

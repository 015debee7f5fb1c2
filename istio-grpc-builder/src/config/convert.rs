//! A configuration and the services a descriptor set describes, turned into an [`Ingress`]:
//! the routes are built with the builder's typed routes, so a timeout reaches only a unary
//! route, as in Rust.

use std::collections::BTreeMap;

use super::error::{ConfigError, ConfigErrors, ConfigProblem, nearest};
use super::{
    EVERY_OTHER_SERVICE, GatewayTransport, GenerateConfig, Located, MethodConfig, Retries,
    ServiceConfig,
};
use crate::descriptor::{DescribedMethod, DescribedRoute, DescribedService};
use crate::error::BuildErrors;
use crate::marker::{BidiStreaming, ClientStreaming, H2c, Https, ServerStreaming, Unary};
use crate::mesh::Mesh;
use crate::route::{Route, TypedRoute};
use crate::service::MethodKind;
use crate::{Backend, Ingress, MethodRoute, TlsCredential};

/// An [`Ingress`] whose transport a configuration chose at run time.
#[derive(Debug, Clone)]
#[must_use]
pub enum ConfiguredIngress {
    /// HTTPS on 443.
    Tls(Ingress<Https>),
    /// Plaintext HTTP/2 on 80, asked for by name.
    PlaintextH2c(Ingress<H2c>),
}

impl ConfiguredIngress {
    /// Checks every value and produces the manifests ([`Ingress::build`]).
    ///
    /// # Errors
    /// Every problem [`Ingress::build`] finds.
    pub fn build(&self) -> Result<Mesh, BuildErrors> {
        match self {
            ConfiguredIngress::Tls(i) => i.build(),
            ConfiguredIngress::PlaintextH2c(i) => i.build(),
        }
    }

    /// The same ingress written as Kubernetes Gateway API resources ([`Ingress::gateway_api`]):
    /// a Gateway and a GRPCRoute per backend. What the Gateway API cannot say (a route
    /// timeout or retries, the Istio-only `gateway` settings `selector`, `workloadNamespace`,
    /// `virtualService`) is refused, each with the reason and what to do instead.
    ///
    /// # Errors
    /// Every problem [`Ingress::build`] finds for the Gateway API target
    /// ([`BuildError::GatewayApi`](crate::BuildError::GatewayApi) for what it cannot say).
    pub fn build_gateway_api(&self) -> Result<Mesh, BuildErrors> {
        match self {
            ConfiguredIngress::Tls(i) => i.clone().gateway_api().build(),
            ConfiguredIngress::PlaintextH2c(i) => i.clone().gateway_api().build(),
        }
    }
}

/// Collects problems with their path and location.
#[derive(Default)]
struct Problems(Vec<ConfigError>);

impl Problems {
    fn push<T>(&mut self, path: String, at: &Located<T>, problem: ConfigProblem) {
        self.0.push(ConfigError {
            path,
            location: at.location,
            problem,
        });
    }
}

/// The effective policy of one route.
struct Policy<'a> {
    timeout: Option<(&'a Located<super::ConfigDuration>, String)>,
    retries: Option<(&'a Retries, String)>,
}

impl Policy<'_> {
    fn per_try(&self) -> Option<(&Located<super::ConfigDuration>, String)> {
        let (r, path) = self.retries.as_ref()?;
        r.per_try_timeout
            .as_ref()
            .map(|t| (t, format!("{path}.perTryTimeout")))
    }

    fn retry<S, K>(&self, route: TypedRoute<S, K>) -> TypedRoute<S, K> {
        match &self.retries {
            Some((r, _)) => route.retries(r.attempts, r.on.clone()),
            None => route,
        }
    }

    /// A unary route takes everything.
    fn unary<S>(&self, route: TypedRoute<S, Unary>) -> TypedRoute<S, Unary> {
        let mut route = self.retry(route);
        if let Some((t, _)) = &self.timeout {
            route = route.timeout(t.value.0);
        }
        if let Some((t, _)) = self.per_try() {
            route = route.per_try_timeout(t.value.0);
        }
        route
    }

    /// The timeouts a streaming route would need: each is refused where it was written.
    fn timeouts(&self) -> Vec<(&Located<super::ConfigDuration>, String, &'static str)> {
        let mut out = Vec::new();
        if let Some((t, path)) = &self.timeout {
            out.push((*t, path.clone(), "timeout"));
        }
        if let Some((t, path)) = self.per_try() {
            out.push((t, path, "retries.perTryTimeout"));
        }
        out
    }
}

fn policy_of<'a>(
    timeout: &'a Option<Located<super::ConfigDuration>>,
    retries: &'a Option<Retries>,
    path: &str,
) -> Policy<'a> {
    Policy {
        timeout: timeout.as_ref().map(|t| (t, format!("{path}.timeout"))),
        retries: retries.as_ref().map(|r| (r, format!("{path}.retries"))),
    }
}

impl GenerateConfig {
    /// The [`Ingress`] this configuration describes for `services` (what
    /// [`descriptor::services`](crate::descriptor::services) reads from a descriptor set).
    /// Every problem is reported at once: services or methods the input lacks (with the
    /// nearest name), services named twice, and timeouts on streaming methods (named, with the
    /// reason: [`STREAMING_TIMEOUT`](super::STREAMING_TIMEOUT)).
    ///
    /// # Errors
    /// When the configuration does not fit the services.
    pub fn to_ingress(
        &self,
        services: &[DescribedService],
    ) -> Result<ConfiguredIngress, ConfigErrors> {
        let mut problems = Problems::default();
        let by_name: BTreeMap<&str, &DescribedService> =
            services.iter().map(|s| (s.name.as_str(), s)).collect();

        // Which gRPC services each entry stands for.
        let mut named: BTreeMap<&str, String> = BTreeMap::new();
        let mut wildcard: Option<String> = None;
        for (i, backend) in self.backends.iter().enumerate() {
            for (j, svc) in backend.grpc_services.iter().enumerate() {
                let path = format!("backends[{i}].grpcServices[{j}].name");
                let name = svc.name.value.as_str();
                if name == EVERY_OTHER_SERVICE {
                    if let Some(first) = &wildcard {
                        problems.push(path, &svc.name, duplicate(name, first));
                    } else {
                        wildcard = Some(path.clone());
                    }
                    if let Some(m) = svc.methods.first() {
                        problems.push(
                            format!("backends[{i}].grpcServices[{j}].methods"),
                            &m.name,
                            ConfigProblem::Invalid(
                                "methods of `*`: give the methods' service its own entry by name"
                                    .to_owned(),
                            ),
                        );
                    }
                } else if !by_name.contains_key(name) {
                    problems.push(
                        path,
                        &svc.name,
                        ConfigProblem::UnknownService {
                            service: name.to_owned(),
                            suggestion: nearest(name, by_name.keys().copied()),
                            defined: by_name.keys().map(|s| (*s).to_owned()).collect(),
                        },
                    );
                } else if let Some(first) = named.get(name) {
                    problems.push(path, &svc.name, duplicate(name, first));
                } else {
                    named.insert(name, path);
                }
            }
        }
        let rest: Vec<&DescribedService> = services
            .iter()
            .filter(|s| !named.contains_key(s.name.as_str()))
            .collect();
        if let Some(path) = &wildcard
            && rest.is_empty()
        {
            let at = self
                .backends
                .iter()
                .flat_map(|b| &b.grpc_services)
                .find(|s| s.name.value == EVERY_OTHER_SERVICE)
                .map(|s| s.name.location);
            problems.0.push(ConfigError {
                path: path.clone(),
                location: at.flatten(),
                problem: ConfigProblem::WildcardMatchesNothing,
            });
        }

        let mut backends = Vec::with_capacity(self.backends.len());
        for (i, b) in self.backends.iter().enumerate() {
            let mut backend = Backend::service(b.service.clone()).port(b.port);
            if let Some(ns) = &b.namespace {
                backend = backend.namespace(ns.clone());
            }
            if let Some(calls) = &b.max_concurrent_calls {
                if calls.value == 0 || i32::try_from(calls.value).is_err() {
                    problems.push(
                        format!("backends[{i}].maxConcurrentCalls"),
                        calls,
                        ConfigProblem::Invalid(format!(
                            "{} concurrent calls: give 1 to 2147483647, or leave the key out for no limit",
                            calls.value
                        )),
                    );
                }
                backend = backend.max_concurrent_calls(calls.value);
            }
            if let Some(o) = &b.outlier_detection {
                backend = backend.outlier_detection(outlier(o, i, &mut problems));
            }
            for (j, svc) in b.grpc_services.iter().enumerate() {
                let path = format!("backends[{i}].grpcServices[{j}]");
                let described: Vec<&DescribedService> = if svc.name.value == EVERY_OTHER_SERVICE {
                    rest.clone()
                } else {
                    by_name
                        .get(svc.name.value.as_str())
                        .copied()
                        .into_iter()
                        .collect()
                };
                for d in described {
                    backend = backend.routes(routes(d, svc, &path, &mut problems));
                }
            }
            backends.push(backend);
        }
        if !problems.0.is_empty() {
            return Err(ConfigErrors(problems.0));
        }
        Ok(self.ingress(backends))
    }

    /// The services of `services` no entry routes (neither by name nor through `*`): they are
    /// not exposed.
    pub fn unrouted<'a>(&self, services: &'a [DescribedService]) -> Vec<&'a str> {
        let names: std::collections::BTreeSet<&str> = self
            .backends
            .iter()
            .flat_map(|b| &b.grpc_services)
            .map(|s| s.name.value.as_str())
            .collect();
        if names.contains(EVERY_OTHER_SERVICE) {
            return Vec::new();
        }
        services
            .iter()
            .map(|s| s.name.as_str())
            .filter(|s| !names.contains(*s))
            .collect()
    }

    fn ingress(&self, backends: Vec<Backend>) -> ConfiguredIngress {
        let mut hosts = self.hosts.iter();
        let mut ingress = Ingress::new(hosts.next().cloned().unwrap_or_default());
        for h in hosts {
            ingress = ingress.host(h.clone());
        }
        let g = &self.gateway;
        if let Some(name) = &g.name {
            ingress = ingress.gateway(name.clone());
        }
        if let Some(ns) = &g.namespace {
            ingress = ingress.namespace(ns.clone());
        }
        if let Some(ns) = &g.workload_namespace {
            ingress = ingress.gateway_workload_namespace(ns.clone());
        }
        if let Some(selector) = &g.selector {
            ingress = ingress.selector(selector.clone());
        }
        if let Some(vs) = &g.virtual_service {
            ingress = ingress.virtual_service(vs.clone());
        }
        for b in backends {
            ingress = ingress.backend(b);
        }
        match &self.transport {
            GatewayTransport::Tls { secret } => {
                ConfiguredIngress::Tls(ingress.tls(TlsCredential::secret(secret.clone())))
            }
            GatewayTransport::PlaintextH2c => ConfiguredIngress::PlaintextH2c(ingress.h2c()),
        }
    }
}

fn duplicate(name: &str, first: &str) -> ConfigProblem {
    ConfigProblem::Duplicate {
        name: name.to_owned(),
        first: first.to_owned(),
    }
}

/// The routes of one service entry: a route per configured method (exact path), then the
/// service's prefix route, each typed by what its calls do.
fn routes(
    d: &DescribedService,
    svc: &ServiceConfig,
    path: &str,
    problems: &mut Problems,
) -> Vec<Route> {
    let service_policy = policy_of(&svc.timeout, &svc.retries, path);
    let mut out = Vec::with_capacity(svc.methods.len() + 1);
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (k, m) in svc.methods.iter().enumerate() {
        let mpath = format!("{path}.methods[{k}]");
        let Some(method) = d.methods.iter().find(|x| x.name == m.name.value) else {
            problems.push(
                format!("{mpath}.name"),
                &m.name,
                ConfigProblem::UnknownMethod {
                    service: d.name.clone(),
                    method: m.name.value.clone(),
                    suggestion: nearest(&m.name.value, d.methods.iter().map(|x| x.name.as_str())),
                    defined: d.methods.iter().map(|x| x.name.clone()).collect(),
                },
            );
            continue;
        };
        if let Some(first) = seen.get(method.name.as_str()) {
            problems.push(
                format!("{mpath}.name"),
                &m.name,
                duplicate(&method.name, first),
            );
            continue;
        }
        seen.insert(&method.name, format!("{mpath}.name"));
        if let Some(route) = method_route(d, method, m, &mpath, &service_policy, problems) {
            out.push(route);
        }
    }
    match d.route() {
        DescribedRoute::UnaryOnly(r) => out.push(service_policy.unary(r).into()),
        DescribedRoute::Streams(r) => {
            let streaming: Vec<(String, MethodKind)> = d
                .methods
                .iter()
                .filter(|m| m.kind.is_streaming())
                .map(|m| (m.name.clone(), m.kind))
                .collect();
            for (at, tpath, key) in service_policy.timeouts() {
                problems.push(
                    tpath,
                    at,
                    ConfigProblem::StreamingServiceTimeout {
                        service: d.name.clone(),
                        streaming: streaming.clone(),
                        key,
                    },
                );
            }
            out.push(service_policy.retry(r).into());
        }
    }
    out
}

/// One method's route: its own policy, and the service's for what it leaves out.
fn method_route(
    d: &DescribedService,
    method: &DescribedMethod,
    m: &MethodConfig,
    path: &str,
    service: &Policy<'_>,
    problems: &mut Problems,
) -> Option<Route> {
    let own = policy_of(&m.timeout, &m.retries, path);
    let policy = Policy {
        timeout: own.timeout.clone().or_else(|| service.timeout.clone()),
        retries: own.retries.clone().or_else(|| service.retries.clone()),
    };
    let (s, name) = (d.name.clone(), method.name.clone());
    if method.kind.is_streaming() {
        // Only its own: a timeout it would take from its service is refused there, once.
        let refused = own.timeouts();
        for (at, tpath, key) in &refused {
            problems.push(
                tpath.clone(),
                *at,
                ConfigProblem::StreamingMethodTimeout {
                    service: d.name.clone(),
                    method: method.name.clone(),
                    kind: method.kind,
                    key,
                },
            );
        }
        if !refused.is_empty() {
            return None;
        }
    }
    Some(match method.kind {
        MethodKind::Unary => policy.unary(MethodRoute::<Unary>::new(s, name)).into(),
        MethodKind::ServerStreaming => policy
            .retry(MethodRoute::<ServerStreaming>::new(s, name))
            .into(),
        MethodKind::ClientStreaming => policy
            .retry(MethodRoute::<ClientStreaming>::new(s, name))
            .into(),
        MethodKind::BidiStreaming => policy
            .retry(MethodRoute::<BidiStreaming>::new(s, name))
            .into(),
    })
}

/// The builder's outlier detection for a backend's `outlierDetection`; a count of 0 and a share
/// above 100 are reported at their line (durations are checked by `build()`, as timeouts are).
fn outlier(o: &super::OutlierConfig, i: usize, problems: &mut Problems) -> crate::OutlierDetection {
    let path = format!("backends[{i}].outlierDetection");
    if o.after.value == 0 {
        problems.push(
            format!("{path}.after"),
            &o.after,
            ConfigProblem::Invalid(
                "0 failures would turn ejection off: give at least 1, or leave `outlierDetection` out"
                    .to_owned(),
            ),
        );
    }
    let mut out = match o.on {
        super::OutlierOn::Unavailable => crate::OutlierDetection::unavailable(o.after.value),
        super::OutlierOn::ServerErrors => crate::OutlierDetection::server_errors(o.after.value),
    };
    if let Some(d) = &o.interval {
        out = out.interval(d.value.0);
    }
    if let Some(d) = &o.ejection_time {
        out = out.ejection_time(d.value.0);
    }
    if let Some(p) = &o.max_ejection_percent {
        if p.value > 100 {
            problems.push(
                format!("{path}.maxEjectionPercent"),
                p,
                ConfigProblem::Invalid(format!(
                    "{} % of the pods is more than all of them: give at most 100",
                    p.value
                )),
            );
        }
        out = out.max_ejection_percent(p.value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeter() -> Vec<DescribedService> {
        let m = |name: &str, kind| DescribedMethod {
            name: name.into(),
            kind,
        };
        vec![
            DescribedService {
                name: "helloworld.Greeter".into(),
                methods: vec![
                    m("SayHello", MethodKind::Unary),
                    m("LotsOfReplies", MethodKind::ServerStreaming),
                    m("LotsOfGreetings", MethodKind::ClientStreaming),
                    m("BidiHello", MethodKind::BidiStreaming),
                ],
            },
            DescribedService {
                name: "mypackage.UserService".into(),
                methods: vec![m("GetUser", MethodKind::Unary)],
            },
        ]
    }

    fn config(services: &str) -> GenerateConfig {
        let yaml = format!(
            "apiVersion: istio-grpc/v1\nhosts: [grpc.example.com]\ntransport: h2c\nbackends:\n  - service: greeter\n    grpcServices:\n{services}"
        );
        match GenerateConfig::from_yaml(&yaml) {
            Ok(c) => c,
            Err(e) => panic!("{e}\n{yaml}"),
        }
    }

    fn problems(services: &str) -> Vec<ConfigError> {
        match config(services).to_ingress(&greeter()) {
            Ok(i) => panic!("accepted: {i:?}"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn a_timeout_on_a_streaming_method_is_refused_by_name() {
        let e = problems(
            "      - name: helloworld.Greeter\n        methods:\n          - {name: SayHello, timeout: 5s}\n          - name: LotsOfReplies\n            timeout: 5s\n          - name: BidiHello\n            retries: {attempts: 2, perTryTimeout: 1s}\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].path, "backends[0].grpcServices[0].methods[1].timeout");
        assert_eq!(e[0].location.map(|l| l.line), Some(11));
        assert!(
            e[0].to_string().contains(
                "helloworld.Greeter/LotsOfReplies is server-streaming: a streaming route cannot take a timeout"
            ),
            "{}",
            e[0]
        );
        assert_eq!(
            e[1].path,
            "backends[0].grpcServices[0].methods[2].retries.perTryTimeout"
        );
        assert!(
            e[1].to_string().contains("BidiHello is bidi-streaming"),
            "{}",
            e[1]
        );
    }

    #[test]
    fn unknown_services_and_methods_name_the_nearest() {
        let e = problems(
            "      - name: helloworld.Greter\n      - name: mypackage.UserService\n        methods: [{name: GetUsr}]\n",
        );
        assert!(
            matches!(&e[0].problem, ConfigProblem::UnknownService { suggestion: Some(s), .. } if s == "helloworld.Greeter"),
            "{}",
            e[0]
        );
        assert_eq!(e[0].location.map(|l| (l.line, l.column)), Some((7, 15)));
        assert!(
            matches!(&e[1].problem, ConfigProblem::UnknownMethod { suggestion: Some(s), .. } if s == "GetUser"),
            "{}",
            e[1]
        );
    }

    #[test]
    fn duplicates_and_an_empty_wildcard() {
        let e = problems(
            "      - name: mypackage.UserService\n      - name: mypackage.UserService\n      - name: helloworld.Greeter\n      - name: '*'\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            matches!(&e[0].problem, ConfigProblem::Duplicate { first, .. } if first == "backends[0].grpcServices[0].name")
        );
        assert_eq!(e[1].problem, ConfigProblem::WildcardMatchesNothing);
    }

    #[test]
    fn methods_take_what_they_leave_out_from_their_service()
    -> Result<(), Box<dyn std::error::Error>> {
        let c = config(
            "      - name: mypackage.UserService\n        timeout: 30s\n        retries: {attempts: 3, on: [unavailable]}\n        methods: [{name: GetUser, timeout: 2s}]\n      - name: '*'\n",
        );
        let mesh = c.to_ingress(&greeter())?.build()?;
        let yaml = mesh.yaml();
        assert!(
            yaml.contains("exact: /mypackage.UserService/GetUser"),
            "{yaml}"
        );
        assert!(
            yaml.contains("timeout: 2s") && yaml.contains("timeout: 30s"),
            "{yaml}"
        );
        assert_eq!(yaml.matches("attempts: 3").count(), 2, "{yaml}");
        assert!(yaml.contains("prefix: /helloworld.Greeter/"), "{yaml}");
        assert!(!yaml.contains("tls:"), "h2c, asked for by name: {yaml}");
        assert!(c.unrouted(&greeter()).is_empty());
        Ok(())
    }
}

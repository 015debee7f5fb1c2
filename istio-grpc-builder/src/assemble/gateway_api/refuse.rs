//! What the Gateway API cannot say, found in the spec: each a [`BuildError::GatewayApi`] that
//! names the part and says what to do instead. Nothing is dropped silently.

use crate::error::{BuildError, GatewayApiProblem, NameKind};
use crate::grpc_web::Translation;
use crate::spec::{BackendSpec, IngressSpec, ServiceSource};
use crate::validate;

/// The label that sends a Service's traffic through a waypoint.
pub(super) const USE_WAYPOINT: &str = "istio.io/use-waypoint";

/// How Istio spells an enum value of its API (`ROUND_ROBIN`), from its JSON.
fn istio_spelling(value: Result<serde_json::Value, serde_json::Error>) -> String {
    value
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// The namespace the GRPCRoutes of `b` live in: the backend's, else the Gateway's.
pub(super) fn route_namespace<'a>(spec: &'a IngressSpec, b: &'a BackendSpec) -> Option<&'a str> {
    b.namespace.as_deref().or(spec.namespace.as_deref())
}

/// Where the TLS Secret lives: [`Ingress::secret_namespace`](crate::Ingress::secret_namespace),
/// else the Gateway's namespace.
pub(super) fn secret_namespace(spec: &IngressSpec) -> Option<&str> {
    spec.gateway_api
        .secret_namespace
        .as_deref()
        .or(spec.namespace.as_deref())
}

pub(super) fn refusals(spec: &IngressSpec, tls: bool) -> Vec<BuildError> {
    let mut errs = Vec::new();
    let http_routes = spec.gateway_api.http_routes;
    let gateway = format!("gateway {:?}", spec.gateway);
    let mut refuse = |part: &str, problem| {
        errs.push(BuildError::GatewayApi {
            part: part.to_owned(),
            problem,
        });
    };

    // Istio-only settings given before `.gateway_api()` (after it, they do not compile).
    if spec.virtual_service != "grpc-vs" {
        refuse(
            &gateway,
            GatewayApiProblem::IstioOnly {
                setting: "`.virtual_service(..)`",
            },
        );
    }
    if spec.selector != [("istio".to_owned(), "ingressgateway".to_owned())] {
        refuse(
            &gateway,
            GatewayApiProblem::IstioOnly {
                setting: "`.selector(..)`",
            },
        );
    }
    if spec.workload_namespace != "istio-system" {
        refuse(
            &gateway,
            GatewayApiProblem::IstioOnly {
                setting: "`.gateway_workload_namespace(..)`",
            },
        );
    }

    // Namespaces the Gateway API objects must name.
    if spec.namespace.is_none() {
        if tls && spec.gateway_api.secret_namespace.is_some() {
            refuse(
                &gateway,
                GatewayApiProblem::GatewayNamespace {
                    why: "the ReferenceGrant that lets it read the TLS Secret in another namespace",
                },
            );
        }
        if spec.backends.iter().any(|b| b.namespace.is_some()) {
            refuse(
                &gateway,
                GatewayApiProblem::GatewayNamespace {
                    why: "the GRPCRoutes in the backends' namespaces (their `parentRefs`) and the listener that admits them",
                },
            );
        }
    }

    for b in &spec.backends {
        let part = format!("backend {:?}", b.name);
        // gRPC-Web translated at the backend's sidecar needs only the CORS policy, which
        // HTTPRoute carries; the gateway's filter (EnvoyFilter) has no Gateway API form.
        if let Some(web) = &b.grpc_web
            && !(http_routes && web.translation == Translation::ServicePort)
        {
            refuse(&part, GatewayApiProblem::GrpcWeb);
        }
        if let Some(web) = &b.grpc_web
            && i32::try_from(web.max_age.as_secs()).is_err()
        {
            refuse(
                &part,
                GatewayApiProblem::MaxAgeTooLong {
                    max_age: web.max_age,
                },
            );
        }
        // A proxyless backend does not compile here; its default policy cannot come in.
        if let Some(lb) = &b.lb {
            refuse(
                &part,
                GatewayApiProblem::LoadBalancer {
                    policy: istio_spelling(serde_json::to_value(lb)),
                },
            );
        }
        if b.outlier.is_some() {
            refuse(&part, GatewayApiProblem::OutlierDetection);
        }
        if b.max_concurrent_calls.is_some() {
            refuse(&part, GatewayApiProblem::ConcurrentCalls);
        }
        // `SIMPLE` with its hostname and CA is a BackendTLSPolicy (write.rs); the rest is not.
        if let Some(mode) = &b.upstream_tls
            && b.upstream_verify.is_none()
        {
            refuse(
                &part,
                GatewayApiProblem::UpstreamTls {
                    mode: istio_spelling(serde_json::to_value(mode)),
                },
            );
        }
        for (subset, _) in &b.subsets {
            refuse(
                &part,
                GatewayApiProblem::Subset {
                    subset: subset.clone(),
                },
            );
        }
        for r in &b.routes {
            let part = format!("{part}: route {}", r.target.label());
            match r.policy.timeout {
                Some(timeout) if !http_routes => {
                    refuse(&part, GatewayApiProblem::Timeout { timeout });
                }
                Some(timeout) if super::write::gep2257(timeout).is_none() => {
                    refuse(&part, GatewayApiProblem::TimeoutTooLong { timeout });
                }
                _ => {}
            }
            if r.policy.attempts.is_some() || r.policy.per_try_timeout.is_some() {
                refuse(&part, GatewayApiProblem::Retries);
            }
        }
        let route_ns = route_namespace(spec, b);
        for s in &b.splits {
            let ns = s
                .service
                .namespace
                .as_deref()
                .or(b.namespace.as_deref())
                .or(spec.namespace.as_deref());
            if ns != route_ns {
                refuse(
                    &part,
                    GatewayApiProblem::SplitNamespace {
                        service: s.service.name.clone(),
                        namespace: ns.unwrap_or_default().to_owned(),
                        route_namespace: route_ns.unwrap_or_default().to_owned(),
                    },
                );
            }
        }
        if let Some(waypoint) = spec
            .gateway_api
            .in_mesh
            .as_ref()
            .and_then(|m| m.waypoint.as_ref())
            .filter(|w| w.label_services)
        {
            let services =
                std::iter::once(&b.service).chain(b.splits.iter().map(|s| &s.service.service));
            for svc in services {
                let ServiceSource::Given(svc) = svc else {
                    continue;
                };
                let labelled = svc
                    .metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(USE_WAYPOINT))
                    .is_some_and(|v| *v == waypoint.name);
                if !labelled {
                    refuse(
                        &part,
                        GatewayApiProblem::NotOnWaypoint {
                            waypoint: waypoint.name.clone(),
                        },
                    );
                }
            }
        }
    }

    if let Some(ns) = &spec.gateway_api.secret_namespace
        && let Err(e) = validate::dns_label(NameKind::Namespace, ns)
    {
        errs.push(e);
    }
    if let Some(w) = spec
        .gateway_api
        .in_mesh
        .as_ref()
        .and_then(|m| m.waypoint.as_ref())
        && let Err(e) = validate::dns_label(NameKind::Waypoint, &w.name)
    {
        errs.push(e);
    }
    errs
}

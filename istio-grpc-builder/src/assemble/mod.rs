//! `build()`: [`check`] turns the spec into a checked spec (reporting every problem at once),
//! then one writer per object kind writes the typed objects, which cannot fail.

use std::fmt;
use std::sync::Arc;

use istio_grpc_types::Object;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::backend::proxyless_pod_annotations;
use crate::error::{BuildError, BuildErrors};
use crate::limits;
use crate::mesh::{CheckTarget, Mesh, MeshInfo, PlannedCheck};
use crate::route::REFLECTION_SERVICES;
use crate::spec::IngressSpec;

pub(crate) use gateway_api::build as build_gateway_api;

mod check;
mod destination_rule;
mod envoy_filter;
mod gateway;
mod gateway_api;
mod secret;
mod service;
mod virtual_service;

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        ..Default::default()
    }
}

/// Refuses, naming each, the objects whose JSON is above [`limits::MAX_OBJECT_JSON_BYTES`],
/// and those that cannot be written at all. The objects are written one at a time, measured
/// and dropped: the check never holds them all.
fn too_large(plan: &Plan, c: &check::Checked<'_>) -> Result<(), BuildErrors> {
    let mut errs: Vec<BuildError> = Vec::new();
    let Ok(()) = plan.write(c, |o| {
        errs.extend(size_problem(&o));
        Ok::<(), std::convert::Infallible>(())
    });
    if errs.is_empty() {
        Ok(())
    } else {
        Err(BuildErrors(errs))
    }
}

/// Why `o` cannot be applied as it is: its JSON is over the limit, or it has none.
fn size_problem(o: &Object) -> Option<BuildError> {
    let bytes = match o.to_json() {
        Ok(value) => json_len(&value),
        Err(e) => {
            return Some(BuildError::Yaml(istio_grpc_types::Error::Write {
                kind: o.kind().to_owned(),
                name: o.name().unwrap_or_default().to_owned(),
                message: e.to_string(),
            }));
        }
    };
    (bytes > limits::MAX_OBJECT_JSON_BYTES).then(|| BuildError::TooLarge {
        kind: o.kind().to_owned(),
        name: o.name().unwrap_or_default().to_owned(),
        bytes,
        limit: limits::MAX_OBJECT_JSON_BYTES,
        why: limits::WHY,
    })
}

/// The length of `value`'s compact JSON ([`Object::json_len`]), counted as it is written.
fn json_len(value: &serde_json::Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // writing a JSON value to a counter cannot fail
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// The backend (index) whose route takes a call to `path`: the first match in the order the
/// VirtualService lists the routes ([`virtual_service::plan`]), as Envoy picks it.
fn backend_for(c: &check::Checked<'_>, path: &str) -> Option<usize> {
    c.backends
        .iter()
        .enumerate()
        .flat_map(|(i, b)| b.routes.iter().map(move |r| (i, r.target)))
        .filter(|(_, t)| t.matches(path))
        .min_by_key(|(_, t)| virtual_service::rank(t))
        .map(|(i, _)| i)
}

/// The backend grpcurl's server reflection calls reach through the gateway: where
/// `v1alpha` goes (grpcurl up to 1.8.7 asks only it), provided `v1` (asked first by later
/// versions) goes there too or nowhere.
fn reflection_backend(c: &check::Checked<'_>) -> Option<usize> {
    let [v1, v1alpha] = REFLECTION_SERVICES.map(|s| format!("/{s}/ServerReflectionInfo"));
    let to = backend_for(c, &v1alpha)?;
    match backend_for(c, &v1) {
        Some(other) if other != to => None,
        _ => Some(to),
    }
}

/// The grpcurl check of every route, each marked with whether server reflection reaches its
/// backend.
fn planned_checks(c: &check::Checked<'_>) -> Vec<PlannedCheck> {
    let reflection = reflection_backend(c);
    c.backends
        .iter()
        .enumerate()
        .flat_map(|(i, b)| {
            b.routes.iter().map(move |r| PlannedCheck {
                target: CheckTarget::from_target(r.target),
                route: r.target.label(),
                backend: b.spec.name.clone(),
                reflection: reflection == Some(i),
            })
        })
        .collect()
}

/// The API a mesh's objects are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// Istio's: Gateway, VirtualServices, DestinationRules…
    Istio,
    /// The Kubernetes Gateway API: Gateway, GRPCRoutes…
    GatewayApi,
}

/// What a [`Mesh`] writes its objects from: the spec `build()` accepted (shared with the
/// `Ingress`, which copies it before changing it again) and what `build()` chose by size (which
/// routes each VirtualService takes). The objects are written again from it, one at a time,
/// whenever they are asked for, so that a mesh does not hold them all.
#[derive(Clone)]
pub(crate) struct Plan {
    spec: Arc<IngressSpec>,
    tls: bool,
    api: Api,
    /// The routes of each VirtualService (Istio's API only).
    virtual_services: Vec<Vec<virtual_service::RouteAt>>,
}

impl fmt::Debug for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan")
            .field("api", &self.api)
            .field("tls", &self.tls)
            .field("backends", &self.spec.backends.len())
            .field(
                "virtual_service_routes",
                &self
                    .virtual_services
                    .iter()
                    .map(Vec::len)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// Writes every object, in order, handing each to `each` before writing the next; stops at
    /// the first error `each` returns.
    pub(crate) fn each<E>(&self, each: impl FnMut(Object) -> Result<(), E>) -> Result<(), E> {
        self.write(&check::checked(&self.spec, self.tls), each)
    }

    /// The grpcurl check of every route ([`planned_checks`]).
    pub(crate) fn planned_checks(&self) -> Vec<PlannedCheck> {
        planned_checks(&check::checked(&self.spec, self.tls))
    }

    /// [`each`](Self::each), from the checked spec `c` of this plan's spec.
    fn write<E>(
        &self,
        c: &check::Checked<'_>,
        mut each: impl FnMut(Object) -> Result<(), E>,
    ) -> Result<(), E> {
        match self.api {
            Api::Istio => {
                each(gateway::write(c).into())?;
                if let Some(secret) = secret::write(c) {
                    each(secret.into())?;
                }
                virtual_service::write(c, &self.virtual_services, |vs| each(vs.into()))?;
                for dr in c.backends.iter().flat_map(destination_rule::write) {
                    each(dr.into())?;
                }
                for service in c.backends.iter().flat_map(service::write) {
                    each(service.into())?;
                }
                if let Some(filter) = envoy_filter::write(c) {
                    each(filter.into())?;
                }
                Ok(())
            }
            Api::GatewayApi => gateway_api::write(c, each),
        }
    }
}

/// Checks `spec` and plans its objects, in a stable order: Gateway, Secret, VirtualServices,
/// DestinationRules, Services, EnvoyFilter. Every object is written once here, to check its
/// size, and dropped; the mesh writes them again when asked.
pub(crate) fn build(spec: &Arc<IngressSpec>, tls: bool) -> Result<Mesh, BuildErrors> {
    let c = check::check(spec, tls)?;
    let plan = Plan {
        spec: Arc::clone(spec),
        tls,
        api: Api::Istio,
        virtual_services: virtual_service::plan(&c),
    };
    too_large(&plan, &c)?;
    Ok(Mesh::new(plan, info(&c)))
}

/// What a mesh knows besides its objects, as Istio's API output has it.
fn info(c: &check::Checked<'_>) -> MeshInfo {
    MeshInfo {
        authority: c.spec.hosts[0].clone(),
        tls: c.tls,
        reflection_backend: reflection_backend(c).map(|i| c.backends[i].spec.name.clone()),
        pod_annotations: c
            .backends
            .iter()
            .filter_map(|b| {
                let role = b.spec.proxyless?;
                Some((b.spec.name.clone(), proxyless_pod_annotations(role)))
            })
            .collect(),
        workload_namespace: c.spec.workload_namespace.clone(),
        selector: c.spec.selector.clone(),
        ip_command: None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test that panics reports the line; that is the message
mod tests {
    use crate::marker::Unary;
    use crate::{Backend, Ingress, MethodRoute, ServiceRoute};

    fn checks(mesh: &crate::Mesh) -> Vec<String> {
        mesh.grpcurl_checks()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn reflection_reaches_only_its_backend() {
        let mesh = Ingress::new("grpc.example.com")
            .h2c()
            .backend(
                Backend::service("greeter")
                    .route(ServiceRoute::unary("helloworld.Greeter"))
                    .route(ServiceRoute::health())
                    .reflection(),
            )
            .backend(Backend::service("users").route(MethodRoute::<Unary>::new(
                "mypackage.UserService",
                "GetUser",
            )))
            .build()
            .unwrap();
        assert_eq!(
            checks(&mesh),
            [
                "grpcurl -plaintext -authority grpc.example.com $GATEWAY_IP:80 describe helloworld.Greeter",
                "grpcurl -plaintext -d '{}' -authority grpc.example.com $GATEWAY_IP:80 grpc.health.v1.Health/Check",
                "grpcurl -plaintext -authority grpc.example.com $GATEWAY_IP:80 list",
            ]
        );
        let unchecked = mesh.unchecked_routes();
        assert_eq!(unchecked.len(), 1);
        assert_eq!(unchecked[0].route(), "/mypackage.UserService/GetUser");
        assert!(unchecked[0].protos_would_check());
        assert!(
            unchecked[0]
                .to_string()
                .contains("server reflection goes to backend greeter, not to this one"),
            "{}",
            unchecked[0]
        );
        let with = mesh.grpcurl_checks_with_protos(["proto"], ["users.proto"]);
        assert_eq!(
            with.last().unwrap().to_string(),
            "grpcurl -plaintext -import-path proto -proto users.proto -d '{}' -authority grpc.example.com $GATEWAY_IP:80 mypackage.UserService/GetUser"
        );
    }

    #[test]
    fn a_catch_all_takes_reflection_unless_a_reflection_route_is_elsewhere() {
        let catch_all = Ingress::new("grpc.example.com")
            .h2c()
            .backend(Backend::service("users").route(ServiceRoute::unary("mypackage.UserService")))
            .backend(Backend::service("rest"))
            .build()
            .unwrap();
        assert_eq!(
            checks(&catch_all),
            ["grpcurl -plaintext -authority grpc.example.com $GATEWAY_IP:80 list"]
        );
        assert_eq!(catch_all.unchecked_routes()[0].backend(), "users");

        let elsewhere = Ingress::new("grpc.example.com")
            .h2c()
            .backend(Backend::service("users").reflection())
            .backend(Backend::service("feed").route(ServiceRoute::streaming("mypackage.Feed")))
            .build()
            .unwrap();
        // `users` takes every call and reflection: `list` is its check; `feed` is unchecked.
        assert_eq!(
            checks(&elsewhere),
            ["grpcurl -plaintext -authority grpc.example.com $GATEWAY_IP:80 list"]
        );
        let unchecked = elsewhere.unchecked_routes();
        let backends: Vec<&str> = unchecked.iter().map(|u| u.backend()).collect();
        assert_eq!(backends, ["feed"]);
    }

    #[test]
    fn one_backend_takes_reflection() {
        let errors = Ingress::new("grpc.example.com")
            .h2c()
            .backend(Backend::service("a").reflection())
            .backend(
                Backend::service("b")
                    .route(ServiceRoute::unary("x.B"))
                    .reflection(),
            )
            .build()
            .unwrap_err();
        assert!(
            errors
                .to_string()
                .contains("/grpc.reflection.v1.ServerReflection/ (backend \"b\")"),
            "{errors}"
        );
    }
}

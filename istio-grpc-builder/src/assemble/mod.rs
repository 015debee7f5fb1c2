//! `build()`: [`check`] turns the spec into a checked spec (reporting every problem at once),
//! then one writer per object kind writes the typed objects, which cannot fail.

use std::collections::BTreeMap;

use istio_grpc_types::Object;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::backend::proxyless_pod_annotations;
use crate::error::{BuildError, BuildErrors};
use crate::limits;
use crate::mesh::{CheckTarget, Mesh, PlannedCheck};
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

/// Refuses, naming each, the objects whose JSON is above [`limits::MAX_OBJECT_JSON_BYTES`].
fn too_large(objects: &[Object]) -> Result<(), BuildErrors> {
    let errs: Vec<BuildError> = objects
        .iter()
        .filter_map(|o| {
            let bytes = o.json_len();
            (bytes > limits::MAX_OBJECT_JSON_BYTES).then(|| BuildError::TooLarge {
                kind: o.kind().to_owned(),
                name: o.name().unwrap_or_default().to_owned(),
                bytes,
                limit: limits::MAX_OBJECT_JSON_BYTES,
                why: limits::WHY,
            })
        })
        .collect();
    if errs.is_empty() {
        Ok(())
    } else {
        Err(BuildErrors(errs))
    }
}

/// The backend (index) whose route takes a call to `path`: the first match in the order the
/// VirtualService lists the routes ([`virtual_service::routes`]), as Envoy picks it.
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
/// backend, and the name of the backend reflection reaches (every output target uses it).
fn planned_checks(c: &check::Checked<'_>) -> (Vec<PlannedCheck>, Option<String>) {
    let reflection = reflection_backend(c);
    let checks = c
        .backends
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
        .collect();
    (checks, reflection.map(|i| c.backends[i].spec.name.clone()))
}

/// Checks `spec` and writes its objects, in a stable order: Gateway, Secret, VirtualService,
/// DestinationRules, Services, EnvoyFilter.
pub(crate) fn build(spec: &IngressSpec, tls: bool) -> Result<Mesh, BuildErrors> {
    let c = check::check(spec, tls)?;
    let mut objects: Vec<Object> = Vec::with_capacity(3 + 2 * c.backends.len());
    objects.push(gateway::write(&c).into());
    objects.extend(secret::write(&c).map(Object::from));
    objects.extend(virtual_service::write(&c).into_iter().map(Object::from));
    objects.extend(
        c.backends
            .iter()
            .flat_map(destination_rule::write)
            .map(Object::from),
    );
    objects.extend(c.backends.iter().flat_map(service::write).map(Object::from));
    objects.extend(envoy_filter::write(&c).map(Object::from));

    too_large(&objects)?;

    let (checks, reflection_backend) = planned_checks(&c);
    let pod_annotations: BTreeMap<String, BTreeMap<String, String>> = c
        .backends
        .iter()
        .filter_map(|b| {
            let role = b.spec.proxyless?;
            Some((b.spec.name.clone(), proxyless_pod_annotations(role)))
        })
        .collect();
    let yaml = istio_grpc_types::yaml::to_string(&objects)
        .map_err(|e| BuildErrors::from(BuildError::Yaml(e)))?;
    Ok(Mesh {
        objects,
        yaml,
        authority: spec.hosts[0].clone(),
        tls,
        checks,
        reflection_backend,
        pod_annotations,
        workload_namespace: spec.workload_namespace.clone(),
        selector: spec.selector.clone(),
        ip_command: None,
    })
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

//! Meshes of 10,000 and 50,000 services: the builder splits its routes so that every object
//! stays under Kubernetes' limits (`istio_grpc_builder::limits`), keeps the routes of one gRPC
//! service in one VirtualService, and writes at most one catch-all in the whole set.

use std::collections::HashMap;
use std::time::Duration;

use istio_grpc_builder::limits::{MAX_OBJECT_JSON_BYTES, VIRTUAL_SERVICE_TARGET_BYTES};
use istio_grpc_builder::marker::{Https, Unary};
use istio_grpc_builder::{
    Backend, BuildError, Ingress, Mesh, MethodRoute, RetryOn, ServiceRoute, TlsCredential, lb,
};

/// `n` backends, each with a unary service route (timeout and retries, as the benchmark) and a
/// method route of the same service; the last backend also takes every other call.
fn ingress(n: usize) -> Ingress<Https> {
    let mut ingress =
        Ingress::new("grpc.example.com").tls(TlsCredential::secret("grpc-tls-credential"));
    for i in 0..n {
        let mut b = Backend::service(format!("svc-{i}"))
            .route(MethodRoute::<Unary>::new(
                format!("pkg{i}.Service{i}"),
                "Get",
            ))
            .route(
                ServiceRoute::unary(format!("pkg{i}.Service{i}"))
                    .timeout(Duration::from_secs(60))
                    .retries(3, [RetryOn::Unavailable])
                    .per_try_timeout(Duration::from_secs(20)),
            )
            .load_balancer(lb::RoundRobin);
        if i + 1 == n {
            b = b.route(ServiceRoute::all_unary());
        }
        ingress = ingress.backend(b);
    }
    ingress
}

fn assert_within_limits(mesh: &Mesh, services: usize) {
    let mut vs_of_service: HashMap<String, String> = HashMap::new();
    let mut catch_alls = 0;
    let mut routes = 0;
    let mut virtual_services = 0;
    for object in mesh.objects() {
        let json = serde_json::to_vec(object).expect("json");
        assert!(
            json.len() <= MAX_OBJECT_JSON_BYTES,
            "{} {:?}: {} bytes",
            object.kind(),
            object.name(),
            json.len()
        );
        if object.kind() != "VirtualService" {
            continue;
        }
        virtual_services += 1;
        assert!(
            json.len() <= VIRTUAL_SERVICE_TARGET_BYTES + 4096,
            "{}",
            json.len()
        );
        let value = object.to_json().expect("json");
        let name = object.name().unwrap_or_default().to_owned();
        for route in value["spec"]["http"].as_array().expect("http routes") {
            routes += 1;
            let Some(m) = route.get("match") else {
                catch_alls += 1;
                continue;
            };
            let path = m[0]["uri"]["prefix"]
                .as_str()
                .or_else(|| m[0]["uri"]["exact"].as_str())
                .expect("a path match");
            let service = path.split('/').nth(1).expect("a service").to_owned();
            let previous = vs_of_service.insert(service.clone(), name.clone());
            assert!(
                previous.is_none_or(|p| p == name),
                "the routes of {service} are split over two VirtualServices"
            );
        }
    }
    assert_eq!(catch_alls, 1, "one catch-all in the whole set");
    assert_eq!(routes, 2 * services + 1);
    assert_eq!(vs_of_service.len(), services);
    assert!(
        virtual_services > 1,
        "{services} services need several VirtualServices"
    );
}

#[test]
fn ten_thousand_services_stay_under_the_limits_and_read_back() {
    let mesh = ingress(10_000).build().unwrap_or_else(|e| panic!("{e}"));
    assert_within_limits(&mesh, 10_000);
    let back = istio_grpc_types::yaml::objects_from_str(mesh.yaml()).expect("reads back");
    assert_eq!(back.as_slice(), mesh.objects());
}

#[test]
fn fifty_thousand_services_stay_under_the_limits() {
    let mesh = ingress(50_000).build().unwrap_or_else(|e| panic!("{e}"));
    assert_within_limits(&mesh, 50_000);
}

/// What no split can help, `build()` refuses with the object named: here one gRPC service with
/// so many method routes that its VirtualService alone is above the limit.
#[test]
fn an_object_that_cannot_be_split_is_refused_by_name() {
    let routes: Vec<MethodRoute<Unary>> = (0..5_000)
        .map(|i| {
            MethodRoute::<Unary>::new("pkg.Huge", format!("Method{i}"))
                .timeout(Duration::from_secs(5))
        })
        .collect();
    let errors = Ingress::new("grpc.example.com")
        .h2c()
        .backend(Backend::service("huge").routes(routes))
        .build()
        .expect_err("too large");
    assert!(
        matches!(
            errors.errors(),
            [BuildError::TooLarge { kind, name, bytes, limit, .. }]
                if kind == "VirtualService" && name == "grpc-vs" && bytes > limit && *limit == MAX_OBJECT_JSON_BYTES
        ),
        "{errors:?}"
    );
    assert!(
        errors
            .to_string()
            .starts_with("VirtualService \"grpc-vs\" would be "),
        "{errors}"
    );
}

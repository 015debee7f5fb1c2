//! The descriptor-based derivation, on the same `.proto` files, agrees with `#[routes]`.

use istio_grpc_builder::descriptor::{self, DescribedService};
use istio_grpc_builder::service::{GrpcService, MethodKind};
use istio_grpc_example_greeter::{
    FILE_DESCRIPTOR_SET, GreeterRoutes, HealthRoutes, InvoicesRoutes,
};

#[test]
fn descriptor_set_and_macro_derive_the_same_services() -> Result<(), descriptor::DescriptorError> {
    let mut from_descriptors = descriptor::services(FILE_DESCRIPTOR_SET)?;
    from_descriptors.sort_by(|a, b| a.name.cmp(&b.name));
    let from_macro = vec![
        DescribedService::of::<InvoicesRoutes>(),
        DescribedService::of::<HealthRoutes>(),
        DescribedService::of::<GreeterRoutes>(),
    ];
    assert_eq!(from_descriptors, from_macro);
    Ok(())
}

/// The names tonic's snake_case loses (acronyms, digits, a lower-case first letter,
/// underscores): every path `#[routes]` derives is the descriptor's, and every kind too.
#[test]
fn invoices_paths_are_the_descriptor_paths() -> Result<(), descriptor::DescriptorError> {
    let services = descriptor::services(FILE_DESCRIPTOR_SET)?;
    let Some(described) = services.iter().find(|s| s.name == "billing.v1.Invoices") else {
        panic!("billing.v1.Invoices is not in the descriptor set: {services:?}");
    };
    let from_descriptor: Vec<(String, MethodKind)> = described
        .methods
        .iter()
        .map(|m| (described.method_path(m), m.kind))
        .collect();
    let from_macro: Vec<(String, MethodKind)> = InvoicesRoutes::METHODS
        .iter()
        .map(|m| {
            let path = format!("/{}/{}", InvoicesRoutes::SERVICE_NAME, m.name);
            (path, m.kind)
        })
        .collect();
    assert_eq!(from_macro, from_descriptor);
    assert_eq!(
        from_macro,
        [
            (
                "/billing.v1.Invoices/GetHTTPStatus".to_owned(),
                MethodKind::Unary
            ),
            (
                "/billing.v1.Invoices/ListInvoicesV2".to_owned(),
                MethodKind::ServerStreaming
            ),
            (
                "/billing.v1.Invoices/UploadCSV".to_owned(),
                MethodKind::ClientStreaming
            ),
            (
                "/billing.v1.Invoices/Sync2Way".to_owned(),
                MethodKind::BidiStreaming
            ),
            (
                "/billing.v1.Invoices/getLowerCamel".to_owned(),
                MethodKind::Unary
            ),
            (
                "/billing.v1.Invoices/Get_Snake_Case".to_owned(),
                MethodKind::Unary
            ),
        ]
    );
    Ok(())
}

/// The exact way, as a build.rs would do it: routes straight from the compiled descriptor set.
/// Both services stream (Greeter has streaming methods, Health has `Watch`), so both routes are
/// streaming routes: no timeout in the manifest, and none could be added.
#[test]
fn routes_from_the_descriptor_set_follow_the_proto() -> Result<(), Box<dyn std::error::Error>> {
    use istio_grpc_builder::descriptor::DescribedRoute;
    use istio_grpc_builder::{Backend, Ingress, TlsCredential};

    let services = descriptor::services(FILE_DESCRIPTOR_SET)?;
    let mut backend = Backend::service("greeter");
    for s in &services {
        let route = s.route();
        assert!(
            matches!(route, DescribedRoute::Streams(_)),
            "{} streams",
            s.name
        );
        backend = backend.route(route);
    }
    let mesh = Ingress::new("grpc.example.com")
        .tls(TlsCredential::secret("grpc-tls-credential"))
        .backend(backend)
        .build()?;
    let yaml = mesh.to_yaml();
    assert!(
        yaml.contains("prefix: /helloworld.Greeter")
            && yaml.contains("prefix: /grpc.health.v1.Health")
            && yaml.contains("prefix: /billing.v1.Invoices"),
        "{yaml}"
    );
    assert!(!yaml.contains("timeout"), "{yaml}");
    Ok(())
}

/// The manifests build.rs wrote at build time follow the `.proto`: both services stream, so
/// neither route has a timeout, and they read back as valid objects.
#[test]
fn build_rs_manifests_follow_the_proto() {
    let docs = istio_grpc_builder::istio_grpc_types::yaml::from_str(
        istio_grpc_example_greeter::ISTIO_MANIFESTS,
    )
    .expect("the build.rs output reads back");
    let yaml = istio_grpc_example_greeter::ISTIO_MANIFESTS;
    assert!(
        docs.iter().any(|d| d.object.kind() == "VirtualService"),
        "{yaml}"
    );
    assert!(
        yaml.contains("prefix: /helloworld.Greeter")
            && yaml.contains("prefix: /grpc.health.v1.Health")
            && yaml.contains("prefix: /billing.v1.Invoices"),
        "{yaml}"
    );
    assert!(!yaml.contains("timeout:"), "{yaml}");
}

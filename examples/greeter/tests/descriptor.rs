//! The descriptor-based derivation, on the same `.proto` files, agrees with `#[routes]`.

use istio_grpc_builder::descriptor::{self, DescribedService};
use istio_grpc_example_greeter::{FILE_DESCRIPTOR_SET, GreeterRoutes, HealthRoutes};

#[test]
fn descriptor_set_and_macro_derive_the_same_services() -> Result<(), descriptor::DescriptorError> {
    let mut from_descriptors = descriptor::services(FILE_DESCRIPTOR_SET)?;
    from_descriptors.sort_by(|a, b| a.name.cmp(&b.name));
    let from_macro = vec![
        DescribedService::of::<HealthRoutes>(),
        DescribedService::of::<GreeterRoutes>(),
    ];
    assert_eq!(from_descriptors, from_macro);
    Ok(())
}

// The builder does not write your own Service, so the setters of what it would write (port
// name, target port, selector) do not compile on `Backend::existing`: before, they were
// silently ignored.
use istio_grpc_builder::Backend;
use istio_grpc_builder::k8s_openapi::api::core::v1::Service;

fn main() {
    let _ = Backend::existing(Service::default()).selector([("app", "users")]);
}

// A VirtualService name means nothing once the output is the Gateway API.
use istio_grpc_builder::Ingress;

fn main() {
    let _ = Ingress::new("grpc.example.com")
        .h2c()
        .gateway_api()
        .virtual_service("grpc-routing");
}

// With the Gateway API, Istio deploys the gateway workload: there is none to select.
use istio_grpc_builder::Ingress;

fn main() {
    let _ = Ingress::new("grpc.example.com")
        .gateway_api()
        .selector([("istio", "grpc-ingress")]);
}

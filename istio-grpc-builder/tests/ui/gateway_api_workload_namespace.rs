// With the Gateway API, the gateway workload lives in the Gateway's namespace.
use istio_grpc_builder::Ingress;

fn main() {
    let _ = Ingress::new("grpc.example.com")
        .gateway_api()
        .gateway_workload_namespace("ingress");
}

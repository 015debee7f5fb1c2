// GAMMA mesh routes exist only in the Gateway API output.
use istio_grpc_builder::{InMesh, Ingress};

fn main() {
    let _ = Ingress::new("grpc.example.com").h2c().in_mesh(InMesh::sidecars());
}

// Istio does not give a DestinationRule's outlier detection to proxyless gRPC, so asking a
// proxyless backend to eject failing pods does not compile.
use istio_grpc_builder::{Backend, OutlierDetection, ProxylessRole};

fn main() {
    let _ = Backend::service("echo")
        .proxyless(ProxylessRole::Server)
        .outlier_detection(OutlierDetection::unavailable(3));
}

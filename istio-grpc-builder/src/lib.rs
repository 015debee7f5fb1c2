//! The istio-grpc builder: describe how gRPC services are exposed through Istio, get
//! manifests that are correct by construction.

pub mod service;

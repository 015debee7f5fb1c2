// A streaming method's route takes no per-try timeout.
use std::time::Duration;

use istio_grpc_builder::marker::ServerStreaming;
use istio_grpc_builder::{MethodRoute, RetryOn};

fn main() {
    let _ = MethodRoute::<ServerStreaming>::new("mypackage.FeedService", "Subscribe")
        .retries(3, [RetryOn::Unavailable])
        .per_try_timeout(Duration::from_secs(20));
}

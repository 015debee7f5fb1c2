// A streaming route takes no timeout.
use std::time::Duration;

use istio_grpc_builder::ServiceRoute;

fn main() {
    let _ = ServiceRoute::streaming("mypackage.FeedService").timeout(Duration::from_secs(60));
}

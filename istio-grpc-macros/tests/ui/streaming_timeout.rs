// The macro types each route by its method's kind: a streaming method's route takes no timeout.
use std::time::Duration;

use istio_grpc_example_greeter::GreeterRoutes;

fn main() {
    let _unary = GreeterRoutes::say_hello().timeout(Duration::from_secs(5));
    let _stream = GreeterRoutes::lots_of_replies().timeout(Duration::from_secs(5));
}

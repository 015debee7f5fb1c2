// HTTP-status retry conditions do not compile on gRPC routes.
use istio_grpc_builder::ServiceRoute;

fn main() {
    let _ = ServiceRoute::unary("mypackage.UserService").retries(3, ["5xx", "gateway-error"]);
    let _ = ServiceRoute::unary("mypackage.UserService").retries(3, [503u16]);
}

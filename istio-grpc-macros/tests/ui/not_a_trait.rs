// `#[routes]` reads a tonic server trait; on anything else it says so, on the item's name.
#[istio_grpc_builder::routes(package = "helloworld")]
pub struct Greeter;

fn main() {}

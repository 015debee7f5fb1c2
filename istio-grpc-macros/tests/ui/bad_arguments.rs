// Arguments are checked together: an unknown key, a package that is not one, a rename of
// nothing.
use tonic::{Request, Response, Status};

pub struct HelloRequest;
pub struct HelloReply;

#[istio_grpc_builder::routes(package = "hello world", timeout = 5, rename(say_hi = "SayHi"))]
pub trait Greeter {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status>;
}

fn main() {}

// A Rust trait does not carry its proto package, so `#[routes]` asks for it.
use tonic::{Request, Response, Status};

pub struct HelloRequest;
pub struct HelloReply;

#[istio_grpc_builder::routes]
pub trait Greeter {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status>;
}

fn main() {}

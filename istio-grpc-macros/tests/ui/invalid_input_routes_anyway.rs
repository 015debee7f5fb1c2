// A trait with an error still gets `GreeterRoutes` (with a function for every valid method),
// so the code that uses it adds no "cannot find type" errors: only the macro's error shows.
use std::time::Duration;

use tonic::{Request, Response, Status};

pub struct HelloRequest;
pub struct HelloReply;

#[istio_grpc_builder::routes(package = "helloworld", rename(say_hello = "SayHello"))]
#[tonic::async_trait]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status>;
    async fn say_goodbye(&self) -> Result<Response<HelloReply>, Status>;
}

fn main() {
    let _route = GreeterRoutes::say_hello().timeout(Duration::from_secs(5));
}

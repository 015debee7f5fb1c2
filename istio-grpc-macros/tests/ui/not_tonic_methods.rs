// Every method that is not a tonic method is reported, each on its own tokens, in one go.
use tonic::{Request, Response, Status};

pub struct HelloRequest;
pub struct HelloReply;

#[istio_grpc_builder::routes(package = "helloworld")]
pub trait Greeter {
    async fn say_hello(&self, name: String) -> Result<Response<HelloReply>, Status>;
    async fn say_bye(&mut self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status>;
    async fn lots_of_replies(&self, request: Request<HelloRequest>) -> Result<Response<Self::Replies>, Status>;
    fn helper(&self) -> u32;
}

fn main() {}

// A hand-written tonic trait, every kind, `self: Arc<Self>`, default `BoxStream` stubs. Without a
// descriptor set, the exact `.proto` names come from `rename` (or, for `lots_of_replies`, from
// tonic's `LotsOfRepliesStream` type).
use std::{pin::Pin, sync::Arc, time::Duration};

use istio_grpc_builder::{Route, service::{GrpcService, MethodKind}};
use tonic::{Request, Response, Status, Streaming, codegen::tokio_stream::Stream};

pub struct HelloRequest;
pub struct HelloReply;
type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

#[istio_grpc_builder::routes(
    package = "helloworld",
    rename(say_hello = "SayHello", lots_of_greetings = "LotsOfGreetings", bidi_hello = "BidiHello")
)]
#[tonic::async_trait]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(&self, request: Request<HelloRequest>) -> Result<Response<HelloReply>, Status>;
    type LotsOfRepliesStream: Stream<Item = Result<HelloReply, Status>> + Send + 'static;
    async fn lots_of_replies(&self, request: Request<HelloRequest>)
        -> Result<Response<Self::LotsOfRepliesStream>, Status>;
    async fn lots_of_greetings(self: Arc<Self>, request: Request<Streaming<HelloRequest>>)
        -> Result<Response<HelloReply>, Status>;
    async fn bidi_hello(&self, request: Request<Streaming<HelloRequest>>)
        -> Result<Response<BoxStream<HelloReply>>, Status> {
        let _ = request;
        Err(Status::unimplemented("not yet"))
    }
}

fn main() {
    assert_eq!(GreeterRoutes::SERVICE_NAME, "helloworld.Greeter");
    let kinds: Vec<_> = GreeterRoutes::METHODS.iter().map(|m| (m.name, m.kind)).collect();
    assert_eq!(kinds, [
        ("SayHello", MethodKind::Unary),
        ("LotsOfReplies", MethodKind::ServerStreaming),
        ("LotsOfGreetings", MethodKind::ClientStreaming),
        ("BidiHello", MethodKind::BidiStreaming),
    ]);
    let unary: Route = GreeterRoutes::say_hello().timeout(Duration::from_secs(5)).into();
    assert_eq!(unary.path().as_deref(), Some("/helloworld.Greeter/SayHello"));
    let bidi: Route = GreeterRoutes::bidi_hello().into();
    assert!(bidi.is_streaming());
}

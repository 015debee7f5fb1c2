// A hand-written trait with no descriptor set: tonic's `get_http_status` may be `rpc GetHTTPStatus`
// or `rpc GetHttpStatus`, so the macro says it cannot know, on the method, with the fixes. The
// streaming method's name is known exactly from tonic's `ListInvoicesV2Stream` type.
use tonic::{Request, Response, Status, codegen::tokio_stream::Stream};

pub struct Note;
pub struct Echo;

#[istio_grpc_builder::routes(package = "billing.v1")]
#[tonic::async_trait]
pub trait Invoices: Send + Sync + 'static {
    async fn get_http_status(&self, request: Request<Note>) -> Result<Response<Echo>, Status>;
    type ListInvoicesV2Stream: Stream<Item = Result<Echo, Status>> + Send + 'static;
    async fn list_invoices_v2(&self, request: Request<Note>)
        -> Result<Response<Self::ListInvoicesV2Stream>, Status>;
}

fn main() {}

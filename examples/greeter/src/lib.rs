//! A tonic Greeter whose Istio routes follow its `.proto`.
//!
//! `build.rs` compiles `proto/helloworld.proto`, `proto/grpc/health/v1/health.proto` and
//! `proto/billing/v1/invoices.proto` with protox and tonic-prost-build, placing
//! `#[istio_grpc_builder::routes(service = SERVICE_NAME, descriptor = "descriptor.bin")]` on each
//! generated server trait. That gives [`GreeterRoutes`], [`HealthRoutes`] and [`InvoicesRoutes`]:
//! the services' full names, their methods with their exact `.proto` names (read from the
//! descriptor set, not guessed from tonic's snake_case) and kinds, and one typed route per
//! method.
//!
//! ```
//! use istio_grpc_builder::service::{GrpcService, MethodKind};
//! use istio_grpc_example_greeter::GreeterRoutes;
//!
//! assert_eq!(GreeterRoutes::SERVICE_NAME, "helloworld.Greeter");
//! assert_eq!(GreeterRoutes::METHODS[1].name, "LotsOfReplies");
//! assert_eq!(GreeterRoutes::METHODS[1].kind, MethodKind::ServerStreaming);
//!
//! // `rpc GetHTTPStatus` is `get_http_status` in Rust; its route is the `.proto` name's.
//! use istio_grpc_example_greeter::InvoicesRoutes;
//! let route: istio_grpc_builder::Route = InvoicesRoutes::get_http_status().into();
//! assert_eq!(route.path().as_deref(), Some("/billing.v1.Invoices/GetHTTPStatus"));
//! ```

use std::{future::Future, pin::Pin};

use tokio::net::TcpListener;
use tokio_stream::{Stream, StreamExt as _, wrappers::TcpListenerStream};
use tonic::{Request, Response, Status, Streaming, transport::Server};

/// The code generated from the `.proto` files, with `#[routes]` applied to the server traits.
pub mod pb {
    /// `package helloworld;`
    #[allow(missing_docs, clippy::all, clippy::pedantic)]
    pub mod helloworld {
        tonic::include_proto!("helloworld");
    }

    /// `package grpc.health.v1;`, the standard gRPC health service.
    #[allow(missing_docs, clippy::all, clippy::pedantic)]
    pub mod health {
        tonic::include_proto!("grpc.health.v1");
    }

    /// `package billing.v1;`: method names with acronyms, digits, a lower-case first letter
    /// and underscores, one of each kind.
    #[allow(missing_docs, clippy::all, clippy::pedantic)]
    pub mod billing {
        tonic::include_proto!("billing.v1");
    }
}

pub use pb::billing::invoices_server::InvoicesRoutes;
pub use pb::health::health_server::HealthRoutes;
pub use pb::helloworld::greeter_server::GreeterRoutes;

use pb::billing::{
    Echo, Note,
    invoices_server::{Invoices, InvoicesServer},
};
use pb::health::{
    HealthCheckRequest, HealthCheckResponse,
    health_check_response::ServingStatus,
    health_server::{Health, HealthServer},
};
use pb::helloworld::{
    HelloReply, HelloRequest,
    greeter_server::{Greeter, GreeterServer},
};

/// The FileDescriptorSet `build.rs` compiled from the `.proto` files, for the descriptor-based
/// derivation of the same routes.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/descriptor.bin"));

/// The Istio manifests `build.rs` derived from the same descriptor set (multi-document YAML).
pub const ISTIO_MANIFESTS: &str = include_str!(concat!(env!("OUT_DIR"), "/istio.yaml"));

/// The manifests `build.rs` wrote in one call, `istio_grpc_builder::config::manifests_from_files`,
/// from the descriptor set and `schema/examples/greeter.yaml` (the file `istio-grpc generate`
/// reads).
pub const CONFIGURED_MANIFESTS: &str =
    include_str!(concat!(env!("OUT_DIR"), "/istio-configured.yaml"));

/// How many replies `LotsOfReplies` streams.
pub const REPLIES: usize = 3;

type ReplyStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// The Greeter: greets by name, once or [`REPLIES`] times, one or many people.
#[derive(Clone, Copy, Debug, Default)]
pub struct MyGreeter;

fn greeting(name: &str) -> HelloReply {
    HelloReply {
        message: format!("Hello {name}!"),
    }
}

#[tonic::async_trait]
impl Greeter for MyGreeter {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        Ok(Response::new(greeting(&request.into_inner().name)))
    }

    type LotsOfRepliesStream = ReplyStream<HelloReply>;

    async fn lots_of_replies(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<Self::LotsOfRepliesStream>, Status> {
        let name = request.into_inner().name;
        let replies = (1..=REPLIES).map(move |i| {
            Ok(HelloReply {
                message: format!("Hello {name} #{i}!"),
            })
        });
        Ok(Response::new(Box::pin(tokio_stream::iter(replies))))
    }

    async fn lots_of_greetings(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<HelloReply>, Status> {
        let names = names_sent(request).await?;
        Ok(Response::new(greeting(&names.join(", "))))
    }

    type BidiHelloStream = ReplyStream<HelloReply>;

    async fn bidi_hello(
        &self,
        request: Request<Streaming<HelloRequest>>,
    ) -> Result<Response<Self::BidiHelloStream>, Status> {
        let replies = request
            .into_inner()
            .map(|req| req.map(|req| greeting(&req.name)));
        Ok(Response::new(Box::pin(replies)))
    }
}

/// Health: `SERVING` for the server (`""`) and the Greeter, `NOT_FOUND` for anything else.
#[derive(Clone, Copy, Debug, Default)]
pub struct MyHealth;

impl MyHealth {
    fn status(service: &str) -> Option<ServingStatus> {
        matches!(service, "" | "helloworld.Greeter").then_some(ServingStatus::Serving)
    }
}

#[tonic::async_trait]
impl Health for MyHealth {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let service = request.into_inner().service;
        match Self::status(&service) {
            Some(status) => Ok(Response::new(HealthCheckResponse {
                status: status.into(),
            })),
            None => Err(Status::not_found(format!("unknown service `{service}`"))),
        }
    }

    type WatchStream = ReplyStream<HealthCheckResponse>;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let status =
            Self::status(&request.into_inner().service).unwrap_or(ServingStatus::ServiceUnknown);
        // The current status, then nothing until the client hangs up (the status never changes).
        let first = tokio_stream::once(Ok(HealthCheckResponse {
            status: status.into(),
        }));
        Ok(Response::new(Box::pin(
            first.chain(tokio_stream::pending()),
        )))
    }
}

/// Invoices: every method answers with its own exact `.proto` name and the texts it was sent
/// (streaming methods: one reply per text), so a caller sees which method a path reached.
#[derive(Clone, Copy, Debug, Default)]
pub struct MyInvoices;

fn echo(method: &str, texts: Vec<String>) -> Echo {
    Echo {
        method: method.to_owned(),
        texts,
    }
}

async fn texts(request: Request<Streaming<Note>>) -> Result<Vec<String>, Status> {
    let mut stream = request.into_inner();
    let mut texts = Vec::new();
    while let Some(note) = stream.next().await {
        texts.push(note?.text);
    }
    Ok(texts)
}

#[tonic::async_trait]
impl Invoices for MyInvoices {
    async fn get_http_status(&self, request: Request<Note>) -> Result<Response<Echo>, Status> {
        Ok(Response::new(echo(
            "GetHTTPStatus",
            vec![request.into_inner().text],
        )))
    }

    type ListInvoicesV2Stream = ReplyStream<Echo>;

    async fn list_invoices_v2(
        &self,
        request: Request<Note>,
    ) -> Result<Response<Self::ListInvoicesV2Stream>, Status> {
        let text = request.into_inner().text;
        let replies =
            (1..=REPLIES).map(move |i| Ok(echo("ListInvoicesV2", vec![format!("{text} #{i}")])));
        Ok(Response::new(Box::pin(tokio_stream::iter(replies))))
    }

    async fn upload_csv(
        &self,
        request: Request<Streaming<Note>>,
    ) -> Result<Response<Echo>, Status> {
        Ok(Response::new(echo("UploadCSV", texts(request).await?)))
    }

    type Sync2WayStream = ReplyStream<Echo>;

    async fn sync2_way(
        &self,
        request: Request<Streaming<Note>>,
    ) -> Result<Response<Self::Sync2WayStream>, Status> {
        let replies = request
            .into_inner()
            .map(|note| note.map(|note| echo("Sync2Way", vec![note.text])));
        Ok(Response::new(Box::pin(replies)))
    }

    async fn get_lower_camel(&self, request: Request<Note>) -> Result<Response<Echo>, Status> {
        Ok(Response::new(echo(
            "getLowerCamel",
            vec![request.into_inner().text],
        )))
    }

    async fn get_snake_case(&self, request: Request<Note>) -> Result<Response<Echo>, Status> {
        Ok(Response::new(echo(
            "Get_Snake_Case",
            vec![request.into_inner().text],
        )))
    }
}

/// The names a client-streaming `LotsOfGreetings` call sent, in order (its first bad message
/// ends the call with that message's status).
pub async fn names_sent(request: Request<Streaming<HelloRequest>>) -> Result<Vec<String>, Status> {
    let mut names = Vec::new();
    let mut stream = request.into_inner();
    while let Some(req) = stream.next().await {
        names.push(req?.name);
    }
    Ok(names)
}

/// Serves the Greeter, Health and Invoices on `listener` until `shutdown` completes.
///
/// # Errors
/// When the transport fails.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    Server::builder()
        .add_service(GreeterServer::new(MyGreeter))
        .add_service(HealthServer::new(MyHealth))
        .add_service(InvoicesServer::new(MyInvoices))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await
}

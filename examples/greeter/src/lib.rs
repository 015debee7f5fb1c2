//! A tonic Greeter whose Istio routes follow its `.proto`.
//!
//! `build.rs` compiles `proto/helloworld.proto` and `proto/grpc/health/v1/health.proto` with
//! protox and tonic-prost-build, placing `#[istio_grpc_builder::routes(..)]` on each generated
//! server trait. That gives [`GreeterRoutes`] and [`HealthRoutes`]: the services' full names, their
//! methods with their kinds, and one typed route per method.
//!
//! ```
//! use istio_grpc_builder::service::{GrpcService, MethodKind};
//! use istio_grpc_example_greeter::GreeterRoutes;
//!
//! assert_eq!(GreeterRoutes::SERVICE_NAME, "helloworld.Greeter");
//! assert_eq!(GreeterRoutes::METHODS[1].name, "LotsOfReplies");
//! assert_eq!(GreeterRoutes::METHODS[1].kind, MethodKind::ServerStreaming);
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
}

pub use pb::health::health_server::HealthRoutes;
pub use pb::helloworld::greeter_server::GreeterRoutes;

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
        let mut names = Vec::new();
        let mut stream = request.into_inner();
        while let Some(req) = stream.next().await {
            names.push(req?.name);
        }
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

/// Serves the Greeter and Health on `listener` until `shutdown` completes.
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
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await
}

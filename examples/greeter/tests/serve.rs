//! The derived paths are the paths tonic serves: a real tonic server on 127.0.0.1, and for every
//! method `#[routes]` derived, a real tonic client call to the derived path (not to the path the
//! generated client knows), unary or streamed as the derived kind says, answered by the service.

use std::{str::FromStr, time::Duration};

use istio_grpc_builder::{
    Route,
    service::{GrpcService, MethodInfo, MethodKind},
};
use istio_grpc_example_greeter::{
    GreeterRoutes, HealthRoutes, InvoicesRoutes, REPLIES,
    pb::{
        billing::{Echo, Note},
        health::{HealthCheckRequest, HealthCheckResponse, health_check_response::ServingStatus},
        helloworld::{HelloReply, HelloRequest},
    },
    serve,
};
use tokio::{net::TcpListener, sync::oneshot};
use tokio_stream::StreamExt as _;
use tonic::{
    Code, Request, Status,
    client::Grpc,
    codegen::http::uri::PathAndQuery,
    transport::{Channel, Endpoint},
};
use tonic_prost::ProstCodec;

/// Every step of the test is bounded: a hung stream fails the test instead of hanging CI.
const LIMIT: Duration = Duration::from_secs(30);

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Calls `path` as `kind` says, sending `requests` (one for unary and server-streaming calls)
/// and reading at most `max` replies.
async fn call<Req, Resp>(
    channel: Channel,
    path: &str,
    kind: MethodKind,
    requests: Vec<Req>,
    max: usize,
) -> Result<Vec<Resp>, Status>
where
    Req: prost::Message + Default + Clone + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
{
    let mut grpc = Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|err| Status::unavailable(err.to_string()))?;
    let path = PathAndQuery::from_str(path).map_err(|err| Status::internal(err.to_string()))?;
    let codec = ProstCodec::<Req, Resp>::default();
    let first = requests.first().cloned().unwrap_or_default();
    let stream = tokio_stream::iter(requests);
    let mut replies = match kind {
        MethodKind::Unary => {
            let reply = grpc.unary(Request::new(first), path, codec).await?;
            return Ok(vec![reply.into_inner()]);
        }
        MethodKind::ClientStreaming => {
            let reply = grpc
                .client_streaming(Request::new(stream), path, codec)
                .await?;
            return Ok(vec![reply.into_inner()]);
        }
        MethodKind::ServerStreaming => {
            grpc.server_streaming(Request::new(first), path, codec)
                .await?
        }
        MethodKind::BidiStreaming => grpc.streaming(Request::new(stream), path, codec).await?,
    }
    .into_inner();
    let mut out = Vec::new();
    while out.len() < max {
        match replies.next().await {
            Some(reply) => out.push(reply?),
            None => break,
        }
    }
    Ok(out)
}

fn hello(names: &[&str]) -> Vec<HelloRequest> {
    names
        .iter()
        .map(|name| HelloRequest {
            name: (*name).to_owned(),
        })
        .collect()
}

fn messages(replies: Vec<HelloReply>) -> Vec<String> {
    replies.into_iter().map(|r| r.message).collect()
}

fn path(service: &str, method: &MethodInfo) -> String {
    format!("/{service}/{}", method.name)
}

async fn call_greeter(channel: Channel, method: &MethodInfo) -> Result<Vec<String>, String> {
    let path = path(GreeterRoutes::SERVICE_NAME, method);
    let (requests, expected) = match method.name {
        "SayHello" => (hello(&["Ada"]), vec!["Hello Ada!".to_owned()]),
        "LotsOfReplies" => (
            hello(&["Ada"]),
            (1..=REPLIES).map(|i| format!("Hello Ada #{i}!")).collect(),
        ),
        "LotsOfGreetings" => (
            hello(&["Ada", "Grace", "Barbara"]),
            vec!["Hello Ada, Grace, Barbara!".to_owned()],
        ),
        "BidiHello" => (
            hello(&["Ada", "Grace"]),
            vec!["Hello Ada!".to_owned(), "Hello Grace!".to_owned()],
        ),
        other => return Err(format!("the test does not know the derived method {other}")),
    };
    let got = call::<_, HelloReply>(channel, &path, method.kind, requests, 10)
        .await
        .map_err(|status| format!("{path}: {status}"))?;
    let got = messages(got);
    if got == expected {
        Ok(got)
    } else {
        Err(format!("{path}: expected {expected:?}, got {got:?}"))
    }
}

async fn call_health(channel: Channel, method: &MethodInfo) -> Result<(), String> {
    let path = path(HealthRoutes::SERVICE_NAME, method);
    let request = HealthCheckRequest {
        service: "helloworld.Greeter".to_owned(),
    };
    // `Watch` never ends by itself: read the current status and hang up.
    let got = call::<_, HealthCheckResponse>(channel, &path, method.kind, vec![request], 1)
        .await
        .map_err(|status| format!("{path}: {status}"))?;
    let serving = [ServingStatus::Serving as i32];
    if got.iter().map(|r| r.status).eq(serving) {
        Ok(())
    } else {
        Err(format!("{path}: expected one SERVING, got {got:?}"))
    }
}

/// Each Invoices method answers with its own `.proto` name: the derived path reached the method
/// it names, not merely some method.
async fn call_invoices(channel: Channel, method: &MethodInfo) -> Result<(), String> {
    let path = path(InvoicesRoutes::SERVICE_NAME, method);
    let notes: Vec<Note> = ["a", "b"]
        .iter()
        .map(|t| Note {
            text: (*t).to_owned(),
        })
        .collect();
    let texts = |texts: &[&str]| -> Vec<String> { texts.iter().map(|t| (*t).to_owned()).collect() };
    let expected: Vec<Vec<String>> = match method.kind {
        MethodKind::Unary => vec![texts(&["a"])],
        MethodKind::ClientStreaming => vec![texts(&["a", "b"])],
        MethodKind::ServerStreaming => (1..=REPLIES).map(|i| vec![format!("a #{i}")]).collect(),
        MethodKind::BidiStreaming => vec![texts(&["a"]), texts(&["b"])],
    };
    let got = call::<_, Echo>(channel, &path, method.kind, notes, 10)
        .await
        .map_err(|status| format!("{path}: {status}"))?;
    let answered_by: Vec<&str> = got.iter().map(|e| e.method.as_str()).collect();
    let got_texts: Vec<Vec<String>> = got.iter().map(|e| e.texts.clone()).collect();
    if answered_by.iter().all(|m| *m == method.name) && got_texts == expected {
        Ok(())
    } else {
        Err(format!(
            "{path}: expected {expected:?} from {}, got {got_texts:?} from {answered_by:?}",
            method.name
        ))
    }
}

/// Serves on 127.0.0.1, runs `calls` on a channel to the server (bounded by [`LIMIT`]), then
/// stops the server and waits (bounded) for it to end.
async fn against_server<T, F, Fut>(calls: F) -> Result<T, Box<dyn std::error::Error>>
where
    F: FnOnce(Channel) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, async {
        let _ = stopped.await;
    }));
    let channel = Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(LIMIT)
        .timeout(LIMIT)
        .connect()
        .await?;
    let outcome = tokio::time::timeout(LIMIT, calls(channel)).await;
    let _ = stop.send(());
    tokio::time::timeout(LIMIT, server).await???;
    Ok(outcome?)
}

/// Every method of `billing.v1.Invoices` (acronyms, digits, a lower-case first letter,
/// underscores; every kind) on the path `#[routes]` derived: each answers, as the method the
/// path names.
#[tokio::test]
async fn every_invoices_path_is_served_by_its_method() -> TestResult {
    let (failures, answered) = against_server(|channel| async move {
        let mut failures = Vec::new();
        let mut answered = Vec::new();
        for method in InvoicesRoutes::METHODS {
            match call_invoices(channel.clone(), method).await {
                Ok(()) => answered.push(path(InvoicesRoutes::SERVICE_NAME, method)),
                Err(err) => failures.push(err),
            }
        }
        (failures, answered)
    })
    .await?;
    assert!(failures.is_empty(), "{failures:#?}");
    // The table, read off live calls: every row right.
    assert_eq!(
        answered,
        [
            "/billing.v1.Invoices/GetHTTPStatus",
            "/billing.v1.Invoices/ListInvoicesV2",
            "/billing.v1.Invoices/UploadCSV",
            "/billing.v1.Invoices/Sync2Way",
            "/billing.v1.Invoices/getLowerCamel",
            "/billing.v1.Invoices/Get_Snake_Case",
        ]
    );
    Ok(())
}

#[tokio::test]
async fn every_derived_path_is_served_and_answers() -> TestResult {
    let failures = against_server(|channel| async move {
        let mut failures = Vec::new();
        for method in GreeterRoutes::METHODS {
            if let Err(err) = call_greeter(channel.clone(), method).await {
                failures.push(err);
            }
        }
        for method in HealthRoutes::METHODS {
            if let Err(err) = call_health(channel.clone(), method).await {
                failures.push(err);
            }
        }
        // The control: a path nobody derived is UNIMPLEMENTED, so a wrong derived path fails.
        let wrong = MethodInfo {
            name: "SayHi",
            kind: MethodKind::Unary,
        };
        match call::<_, HelloReply>(
            channel.clone(),
            &path(GreeterRoutes::SERVICE_NAME, &wrong),
            wrong.kind,
            hello(&["Ada"]),
            1,
        )
        .await
        {
            Err(status) if status.code() == Code::Unimplemented => {}
            other => failures.push(format!(
                "/helloworld.Greeter/SayHi: expected UNIMPLEMENTED, got {other:?}"
            )),
        }
        failures
    })
    .await?;
    assert!(failures.is_empty(), "{failures:#?}");
    Ok(())
}

/// The route functions build routes for exactly the paths `METHODS` lists, streaming when the
/// method streams.
#[test]
fn route_functions_match_the_derived_methods() {
    let routes: Vec<(Route, MethodKind)> = vec![
        (GreeterRoutes::say_hello().into(), MethodKind::Unary),
        (
            GreeterRoutes::lots_of_replies().into(),
            MethodKind::ServerStreaming,
        ),
        (
            GreeterRoutes::lots_of_greetings().into(),
            MethodKind::ClientStreaming,
        ),
        (
            GreeterRoutes::bidi_hello().into(),
            MethodKind::BidiStreaming,
        ),
        (HealthRoutes::check().into(), MethodKind::Unary),
        (HealthRoutes::watch().into(), MethodKind::ServerStreaming),
    ];
    let derived: Vec<(String, MethodKind)> = GreeterRoutes::METHODS
        .iter()
        .map(|m| (path(GreeterRoutes::SERVICE_NAME, m), m.kind))
        .chain(
            HealthRoutes::METHODS
                .iter()
                .map(|m| (path(HealthRoutes::SERVICE_NAME, m), m.kind)),
        )
        .collect();
    let from_fns: Vec<(String, MethodKind)> = routes
        .iter()
        .map(|(route, kind)| (route.path().unwrap_or_default(), *kind))
        .collect();
    assert_eq!(from_fns, derived);
    for (route, kind) in &routes {
        assert_eq!(
            route.is_streaming(),
            kind.is_streaming(),
            "{:?}",
            route.path()
        );
    }
}

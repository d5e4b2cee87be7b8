//! HTTP: one handler for every AWS request (route → authenticate → decode → door → encode) and sekisho's
//! own endpoints under `/_sekisho/`. Bad input always gets an AWS-shaped 4xx, never a 500.

mod gateway;
mod internal;
mod route;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use sekisho_core::door::Call;
use sekisho_core::{AwsError, Door, ids};
use sekisho_wire::model::{Protocol, ServiceModel};
use sekisho_wire::sigv4::{self, ErrorStyle};
use sekisho_wire::{HttpRequest, HttpResponse};
use std::net::SocketAddr;
use std::sync::Arc;

/// Large enough for a Lambda deployment package sent inline (50 MB zipped, base64 in JSON).
pub const DEFAULT_MAX_BODY: usize = 80 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub door: Arc<Door>,
    pub started: std::time::Instant,
    pub max_body: usize,
}

pub fn router(door: Arc<Door>, max_body: usize) -> Router {
    let state = AppState { door, started: std::time::Instant::now(), max_body };
    internal::routes().fallback(handle).with_state(state)
}

async fn handle(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    let request_id = ids::request_id();
    let (parts, body) = req.into_parts();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let method = parts.method.as_str().to_string();
    let too_large;
    let body = match axum::body::to_bytes(body, state.max_body).await {
        Ok(b) => {
            too_large = false;
            b
        }
        Err(_) => {
            too_large = true;
            Bytes::new()
        }
    };
    let req = HttpRequest { method: &method, path: &path, query: &query, headers: &headers, body: &body };
    let claims = sigv4::parse(&req);
    if let Some(target) = gateway::target(&req) {
        return gateway::handle(&state, peer, &request_id, &req, claims, target, too_large).await;
    }
    let signing_name = claims.as_ref().ok().map(|c| c.scope.service.clone());
    let Some(model) = route::resolve(&req, signing_name.as_deref()) else {
        return unroutable(&request_id, claims.is_ok());
    };
    if too_large {
        let err = AwsError::new(
            "RequestEntityTooLargeException",
            413,
            format!("Request must be smaller than {} bytes", state.max_body),
        );
        return respond(model.encode_error(None, &err, &request_id));
    }
    let authenticated = match claims.and_then(|c| state.door.authenticate_claims(&req, c)) {
        Ok(a) => a,
        Err(e) => {
            let err = e.to_aws_error(error_style(model));
            state.door.record_rejected(&request_id, model_name(model), "", "anonymous", &err);
            return respond(model.encode_error(None, &err, &request_id));
        }
    };
    let (op, input) = match model.decode(&req) {
        Ok(decoded) => decoded,
        Err(err) => {
            state.door.record_rejected(&request_id, model_name(model), "", &authenticated.caller.identity.arn(), &err);
            return respond(model.encode_error(None, &err, &request_id));
        }
    };
    let mut caller = authenticated.caller;
    caller.network.source_ip = Some(peer.ip());
    let mut call = Call::new(model_name(model), &op.name, input, &authenticated.region);
    call.request_id = Some(request_id.clone());
    match state.door.call(&caller, call).await {
        Ok(output) => {
            let http = model.encode_output(op, &output.body, &request_id);
            match output.events {
                None => respond(http),
                Some(events) => stream(model, op, http, events),
            }
        }
        Err(err) => respond(model.encode_error(Some(op), &err, &request_id)),
    }
}

fn model_name(model: &ServiceModel) -> &str {
    &model.name
}

fn error_style(model: &ServiceModel) -> ErrorStyle {
    match model.protocol() {
        Protocol::Query | Protocol::Ec2 | Protocol::RestXml => ErrorStyle::Query,
        Protocol::Json => ErrorStyle::Json,
        Protocol::RestJson => ErrorStyle::RestJson,
    }
}

/// A request no service claims: AWS's front door answers unsigned ones with 403 Missing Authentication Token.
fn unroutable(request_id: &str, signed: bool) -> Response {
    let (status, body) = if signed {
        (404, r#"{"message":"No service at this endpoint handles this request"}"#)
    } else {
        (403, r#"{"message":"Missing Authentication Token"}"#)
    };
    let code = if signed { "UnknownOperationException" } else { "MissingAuthenticationTokenException" };
    respond(HttpResponse {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-amzn-requestid".into(), request_id.into()),
            ("x-amzn-errortype".into(), code.into()),
        ],
        body: body.as_bytes().to_vec(),
    })
}

pub fn respond(http: HttpResponse) -> Response {
    let mut builder = Response::builder().status(http.status);
    for (k, v) in &http.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder.body(Body::from(http.body)).unwrap_or_else(|_| {
        let mut r = Response::new(Body::from("invalid response header"));
        *r.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

/// An event-stream response: the initial headers, then one frame per event.
fn stream(
    model: &'static ServiceModel,
    op: &'static sekisho_wire::model::Operation,
    http: HttpResponse,
    events: sekisho_core::service::EventStream,
) -> Response {
    let frames = tokio_stream_from(events).map(move |item| {
        let frame = match item {
            Ok(event) => model.encode_event(op, &event.name, &event.payload),
            Err(err) => model.encode_exception(op, &err),
        };
        Ok::<Bytes, std::convert::Infallible>(Bytes::from(frame))
    });
    let mut builder = Response::builder().status(http.status);
    for (k, v) in &http.headers {
        if !k.eq_ignore_ascii_case("content-length") {
            builder = builder.header(k.as_str(), v.as_str());
        }
    }
    builder
        .body(Body::from_stream(frames))
        .unwrap_or_else(|_| respond(HttpResponse { status: 500, ..Default::default() }))
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send + 'static {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

//! HTTP: one handler for every AWS request (route → authenticate → decode → door → encode) and sekisho's
//! own endpoints under `/_sekisho/`. Bad input always gets an AWS-shaped 4xx, never a 500.

mod body;
pub mod conn;
pub mod control;
mod exec;
mod gateway;
mod identity;
mod internal;
mod route;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use sekisho_core::door::{Authenticated, Call};
use sekisho_core::identity::Identity;
use sekisho_core::service::Caller;
use sekisho_core::{AwsError, Door, ids};
use sekisho_wire::model::{Protocol, ServiceModel};
use sekisho_wire::sigv4::{self, ErrorStyle, SigError};
use sekisho_wire::{HttpRequest, HttpResponse};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Large enough for a Lambda deployment package sent inline (50 MB zipped, base64 in JSON).
pub const DEFAULT_MAX_BODY: usize = 80 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub door: Arc<Door>,
    pub started: std::time::Instant,
    pub max_body: usize,
    pub connections: Arc<Connections>,
    pub proxy: Arc<crate::proxy::Proxy>,
    exec: Arc<exec::Registry>,
    bodies: body::Budget,
}

/// What the router needs besides the door.
pub struct Settings {
    pub max_body: usize,
    pub guard: control::Guard,
    pub connections: Arc<Connections>,
    pub proxy: Arc<crate::proxy::Proxy>,
}

/// Open connections, counted against a cap: the accept loop opens slots, `/_sekisho/stats` reads them.
#[derive(Debug)]
pub struct Connections {
    open: AtomicUsize,
    pub max: usize,
}

/// One open connection; closing it (dropping) frees its slot.
pub struct Slot(Arc<Connections>);

impl Connections {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Connections { open: AtomicUsize::new(0), max })
    }

    /// A slot for a new connection, or `None` at the cap.
    pub fn open(self: &Arc<Self>) -> Option<Slot> {
        let taken = self.open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max).then_some(n + 1));
        taken.ok().map(|_| Slot(self.clone()))
    }

    pub fn count(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

pub fn router(door: Arc<Door>, settings: Settings) -> Router {
    let state = AppState {
        door,
        started: std::time::Instant::now(),
        max_body: settings.max_body,
        connections: settings.connections,
        proxy: settings.proxy,
        exec: Arc::new(exec::Registry::default()),
        bodies: body::Budget::new(settings.max_body),
    };
    let guard = Arc::new(settings.guard);
    internal::routes()
        .merge(exec::routes())
        .merge(identity::routes())
        .fallback(handle)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(guard, control::guard))
}

async fn handle(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    let request_id = ids::request_id();
    let (parts, body) = req.into_parts();
    let mut headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    // HTTP/2 carries the host as the `:authority` pseudo-header, which some clients sign under that name.
    if let Some(authority) = parts.uri.authority().filter(|_| parts.version == axum::http::Version::HTTP_2) {
        headers.push((":authority".to_string(), authority.as_str().to_string()));
    }
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let method = parts.method.as_str().to_string();
    let head = HttpRequest { method: &method, path: &path, query: &query, headers: &headers, body: &[] };
    // Before reading a body that may be large: what its bytes cannot change is decided on the head alone,
    // so a request that announces too much, or that no key could have signed, costs no buffering.
    let declared = body.size_hint().exact();
    if declared.is_some_and(|n| n > state.max_body as u64) {
        return too_large(&request_id, &head, state.max_body);
    }
    if declared.is_none_or(|n| n > body::UNMETERED_BODY_BYTES as u64) {
        let claims = sigv4::parse(&head);
        let refused = match &claims {
            Err(e) => Some(e.clone()),
            Ok(c) => state.door.world().resolve_access_key(&c.access_key_id, c.security_token.as_deref()).err(),
        };
        if let Some(err) = refused {
            return refuse_unauthenticated(&state, &request_id, &head, claims.is_ok(), &err);
        }
    }
    let (body, held) = match body::read(body, declared, state.max_body, &state.bodies).await {
        Ok(read) => read,
        Err(body::BodyError::TooLarge) => return too_large(&request_id, &head, state.max_body),
        Err(e) => return unreadable(&request_id, &head, e),
    };
    let req = HttpRequest { body: &body, ..head };
    let claims = sigv4::parse(&req);
    if let Some(target) = gateway::target(&req) {
        return gateway::handle(&state, peer, &request_id, &req, claims, target).await;
    }
    let signing_name = claims.as_ref().ok().map(|c| c.scope.service.clone());
    let Some(model) = route::resolve(&req, signing_name.as_deref()) else {
        return unroutable(&request_id, claims.is_ok());
    };
    let authenticated = match claims {
        // The operations AWS serves without credentials (their models say so) are called by no one in particular.
        Err(SigError::Missing) if unsigned_operation(model, &req) => Ok(anonymous(model)),
        claims => claims.and_then(|c| state.door.authenticate_claims(&req, c)),
    };
    // Authenticated or not, the body no longer counts against the budget for unverified bodies.
    drop(held);
    let authenticated = match authenticated {
        Ok(a) => a,
        Err(e) => {
            let err = e.to_aws_error(error_style(model));
            state.door.record_refused(&request_id, model_name(model), &err);
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

/// The request names an operation of `model` that AWS serves unsigned (AssumeRoleWithWebIdentity).
fn unsigned_operation(model: &ServiceModel, req: &HttpRequest) -> bool {
    route::query_action(req).and_then(|a| model.operation(&a)).is_some_and(|op| op.unsigned())
}

/// The caller of an unsigned request: anonymous, in STS's global Region.
fn anonymous(model: &ServiceModel) -> Authenticated {
    Authenticated {
        caller: Caller::new(Identity::Anonymous),
        region: "us-east-1".to_string(),
        signing_name: model.metadata.signing_name.clone(),
    }
}

/// A request refused on its head: no signature, or a key no one holds.
fn refuse_unauthenticated(
    state: &AppState,
    request_id: &str,
    head: &HttpRequest,
    signed: bool,
    err: &SigError,
) -> Response {
    let signing_name = sigv4::parse(head).ok().map(|c| c.scope.service);
    let Some(model) = route::resolve(head, signing_name.as_deref()) else {
        return unroutable(request_id, signed);
    };
    let err = err.to_aws_error(error_style(model));
    state.door.record_refused(request_id, model_name(model), &err);
    respond(model.encode_error(None, &err, request_id))
}

fn too_large(request_id: &str, head: &HttpRequest, max_body: usize) -> Response {
    let signing_name = sigv4::parse(head).ok().map(|c| c.scope.service);
    let Some(model) = route::resolve(head, signing_name.as_deref()) else {
        return unroutable(request_id, signing_name.is_some());
    };
    let err =
        AwsError::new("RequestEntityTooLargeException", 413, format!("Request must be smaller than {max_body} bytes"));
    respond(model.encode_error(None, &err, request_id))
}

/// A body that stopped arriving (or could not get room in the budget for unverified bodies), or broke off.
fn unreadable(request_id: &str, head: &HttpRequest, e: body::BodyError) -> Response {
    let (status, code, message) = match e {
        // [inf] AWS documents no code for these services; S3's RequestTimeout words it so.
        body::BodyError::Timeout => (
            408,
            "RequestTimeout",
            "Your socket connection to the server was not read from or written to within the timeout period.",
        ),
        _ => (400, "IncompleteBody", "The request body terminated unexpectedly"),
    };
    let signing_name = sigv4::parse(head).ok().map(|c| c.scope.service);
    let Some(model) = route::resolve(head, signing_name.as_deref()) else {
        return unroutable(request_id, signing_name.is_some());
    };
    respond(model.encode_error(None, &AwsError::new(code, status, message), request_id))
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

//! The Lambda Runtime API (`/2018-06-01/runtime/...`) of one execution environment, on its own listener so
//! a request needs no routing: hand out the next event, take the response or error, take an init error.

use super::logs::LogSink;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, oneshot};

/// The largest response a function may return synchronously (AWS's figure, as its message prints it).
pub const MAX_RESPONSE_BYTES: usize = 6_291_556;

/// An event on its way to the runtime.
pub struct Invocation {
    pub request_id: String,
    pub payload: Vec<u8>,
    pub invoked_function_arn: String,
    pub client_context: Option<String>,
    pub trace_id: String,
    pub timeout: Duration,
    /// Lambda's `START` line (or JSON record), written when the runtime takes the event.
    pub start_line: Option<String>,
    pub delivered: oneshot::Sender<Instant>,
    pub result: oneshot::Sender<RuntimeResult>,
}

/// What the runtime answered for an invocation.
#[derive(Debug)]
pub enum RuntimeResult {
    Response(Vec<u8>),
    /// `/error`: the error document (its `errorType` is what callers such as Step Functions see).
    Error {
        payload: Vec<u8>,
    },
    TooLarge,
}

/// An init error the runtime reported on `/init/error`.
#[derive(Debug, Clone)]
pub struct InitError {
    pub payload: Vec<u8>,
    pub error_type: Option<String>,
}

struct InFlight {
    request_id: String,
    result: oneshot::Sender<RuntimeResult>,
}

pub struct ApiState {
    invocations: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    current: Mutex<Option<InFlight>>,
    init_error: Mutex<Option<InitError>>,
    pub init_error_reported: Notify,
    /// When the runtime first asked for an event: the end of its init phase.
    initialized_at: Mutex<Option<Instant>>,
    sink: Arc<LogSink>,
}

impl ApiState {
    pub fn new(invocations: mpsc::Receiver<Invocation>, sink: Arc<LogSink>) -> Arc<ApiState> {
        Arc::new(ApiState {
            invocations: tokio::sync::Mutex::new(invocations),
            current: Mutex::new(None),
            init_error: Mutex::new(None),
            init_error_reported: Notify::new(),
            initialized_at: Mutex::new(None),
            sink,
        })
    }

    pub fn init_error(&self) -> Option<InitError> {
        self.init_error.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn initialized_at(&self) -> Option<Instant> {
        *self.initialized_at.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take_current(&self, request_id: &str) -> Option<InFlight> {
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match cur.as_ref() {
            Some(c) if c.request_id == request_id => cur.take(),
            _ => None,
        }
    }
}

pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        // Responses are checked against Lambda's own limit below, not a framework default.
        .layer(DefaultBodyLimit::max(MAX_RESPONSE_BYTES * 2))
        .with_state(state)
}

fn json_reply(status: StatusCode, body: &str) -> Response {
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

fn invalid_request_id() -> Response {
    json_reply(StatusCode::BAD_REQUEST, r#"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#)
}

async fn next(State(state): State<Arc<ApiState>>) -> Response {
    {
        let mut at = state.initialized_at.lock().unwrap_or_else(|e| e.into_inner());
        at.get_or_insert_with(Instant::now);
    }
    let inv = {
        let mut rx = state.invocations.lock().await;
        match rx.recv().await {
            Some(inv) => inv,
            None => {
                return json_reply(
                    StatusCode::GONE,
                    r#"{"errorMessage":"The execution environment is shutting down","errorType":"Runtime.Shutdown"}"#,
                );
            }
        }
    };
    let delivered = Instant::now();
    let deadline_ms = epoch_ms() + inv.timeout.as_millis() as i64;
    if let Some(line) = inv.start_line {
        state.sink.emit(line);
    }
    *state.current.lock().unwrap_or_else(|e| e.into_inner()) =
        Some(InFlight { request_id: inv.request_id.clone(), result: inv.result });
    let _ = inv.delivered.send(delivered);
    let mut headers = vec![
        ("content-type".to_string(), "application/json".to_string()),
        ("lambda-runtime-aws-request-id".to_string(), inv.request_id),
        ("lambda-runtime-deadline-ms".to_string(), deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn".to_string(), inv.invoked_function_arn),
        ("lambda-runtime-trace-id".to_string(), inv.trace_id),
    ];
    if let Some(cc) = inv.client_context {
        headers.push(("lambda-runtime-client-context".to_string(), cc));
    }
    let mut builder = Response::builder().status(StatusCode::OK);
    for (k, v) in headers {
        builder = builder.header(k, v);
    }
    builder
        .body(axum::body::Body::from(inv.payload))
        .unwrap_or_else(|_| json_reply(StatusCode::INTERNAL_SERVER_ERROR, r#"{"errorType":"InvalidHeader"}"#))
}

async fn response(State(state): State<Arc<ApiState>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(inflight) = state.take_current(&id) else { return invalid_request_id() };
    if body.len() > MAX_RESPONSE_BYTES {
        let _ = inflight.result.send(RuntimeResult::TooLarge);
        return json_reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                r#"{{"errorMessage":"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).","errorType":"RequestEntityTooLarge"}}"#
            ),
        );
    }
    let _ = inflight.result.send(RuntimeResult::Response(body.to_vec()));
    json_reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

fn error_type(headers: &HeaderMap) -> Option<String> {
    headers.get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok()).map(str::to_string)
}

async fn error(State(state): State<Arc<ApiState>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Some(inflight) = state.take_current(&id) else { return invalid_request_id() };
    let _ = inflight.result.send(RuntimeResult::Error { payload: body.to_vec() });
    json_reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

async fn init_error(State(state): State<Arc<ApiState>>, headers: HeaderMap, body: Bytes) -> Response {
    *state.init_error.lock().unwrap_or_else(|e| e.into_inner()) =
        Some(InitError { payload: body.to_vec(), error_type: error_type(&headers) });
    state.init_error_reported.notify_one();
    json_reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
}

fn epoch_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

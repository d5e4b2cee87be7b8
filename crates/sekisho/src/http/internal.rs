//! sekisho's own endpoints: health, the decision log that `sekisho explain` reads, counters, and a reset for
//! test suites. All but health pass the guard of `control.rs` first.

use super::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_sekisho/health", get(health))
        .route("/_sekisho/stats", get(stats))
        .route("/_sekisho/decisions", get(decisions))
        .route("/_sekisho/decisions/{request_id}", get(decision))
        // The reset endpoint of moto's server mode, so test suites written for moto can run against sekisho.
        .route("/moto-api/reset", post(reset))
        .route("/_sekisho/snapshot/save", post(snapshot_save))
        .route("/_sekisho/snapshot/restore", post(snapshot_restore))
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// The snapshot file a request names (`?path=`): a file on sekisho's machine, which only a caller trusted
/// with the control endpoints reaches.
fn snapshot_path(q: &HashMap<String, String>) -> Result<std::path::PathBuf, Response> {
    match q.get("path").filter(|p| !p.is_empty()) {
        Some(p) => Ok(p.into()),
        None => Err(json_response(
            StatusCode::BAD_REQUEST,
            json!({ "status": "error", "message": "name the snapshot file with ?path=FILE" }),
        )),
    }
}

/// Writes every record of the running world to one file (`sekisho snapshot save`).
async fn snapshot_save(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let path = match snapshot_path(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let door = state.door.clone();
    let started = std::time::Instant::now();
    let done = tokio::task::spawn_blocking(move || {
        let records = door.snapshot()?;
        sekisho_store::write_snapshot(&path, &records)?;
        Ok::<usize, String>(records.len())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match done {
        Ok(n) => json_response(
            StatusCode::OK,
            json!({ "status": "ok", "records": n, "milliseconds": started.elapsed().as_secs_f64() * 1000.0 }),
        ),
        Err(e) => json_response(StatusCode::INTERNAL_SERVER_ERROR, json!({ "status": "error", "message": e })),
    }
}

/// Resets the running world to a snapshot file, in the data directory too (test isolation).
async fn snapshot_restore(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let path = match snapshot_path(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let door = state.door.clone();
    let started = std::time::Instant::now();
    let done = tokio::task::spawn_blocking(move || {
        let records = sekisho_store::read_snapshot(&path)?;
        let n = records.len();
        door.restore(records)?;
        Ok::<usize, String>(n)
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match done {
        Ok(n) => json_response(
            StatusCode::OK,
            json!({ "status": "ok", "records": n, "milliseconds": started.elapsed().as_secs_f64() * 1000.0 }),
        ),
        Err(e) => json_response(StatusCode::BAD_REQUEST, json!({ "status": "error", "message": e })),
    }
}

async fn health(State(state): State<AppState>) -> Response {
    let body = json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "uptimeSeconds": state.started.elapsed().as_secs_f64(),
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// What sekisho holds: accounts, decision records, open connections. Tests use it to see that refused
/// requests leave nothing behind.
async fn stats(State(state): State<AppState>) -> Response {
    let (calls, refusals) = state.door.decisions().counts();
    let body = json!({
        "accounts": state.door.world().read().accounts.len(),
        "decisions": calls,
        "refusals": refusals,
        "connections": state.connections.count(),
        "maxConnections": state.connections.max,
    });
    ([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

async fn reset(State(state): State<AppState>) -> Response {
    if let Err(e) = state.door.reset() {
        let body = json!({ "status": "error", "message": e }).to_string();
        return (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    ([(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#).into_response()
}

async fn decisions(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(100usize);
    let records = state.door.decisions().recent(limit);
    let body = serde_json::to_string(&json!({ "decisions": records })).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn decision(
    State(state): State<AppState>,
    Path(request_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let log = state.door.decisions();
    let Some(record) = log.find(&request_id) else {
        return (StatusCode::NOT_FOUND, format!("no decision recorded for request {request_id}\n")).into_response();
    };
    let children = log.children(&request_id);
    if q.get("format").map(String::as_str) == Some("text") {
        let mut text = record.render();
        for child in &children {
            text.push_str("  made on its behalf:\n");
            for line in child.render().lines() {
                text.push_str(&format!("    {line}\n"));
            }
        }
        return ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response();
    }
    let body = serde_json::to_string(&json!({ "decision": record, "internalCalls": children })).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

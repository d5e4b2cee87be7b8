//! Packages for download: GetFunction's `Code.Location` and the layer `Content.Location` point at a small
//! listener on 127.0.0.1 that serves each package by its digest, as AWS's presigned S3 URLs serve them.

use crate::state::Code;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Known = Arc<Mutex<HashMap<String, Arc<Vec<u8>>>>>;

#[derive(Default)]
pub struct Packages {
    known: Known,
    base: tokio::sync::OnceCell<Option<String>>,
}

async fn serve(State(known): State<Known>, Path(file): Path<String>) -> Response {
    let digest = file.trim_end_matches(".zip");
    let zip = known.lock().unwrap_or_else(|e| e.into_inner()).get(digest).cloned();
    match zip {
        Some(bytes) => ([("content-type", "application/zip")], bytes.as_ref().clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "NoSuchKey").into_response(),
    }
}

impl Packages {
    /// The URL `code` can be downloaded from (the listener starts on first use).
    pub async fn location(&self, code: &Code) -> String {
        self.known.lock().unwrap_or_else(|e| e.into_inner()).insert(code.sha256_hex.clone(), code.zip.clone());
        let known = self.known.clone();
        let base = self
            .base
            .get_or_init(|| async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.ok()?;
                let addr = listener.local_addr().ok()?;
                let app =
                    axum::Router::new().route("/lambda-packages/{file}", axum::routing::get(serve)).with_state(known);
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
                Some(format!("http://{addr}/lambda-packages"))
            })
            .await;
        match base {
            Some(base) => format!("{base}/{}.zip", code.sha256_hex),
            None => String::new(),
        }
    }
}

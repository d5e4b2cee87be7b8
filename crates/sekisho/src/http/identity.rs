//! sekisho's endpoints for logging in as users and CI jobs do: the local OpenID Connect issuer (discovery,
//! JWKS, minting test tokens) and the current code of a virtual MFA device. Behind the control guard.

use super::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sekisho_core::oidc::mint::MintRequest;
use sekisho_core::{authz, ids};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Where the issuer's documents live, under sekisho's own endpoint.
pub const ISSUER_PATH: &str = "/_sekisho/oidc";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_sekisho/oidc/.well-known/openid-configuration", get(discovery))
        .route("/_sekisho/oidc/jwks", get(jwks))
        .route("/_sekisho/oidc/token", post(mint))
        .route("/_sekisho/mfa/code", get(mfa_code))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn failure(status: StatusCode, message: String) -> Response {
    json_response(status, json!({ "message": message }))
}

/// OpenID Connect Discovery 1.0: the issuer's metadata. Tokens minted here may carry any `iss` (a GitHub
/// Actions-shaped one by default); this document describes the issuer at sekisho's own URL.
async fn discovery(State(state): State<AppState>) -> Response {
    let base = format!("{}{ISSUER_PATH}", state.door.world().endpoint().unwrap_or("http://127.0.0.1:4566"));
    json_response(
        StatusCode::OK,
        json!({
            "issuer": base,
            "jwks_uri": format!("{base}/jwks"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "repository", "ref", "environment"],
        }),
    )
}

async fn jwks(State(state): State<AppState>) -> Response {
    let world = state.door.world().clone();
    // The key is made on first use, which takes a moment: off the async workers.
    match tokio::task::spawn_blocking(move || world.oidc_issuer()).await {
        Ok(Ok(key)) => json_response(StatusCode::OK, key.jwks()),
        Ok(Err(e)) => failure(StatusCode::INTERNAL_SERVER_ERROR, format!("no issuer key: {e}")),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// `POST /_sekisho/oidc/token` with a [`MintRequest`] (JSON, every member optional): `{"token": "..."}`.
async fn mint(State(state): State<AppState>, body: Bytes) -> Response {
    let request: MintRequest = if body.iter().all(u8::is_ascii_whitespace) {
        MintRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return failure(StatusCode::BAD_REQUEST, format!("not a token request: {e}")),
        }
    };
    let world = state.door.world().clone();
    let now = world.clock.now_ms().div_euclid(1000);
    let claims = request.claims(now, &ids::uuid_v4());
    match tokio::task::spawn_blocking(move || world.oidc_issuer().map(|k| k.sign(&claims))).await {
        Ok(Ok(token)) if !token.is_empty() => json_response(StatusCode::OK, json!({ "token": token })),
        Ok(Ok(_)) => failure(StatusCode::INTERNAL_SERVER_ERROR, "the issuer key cannot sign".into()),
        Ok(Err(e)) => failure(StatusCode::INTERNAL_SERVER_ERROR, format!("no issuer key: {e}")),
        Err(e) => failure(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// `GET /_sekisho/mfa/code?serial=<serial number>`: `{"code", "nextCode"}` of a virtual MFA device now.
async fn mfa_code(State(state): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(serial) = q.get("serial") else {
        return failure(StatusCode::BAD_REQUEST, "serial is required".into());
    };
    let world = state.door.world();
    let now = world.clock.now_ms();
    let codes = {
        let read = world.read();
        let device = authz::arn_account(serial)
            .and_then(|account| read.account(account))
            .and_then(|a| a.iam.mfa_devices.get(serial.as_str()));
        let Some(device) = device else {
            return failure(StatusCode::NOT_FOUND, format!("no MFA device {serial}"));
        };
        if !device.virtual_device {
            return failure(StatusCode::CONFLICT, format!("{serial} is a hardware device: its seed is the vendor's"));
        }
        device.current_codes(now)
    };
    match codes {
        Some((code, next)) => json_response(StatusCode::OK, json!({ "code": code, "nextCode": next })),
        None => failure(
            StatusCode::CONFLICT,
            "the codes near now were used already: ask again in the next 30-second step".into(),
        ),
    }
}

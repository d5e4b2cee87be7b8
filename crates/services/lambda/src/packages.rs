//! Packages for download: GetFunction's `Code.Location` and the layer `Content.Location` point at a small
//! listener on 127.0.0.1 that serves a package only with the unguessable token issued in its URL, for 10
//! minutes, as AWS's presigned S3 URLs do; refusals are S3's XML errors.

use crate::state::Code;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use sekisho_core::World;
use sekisho_wire::sigv4::{format_amz_date, parse_amz_date};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// How long a package URL works. Source: the Lambda API reference, FunctionCodeLocation.Location: "The
/// presigned URL you can use to download the function's .zip file that you previously uploaded. The URL
/// is valid for up to 10 minutes."
pub const URL_LIFETIME_SECS: i64 = 600;

type HmacSha256 = Hmac<sha2::Sha256>;

struct Inner {
    world: Arc<World>,
    /// Signs the URLs; random per process, so URLs never outlive the sekisho that issued them.
    key: [u8; 32],
    /// Packages by hex digest. Weak: a package stays downloadable while a function or layer holds it.
    known: Mutex<HashMap<String, Weak<Vec<u8>>>>,
}

pub struct Packages {
    inner: Arc<Inner>,
    base: tokio::sync::OnceCell<Option<String>>,
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    if getrandom::fill(&mut key).is_err() {
        // No OS randomness: sekisho's id generator (seeded per thread) still keeps the key unpredictable.
        for chunk in key.chunks_mut(16) {
            let id = sekisho_core::ids::uuid_v4().replace('-', "");
            for (b, pair) in chunk.iter_mut().zip(id.as_bytes().chunks(2)) {
                *b = std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()).unwrap_or(0);
            }
        }
    }
    key
}

impl Inner {
    fn signature(&self, digest: &str, date: &str, expires: &str) -> Option<String> {
        let mut mac = HmacSha256::new_from_slice(&self.key).ok()?;
        mac.update(format!("{digest}\n{date}\n{expires}").as_bytes());
        Some(mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// S3's error document.
fn s3_error(status: StatusCode, code: &str, message: &str, extra: &[(&str, String)]) -> Response {
    let mut body =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>");
    for (k, v) in extra {
        body.push_str(&format!("<{k}>{v}</{k}>"));
    }
    body.push_str(&format!("<RequestId>{}</RequestId></Error>", sekisho_core::ids::request_id()));
    (status, [("content-type", "application/xml")], body).into_response()
}

fn access_denied() -> Response {
    s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied", &[])
}

/// Same answer time whatever the first differing byte.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn serve(
    State(inner): State<Arc<Inner>>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let digest = file.trim_end_matches(".zip");
    let (Some(date), Some(expires), Some(signature)) =
        (q.get("X-Amz-Date"), q.get("X-Amz-Expires"), q.get("X-Amz-Signature"))
    else {
        return access_denied();
    };
    let expected = inner.signature(digest, date, expires).unwrap_or_default();
    if expected.is_empty() || !same(&expected, signature) {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            &[],
        );
    }
    let (Some(issued), Ok(lifetime)) = (parse_amz_date(date), expires.parse::<i64>()) else {
        return access_denied();
    };
    let now = inner.world.clock.now_secs();
    if now > issued + lifetime {
        let iso = |t: i64| sekisho_core::clock::iso8601(t);
        return s3_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Request has expired",
            &[("X-Amz-Expires", expires.clone()), ("Expires", iso(issued + lifetime)), ("ServerTime", iso(now))],
        );
    }
    let zip = inner.known.lock().unwrap_or_else(|e| e.into_inner()).get(digest).and_then(Weak::upgrade);
    match zip {
        Some(bytes) => ([("content-type", "application/zip")], bytes.as_ref().clone()).into_response(),
        None => s3_error(StatusCode::NOT_FOUND, "NoSuchKey", "The specified key does not exist.", &[]),
    }
}

impl Packages {
    pub fn new(world: Arc<World>) -> Packages {
        let inner = Inner { world, key: random_key(), known: Mutex::new(HashMap::new()) };
        Packages { inner: Arc::new(inner), base: tokio::sync::OnceCell::new() }
    }

    /// A URL `code` can be downloaded from for the next 10 minutes (the listener starts on first use).
    pub async fn location(&self, code: &Code) -> String {
        {
            let mut known = self.inner.known.lock().unwrap_or_else(|e| e.into_inner());
            known.retain(|_, w| w.strong_count() > 0);
            known.insert(code.sha256_hex.clone(), Arc::downgrade(&code.zip));
        }
        let inner = self.inner.clone();
        let base = self
            .base
            .get_or_init(|| async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.ok()?;
                let addr = listener.local_addr().ok()?;
                let app =
                    axum::Router::new().route("/lambda-packages/{file}", axum::routing::get(serve)).with_state(inner);
                tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
                Some(format!("http://{addr}/lambda-packages"))
            })
            .await;
        let Some(base) = base else { return String::new() };
        let date = format_amz_date(self.inner.world.clock.now_secs());
        let expires = URL_LIFETIME_SECS.to_string();
        let signature = self.inner.signature(&code.sha256_hex, &date, &expires).unwrap_or_default();
        format!(
            "{base}/{}.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}",
            code.sha256_hex
        )
    }
}

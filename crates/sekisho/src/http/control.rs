//! Who may use sekisho's own endpoints (`/_sekisho/` but health, `/moto-api/`): never a cross-origin browser
//! page, never a DNS-rebound name, and off loopback only a client holding the start-up token.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The header that carries the token besides `Authorization: Bearer`.
pub const TOKEN_HEADER: &str = "x-sekisho-token";

pub struct Guard {
    token: String,
    /// The server listens on a loopback address only.
    loopback_only: bool,
    /// `--host` / `[server] host`: a name clients may use besides the loopback ones.
    configured_host: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: &'static str,
}

impl Guard {
    pub fn new(token: String, loopback_only: bool, configured_host: Option<String>) -> Self {
        let configured_host = configured_host.map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase());
        Guard { token, loopback_only, configured_host }
    }

    /// Whether an AWS request may proceed: no SDK sends `Origin` or fetch metadata, so a request that
    /// carries a foreign one is a web page's doing (an `<img>` with a presigned URL, a form, a fetch signed
    /// with a well-known root key), and while sekisho listens on loopback only, a `Host` that names neither
    /// loopback, the configured host nor an AWS domain is a DNS-rebound page.
    pub fn check_aws(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let host = get("host");
        cross_site(host, get("origin"), get("sec-fetch-site"))
            .map_err(|()| refuse(403, "requests from another site's web page are refused"))?;
        if self.loopback_only
            && let Some(h) = host
            && !self.is_own_host(h)
            && !is_aws_host(h)
        {
            return Err(refuse(
                403,
                "the Host header names neither loopback, sekisho's configured host nor an AWS domain",
            ));
        }
        Ok(())
    }

    /// Whether a request to a control endpoint may proceed.
    pub fn check(&self, method: &Method, headers: &HeaderMap, peer: IpAddr) -> Result<(), Refusal> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let host = get("host");
        cross_site(host, get("origin"), get("sec-fetch-site"))
            .map_err(|()| refuse(403, "cross-origin requests to sekisho's own endpoints are refused"))?;
        match presented_token(headers) {
            Some(t) if constant_time_eq(t.as_bytes(), self.token.as_bytes()) => return Ok(()),
            Some(_) => return Err(refuse(401, "the token does not match sekisho's token")),
            None => {}
        }
        if !self.loopback_only || !peer.to_canonical().is_loopback() {
            return Err(refuse(
                401,
                "off loopback, sekisho's own endpoints need its token (Authorization: Bearer <token> or \
                 X-Sekisho-Token): see the serve command's standard error, [server] token or SEKISHO_TOKEN",
            ));
        }
        // A page of a name the attacker controls, rebound to 127.0.0.1, still sends its own name.
        if let Some(h) = host
            && !self.is_own_host(h)
        {
            return Err(refuse(403, "the Host header names neither loopback nor sekisho's configured host"));
        }
        // A same-origin page still needs what a plain form or a simple fetch cannot send to change anything.
        let mutation = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if mutation && get("origin").is_some() && get("content-type").is_none_or(is_simple_content_type) {
            return Err(refuse(403, "a browser request that changes state must send Content-Type: application/json"));
        }
        Ok(())
    }

    fn is_own_host(&self, authority: &str) -> bool {
        let name = host_name(authority).trim_end_matches('.').to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            return ip.to_canonical().is_loopback();
        }
        self.configured_host.as_deref().is_some_and(|c| c == name)
    }
}

/// The middleware: control endpoints pass the guard; AWS requests only the web-page checks (they are signed);
/// health tells nothing and always answers.
pub async fn guard(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let verdict = if is_control_path(path) {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        guard.check(req.method(), req.headers(), peer.unwrap_or(IpAddr::from([0, 0, 0, 0])))
    } else if path == "/_sekisho/health" {
        Ok(())
    } else {
        guard.check_aws(req.headers())
    };
    match verdict {
        Ok(()) => next.run(req).await,
        Err(r) => {
            let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::FORBIDDEN);
            let body = serde_json::json!({ "message": r.message }).to_string();
            let mut response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
            *response.status_mut() = status;
            if r.status == 401 {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            response
        }
    }
}

pub fn is_control_path(path: &str) -> bool {
    (path.starts_with("/_sekisho/") && path != "/_sekisho/health") || path.starts_with("/moto-api/")
}

fn presented_token(headers: &HeaderMap) -> Option<&str> {
    if let Some(t) = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(t.trim());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = auth.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The host part of a Host header: `127.0.0.1:4566`, `[::1]:4566`, `localhost`.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    }
}

/// The content types a cross-origin page may send without asking first (the CORS-safelisted ones).
fn is_simple_content_type(value: &str) -> bool {
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    matches!(essence.as_str(), "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain")
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A browser request from another site. Browsers send `Origin` on every cross-origin request and on every
/// POST; same origin is the scheme and authority the request was sent to (`null`, from sandboxed pages and
/// files, is not). Fetch metadata, where browsers send it, marks even requests without `Origin` (an `<img>`):
/// anything but the user's own navigation or a same-origin page is another site's doing.
fn cross_site(host: Option<&str>, origin: Option<&str>, fetch_site: Option<&str>) -> Result<(), ()> {
    if let Some(origin) = origin
        && !host.is_some_and(|h| origin.eq_ignore_ascii_case(&format!("http://{h}")))
    {
        return Err(());
    }
    if fetch_site.is_some_and(|s| !s.eq_ignore_ascii_case("same-origin") && !s.eq_ignore_ascii_case("none")) {
        return Err(());
    }
    Ok(())
}

/// AWS's own domains, which clients of `sekisho exec` and gateway URLs name.
fn is_aws_host(authority: &str) -> bool {
    let name = host_name(authority).trim_end_matches('.').to_ascii_lowercase();
    ["amazonaws.com", "amazonaws.com.cn", "api.aws"]
        .iter()
        .any(|d| name.strip_suffix(d).is_some_and(|rest| rest.is_empty() || rest.ends_with('.')))
}

fn refuse(status: u16, message: &'static str) -> Refusal {
    Refusal { status, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    fn loopback() -> Guard {
        Guard::new("t0ken".into(), true, None)
    }

    #[test]
    fn scripts_on_loopback_pass_without_token() {
        let g = loopback();
        // moto-based suites: a bare POST, no Origin, no content type.
        assert_eq!(g.check(&Method::POST, &headers(&[("host", "127.0.0.1:4566")]), LOCAL), Ok(()));
        assert_eq!(g.check(&Method::GET, &headers(&[("host", "localhost:4566")]), LOCAL), Ok(()));
        assert_eq!(g.check(&Method::GET, &headers(&[("host", "[::1]:4566")]), "::1".parse().unwrap()), Ok(()));
        assert_eq!(g.check(&Method::GET, &headers(&[]), LOCAL), Ok(()));
    }

    #[test]
    fn aws_requests_from_web_pages_or_rebound_names_are_refused() {
        let g = loopback();
        // SDKs and the CLI: no Origin, no fetch metadata, a loopback or AWS host.
        assert_eq!(g.check_aws(&headers(&[("host", "127.0.0.1:4566")])), Ok(()));
        assert_eq!(g.check_aws(&headers(&[("host", "localhost:4566")])), Ok(()));
        assert_eq!(g.check_aws(&headers(&[("host", "sts.ap-northeast-1.amazonaws.com")])), Ok(()));
        assert_eq!(g.check_aws(&headers(&[("host", "abc.gateway.bedrock-agentcore.us-east-1.amazonaws.com")])), Ok(()));
        // An <img> with a presigned URL: no Origin, but fetch metadata says cross-site.
        let img = headers(&[("host", "127.0.0.1:4566"), ("sec-fetch-site", "cross-site")]);
        assert_eq!(g.check_aws(&img).map_err(|r| r.status), Err(403));
        // A fetch from another origin, signed with a well-known root key.
        let fetch = headers(&[("host", "127.0.0.1:4566"), ("origin", "https://evil.example")]);
        assert_eq!(g.check_aws(&fetch).map_err(|r| r.status), Err(403));
        // A DNS-rebound page, and a name that only ends like AWS's.
        assert_eq!(g.check_aws(&headers(&[("host", "rebind.evil.example:4566")])).map_err(|r| r.status), Err(403));
        assert_eq!(g.check_aws(&headers(&[("host", "evilamazonaws.com:4566")])).map_err(|r| r.status), Err(403));
        // Bound off loopback, any name may reach sekisho; web pages are still refused.
        let open = Guard::new("t0ken".into(), false, None);
        assert_eq!(open.check_aws(&headers(&[("host", "devbox.lan:4566")])), Ok(()));
        assert_eq!(
            open.check_aws(&headers(&[("host", "devbox.lan:4566"), ("sec-fetch-site", "same-site")]))
                .map_err(|r| r.status),
            Err(403)
        );
    }

    #[test]
    fn browsers_elsewhere_are_refused() {
        let g = loopback();
        let cross = headers(&[("host", "127.0.0.1:4566"), ("origin", "http://evil.example")]);
        assert_eq!(g.check(&Method::POST, &cross, LOCAL).map_err(|r| r.status), Err(403));
        let null = headers(&[("host", "127.0.0.1:4566"), ("origin", "null")]);
        assert_eq!(g.check(&Method::POST, &null, LOCAL).map_err(|r| r.status), Err(403));
        // Another local port is another origin.
        let port = headers(&[("host", "127.0.0.1:4566"), ("origin", "http://127.0.0.1:3000")]);
        assert_eq!(g.check(&Method::GET, &port, LOCAL).map_err(|r| r.status), Err(403));
        let site = headers(&[("host", "127.0.0.1:4566"), ("sec-fetch-site", "cross-site")]);
        assert_eq!(g.check(&Method::GET, &site, LOCAL).map_err(|r| r.status), Err(403));
        // DNS rebinding: the page's own name in Host.
        let rebound = headers(&[("host", "attacker.example:4566")]);
        assert_eq!(g.check(&Method::GET, &rebound, LOCAL).map_err(|r| r.status), Err(403));
    }

    #[test]
    fn same_origin_pages_need_a_non_simple_request_to_change_state() {
        let g = loopback();
        let form =
            headers(&[("host", "127.0.0.1:4566"), ("origin", "http://127.0.0.1:4566"), ("content-type", "text/plain")]);
        assert_eq!(g.check(&Method::POST, &form, LOCAL).map_err(|r| r.status), Err(403));
        let json = headers(&[
            ("host", "127.0.0.1:4566"),
            ("origin", "http://127.0.0.1:4566"),
            ("content-type", "application/json"),
        ]);
        assert_eq!(g.check(&Method::POST, &json, LOCAL), Ok(()));
        let read = headers(&[("host", "localhost:4566"), ("origin", "http://localhost:4566")]);
        assert_eq!(g.check(&Method::GET, &read, LOCAL), Ok(()));
    }

    #[test]
    fn off_loopback_the_token_is_required() {
        let g = Guard::new("t0ken".into(), false, Some("0.0.0.0".into()));
        let bare = headers(&[("host", "127.0.0.1:4566")]);
        assert_eq!(g.check(&Method::GET, &bare, LOCAL).map_err(|r| r.status), Err(401));
        let wrong = headers(&[("host", "10.0.0.5:4566"), ("x-sekisho-token", "nope")]);
        assert_eq!(g.check(&Method::GET, &wrong, LOCAL).map_err(|r| r.status), Err(401));
        let bearer = headers(&[("host", "10.0.0.5:4566"), ("authorization", "Bearer t0ken")]);
        assert_eq!(g.check(&Method::POST, &bearer, "10.0.0.9".parse().unwrap()), Ok(()));
        let header = headers(&[("host", "10.0.0.5:4566"), ("x-sekisho-token", "t0ken")]);
        assert_eq!(g.check(&Method::GET, &header, "10.0.0.9".parse().unwrap()), Ok(()));
        // Bound to loopback but reached from elsewhere (a forwarded port): the token too.
        let g = loopback();
        assert_eq!(g.check(&Method::GET, &bare, "10.0.0.9".parse().unwrap()).map_err(|r| r.status), Err(401));
    }

    #[test]
    fn the_configured_host_is_accepted() {
        let g = Guard::new("t".into(), true, Some("sekisho.internal".into()));
        assert_eq!(g.check(&Method::GET, &headers(&[("host", "Sekisho.Internal:4566")]), LOCAL), Ok(()));
    }

    #[test]
    fn health_is_open_and_aws_paths_are_not_control_paths() {
        assert!(!is_control_path("/_sekisho/health"));
        assert!(is_control_path("/_sekisho/decisions"));
        assert!(is_control_path("/moto-api/reset"));
        assert!(!is_control_path("/2015-03-31/functions"));
    }
}

//! The HTTP CONNECT proxy `sekisho exec` points programs at, on serve's own port: TLS to AWS host names is
//! terminated with a leaf of the local CA and the inner requests go to the normal router; others are tunnelled.

pub mod ca;
mod tls;

use axum::body::Body;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// What the proxy does with a CONNECT to a host outside AWS's domains (`[exec] other_hosts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherHosts {
    /// Open a plain TCP tunnel to it (the default, so package installs and the like keep working).
    Tunnel,
    /// Answer 403: an exec'd program reaches AWS (sekisho) and nothing else.
    Refuse,
}

/// Which exec'd process a proxied connection comes from: the user of the proxy URL's credentials
/// (`http://<client>:<secret>@host:port`), kept on each inner request for [vpc] to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyClient(pub String);

pub struct Proxy {
    ca_dir: PathBuf,
    /// Made on first use, so a `serve` that never proxies leaves no CA behind.
    tls: OnceLock<Result<tls::Terminator, String>>,
    other_hosts: OtherHosts,
    header_read_timeout: Duration,
}

impl Proxy {
    pub fn new(ca_dir: PathBuf, other_hosts: OtherHosts, header_read_timeout: Duration) -> Arc<Proxy> {
        Arc::new(Proxy { ca_dir, tls: OnceLock::new(), other_hosts, header_read_timeout })
    }

    fn terminator(&self) -> Result<&tls::Terminator, String> {
        self.tls.get_or_init(|| tls::Terminator::new(&self.ca_dir)).as_ref().map_err(Clone::clone)
    }

    /// The CA certificate (PEM) that clients must trust, made now if it does not exist yet.
    pub fn ca_pem(&self) -> Result<String, String> {
        Ok(self.terminator()?.ca_pem().to_string())
    }

    /// Answers a CONNECT: 200 and then, on the upgraded connection, TLS and the router (AWS names) or a
    /// tunnel (others, unless refused).
    pub fn connect(self: &Arc<Self>, req: hyper::Request<Incoming>, peer: SocketAddr, app: axum::Router) -> Response {
        let Some(authority) = req.uri().authority().cloned() else {
            return plain(400, "CONNECT needs host:port");
        };
        let host = authority.host().trim_matches(['[', ']']).to_string();
        let port = authority.port_u16().unwrap_or(443);
        let client = proxy_client(req.headers());
        let aws = ca::is_aws_name(&host);
        if !aws && self.other_hosts == OtherHosts::Refuse {
            return plain(403, "sekisho's proxy reaches AWS host names only ([exec] other_hosts = \"refuse\")");
        }
        if aws && let Err(e) = self.terminator() {
            eprintln!("sekisho: the exec proxy cannot terminate TLS: {e}");
            return plain(502, "sekisho's local CA is unavailable; see sekisho's standard error");
        }
        let proxy = self.clone();
        tokio::spawn(async move {
            let Ok(upgraded) = hyper::upgrade::on(req).await else {
                return;
            };
            let io = TokioIo::new(upgraded);
            if aws {
                proxy.serve_tls(io, peer, client, app).await;
            } else {
                tunnel(io, &host, port).await;
            }
        });
        Response::new(Body::empty())
    }

    async fn serve_tls(
        &self,
        io: TokioIo<hyper::upgrade::Upgraded>,
        peer: SocketAddr,
        client: Option<ProxyClient>,
        app: axum::Router,
    ) {
        use tower_service::Service;
        let Ok(terminator) = self.terminator() else {
            return;
        };
        // A failed handshake (a client that does not trust the CA, no SNI) ends here: the client has had
        // TLS's alert, as from any server whose certificate it refuses.
        let Ok(stream) = terminator.accept(io).await else {
            return;
        };
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            if let Some(c) = &client {
                req.extensions_mut().insert(c.clone());
            }
            app.clone().call(req)
        });
        let mut http1 = hyper::server::conn::http1::Builder::new();
        http1.timer(TokioTimer::new()).header_read_timeout(self.header_read_timeout);
        let _ = http1.serve_connection(TokioIo::new(stream), service).await;
    }
}

/// The client named in `Proxy-Authorization: Basic base64(client:secret)`.
fn proxy_client(headers: &hyper::HeaderMap) -> Option<ProxyClient> {
    use base64::Engine;
    let value = headers.get(hyper::header::PROXY_AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let user = text.split_once(':').map_or(text.as_str(), |(u, _)| u);
    (!user.is_empty()).then(|| ProxyClient(user.to_string()))
}

async fn tunnel(mut io: TokioIo<hyper::upgrade::Upgraded>, host: &str, port: u16) {
    let Ok(mut upstream) = tokio::net::TcpStream::connect((host, port)).await else {
        return;
    };
    let _ = tokio::io::copy_bidirectional(&mut io, &mut upstream).await;
}

fn plain(status: u16, message: &str) -> Response {
    let mut r = Response::new(Body::from(format!("{message}\n")));
    *r.status_mut() = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_user_of_the_proxy_credentials() {
        let mut h = hyper::HeaderMap::new();
        assert_eq!(proxy_client(&h), None);
        h.insert(hyper::header::PROXY_AUTHORIZATION, "Basic ZXhlYy0xOnNlY3JldA==".parse().unwrap());
        assert_eq!(proxy_client(&h), Some(ProxyClient("exec-1".into())));
        h.insert(hyper::header::PROXY_AUTHORIZATION, "Bearer x".parse().unwrap());
        assert_eq!(proxy_client(&h), None);
    }
}

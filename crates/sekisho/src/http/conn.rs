//! One client connection, from any byte stream (plain TCP or decrypted TLS): HTTP/2 when it opens with the
//! HTTP/2 preface (prior knowledge, or TLS with ALPN `h2`), HTTP/1.1 otherwise; requests go to the router.

use axum::Router;
use bytes::{Buf, Bytes, BytesMut};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// What every HTTP/2 connection opens with (RFC 9113 §3.4); an HTTP/1.1 request can never start so.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Requests one HTTP/2 connection may have open at once; a client opening more gets `REFUSED_STREAM` for
/// them. AWS documents no figure; SDK pools open far fewer per connection (Node's default is 100, RFC 9113
/// recommends no fewer than 100).
pub const MAX_CONCURRENT_STREAMS: u32 = 128;
/// Largest header block (decoded, as RFC 9113 §6.5.2 counts it) an HTTP/2 request may send; a bigger one
/// is refused with `431`. A SigV4 request with a session token needs a few KiB; AWS documents no figure.
pub const MAX_HEADER_LIST_BYTES: u32 = 64 * 1024;

/// How connections are served, shared by every connection of a listener.
#[derive(Clone)]
pub struct Protocols {
    http1: hyper::server::conn::http1::Builder,
    http2: hyper::server::conn::http2::Builder<TokioExecutor>,
    /// How long a client has to start a request: the headers of HTTP/1.1, any frame of an idle HTTP/2
    /// connection, the first bytes of a new connection.
    header_read_timeout: Duration,
}

impl Protocols {
    pub fn new(header_read_timeout: Duration) -> Self {
        let mut http1 = hyper::server::conn::http1::Builder::new();
        // Without a timer hyper enforces no header timeout at all: a client sending a byte a second would hold
        // its connection forever.
        http1.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
        let mut http2 = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
            .max_header_list_size(MAX_HEADER_LIST_BYTES);
        Protocols { http1, http2, header_read_timeout }
    }
}

/// Tells connections to finish: after [`Closer::close`] each one stops taking requests and closes once its
/// open ones are answered (idle HTTP/1.1 connections at once, HTTP/2 ones with GOAWAY).
#[derive(Clone)]
pub struct Shutdown(tokio::sync::watch::Receiver<bool>);

/// The other end of every [`Shutdown`].
pub struct Closer(tokio::sync::watch::Sender<bool>);

/// A pair: hand the [`Shutdown`] (cloned) to every connection, keep the [`Closer`].
pub fn shutdown() -> (Closer, Shutdown) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    (Closer(tx), Shutdown(rx))
}

impl Closer {
    /// Asks every connection to finish, and resolves once all of them have (bound it with a timeout).
    pub async fn close(self) {
        self.0.send_replace(true);
        self.0.closed().await;
    }
}

/// Serves one connection until it closes, or until shutdown has let its requests finish. `peer` becomes the
/// requests' `ConnectInfo` (their source IP for policy conditions). With `proxy`, an HTTP/1.1 `CONNECT` is
/// handed to it (the tunnel `sekisho exec` uses; HTTP/2 has no upgrade to carry one).
pub async fn serve<I>(
    io: I,
    peer: SocketAddr,
    app: Router,
    protocols: Protocols,
    shutdown: Shutdown,
    proxy: Option<Arc<crate::proxy::Proxy>>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let sniffed = tokio::time::timeout(protocols.header_read_timeout, sniff(io)).await;
    let Ok(Ok((prefix, is_h2, io))) = sniffed else {
        return;
    };
    let io = TokioIo::new(Prefixed { prefix, io });
    let activity = Activity::default();
    let seen = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let routed = match &proxy {
            Some(proxy) if req.method() == hyper::Method::CONNECT => Ok(proxy.connect(req, peer, app.clone())),
            _ => Err(req),
        };
        let mut app = app.clone();
        let answered = async move {
            match routed {
                Ok(tunnel) => Ok(tunnel),
                Err(req) => tower_service::Service::call(&mut app, prepare(req, peer)).await,
            }
        };
        seen.watch(answered)
    });
    if is_h2 {
        let conn = Box::pin(protocols.http2.serve_connection(io, service));
        let idle = Some((activity, protocols.header_read_timeout));
        drive(conn, hyper::server::conn::http2::Connection::graceful_shutdown, idle, shutdown).await;
    } else {
        // HTTP/1.1 idle connections are closed by hyper's header timer.
        // Upgrades carry CONNECT's tunnel (see `proxy`).
        let conn = Box::pin(protocols.http1.serve_connection(io, service).with_upgrades());
        drive(conn, hyper::server::conn::http1::UpgradeableConnection::graceful_shutdown, None, shutdown).await;
    }
}

/// What keeps an HTTP/2 connection from being idle: a request arriving, a request being computed, a response
/// body sending a frame. Bytes alone do not count: a client trickling a header block or pinging is idle.
#[derive(Clone, Default)]
struct Activity(Arc<ActivityInner>);

#[derive(Default)]
struct ActivityInner {
    moved: AtomicBool,
    in_flight: AtomicUsize,
}

impl Activity {
    fn mark(&self) {
        self.0.moved.store(true, Ordering::Relaxed);
    }

    /// Whether the connection was idle since the last look (and forgets what it saw).
    fn idle_since_last_look(&self) -> bool {
        let moved = self.0.moved.swap(false, Ordering::Relaxed);
        !moved && self.0.in_flight.load(Ordering::Acquire) == 0
    }

    /// The router's answer, counted in flight until it is ready, its body noting each frame it sends.
    fn watch<F>(&self, answered: F) -> impl Future<Output = Result<axum::response::Response, Infallible>> + use<F>
    where
        F: Future<Output = Result<axum::response::Response, Infallible>>,
    {
        self.mark();
        self.0.in_flight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(self.clone());
        async move {
            let response = answered.await;
            let activity = guard.0.clone();
            drop(guard);
            response.map(|r| r.map(|body| axum::body::Body::new(Noted { body, activity })))
        }
    }
}

/// One request being computed; dropped when its answer is ready (or the client went away).
struct InFlight(Activity);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that marks the connection active with each frame it yields (a long event stream).
struct Noted {
    body: axum::body::Body,
    activity: Activity,
}

impl hyper::body::Body for Noted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        let frame = ready!(Pin::new(&mut self.body).poll_frame(cx));
        if frame.is_some() {
            self.activity.mark();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

/// Polls a connection to its end, closing it gracefully on shutdown or, given `idle`, once it has been idle
/// (see [`Activity`]) for a whole period: hyper's HTTP/2 server has no header timeout, and this keeps the
/// HTTP/1.1 guarantee that an idle or stalled connection gives its slot back (after one to two periods).
/// A client that does not complete the graceful close (it must answer a PING) is dropped after one more
/// idle period.
async fn drive<C: Future>(
    mut conn: Pin<Box<C>>,
    close: impl Fn(Pin<&mut C>),
    idle: Option<(Activity, Duration)>,
    mut shutdown: Shutdown,
) {
    let mut closing = false;
    let period = idle.as_ref().map_or(Duration::MAX, |(_, p)| *p);
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = shutdown.0.wait_for(|closed| *closed), if !closing => {
                closing = true;
                close(conn.as_mut());
            }
            () = tokio::time::sleep(period), if idle.is_some() => {
                if idle.as_ref().is_some_and(|(activity, _)| activity.idle_since_last_look()) {
                    if closing {
                        return;
                    }
                    closing = true;
                    close(conn.as_mut());
                }
            }
        }
    }
}

/// What the router expects of every request, whatever the protocol: the peer address, and a `Host` header
/// (HTTP/2 carries the host in `:authority` instead, RFC 9113 §8.3.1; SigV4 signs it as `host`).
fn prepare(mut req: hyper::Request<hyper::body::Incoming>, peer: SocketAddr) -> hyper::Request<hyper::body::Incoming> {
    req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
    if !req.headers().contains_key(hyper::header::HOST)
        && let Some(authority) = req.uri().authority()
        && let Ok(value) = hyper::header::HeaderValue::from_str(authority.as_str())
    {
        req.headers_mut().insert(hyper::header::HOST, value);
    }
    req
}

/// Reads until the first bytes show the protocol: the whole HTTP/2 preface, or a byte that differs from it.
async fn sniff<I: AsyncRead + Unpin>(mut io: I) -> std::io::Result<(Bytes, bool, I)> {
    let mut buf = BytesMut::with_capacity(PREFACE.len());
    loop {
        let n = io.read_buf(&mut buf).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let seen = buf.len().min(PREFACE.len());
        if buf[..seen] != PREFACE[..seen] {
            return Ok((buf.freeze(), false, io));
        }
        if seen == PREFACE.len() {
            return Ok((buf.freeze(), true, io));
        }
    }
}

/// The connection's byte stream with the sniffed bytes put back in front.
struct Prefixed<I> {
    prefix: Bytes,
    io: I,
}

impl<I: AsyncRead + Unpin> AsyncRead for Prefixed<I> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Prefixed<I> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

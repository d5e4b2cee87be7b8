//! `sekisho serve`: start the world and the door, listen, print one ready line, stop cleanly on a signal.

use super::{option, parse_options};
use crate::http::{Connections, Settings, conn, control};
use crate::proxy::{OtherHosts, Proxy};
use sekisho_core::World;
use sekisho_core::config::Config;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

pub fn run(args: &[String]) -> Result<(), String> {
    let (options, positional) = parse_options(args, &["host", "port", "config", "data-dir", "from-snapshot"])?;
    if let Some(p) = positional.first() {
        return Err(format!("unexpected argument {p:?}"));
    }
    let mut config = match option(&options, "config") {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            Config::parse(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Config::defaults(),
    };
    if let Some(dir) = option(&options, "data-dir") {
        config.storage.dir = Some(dir.into());
    }
    let storage = Storage {
        dir: config.storage.dir.clone(),
        from_snapshot: option(&options, "from-snapshot").map(std::path::PathBuf::from),
    };
    let host = option(&options, "host").map(str::to_string).or_else(|| config.server.host.clone());
    let host = host.unwrap_or_else(|| "127.0.0.1".to_string());
    let port = match option(&options, "port") {
        Some(p) => p.parse::<u16>().map_err(|_| format!("--port: not a port number: {p:?}"))?,
        None => config.server.port.unwrap_or(4566),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let served = runtime.block_on(serve(host, port, config, storage));
    // Dropping the runtime would wait for every blocking task, an engine step still evaluating included;
    // the process leaves them behind instead, so a signal always ends it within its grace period.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    served
}

/// Connections open at once unless `[server] max_connections` says otherwise: far more than SDK connection
/// pools open, few enough that file descriptors and per-connection buffers stay bounded.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long a client has to send a request's headers, counted from when the connection starts waiting for
/// them: hyper's header timer also runs on an idle keep-alive connection, so this closes those too. As long
/// as the idle timeout SDKs commonly use, so a pooled connection is not closed under a client about to reuse it.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections over the cap being answered at once; more are closed without an answer.
const MAX_REFUSALS_IN_FLIGHT: usize = 64;
/// How long a refused connection is drained after its 503, so the client reads the answer before the close.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// How the accept loop treats connections.
struct Limits {
    max_connections: usize,
    header_read_timeout: Duration,
}

/// Where the world comes from and goes to.
struct Storage {
    dir: Option<std::path::PathBuf>,
    from_snapshot: Option<std::path::PathBuf>,
}

async fn serve(host: String, port: u16, config: Config, storage: Storage) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let max_body = config.server.max_body_bytes.unwrap_or(crate::http::DEFAULT_MAX_BODY);
    let limits = Limits {
        max_connections: config.server.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS).max(1),
        header_read_timeout: config
            .server
            .header_read_timeout_secs
            .map_or(DEFAULT_HEADER_READ_TIMEOUT, |s| Duration::from_secs(s.max(1))),
    };
    let loopback_only = addr.ip().is_loopback();
    let (ca_dir, other_hosts) = exec_settings(&config)?;
    let token = control_token(&config, loopback_only)?;
    let world = Arc::new(World::new(config));
    let shown = if addr.ip().is_ipv6() { format!("[{}]", addr.ip()) } else { addr.ip().to_string() };
    world.set_endpoint(format!("http://{shown}:{}", addr.port()));
    let door = crate::services::door(world)?;
    let persistence = crate::storage::open(&door, storage.dir.as_deref(), storage.from_snapshot.as_deref())?;
    let connections = Connections::new(limits.max_connections);
    let guard = control::Guard::new(token, loopback_only, Some(host));
    let proxy = Proxy::new(ca_dir, other_hosts, limits.header_read_timeout);
    let settings = Settings { max_body, guard, connections: connections.clone(), proxy: proxy.clone() };
    let app = crate::http::router(door, settings);
    // Signal handlers are installed before the ready line, so a signal sent right after it stops us cleanly.
    let shutdown = shutdown_signal()?;
    let shown_host = if addr.ip().is_ipv6() { format!("[{}]", addr.ip()) } else { addr.ip().to_string() };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "sekisho listening on http://{shown_host}:{}", addr.port());
        let _ = out.flush();
    }
    let served = accept_loop(listener, app, proxy, connections, limits, shutdown).await;
    if let Some(p) = persistence {
        // What is left is the decision log's tail: every acknowledged change is already durable.
        p.flush().await.map_err(|e| format!("writing the data directory at shutdown: {e}"))?;
    }
    served
}

/// Where the proxy's CA lives (`[storage] dir`/ca, else the per-user data directory) and what it does with
/// hosts outside AWS (`[exec] other_hosts`: "tunnel", the default, or "refuse").
fn exec_settings(config: &Config) -> Result<(std::path::PathBuf, OtherHosts), String> {
    let ca_dir = crate::proxy::ca::directory(config.storage.dir.as_deref())?;
    let other = config.raw.get("exec").and_then(|s| s.get("other_hosts")).and_then(|d| d.as_str());
    let other_hosts = match other {
        None | Some("tunnel") => OtherHosts::Tunnel,
        Some("refuse") => OtherHosts::Refuse,
        Some(v) => return Err(format!("exec.other_hosts: expected \"tunnel\" or \"refuse\", got {v:?}")),
    };
    Ok((ca_dir, other_hosts))
}

/// The token sekisho's own endpoints require off loopback: `SEKISHO_TOKEN`, `[server] token`, or a random
/// one made now. Off loopback, standard error says where it comes from (the random one itself: whoever
/// started sekisho reads it there); the ready line on standard output stays one exact line.
fn control_token(config: &Config, loopback_only: bool) -> Result<String, String> {
    let given = std::env::var("SEKISHO_TOKEN").ok().filter(|t| !t.trim().is_empty()).map(|t| (t, "SEKISHO_TOKEN"));
    let given =
        given.or_else(|| config.server.token.clone().filter(|t| !t.trim().is_empty()).map(|t| (t, "[server] token")));
    let (token, note) = match given {
        Some((t, from)) => (t.trim().to_string(), format!("the token from {from}")),
        None => {
            let mut bytes = [0u8; 24];
            getrandom::fill(&mut bytes).map_err(|e| format!("cannot make a token: {e}"))?;
            let t: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let note = format!("the token {t}");
            (t, note)
        }
    };
    if !loopback_only {
        eprintln!(
            "sekisho: listening beyond loopback: /_sekisho/ (but health) and /moto-api/ need {note}, sent as \
             `Authorization: Bearer <token>` or `X-Sekisho-Token: <token>`"
        );
    }
    Ok(token)
}

/// Accepts connections and serves each with [`conn::serve`] (HTTP/1.1, or HTTP/2 with prior knowledge), the
/// router as its service and the peer address as `ConnectInfo`. At most `max_connections` are open at once:
/// another one is answered `503` and closed. On a signal: stop accepting, let in-flight requests finish (idle
/// keep-alive connections close at once), and give up on stragglers after a few seconds.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    proxy: Arc<Proxy>,
    connections: Arc<Connections>,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    let (closer, closing) = conn::shutdown();
    let refusals = Arc::new(tokio::sync::Semaphore::new(MAX_REFUSALS_IN_FLIGHT));
    let protocols = conn::Protocols::new(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // Out of descriptors and the like: keep serving the connections we have.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = connections.open() else {
            refuse(stream, limits.max_connections, &refusals);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let served = conn::serve(stream, peer, app.clone(), protocols.clone(), closing.clone(), Some(proxy.clone()));
        tokio::spawn(async move {
            served.await;
            drop(slot);
        });
    }
    drop(listener);
    drop(closing);
    let _ = tokio::time::timeout(Duration::from_secs(5), closer.close()).await;
    Ok(())
}

/// Answers a connection over the cap with a short `503` and closes it, reading what the client sends for a
/// moment so the close does not reset the connection before the client has read the answer.
fn refuse(mut stream: tokio::net::TcpStream, max: usize, refusals: &Arc<tokio::sync::Semaphore>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(permit) = refusals.clone().try_acquire_owned() else {
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let body = format!("sekisho: too many open connections (at most {max}); retry when some have closed\n");
        let response = format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n\
             retry-after: 1\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = tokio::time::timeout(REFUSAL_LINGER, async {
            stream.write_all(response.as_bytes()).await?;
            stream.shutdown().await?;
            let mut sink = [0u8; 4096];
            while stream.read(&mut sink).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
    });
}

fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).map_err(|e| format!("cannot watch SIGINT: {e}"))?;
    let mut term = signal(SignalKind::terminate()).map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
    })
}

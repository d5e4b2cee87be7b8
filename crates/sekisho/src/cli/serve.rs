//! `sekisho serve`: start the world and the door, listen, print one ready line, stop cleanly on a signal.

use super::{option, parse_options};
use sekisho_core::World;
use sekisho_core::config::Config;
use std::io::Write;
use std::sync::Arc;

pub fn run(args: &[String]) -> Result<(), String> {
    let (options, positional) = parse_options(args, &["host", "port", "config"])?;
    if let Some(p) = positional.first() {
        return Err(format!("unexpected argument {p:?}"));
    }
    let config = match option(&options, "config") {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            Config::parse(&text).map_err(|e| format!("{path}: {e}"))?
        }
        None => Config::defaults(),
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
    let served = runtime.block_on(serve(host, port, config));
    // Dropping the runtime would wait for every blocking task, an engine step still evaluating included;
    // the process leaves them behind instead, so a signal always ends it within its grace period.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    served
}

async fn serve(host: String, port: u16, config: Config) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let max_body = config.server.max_body_bytes.unwrap_or(crate::http::DEFAULT_MAX_BODY);
    let world = Arc::new(World::new(config));
    let shown = if addr.ip().is_ipv6() { format!("[{}]", addr.ip()) } else { addr.ip().to_string() };
    world.set_endpoint(format!("http://{shown}:{}", addr.port()));
    let door = crate::services::door(world)?;
    let app = crate::http::router(door, max_body);
    // Signal handlers are installed before the ready line, so a signal sent right after it stops us cleanly.
    let shutdown = shutdown_signal()?;
    let shown_host = if addr.ip().is_ipv6() { format!("[{}]", addr.ip()) } else { addr.ip().to_string() };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "sekisho listening on http://{shown_host}:{}", addr.port());
        let _ = out.flush();
    }
    accept_loop(listener, app, shutdown).await
}

/// Accepts connections and serves each with hyper's HTTP/1.1 connection driver, the router as its service and
/// the peer address as `ConnectInfo`. On a signal: stop accepting, let in-flight requests finish (idle
/// keep-alive connections close at once), and give up on stragglers after a few seconds.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    use hyper_util::rt::TokioIo;
    use hyper_util::server::graceful::GracefulShutdown;
    use tower_service::Service;

    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // Out of descriptors and the like: keep serving the connections we have.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            router.clone().call(req)
        });
        let conn = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
    Ok(())
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

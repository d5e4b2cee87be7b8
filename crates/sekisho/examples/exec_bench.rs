//! Figures for `sekisho exec`'s proxy (a benchmark, not a test): one signed request replayed over plain HTTP and
//! through CONNECT + TLS, per-request latency (established, new full handshake, new resumed) and requests/s.
//! Usage: exec_bench <http://host:port> <ca.pem> <request file> [connections] [seconds]; see scripts/bench/exec.sh.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const HOST: &str = "sts.us-east-1.amazonaws.com";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, endpoint, ca, request, ..] = args.as_slice() else {
        return Err("usage: exec_bench <http://host:port> <ca.pem> <request file> [connections] [seconds]".into());
    };
    let connections: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(16);
    let seconds: u64 = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(5);
    let addr = endpoint.trim_start_matches("http://").trim_end_matches('/').to_string();
    let request = Arc::new(std::fs::read(request)?);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_file(ca)?)?;
    let provider = Arc::new(rustls_rustcrypto::provider());
    let resuming = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
    let mut full = resuming.clone();
    full.resumption = rustls::client::Resumption::disabled();
    let resuming = tokio_rustls::TlsConnector::from(Arc::new(resuming));
    let full = tokio_rustls::TlsConnector::from(Arc::new(full));

    const N: usize = 300;
    let mut plain = BufReader::new(TcpStream::connect(&addr).await?);
    plain.get_ref().set_nodelay(true)?;
    let mut tunnel = BufReader::new(tls(&addr, &resuming).await?);
    // Warm both (leaf minted, caches filled), then alternate so both see the same machine load.
    for _ in 0..20 {
        roundtrip(&mut plain, &request).await?;
        roundtrip(&mut tunnel, &request).await?;
    }
    let (mut t_plain, mut t_tls) = (Vec::new(), Vec::new());
    let (mut t_new_plain, mut t_new_full, mut t_new_resumed) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..N {
        let t = Instant::now();
        roundtrip(&mut plain, &request).await?;
        t_plain.push(t.elapsed());
        let t = Instant::now();
        roundtrip(&mut tunnel, &request).await?;
        t_tls.push(t.elapsed());

        let t = Instant::now();
        let mut s = BufReader::new(TcpStream::connect(&addr).await?);
        s.get_ref().set_nodelay(true)?;
        roundtrip(&mut s, &request).await?;
        t_new_plain.push(t.elapsed());
        let t = Instant::now();
        let mut s = BufReader::new(tls(&addr, &full).await?);
        roundtrip(&mut s, &request).await?;
        t_new_full.push(t.elapsed());
        let t = Instant::now();
        let mut s = BufReader::new(tls(&addr, &resuming).await?);
        let resumed = s.get_ref().get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        roundtrip(&mut s, &request).await?;
        if !resumed {
            return Err("the resuming client did not resume".into());
        }
        t_new_resumed.push(t.elapsed());
    }
    println!("per request, median of {N} (p90):");
    let base = report("plain HTTP, kept-alive connection", &mut t_plain, None);
    report("exec proxy, kept-alive TLS tunnel", &mut t_tls, Some(base));
    let base = report("plain HTTP, new TCP connection", &mut t_new_plain, None);
    report("exec proxy, new CONNECT + full TLS handshake", &mut t_new_full, Some(base));
    report("exec proxy, new CONNECT + resumed TLS handshake", &mut t_new_resumed, Some(base));

    println!("signed GetCallerIdentity, {connections} kept-alive connections, {seconds} s each:");
    let plain_rps = load(&addr, &request, connections, seconds, None).await?;
    let tls_rps = load(&addr, &request, connections, seconds, Some(&resuming)).await?;
    println!("  plain HTTP: {plain_rps:.0} requests/s");
    println!("  exec proxy (TLS): {tls_rps:.0} requests/s ({:.0}% of plain)", tls_rps / plain_rps * 100.0);
    Ok(())
}

fn report(name: &str, times: &mut [Duration], base: Option<Duration>) -> Duration {
    times.sort();
    let median = times[times.len() / 2];
    let p90 = times[times.len() * 9 / 10];
    let added =
        base.map(|b| format!(", +{:.0} us", (median.as_secs_f64() - b.as_secs_f64()) * 1e6)).unwrap_or_default();
    println!("  {name}: {:.0} us ({:.0} us){added}", median.as_secs_f64() * 1e6, p90.as_secs_f64() * 1e6);
    median
}

async fn tls(addr: &str, connector: &tokio_rustls::TlsConnector) -> Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    s.write_all(format!("CONNECT {HOST}:443 HTTP/1.1\r\nHost: {HOST}:443\r\n\r\n").as_bytes()).await?;
    let head = read_head(&mut s).await?;
    if !head.starts_with(b"HTTP/1.1 200") {
        return Err("CONNECT refused".into());
    }
    let name = rustls::pki_types::ServerName::try_from(HOST)?;
    Ok(connector.connect(name, s).await?)
}

/// Reads up to the blank line, a byte at a time: before TLS nothing past the proxy's answer may be consumed
/// (later reads go through a `BufReader`).
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await? == 0 {
            return Err("connection closed".into());
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// Sends the request and reads one response (its body by Content-Length); errors on a non-200.
async fn roundtrip<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, request: &[u8]) -> Result<()> {
    s.write_all(request).await?;
    let head = read_head(s).await?;
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    if !text.starts_with("http/1.1 200") {
        return Err(format!("not a 200: {}", text.lines().next().unwrap_or("")).into());
    }
    let length: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or("no content-length")?;
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).await?;
    Ok(())
}

async fn load(
    addr: &str,
    request: &Arc<Vec<u8>>,
    connections: usize,
    seconds: u64,
    tls_connector: Option<&tokio_rustls::TlsConnector>,
) -> Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (request, done) = (request.clone(), done.clone());
        match tls_connector {
            Some(c) => {
                let mut s = BufReader::new(tls(addr, c).await?);
                tasks.push(tokio::spawn(async move {
                    while Instant::now() < deadline && roundtrip(&mut s, &request).await.is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }));
            }
            None => {
                let mut s = BufReader::new(TcpStream::connect(addr).await?);
                s.get_ref().set_nodelay(true)?;
                tasks.push(tokio::spawn(async move {
                    while Instant::now() < deadline && roundtrip(&mut s, &request).await.is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }));
            }
        }
    }
    let start = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

//! A bare hyper HTTP/1.1 hello-world, the baseline the load benchmark compares sekisho against.
//! Usage: hello <port>. Prints the same ready line as `sekisho serve`.

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::Write;

async fn hello(_: Request<hyper::body::Incoming>) -> Result<Response<String>, Infallible> {
    Ok(Response::new("hello".to_string()))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    println!("sekisho listening on http://{addr}");
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(hello)).await;
        });
    }
}

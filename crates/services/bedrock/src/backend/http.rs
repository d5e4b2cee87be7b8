//! A minimal HTTP/1.1 client for local model servers: one connection per request, plain HTTP only (model
//! servers such as Ollama, llama.cpp or vLLM listen on localhost). Built on hyper's connection API.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

/// Where a server listens: `http://host:port/base-path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// Without a trailing slash (`/v1`).
    pub base_path: String,
}

impl Endpoint {
    /// Parses `http://host[:port][/path]`; `default_path` is used when the URL has no path.
    pub fn parse(url: &str, default_path: &str) -> Result<Endpoint, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("url {url:?}: only http:// is supported (model servers run on this machine)"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let bare_ipv6 = authority.starts_with('[') && authority.ends_with(']');
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !bare_ipv6 => (h, p.parse::<u16>().map_err(|_| format!("url {url:?}: bad port {p:?}"))?),
            _ => (authority, 80),
        };
        if host.is_empty() {
            return Err(format!("url {url:?}: no host"));
        }
        let path = path.trim_end_matches('/');
        let base_path = if path.is_empty() { default_path.to_string() } else { path.to_string() };
        Ok(Endpoint { host: host.trim_matches(['[', ']']).to_string(), port, base_path })
    }

    pub fn url(&self) -> String {
        format!("http://{}:{}{}", self.host, self.port, self.base_path)
    }
}

#[derive(Debug)]
pub enum HttpError {
    /// The server could not be reached or the connection broke.
    Connect(String),
    /// The request could not be written or the response not read.
    Io(String),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Connect(e) | HttpError::Io(e) => f.write_str(e),
        }
    }
}

/// POSTs `body` to `<base_path><path>` and returns the response with its body still streaming.
pub async fn post(
    endpoint: &Endpoint,
    path: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<hyper::Response<Incoming>, HttpError> {
    let stream = tokio::net::TcpStream::connect((endpoint.host.as_str(), endpoint.port))
        .await
        .map_err(|e| HttpError::Connect(format!("cannot connect to {}: {e}", endpoint.url())))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| HttpError::Connect(format!("cannot talk HTTP to {}: {e}", endpoint.url())))?;
    // The connection task ends when the response body is consumed or dropped.
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let host = if endpoint.port == 80 { endpoint.host.clone() } else { format!("{}:{}", endpoint.host, endpoint.port) };
    let mut builder = hyper::Request::builder()
        .method("POST")
        .uri(format!("{}{path}", endpoint.base_path))
        .header("host", host)
        .header("content-type", "application/json")
        .header("content-length", body.len().to_string());
    for (k, v) in headers {
        builder = builder.header(*k, v.as_str());
    }
    let request = builder.body(Full::new(Bytes::from(body))).map_err(|e| HttpError::Io(e.to_string()))?;
    sender.send_request(request).await.map_err(|e| HttpError::Io(format!("request to {} failed: {e}", endpoint.url())))
}

/// The whole body of a response.
pub async fn read_body(response: hyper::Response<Incoming>) -> Result<Bytes, HttpError> {
    response
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| HttpError::Io(format!("reading the response failed: {e}")))
}

/// The next piece of a streaming body, `None` at its end.
pub async fn next_bytes(body: &mut Incoming) -> Option<Result<Bytes, HttpError>> {
    loop {
        match body.frame().await? {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(Ok(data));
                }
            }
            Err(e) => return Some(Err(HttpError::Io(format!("reading the stream failed: {e}")))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let e = Endpoint::parse("http://127.0.0.1:11434", "/v1").unwrap();
        assert_eq!(e, Endpoint { host: "127.0.0.1".into(), port: 11434, base_path: "/v1".into() });
        let e = Endpoint::parse("http://localhost:8080/openai/v1/", "/v1").unwrap();
        assert_eq!((e.port, e.base_path.as_str()), (8080, "/openai/v1"));
        assert_eq!(Endpoint::parse("http://models", "/v1").unwrap().port, 80);
        assert_eq!(Endpoint::parse("http://[::1]:9000/v1", "/v1").unwrap().host, "::1");
        assert_eq!(Endpoint::parse("http://[::1]", "/v1").unwrap().port, 80);
        assert!(Endpoint::parse("https://api.example.com/v1", "/v1").unwrap_err().contains("only http://"));
        assert!(Endpoint::parse("http://h:port", "/v1").is_err());
        assert!(Endpoint::parse("http://:80", "/v1").is_err());
    }
}

//! Streaming (`aws-chunked`) payloads: verifies each chunk's signature in the chain that starts at the request
//! signature, and returns the decoded body and trailers. Pure; ready for a service that takes them (S3).
//!
//! Source: AWS S3 API reference, "Signature Calculations for the Authorization Header: Transferring Payload in
//! Multiple Chunks (Chunked Upload)" and "Signature calculations for trailing headers (chunked uploads)". A chunk
//! is `hex-size;chunk-signature=<sig>\r\n<data>\r\n`; the last one has size 0. Each chunk's string to sign is
//! `AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<previous signature>\n<hash of "">\n<hash of data>`, the seed
//! being the request's own signature. Trailers follow the last chunk as `name:value\r\n` lines, signed by
//! `x-amz-trailer-signature` over `AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<previous>\n<hash of trailers>`.
//! With `STREAMING-UNSIGNED-PAYLOAD-TRAILER` chunks are `hex-size\r\n<data>\r\n` and carry no signatures.

use super::{SigError, SignedRequest, constant_time_eq, hex, hmac};
use sha2::{Digest, Sha256};

#[cfg(test)]
mod tests;

pub const STREAMING_SIGNED: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
pub const STREAMING_SIGNED_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
pub const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";
const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";
/// SHA-256 of the empty string, the fixed fifth line of every chunk's string to sign.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// A chunk header (`hex-size;chunk-signature=<64 hex>`) or trailer line longer than this is refused: AWS
/// documents no limit, so this is a sane one that leaves room for long trailer values.
pub const MAX_LINE: usize = 8 * 1024;
/// At most this many trailers; AWS documents no limit (clients send one checksum).
pub const MAX_TRAILERS: usize = 16;

/// The streaming forms of `x-amz-content-sha256` sekisho verifies. `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`
/// (SigV4a) is not one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamingMode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: signed chunks.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks, then signed trailers.
    SignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks and trailers (a checksum trailer protects the data).
    UnsignedTrailer,
}

impl StreamingMode {
    pub fn from_header(value: &str) -> Option<Self> {
        match value {
            STREAMING_SIGNED => Some(StreamingMode::Signed),
            STREAMING_SIGNED_TRAILER => Some(StreamingMode::SignedTrailer),
            STREAMING_UNSIGNED_TRAILER => Some(StreamingMode::UnsignedTrailer),
            _ => None,
        }
    }

    fn signed(self) -> bool {
        !matches!(self, StreamingMode::UnsignedTrailer)
    }

    fn trailers(self) -> bool {
        !matches!(self, StreamingMode::Signed)
    }
}

/// A streaming body after decoding: what the service sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub body: Vec<u8>,
    /// Trailing headers, names lower-case, values trimmed, in order.
    pub trailers: Vec<(String, String)>,
}

/// What chains the chunk signatures to the request: its signing key, date, scope and (seed) signature.
pub struct ChainStart<'a> {
    pub key: &'a [u8; 32],
    pub amz_date: &'a str,
    /// `date/region/service/aws4_request`.
    pub scope: String,
    pub seed_signature: &'a str,
}

impl<'a> ChainStart<'a> {
    pub fn of(signed: &'a SignedRequest, key: &'a [u8; 32]) -> Self {
        ChainStart {
            key,
            amz_date: &signed.amz_date,
            scope: signed.scope.to_scope_string(),
            seed_signature: &signed.signature,
        }
    }

    fn chunk_signature(&self, previous: &str, data: &[u8]) -> String {
        let sts = format!(
            "{CHUNK_ALGORITHM}\n{}\n{}\n{previous}\n{EMPTY_SHA256}\n{}",
            self.amz_date,
            self.scope,
            hex(&Sha256::digest(data))
        );
        hex(&hmac(self.key, sts.as_bytes()))
    }

    fn trailer_signature(&self, previous: &str, trailers: &[(String, String)]) -> String {
        let mut canonical = String::new();
        for (name, value) in trailers {
            canonical.push_str(name);
            canonical.push(':');
            canonical.push_str(value);
            canonical.push('\n');
        }
        let sts = format!(
            "{TRAILER_ALGORITHM}\n{}\n{}\n{previous}\n{}",
            self.amz_date,
            self.scope,
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        hex(&hmac(self.key, sts.as_bytes()))
    }
}

/// Decodes an `aws-chunked` body, verifying every signature of a signed mode. `decoded_length` is the
/// request's `x-amz-decoded-content-length`, checked when given.
pub fn decode(
    body: &[u8],
    mode: StreamingMode,
    chain: &ChainStart<'_>,
    decoded_length: Option<u64>,
) -> Result<Decoded, SigError> {
    let mut reader = Reader { body, at: 0 };
    let mut out = Vec::with_capacity(decoded_length.map_or(body.len(), |n| (n as usize).min(body.len())));
    let mut previous = chain.seed_signature.to_string();
    loop {
        let line = reader.line()?;
        let (size, signature) = chunk_header(line, mode.signed())?;
        let data = reader.take(size)?;
        if mode.signed() {
            let expected = chain.chunk_signature(&previous, data);
            if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
                return Err(SigError::Mismatch);
            }
            previous = expected;
        }
        out.extend_from_slice(data);
        if size == 0 {
            break;
        }
        reader.crlf()?;
    }
    let trailers = if mode.trailers() { trailers(&mut reader, mode, chain, &previous)? } else { Vec::new() };
    // The body ends with an empty line; a client that stops right after the last chunk is tolerated.
    if !reader.done() {
        reader.crlf()?;
    }
    if !reader.done() {
        return Err(SigError::IncompleteBody);
    }
    if decoded_length.is_some_and(|n| n != out.len() as u64) {
        return Err(SigError::IncompleteBody);
    }
    Ok(Decoded { body: out, trailers })
}

/// Trailer lines up to the blank line, and for the signed mode the `x-amz-trailer-signature` that ends them.
fn trailers(
    reader: &mut Reader<'_>,
    mode: StreamingMode,
    chain: &ChainStart<'_>,
    previous: &str,
) -> Result<Vec<(String, String)>, SigError> {
    let mut out = Vec::new();
    let mut signature = None;
    while !reader.done() && !reader.at_crlf() {
        let line = std::str::from_utf8(reader.line()?).map_err(|_| SigError::IncompleteBody)?;
        let (name, value) = line.split_once(':').ok_or(SigError::IncompleteBody)?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
        if name == "x-amz-trailer-signature" {
            signature = Some(value);
            break;
        }
        if out.len() >= MAX_TRAILERS {
            return Err(SigError::IncompleteBody);
        }
        out.push((name, value));
    }
    if mode.signed() {
        let Some(signature) = signature else { return Err(SigError::Mismatch) };
        let expected = chain.trailer_signature(previous, &out);
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return Err(SigError::Mismatch);
        }
    } else if signature.is_some() {
        return Err(SigError::IncompleteBody);
    }
    Ok(out)
}

/// `hex-size;chunk-signature=<sig>` (signed) or `hex-size` (unsigned; extensions ignored).
fn chunk_header(line: &[u8], signed: bool) -> Result<(usize, &str), SigError> {
    let line = std::str::from_utf8(line).map_err(|_| SigError::IncompleteBody)?;
    let (size, extension) = match line.split_once(';') {
        Some((s, e)) => (s, Some(e)),
        None => (line, None),
    };
    let size = size.trim();
    if size.is_empty() || size.len() > 16 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SigError::IncompleteBody);
    }
    let size = usize::from_str_radix(size, 16).map_err(|_| SigError::IncompleteBody)?;
    if !signed {
        return Ok((size, ""));
    }
    let signature = extension.and_then(|e| e.trim().strip_prefix("chunk-signature=")).ok_or(SigError::Mismatch)?;
    Ok((size, signature))
}

struct Reader<'b> {
    body: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn done(&self) -> bool {
        self.at >= self.body.len()
    }

    fn rest(&self) -> &'b [u8] {
        self.body.get(self.at..).unwrap_or_default()
    }

    fn at_crlf(&self) -> bool {
        self.rest().starts_with(b"\r\n")
    }

    /// The bytes up to the next CRLF (which is consumed), at most [`MAX_LINE`] long.
    fn line(&mut self) -> Result<&'b [u8], SigError> {
        let rest = self.rest();
        let window = &rest[..rest.len().min(MAX_LINE + 2)];
        let end = window.windows(2).position(|w| w == b"\r\n").ok_or(SigError::IncompleteBody)?;
        self.at += end + 2;
        Ok(&rest[..end])
    }

    fn take(&mut self, n: usize) -> Result<&'b [u8], SigError> {
        let data = self.rest().get(..n).ok_or(SigError::IncompleteBody)?;
        self.at += n;
        Ok(data)
    }

    fn crlf(&mut self) -> Result<(), SigError> {
        if !self.at_crlf() {
            return Err(SigError::IncompleteBody);
        }
        self.at += 2;
        Ok(())
    }
}

/// Encodes `chunks` as a signed (or unsigned-trailer) `aws-chunked` body, the way SDKs do: for tests, fuzzing
/// and tools. The final empty chunk is added; `trailers` are sent after it.
pub fn encode(chunks: &[&[u8]], mode: StreamingMode, chain: &ChainStart<'_>, trailers: &[(String, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut previous = chain.seed_signature.to_string();
    let empty: &[u8] = &[];
    for data in chunks.iter().copied().filter(|c| !c.is_empty()).chain(std::iter::once(empty)) {
        if mode.signed() {
            previous = chain.chunk_signature(&previous, data);
            out.extend_from_slice(format!("{:x};chunk-signature={previous}\r\n", data.len()).as_bytes());
        } else {
            out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
        }
        out.extend_from_slice(data);
        if !data.is_empty() {
            out.extend_from_slice(b"\r\n");
        }
    }
    if mode.trailers() {
        for (name, value) in trailers {
            out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
        }
        if mode.signed() {
            let signature = chain.trailer_signature(&previous, trailers);
            out.extend_from_slice(format!("x-amz-trailer-signature:{signature}\r\n").as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

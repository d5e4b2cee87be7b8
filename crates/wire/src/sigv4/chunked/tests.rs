//! Streaming payloads: AWS's published chunked PUT (seed and chunk signatures), the trailer form, and every
//! way a chunked body can be tampered with or cut short being refused.

use super::*;
use crate::HttpRequest;
use crate::sigv4::{Payload, PayloadModes, parse, parse_amz_date, signing_key, verify_payload};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
/// The chunk signatures of AWS's example (S3 API reference, sigv4-streaming, "Example: PUT Object").
const CHUNK_1: &str = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
const CHUNK_2: &str = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
const CHUNK_FINAL: &str = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

fn example_headers(content_sha256: &str) -> Vec<(String, String)> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=\
         content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;\
         x-amz-storage-class,Signature={SEED}"
    );
    [
        ("host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ("authorization", auth.as_str()),
        ("x-amz-content-sha256", content_sha256),
        ("content-encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("content-length", "66824"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The example's body, framed by hand from the published signatures.
fn example_body() -> Vec<u8> {
    let mut body = Vec::new();
    for (size, signature) in [(65536usize, CHUNK_1), (1024, CHUNK_2), (0, CHUNK_FINAL)] {
        body.extend_from_slice(format!("{size:x};chunk-signature={signature}\r\n").as_bytes());
        body.extend(std::iter::repeat_n(b'a', size));
        body.extend_from_slice(b"\r\n");
    }
    body
}

fn now() -> i64 {
    parse_amz_date("20130524T000000Z").unwrap()
}

fn key() -> [u8; 32] {
    signing_key(
        SECRET,
        &crate::sigv4::Scope { date: "20130524".into(), region: "us-east-1".into(), service: "s3".into() },
    )
}

#[test]
fn aws_published_chunked_put_verifies_and_decodes() {
    let headers = example_headers(STREAMING_SIGNED);
    let body = example_body();
    assert_eq!(body.len(), 66824, "the example's Content-Length");
    let req = HttpRequest {
        method: "PUT",
        path: "/examplebucket/chunkObject.txt",
        query: "",
        headers: &headers,
        body: &body,
    };
    let signed = parse(&req).unwrap();
    let key = key();
    let payload = verify_payload(&req, &signed, &key, now(), PayloadModes::ALL).unwrap();
    assert_eq!(payload, Payload::Streaming(StreamingMode::Signed));
    let decoded = decode(&body, StreamingMode::Signed, &ChainStart::of(&signed, &key), Some(66560)).unwrap();
    assert_eq!(decoded.body, vec![b'a'; 66560]);
    assert!(decoded.trailers.is_empty());
    // Our encoder frames the same bytes as AWS's example.
    let data = vec![b'a'; 66560];
    let ours = encode(&[&data[..65536], &data[65536..]], StreamingMode::Signed, &ChainStart::of(&signed, &key), &[]);
    assert_eq!(ours, body);
}

#[test]
fn streaming_is_refused_where_the_service_does_not_take_it() {
    let body = example_body();
    let key = key();
    for mode in [
        STREAMING_SIGNED,
        STREAMING_SIGNED_TRAILER,
        STREAMING_UNSIGNED_TRAILER,
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    ] {
        let headers = example_headers(mode);
        let req = HttpRequest {
            method: "PUT",
            path: "/examplebucket/chunkObject.txt",
            query: "",
            headers: &headers,
            body: &body,
        };
        let signed = parse(&req).unwrap();
        let err = verify_payload(&req, &signed, &key, now(), PayloadModes::SIGNED_ONLY).unwrap_err();
        assert_eq!(err, SigError::PayloadNotAccepted(mode.to_string()));
        let aws = err.to_aws_error(crate::sigv4::ErrorStyle::Query);
        assert_eq!((aws.code.as_str(), aws.status), ("SignatureDoesNotMatch", 403));
    }
    // SigV4a streaming is not verified even where streaming is taken.
    let headers = example_headers("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD");
    let req = HttpRequest {
        method: "PUT",
        path: "/examplebucket/chunkObject.txt",
        query: "",
        headers: &headers,
        body: &body,
    };
    let signed = parse(&req).unwrap();
    assert!(matches!(
        verify_payload(&req, &signed, &key, now(), PayloadModes::ALL),
        Err(SigError::PayloadNotAccepted(_))
    ));
}

fn chain_of(key: &[u8; 32]) -> ChainStart<'_> {
    ChainStart {
        key,
        amz_date: "20130524T000000Z",
        scope: "20130524/us-east-1/s3/aws4_request".into(),
        seed_signature: SEED,
    }
}

#[test]
fn every_tampering_of_a_signed_chunked_body_is_refused() {
    let key = key();
    let chain = chain_of(&key);
    let good = example_body();
    let replace = |from: &str, to: &str| {
        let text = String::from_utf8(good.clone()).unwrap();
        text.replacen(from, to, 1).into_bytes()
    };
    let mut flipped = good.clone();
    flipped[100] = b'b';
    let mut swapped_order = Vec::new();
    for (size, signature) in [(1024usize, CHUNK_2), (65536, CHUNK_1), (0, CHUNK_FINAL)] {
        swapped_order.extend_from_slice(format!("{size:x};chunk-signature={signature}\r\n").as_bytes());
        swapped_order.extend(std::iter::repeat_n(b'a', size));
        swapped_order.extend_from_slice(b"\r\n");
    }
    let cases: Vec<(&str, Vec<u8>, SigError)> = vec![
        ("a data byte changed", flipped, SigError::Mismatch),
        ("chunks reordered", swapped_order, SigError::Mismatch),
        ("a signature changed", replace(CHUNK_2, CHUNK_1), SigError::Mismatch),
        ("a signature dropped", replace(&format!(";chunk-signature={CHUNK_2}"), ""), SigError::Mismatch),
        ("final chunk dropped", good[..good.len() - 86].to_vec(), SigError::IncompleteBody),
        ("cut inside a chunk", good[..1000].to_vec(), SigError::IncompleteBody),
        ("bytes after the end", [good.clone(), b"x".to_vec()].concat(), SigError::IncompleteBody),
        ("size not hex", replace("10000;", "1000g;"), SigError::IncompleteBody),
        ("size larger than the body", replace("10000;", "fffffffffffffff;"), SigError::IncompleteBody),
    ];
    for (what, body, expected) in cases {
        let got = decode(&body, StreamingMode::Signed, &chain, None);
        assert_eq!(got, Err(expected), "{what}");
    }
    // The seed must be the request's own signature: the same chunks chained from another seed fail.
    let other = ChainStart { seed_signature: CHUNK_FINAL, ..chain_of(&key) };
    assert_eq!(decode(&good, StreamingMode::Signed, &other, None), Err(SigError::Mismatch));
    // x-amz-decoded-content-length must match what was decoded.
    assert_eq!(decode(&good, StreamingMode::Signed, &chain, Some(66561)), Err(SigError::IncompleteBody));
}

#[test]
fn signed_trailers_match_the_crt_vector() {
    // aws-c-auth's trailer vector continues AWS's example: trailers first/second/third after the final chunk.
    let key = key();
    let chain = chain_of(&key);
    let trailers: Vec<(String, String)> = [("first", "1st"), ("second", "2nd"), ("third", "3rd")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        chain.trailer_signature(CHUNK_FINAL, &trailers),
        "df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c"
    );
    let data = vec![b'a'; 66560];
    let body = encode(&[&data[..65536], &data[65536..]], StreamingMode::SignedTrailer, &chain, &trailers);
    let decoded = decode(&body, StreamingMode::SignedTrailer, &chain, Some(66560)).unwrap();
    assert_eq!((decoded.body.len(), decoded.trailers), (66560, trailers.clone()));
    // A changed trailer value, or a missing trailer signature, is refused.
    let text = String::from_utf8(body.clone()).unwrap();
    let changed = text.replacen("second:2nd", "second:2ne", 1).into_bytes();
    assert_eq!(decode(&changed, StreamingMode::SignedTrailer, &chain, None), Err(SigError::Mismatch));
    let at = text.find("x-amz-trailer-signature").unwrap();
    let unsigned = format!("{}\r\n", &text[..at]).into_bytes();
    assert_eq!(decode(&unsigned, StreamingMode::SignedTrailer, &chain, None), Err(SigError::Mismatch));
}

#[test]
fn unsigned_trailer_bodies_decode_without_signatures() {
    let key = key();
    let chain = chain_of(&key);
    let trailers = vec![("x-amz-checksum-crc32".to_string(), "AAAAAA==".to_string())];
    let body = encode(&[b"hello ", b"world"], StreamingMode::UnsignedTrailer, &chain, &trailers);
    assert_eq!(body, b"6\r\nhello \r\n5\r\nworld\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n".to_vec());
    let decoded = decode(&body, StreamingMode::UnsignedTrailer, &chain, Some(11)).unwrap();
    assert_eq!((decoded.body.as_slice(), decoded.trailers), (&b"hello world"[..], trailers));
    // Without its final empty line a body is still complete; a trailer line cut short is not.
    assert!(decode(&body[..body.len() - 2], StreamingMode::UnsignedTrailer, &chain, None).is_ok());
    assert_eq!(
        decode(&body[..body.len() - 5], StreamingMode::UnsignedTrailer, &chain, None),
        Err(SigError::IncompleteBody)
    );
}

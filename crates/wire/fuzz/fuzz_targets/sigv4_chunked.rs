//! The `aws-chunked` decoder: arbitrary bodies never panic; bodies our encoder frames decode back to their
//! chunks; and for the signed modes a body with any one byte changed either fails or decodes to the same
//! data and trailers (case of hex digits and trailer names is free, the signatures cover the rest).
//! Input: mode (1 byte), action (1), tamper position (2, big-endian), tamper mask (1), chunk size (1), data.
#![no_main]

use sekisho_wire::sigv4::chunked::{ChainStart, StreamingMode, decode, encode};
use sekisho_wire::sigv4::{Scope, signing_key};

const MODES: [StreamingMode; 3] = [StreamingMode::Signed, StreamingMode::SignedTrailer, StreamingMode::UnsignedTrailer];
const SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

libfuzzer_sys::fuzz_target!(|input: &[u8]| {
    let [mode, action, p0, p1, mask, size, data @ ..] = input else { return };
    let mode = MODES[*mode as usize % MODES.len()];
    let scope = Scope { date: "20130524".into(), region: "us-east-1".into(), service: "s3".into() };
    let key = signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", &scope);
    let chain = ChainStart { key: &key, amz_date: "20130524T000000Z", scope: scope.to_scope_string(), seed_signature: SEED };
    if action % 2 == 0 {
        if let Ok(decoded) = decode(data, mode, &chain, None) {
            assert!(decoded.body.len() <= data.len());
        }
        return;
    }
    let chunks: Vec<&[u8]> = data.chunks(*size as usize % 64 + 1).collect();
    let trailers = vec![("x-amz-checksum-crc32".to_string(), format!("{:08x}", data.len()))];
    let body = encode(&chunks, mode, &chain, &trailers);
    let expected_trailers = if mode == StreamingMode::Signed { Vec::new() } else { trailers };
    let decoded = decode(&body, mode, &chain, Some(data.len() as u64)).expect("our own framing decodes");
    assert_eq!(decoded.body, data);
    assert_eq!(decoded.trailers, expected_trailers);
    if mode == StreamingMode::UnsignedTrailer || *mask == 0 {
        return;
    }
    let mut tampered = body.clone();
    let at = u16::from_be_bytes([*p0, *p1]) as usize % tampered.len();
    tampered[at] ^= mask;
    if let Ok(d) = decode(&tampered, mode, &chain, None) {
        assert_eq!(d.body, data, "a changed byte at {at} passed with other data");
        assert_eq!(d.trailers, expected_trailers, "a changed byte at {at} passed with other trailers");
    }
});

//! AWS event-stream framing (`application/vnd.amazon.eventstream`): messages with typed headers,
//! CRC32-checked prelude and body, an incremental decoder; `events` frames a model's stream events.

mod events;

pub(crate) use events::{encode_initial_response, encode_union_event};

/// Prelude (total length, headers length, prelude CRC) plus the trailing message CRC.
const OVERHEAD: usize = 16;
/// Largest message accepted by the decoder; AWS caps event-stream messages at 16 MB.
pub const MAX_MESSAGE: usize = 16 * 1024 * 1024;

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, the one zlib and the event-stream format use).
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32_update(0, bytes)
}

/// Continues a CRC-32 over more bytes.
pub fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in bytes {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// A header value of each wire type.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderValue {
    Bool(bool),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Bytes(Vec<u8>),
    String(String),
    /// Milliseconds since the epoch.
    Timestamp(i64),
    Uuid([u8; 16]),
}

/// One event-stream message.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    pub headers: Vec<(String, HeaderValue)>,
    pub payload: Vec<u8>,
}

/// Why bytes are not an event-stream message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// More bytes are needed.
    Incomplete,
    /// The lengths in the prelude are impossible.
    BadLength,
    PreludeCrc,
    MessageCrc,
    BadHeader,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn header_str(&self, name: &str) -> Option<&str> {
        match self.header(name) {
            Some(HeaderValue::String(s)) => Some(s),
            _ => None,
        }
    }

    pub fn with_header(mut self, name: &str, value: HeaderValue) -> Self {
        self.headers.push((name.to_string(), value));
        self
    }

    /// The framed bytes of this message. Names longer than 255 bytes and strings or byte arrays
    /// longer than 65535 bytes are truncated, as the format cannot carry them.
    pub fn encode(&self) -> Vec<u8> {
        let mut headers = Vec::new();
        for (name, value) in &self.headers {
            let name = &name.as_bytes()[..name.len().min(255)];
            headers.push(name.len() as u8);
            headers.extend_from_slice(name);
            match value {
                HeaderValue::Bool(true) => headers.push(0),
                HeaderValue::Bool(false) => headers.push(1),
                HeaderValue::Byte(v) => {
                    headers.push(2);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Short(v) => {
                    headers.push(3);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Int(v) => {
                    headers.push(4);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Long(v) => {
                    headers.push(5);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Bytes(b) => {
                    headers.push(6);
                    let b = &b[..b.len().min(u16::MAX as usize)];
                    headers.extend_from_slice(&(b.len() as u16).to_be_bytes());
                    headers.extend_from_slice(b);
                }
                HeaderValue::String(s) => {
                    headers.push(7);
                    let b = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
                    headers.extend_from_slice(&(b.len() as u16).to_be_bytes());
                    headers.extend_from_slice(b);
                }
                HeaderValue::Timestamp(v) => {
                    headers.push(8);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Uuid(u) => {
                    headers.push(9);
                    headers.extend_from_slice(u);
                }
            }
        }
        let total = OVERHEAD + headers.len() + self.payload.len();
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_be_bytes());
        out.extend_from_slice(&(headers.len() as u32).to_be_bytes());
        let prelude_crc = crc32(&out);
        out.extend_from_slice(&prelude_crc.to_be_bytes());
        out.extend_from_slice(&headers);
        out.extend_from_slice(&self.payload);
        let message_crc = crc32(&out);
        out.extend_from_slice(&message_crc.to_be_bytes());
        out
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the first message of `bytes`; returns it and how many bytes it took.
pub fn decode_message(bytes: &[u8]) -> Result<(Message, usize), FrameError> {
    let total = be_u32(bytes, 0).ok_or(FrameError::Incomplete)? as usize;
    let headers_len = be_u32(bytes, 4).ok_or(FrameError::Incomplete)? as usize;
    let prelude_crc = be_u32(bytes, 8).ok_or(FrameError::Incomplete)?;
    if !(OVERHEAD..=MAX_MESSAGE).contains(&total) || headers_len > total - OVERHEAD {
        return Err(FrameError::BadLength);
    }
    if crc32(&bytes[..8]) != prelude_crc {
        return Err(FrameError::PreludeCrc);
    }
    if bytes.len() < total {
        return Err(FrameError::Incomplete);
    }
    let message_crc = be_u32(bytes, total - 4).ok_or(FrameError::Incomplete)?;
    if crc32(&bytes[..total - 4]) != message_crc {
        return Err(FrameError::MessageCrc);
    }
    let headers = decode_headers(&bytes[12..12 + headers_len])?;
    let payload = bytes[12 + headers_len..total - 4].to_vec();
    Ok((Message { headers, payload }, total))
}

fn decode_headers(mut b: &[u8]) -> Result<Vec<(String, HeaderValue)>, FrameError> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], FrameError> {
        if b.len() < n {
            return Err(FrameError::BadHeader);
        }
        let (head, tail) = b.split_at(n);
        *b = tail;
        Ok(head)
    }
    let mut headers = Vec::new();
    while !b.is_empty() {
        let name_len = take(&mut b, 1)?[0] as usize;
        let name = std::str::from_utf8(take(&mut b, name_len)?).map_err(|_| FrameError::BadHeader)?.to_string();
        let value = match take(&mut b, 1)?[0] {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(take(&mut b, 1)?[0] as i8),
            3 => {
                let v = take(&mut b, 2)?;
                HeaderValue::Short(i16::from_be_bytes([v[0], v[1]]))
            }
            4 => {
                let v = take(&mut b, 4)?;
                HeaderValue::Int(i32::from_be_bytes([v[0], v[1], v[2], v[3]]))
            }
            t @ (5 | 8) => {
                let v = take(&mut b, 8)?;
                let n = i64::from_be_bytes([v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]]);
                if t == 5 { HeaderValue::Long(n) } else { HeaderValue::Timestamp(n) }
            }
            t @ (6 | 7) => {
                let len = take(&mut b, 2)?;
                let len = u16::from_be_bytes([len[0], len[1]]) as usize;
                let v = take(&mut b, len)?;
                if t == 6 {
                    HeaderValue::Bytes(v.to_vec())
                } else {
                    HeaderValue::String(std::str::from_utf8(v).map_err(|_| FrameError::BadHeader)?.to_string())
                }
            }
            9 => {
                let v = take(&mut b, 16)?;
                let mut uuid = [0u8; 16];
                uuid.copy_from_slice(v);
                HeaderValue::Uuid(uuid)
            }
            _ => return Err(FrameError::BadHeader),
        };
        headers.push((name, value));
    }
    Ok(headers)
}

/// Reads messages from a stream that arrives in pieces.
#[derive(Debug, Default)]
pub struct Decoder {
    buffer: Vec<u8>,
}

impl Decoder {
    pub fn new() -> Self {
        Decoder::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete message, `Ok(None)` until enough bytes have arrived.
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        match decode_message(&self.buffer) {
            Ok((message, used)) => {
                self.buffer.drain(..used);
                Ok(Some(message))
            }
            Err(FrameError::Incomplete) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_update(crc32(b"1234"), b"56789"), 0xCBF4_3926);
    }

    #[test]
    fn every_header_type_round_trips() {
        let message = Message {
            headers: vec![
                ("t".into(), HeaderValue::Bool(true)),
                ("f".into(), HeaderValue::Bool(false)),
                ("b".into(), HeaderValue::Byte(-3)),
                ("s".into(), HeaderValue::Short(-300)),
                ("i".into(), HeaderValue::Int(70_000)),
                ("l".into(), HeaderValue::Long(-5_000_000_000)),
                ("y".into(), HeaderValue::Bytes(vec![0, 1, 255])),
                ("str".into(), HeaderValue::String("héllo".into())),
                ("ts".into(), HeaderValue::Timestamp(1_700_000_000_123)),
                ("u".into(), HeaderValue::Uuid([7; 16])),
            ],
            payload: b"{\"a\":1}".to_vec(),
        };
        let bytes = message.encode();
        let (decoded, used) = decode_message(&bytes).expect("valid frame");
        assert_eq!(used, bytes.len());
        assert_eq!(decoded, message);
    }

    #[test]
    fn known_frame_from_the_format_description() {
        // A message with no headers and payload "{'foo':'bar'}" as in AWS's event-stream test suite.
        let bytes = Message { headers: vec![], payload: b"{'foo':'bar'}".to_vec() }.encode();
        assert_eq!(&bytes[..12], &[0, 0, 0, 0x1D, 0, 0, 0, 0, 0xFD, 0x52, 0x8C, 0x5A]);
        assert_eq!(&bytes[bytes.len() - 4..], &[0xC3, 0x65, 0x39, 0x36]);
    }

    #[test]
    fn corruption_and_truncation_are_reported() {
        let bytes = Message::default().with_header(":event-type", HeaderValue::String("x".into())).encode();
        assert_eq!(decode_message(&bytes[..10]), Err(FrameError::Incomplete));
        assert_eq!(decode_message(&bytes[..bytes.len() - 1]), Err(FrameError::Incomplete));
        let mut bad = bytes.clone();
        bad[9] ^= 1;
        assert_eq!(decode_message(&bad), Err(FrameError::PreludeCrc));
        let mut bad = bytes.clone();
        let last = bad.len() - 5;
        bad[last] ^= 1;
        assert_eq!(decode_message(&bad), Err(FrameError::MessageCrc));
        assert_eq!(decode_message(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]), Err(FrameError::BadLength));
    }

    #[test]
    fn decoder_reassembles_split_streams() {
        let one = Message::default().with_header("n", HeaderValue::Int(1)).encode();
        let two = Message::default().with_header("n", HeaderValue::Int(2)).encode();
        let stream: Vec<u8> = one.iter().chain(two.iter()).copied().collect();
        let mut decoder = Decoder::new();
        let mut seen = Vec::new();
        for chunk in stream.chunks(7) {
            decoder.push(chunk);
            while let Some(message) = decoder.next_message().expect("valid stream") {
                seen.push(message.header("n").cloned());
            }
        }
        assert_eq!(seen, vec![Some(HeaderValue::Int(1)), Some(HeaderValue::Int(2))]);
    }
}

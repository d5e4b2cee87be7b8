//! Paging tokens: opaque cursors for the Describe/Filter operations (the key of the last item returned),
//! and GetLogEvents' directional stream tokens `f/<position>/s` and `b/<position>/s`.

use crate::errors;
use crate::event_id::EventKey;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sekisho_core::AwsError;

/// Wraps a cursor so clients see an opaque token, as AWS's are.
pub fn encode(cursor: &str) -> String {
    URL_SAFE_NO_PAD.encode(cursor.as_bytes())
}

/// The cursor inside a token this service issued.
pub fn decode(token: &str) -> Result<String, AwsError> {
    let bytes = URL_SAFE_NO_PAD.decode(token.as_bytes()).map_err(|_| errors::invalid_next_token())?;
    String::from_utf8(bytes).map_err(|_| errors::invalid_next_token())
}

/// A cursor over events: a direction and the position it continues from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCursor {
    /// Events at or after the position, oldest first.
    Forward(EventKey),
    /// Events before the position, newest first.
    Backward(EventKey),
}

impl EventCursor {
    /// GetLogEvents' form: `f/<56 digits>/s`, `b/<56 digits>/s`.
    pub fn stream_token(self) -> String {
        match self {
            EventCursor::Forward(k) => format!("f/{}/s", k.to_decimal()),
            EventCursor::Backward(k) => format!("b/{}/s", k.to_decimal()),
        }
    }

    pub fn parse_stream_token(token: &str) -> Result<EventCursor, AwsError> {
        let (forward, rest) = match token.split_at_checked(2) {
            Some(("f/", rest)) => (true, rest),
            Some(("b/", rest)) => (false, rest),
            _ => return Err(errors::invalid_next_token()),
        };
        let digits = rest.strip_suffix("/s").unwrap_or(rest);
        let key = EventKey::from_decimal(digits).ok_or_else(errors::invalid_next_token)?;
        Ok(if forward { EventCursor::Forward(key) } else { EventCursor::Backward(key) })
    }

    /// FilterLogEvents' form: opaque.
    pub fn filter_token(self) -> String {
        let (dir, k) = match self {
            EventCursor::Forward(k) => ('f', k),
            EventCursor::Backward(k) => ('b', k),
        };
        encode(&format!("{dir}:{}:{}", k.timestamp, k.seq))
    }

    pub fn parse_filter_token(token: &str) -> Result<EventCursor, AwsError> {
        let cursor = decode(token)?;
        let mut parts = cursor.splitn(3, ':');
        let (Some(dir), Some(ts), Some(seq)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(errors::invalid_next_token());
        };
        let key = EventKey {
            timestamp: ts.parse().map_err(|_| errors::invalid_next_token())?,
            seq: seq.parse().map_err(|_| errors::invalid_next_token())?,
        };
        match dir {
            "f" => Ok(EventCursor::Forward(key)),
            "b" => Ok(EventCursor::Backward(key)),
            _ => Err(errors::invalid_next_token()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_tokens_round_trip() {
        let k = EventKey { timestamp: 1_700_000_000_000, seq: 42 };
        for c in [EventCursor::Forward(k), EventCursor::Backward(k)] {
            let t = c.stream_token();
            assert!(t.ends_with("/s") && t.len() == 2 + 56 + 2, "{t}");
            assert_eq!(EventCursor::parse_stream_token(&t), Ok(c));
            assert_eq!(EventCursor::parse_filter_token(&c.filter_token()), Ok(c));
        }
        // The form without the `/s` suffix is accepted too.
        assert_eq!(EventCursor::parse_stream_token(&format!("f/{}", k.to_decimal())), Ok(EventCursor::Forward(k)));
    }

    #[test]
    fn bad_tokens_are_aws_errors() {
        for t in ["invalid-token", "f/", "x/123/s", "f/12x/s", "é"] {
            let e = EventCursor::parse_stream_token(t).unwrap_err();
            assert_eq!(
                (e.code.as_str(), e.message.as_str()),
                ("InvalidParameterException", "The specified nextToken is invalid.")
            );
        }
        assert!(EventCursor::parse_filter_token("invalid-token").is_err());
        assert!(EventCursor::parse_filter_token(&encode("z:1:2")).is_err());
        assert!(decode("%%%").is_err());
        assert_eq!(decode(&encode("a/b")), Ok("a/b".to_string()));
    }
}

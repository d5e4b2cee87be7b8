//! Percent-decoding of form bodies, query strings and path segments, strictly:
//! a broken escape or a byte sequence that is not UTF-8 is an error, never a guess.

/// Why a form or query string could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// `%` not followed by two hex digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(input: &[u8], plus_is_space: bool) -> Result<String, FormError> {
    if !input.iter().any(|&b| b == b'%' || (plus_is_space && b == b'+')) {
        return String::from_utf8(input.to_vec()).map_err(|_| FormError::NotUtf8);
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex);
                let lo = input.get(i + 2).copied().and_then(hex);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                    _ => return Err(FormError::BadEscape),
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| FormError::NotUtf8)
}

/// Decodes a form or query-string component (`+` is a space).
pub fn percent_decode(input: &str) -> Result<String, FormError> {
    decode(input.as_bytes(), true)
}

/// Decodes a path segment (`+` is a plus).
pub fn percent_decode_path(input: &str) -> Result<String, FormError> {
    decode(input.as_bytes(), false)
}

/// Splits `a=1&b=2` into decoded pairs, in order. A key without `=` has an empty value.
pub fn parse_pairs(input: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    let mut pairs = Vec::new();
    for piece in input.split(|&b| b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (key, value) = match piece.iter().position(|&b| b == b'=') {
            Some(eq) => (&piece[..eq], &piece[eq + 1..]),
            None => (piece, &[][..]),
        };
        pairs.push((decode(key, true)?, decode(value, true)?));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs_with_plus_and_escapes() {
        let pairs = parse_pairs(b"Action=AssumeRole&RoleSessionName=a+b%2Fc&Flag&&x=").expect("valid");
        assert_eq!(
            pairs,
            vec![
                ("Action".into(), "AssumeRole".into()),
                ("RoleSessionName".into(), "a b/c".into()),
                ("Flag".into(), "".into()),
                ("x".into(), "".into()),
            ]
        );
    }

    #[test]
    fn rejects_broken_escapes_and_non_utf8() {
        assert_eq!(parse_pairs(b"a=%4"), Err(FormError::BadEscape));
        assert_eq!(parse_pairs(b"a=%zz"), Err(FormError::BadEscape));
        assert_eq!(parse_pairs(b"a=%ff%fe"), Err(FormError::NotUtf8));
        assert_eq!(parse_pairs(b"a=\xff"), Err(FormError::NotUtf8));
    }

    #[test]
    fn path_segments_keep_plus() {
        assert_eq!(percent_decode_path("a+b%20c").as_deref(), Ok("a+b c"));
    }
}

//! Paging tokens: opaque cursors (the position to continue from, tagged with what they page through so a
//! token of one listing is refused by another), and AWS's page size rules.

use crate::errors;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sekisho_core::AwsError;

/// AWS's page size when `maxResults` is absent or 0.
pub const DEFAULT_PAGE: usize = 100;

pub fn page_size(max_results: Option<i64>) -> usize {
    match max_results {
        Some(n) if n > 0 => n as usize,
        _ => DEFAULT_PAGE,
    }
}

pub fn encode(kind: &str, cursor: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}\n{cursor}").as_bytes())
}

/// The cursor inside a token this service issued for `kind`.
pub fn decode(kind: &str, token: &str) -> Result<String, AwsError> {
    let bytes = URL_SAFE_NO_PAD.decode(token.as_bytes()).map_err(|_| errors::invalid_next_token())?;
    let text = String::from_utf8(bytes).map_err(|_| errors::invalid_next_token())?;
    match text.split_once('\n') {
        Some((k, cursor)) if k == kind => Ok(cursor.to_string()),
        _ => Err(errors::invalid_next_token()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_listing() {
        let t = encode("history", "42");
        assert_eq!(decode("history", &t).unwrap(), "42");
        assert_eq!(decode("executions", &t).unwrap_err().code, "InvalidToken");
        assert_eq!(decode("history", "!!").unwrap_err().code, "InvalidToken");
        assert_eq!((page_size(None), page_size(Some(0)), page_size(Some(7))), (100, 100, 7));
    }
}

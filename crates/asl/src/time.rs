//! Time as AWS prints and parses it: ISO-8601 with milliseconds and `Z`, epoch milliseconds inside.
//! No clock is read here; every instant comes from the caller.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// `2024-05-01T12:00:00.123Z`, as `$$.Execution.StartTime` shows it.
pub fn format_iso_millis(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(nanos) else {
        return "1970-01-01T00:00:00.000Z".to_string();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Parses an ISO-8601 extended offset date-time (`2016-03-14T01:59:00Z`, `...+01:00`,
/// fractions of any length) into epoch milliseconds. Date-only or offset-less text is refused.
pub fn parse_iso(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    // RFC 3339 allows a space or lowercase `t`; ISO-8601 extended format wants `T`.
    if text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let utc = t.to_offset(UtcOffset::UTC);
    i64::try_from(utc.unix_timestamp_nanos() / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(format_iso_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso_millis(1_714_564_800_123), "2024-05-01T12:00:00.123Z");
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse_iso("2016-03-14T01:59:00Z"), Some(1_457_920_740_000));
        assert_eq!(parse_iso("2016-03-14T02:59:00+01:00"), Some(1_457_920_740_000));
        assert_eq!(parse_iso("2016-03-14T01:59:00.000000Z"), Some(1_457_920_740_000));
        assert_eq!(parse_iso("2016-03-14T01:59:00.123456789Z"), Some(1_457_920_740_123));
    }

    #[test]
    fn refuses_text_without_offset_or_t() {
        assert_eq!(parse_iso("2016-12-05T21:29:29"), None);
        assert_eq!(parse_iso("2016-12-05 21:29:29Z"), None);
        assert_eq!(parse_iso("date"), None);
    }
}

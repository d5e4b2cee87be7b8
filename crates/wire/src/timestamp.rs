//! Timestamps on the wire: ISO 8601, HTTP dates (RFC 7231 / `rfc822` in the models) and epoch seconds.
//! Internally a timestamp is epoch seconds as `f64` (fractional milliseconds allowed).

use crate::model::TimestampFormat;

const SECONDS_PER_DAY: i64 = 86_400;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range every format here can write.
const MIN_SECONDS: i64 = -62_135_596_800;
const MAX_SECONDS: i64 = 253_402_300_799;

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Whether epoch seconds fall between years 1 and 9999, the range every format here can write.
pub fn in_range(secs: f64) -> bool {
    secs.is_finite() && secs >= MIN_SECONDS as f64 && secs <= MAX_SECONDS as f64 + 0.999
}

/// Splits epoch seconds into whole seconds and milliseconds, clamped to the writable range.
fn split_millis(secs: f64) -> (i64, u32) {
    let millis = if secs.is_finite() { (secs * 1000.0).round() } else { 0.0 };
    let millis = millis.clamp(MIN_SECONDS as f64 * 1000.0, MAX_SECONDS as f64 * 1000.0) as i64;
    (millis.div_euclid(1000), millis.rem_euclid(1000) as u32)
}

/// `2014-04-29T18:30:38Z`, or `2014-04-29T18:30:38.123Z` when there are milliseconds.
pub fn format_iso8601(secs: f64) -> String {
    let (whole, millis) = split_millis(secs);
    let (year, month, day) = civil_from_days(whole.div_euclid(SECONDS_PER_DAY));
    let tod = whole.rem_euclid(SECONDS_PER_DAY);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", tod / 3600, tod / 60 % 60, tod % 60);
    if millis != 0 {
        out.push_str(&format!(".{millis:03}"));
    }
    out.push('Z');
    out
}

/// `Tue, 29 Apr 2014 18:30:38 GMT` (IMF-fixdate; sub-second parts are dropped as HTTP dates have none).
pub fn format_http_date(secs: f64) -> String {
    let (whole, _) = split_millis(secs);
    let days = whole.div_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let tod = whole.rem_euclid(SECONDS_PER_DAY);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        tod / 3600,
        tod / 60 % 60,
        tod % 60
    )
}

/// Epoch seconds as JSON: an integer when whole, else a number with up to millisecond precision.
pub fn epoch_number(secs: f64) -> serde_json::Value {
    let (whole, millis) = split_millis(secs);
    if millis == 0 {
        serde_json::Value::from(whole)
    } else {
        serde_json::Number::from_f64(whole as f64 + f64::from(millis) / 1000.0)
            .map(serde_json::Value::Number)
            .unwrap_or_else(|| serde_json::Value::from(whole))
    }
}

/// Epoch seconds as text, for query strings, headers and XML.
pub fn format_epoch(secs: f64) -> String {
    epoch_number(secs).to_string()
}

pub fn format(secs: f64, format: TimestampFormat) -> String {
    match format {
        TimestampFormat::Iso8601 => format_iso8601(secs),
        TimestampFormat::Rfc822 => format_http_date(secs),
        TimestampFormat::UnixTimestamp => format_epoch(secs),
    }
}

/// Parses a timestamp written in `format`; epoch numbers and the other formats are tolerated too,
/// because clients are not uniform about which format they use for a given location.
pub fn parse(text: &str, format: TimestampFormat) -> Option<f64> {
    let text = text.trim();
    let first = match format {
        TimestampFormat::Iso8601 => parse_iso8601(text),
        TimestampFormat::Rfc822 => parse_http_date(text),
        TimestampFormat::UnixTimestamp => parse_epoch(text),
    };
    first.or_else(|| parse_iso8601(text)).or_else(|| parse_http_date(text)).or_else(|| parse_epoch(text))
}

pub fn parse_epoch(text: &str) -> Option<f64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E')) {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    (value.is_finite() && value >= MIN_SECONDS as f64 && value <= MAX_SECONDS as f64).then_some(value)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn digits(&mut self, count: usize) -> Option<u32> {
        let slice = self.bytes.get(self.pos..self.pos + count)?;
        let mut value = 0u32;
        for &b in slice {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.pos += count;
        Some(value)
    }

    fn eat(&mut self, expected: u8) -> Option<()> {
        (self.bytes.get(self.pos) == Some(&expected)).then(|| self.pos += 1)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn done(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

fn to_epoch(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    // A leap second (:60) is accepted and folded into the next minute, as most parsers do.
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * SECONDS_PER_DAY + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s))
}

/// `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]`.
pub fn parse_iso8601(text: &str) -> Option<f64> {
    let mut c = Cursor { bytes: text.as_bytes(), pos: 0 };
    let year = i64::from(c.digits(4)?);
    c.eat(b'-')?;
    let month = c.digits(2)?;
    c.eat(b'-')?;
    let day = c.digits(2)?;
    if c.eat(b'T').is_none() {
        c.eat(b't')?;
    }
    let hour = c.digits(2)?;
    c.eat(b':')?;
    let minute = c.digits(2)?;
    c.eat(b':')?;
    let second = c.digits(2)?;
    let mut fraction = 0.0;
    if c.eat(b'.').is_some() {
        let start = c.pos;
        while c.peek().is_some_and(|b| b.is_ascii_digit()) {
            c.pos += 1;
        }
        if c.pos == start {
            return None;
        }
        fraction = format!("0.{}", &text[start..c.pos]).parse().ok()?;
    }
    let offset = match c.peek() {
        None => 0,
        Some(b'Z' | b'z') => {
            c.pos += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.pos += 1;
            let oh = c.digits(2)?;
            c.eat(b':');
            let om = c.digits(2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let minutes = i64::from(oh * 60 + om);
            if sign == b'+' { minutes * 60 } else { -minutes * 60 }
        }
        Some(_) => return None,
    };
    if !c.done() {
        return None;
    }
    let local = to_epoch(year, month, day, hour, minute, second)?;
    Some((local - offset) as f64 + fraction)
}

/// `Tue, 29 Apr 2014 18:30:38 GMT` (the weekday is optional and not checked).
pub fn parse_http_date(text: &str) -> Option<f64> {
    let rest = match text.find(", ") {
        Some(i) if i <= 9 => &text[i + 2..],
        _ => text,
    };
    let mut parts = rest.split(' ').filter(|p| !p.is_empty());
    let day: u32 = parts.next()?.parse().ok()?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month_name))? as u32 + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let clock = parts.next()?;
    let zone = parts.next()?;
    if parts.next().is_some() || !(zone == "GMT" || zone == "UTC" || zone == "Z") {
        return None;
    }
    let mut hms = clock.split(':');
    let h: u32 = hms.next()?.parse().ok()?;
    let m: u32 = hms.next()?.parse().ok()?;
    let s_text = hms.next()?;
    if hms.next().is_some() {
        return None;
    }
    let (s_whole, fraction) = match s_text.split_once('.') {
        Some((w, f)) => (w, format!("0.{f}").parse::<f64>().ok()?),
        None => (s_text, 0.0),
    };
    let s: u32 = s_whole.parse().ok()?;
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some(to_epoch(year, month, day, h, m, s)? as f64 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_iso8601_with_and_without_millis() {
        assert_eq!(format_iso8601(1398796238.0), "2014-04-29T18:30:38Z");
        assert_eq!(format_iso8601(946845296.123), "2000-01-02T20:34:56.123Z");
        assert_eq!(format_iso8601(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(format_iso8601(-1.0), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn formats_http_dates() {
        assert_eq!(format_http_date(1398796238.0), "Tue, 29 Apr 2014 18:30:38 GMT");
        assert_eq!(format_http_date(946845296.0), "Sun, 02 Jan 2000 20:34:56 GMT");
    }

    #[test]
    fn parses_offsets_and_fractions() {
        assert_eq!(parse_iso8601("2019-12-16T22:48:18-01:00"), Some(1576540098.0));
        assert_eq!(parse_iso8601("2019-12-17T00:48:18+01:00"), Some(1576540098.0));
        assert_eq!(parse_iso8601("2000-01-02T20:34:56.123Z"), Some(946845296.123));
        assert_eq!(parse_iso8601("2019-02-29T00:00:00Z"), None);
        assert_eq!(parse_iso8601("2019-12-16T22:48:18Zjunk"), None);
        assert_eq!(parse_http_date("Mon, 16 Dec 2019 23:48:18 GMT"), Some(1576540098.0));
        assert_eq!(parse_epoch("1576540098"), Some(1576540098.0));
        assert_eq!(parse_epoch("NaN"), None);
    }

    #[test]
    fn round_trips_across_the_range() {
        for secs in [-62_135_596_800i64, -1, 0, 951_782_400, 4_102_444_800, MAX_SECONDS] {
            let text = format_iso8601(secs as f64);
            assert_eq!(parse_iso8601(&text), Some(secs as f64), "{text}");
            let text = format_http_date(secs as f64);
            assert_eq!(parse_http_date(&text), Some(secs as f64), "{text}");
        }
    }

    #[test]
    fn epoch_numbers_are_integers_when_whole() {
        assert_eq!(epoch_number(1.0).to_string(), "1");
        assert_eq!(epoch_number(1.5).to_string(), "1.5");
        assert_eq!(epoch_number(f64::NAN).to_string(), "0");
    }
}

//! Typed values for condition operators: dates (ISO 8601 or epoch seconds), numbers, IP ranges.
//! Policy values are read once at parse time; request values are read when compared.

use std::net::IpAddr;

/// Nanoseconds since 1970-01-01T00:00:00Z.
pub(crate) type Timestamp = i128;

const NANOS: i128 = 1_000_000_000;

/// Reads a date as IAM's date operators do: W3C ISO 8601 (`2020-01-01T00:00:01Z`, partial forms too) when it
/// contains `T` or `-`, otherwise epoch seconds. `None` for anything IAM's legacy parser refuses.
pub(crate) fn parse_date(text: &str) -> Option<Timestamp> {
    let s = text.trim().to_ascii_lowercase();
    if s.contains('t') || s.contains('-') {
        parse_iso(&s)
    } else {
        let secs: i64 = s.parse().ok()?;
        if secs < 0 {
            return None;
        }
        Some(i128::from(secs) * NANOS)
    }
}

fn int(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 12 {
        return None;
    }
    s.parse().ok()
}

fn in_range(v: i64, lo: i64, hi: i64) -> Option<i64> {
    (lo..=hi).contains(&v).then_some(v)
}

fn parse_iso(s: &str) -> Option<Timestamp> {
    let (date, time) = s.split_once('t').unwrap_or((s, ""));
    let (negative, date) = match date.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, date),
    };
    let fields: Vec<&str> = date.split('-').collect();
    if fields.len() > 3 {
        return None;
    }
    let mut year = int(fields[0])?;
    if negative {
        year = -year;
    }
    let year = in_range(year, -292_275_054, 292_278_993)?;
    let month = match fields.get(1) {
        Some(m) => in_range(int(m)?, 1, 12)?,
        None => 1,
    };
    let day = match fields.get(2) {
        Some(d) => in_range(int(d)?, 1, 31)?,
        None => 1,
    };
    let mut nanos = i128::from(days_from_civil(year, month, day)) * 86_400 * NANOS;
    if !time.is_empty() {
        nanos += parse_time(time)?;
    }
    Some(nanos)
}

/// `hh[:mm[:ss[.fraction]]][z|(+|-)hh[:mm]]`; returns nanoseconds after midnight UTC.
fn parse_time(time: &str) -> Option<i128> {
    let (clock, offset) = split_zone(time)?;
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let hours = in_range(int(parts[0])?, 0, 23)?;
    let minutes = match parts.get(1) {
        Some(m) => in_range(int(m)?, 0, 59)?,
        None => 0,
    };
    let mut nanos = i128::from(hours * 3600 + minutes * 60) * NANOS;
    if let Some(sec) = parts.get(2) {
        let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
        nanos += i128::from(in_range(int(whole)?, 0, 59)?) * NANOS;
        if sec.contains('.') {
            let f = int(frac)?;
            in_range(f, 0, 999_999_999)?;
            let digits = frac.len().min(9) as u32;
            let scaled = i128::from(f) * 10i128.pow(9 - digits);
            nanos += scaled;
        }
    }
    Some(nanos - offset)
}

/// Splits a time into clock and UTC offset (in nanoseconds).
fn split_zone(time: &str) -> Option<(&str, i128)> {
    if let Some(clock) = time.strip_suffix('z') {
        return Some((clock, 0));
    }
    let Some(at) = time.rfind(['+', '-']) else {
        return Some((time, 0));
    };
    let (clock, zone) = (&time[..at], &time[at + 1..]);
    let (h, m) = zone.split_once(':').unwrap_or((zone, "00"));
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let secs = in_range(int(h)?, 0, 23)? * 3600 + in_range(int(m)?, 0, 59)? * 60;
    let sign = if time.as_bytes()[at] == b'-' { -1 } else { 1 };
    Some((clock, sign * i128::from(secs) * NANOS))
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn parse_number(text: &str) -> Option<f64> {
    let v: f64 = text.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// An IP range in CIDR form; an address without prefix means a single address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IpRange {
    v6: bool,
    bits: u128,
    prefix: u32,
}

fn to_bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

impl IpRange {
    pub fn parse(text: &str) -> Option<IpRange> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u32>().ok()?)),
            None => (text, None),
        };
        let (v6, bits) = to_bits(addr.parse().ok()?);
        let max = if v6 { 128 } else { 32 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        Some(IpRange { v6, bits, prefix })
    }

    pub fn contains(&self, ip: &str) -> bool {
        let Some(req) = IpRange::parse(ip) else {
            return false;
        };
        if req.v6 != self.v6 {
            return false;
        }
        let width = if self.v6 { 128 } else { 32 };
        let shift = width - self.prefix;
        if shift >= 128 {
            return true;
        }
        (req.bits >> shift) == (self.bits >> shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_iso_and_epoch_forms_agree() {
        assert_eq!(parse_date("2020-01-01T00:00:01Z"), parse_date("1577836801"));
        assert_eq!(parse_date("2020-01-01T01:00:00+01:00"), parse_date("2020-01-01T00:00:00Z"));
        assert_eq!(parse_date("2019-12-31T19:00:00-05:00"), parse_date("2020-01-01"));
        assert!(parse_date("2016-12-13T21:20:37.593194+00:00").is_some());
        assert!(parse_date("01T").is_some());
        assert!(parse_date("-292275054").is_some());
    }

    #[test]
    fn dates_iam_refuses() {
        for bad in [
            "sdfdsf",
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
            "9223372036854775808",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn cidr_ranges() {
        let r = IpRange::parse("203.0.113.0/24").expect("valid");
        assert!(r.contains("203.0.113.255"));
        assert!(!r.contains("203.0.114.1"));
        let v6 = IpRange::parse("2001:DB8:1234:5678::/64").expect("valid");
        assert!(v6.contains("2001:db8:1234:5678:ffff::1"));
        assert!(!v6.contains("203.0.113.1"));
        assert!(IpRange::parse("10.0.0.1").expect("valid").contains("10.0.0.1"));
        assert!(IpRange::parse("0.0.0.0/0").expect("valid").contains("8.8.8.8"));
        assert!(IpRange::parse("10.0.0.0/33").is_none());
    }
}

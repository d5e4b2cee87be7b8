//! Event identity: every stored event has a key (timestamp, ingestion sequence) that orders it within its
//! log group, printed as AWS prints `eventId`s and stream tokens: a 56-digit number, timestamp << 144 + sequence.

use serde::{Deserialize, Serialize};

/// Orders events as CloudWatch Logs returns them: by timestamp, then by ingestion order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventKey {
    pub timestamp: i64,
    pub seq: u64,
}

/// Digits AWS's event ids and tokens carry (shorter numbers are zero-padded).
const DIGITS: usize = 56;

impl EventKey {
    pub const ZERO: EventKey = EventKey { timestamp: 0, seq: 0 };

    /// The position right after this key.
    pub fn successor(self) -> EventKey {
        match self.seq.checked_add(1) {
            Some(seq) => EventKey { timestamp: self.timestamp, seq },
            None => EventKey { timestamp: self.timestamp.saturating_add(1), seq: 0 },
        }
    }

    /// The decimal form: `timestamp * 2^144 + seq`, zero-padded to 56 digits.
    pub fn to_decimal(self) -> String {
        // Timestamps of stored events are never negative (older events are rejected as too old) and stay
        // below 2^48 ms (year 10889), so the value fits 192 bits.
        let ts = self.timestamp.clamp(0, (1 << 48) - 1) as u64;
        let digits = to_decimal([self.seq, 0, ts << 16]);
        format!("{digits:0>DIGITS$}")
    }

    /// Parses the decimal form; `None` for anything that is not one.
    pub fn from_decimal(s: &str) -> Option<EventKey> {
        let [seq, mid, high] = from_decimal(s)?;
        if mid != 0 || high & 0xFFFF != 0 {
            return None;
        }
        Some(EventKey { timestamp: (high >> 16) as i64, seq })
    }
}

/// A 192-bit unsigned number as three little-endian 64-bit limbs, printed in decimal.
fn to_decimal(mut limbs: [u64; 3]) -> String {
    const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19, the largest power of ten below 2^64
    let mut chunks = Vec::new();
    while limbs != [0, 0, 0] {
        let mut rem: u128 = 0;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 64) | *limb as u128;
            *limb = (cur / CHUNK as u128) as u64;
            rem = cur % CHUNK as u128;
        }
        chunks.push(rem as u64);
    }
    let Some((last, rest)) = chunks.split_last() else {
        return "0".to_string();
    };
    let mut out = last.to_string();
    for chunk in rest.iter().rev() {
        out.push_str(&format!("{chunk:019}"));
    }
    out
}

fn from_decimal(s: &str) -> Option<[u64; 3]> {
    if s.is_empty() || s.len() > 60 {
        return None;
    }
    let mut limbs = [0u64; 3];
    for b in s.bytes() {
        let digit = (b as char).to_digit(10)? as u128;
        let mut carry = digit;
        for limb in limbs.iter_mut() {
            let cur = *limb as u128 * 10 + carry;
            *limb = cur as u64;
            carry = cur >> 64;
        }
        if carry != 0 {
            return None;
        }
    }
    Some(limbs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_shape_of_aws_event_ids() {
        // AWS documentation example: the event at 1433190184356 has the id
        // 31961209122358285602261756944988674324553373268216709120, whose top bits are that timestamp.
        let id = EventKey { timestamp: 1_433_190_184_356, seq: 0 }.to_decimal();
        assert_eq!(id.len(), 56);
        assert!(id.starts_with("3196120912235828560"), "{id}");
    }

    #[test]
    fn round_trips_and_orders() {
        let keys = [
            EventKey::ZERO,
            EventKey { timestamp: 0, seq: 7 },
            EventKey { timestamp: 1_700_000_000_000, seq: 0 },
            EventKey { timestamp: 1_700_000_000_000, seq: u64::MAX },
            EventKey { timestamp: 1_700_000_000_001, seq: 3 },
        ];
        for pair in keys.windows(2) {
            assert!(pair[0].to_decimal() < pair[1].to_decimal(), "decimal order follows key order");
        }
        for k in keys {
            assert_eq!(EventKey::from_decimal(&k.to_decimal()), Some(k));
        }
        assert_eq!(EventKey { timestamp: 5, seq: u64::MAX }.successor(), EventKey { timestamp: 6, seq: 0 });
    }

    #[test]
    fn rejects_what_is_not_a_key() {
        assert_eq!(EventKey::from_decimal(""), None);
        assert_eq!(EventKey::from_decimal("12a"), None);
        assert_eq!(EventKey::from_decimal(&"9".repeat(59)), None);
        // A value with bits between the sequence and the timestamp was never issued.
        assert_eq!(EventKey::from_decimal("18446744073709551616"), None);
    }
}

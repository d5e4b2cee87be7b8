//! RFC 6238 time-based one-time passwords as virtual MFA devices compute them (HMAC-SHA1, 30-second steps,
//! six digits) and the base32 seeds they are configured with. Pure: the caller passes the time.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// RFC 6238's default time step, the one virtual MFA apps use.
pub const STEP_SECONDS: i64 = 30;
/// IAM API reference, EnableMFADevice: codes are "a string of six digits".
pub const DIGITS: u32 = 6;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The time step a moment (epoch milliseconds) falls in.
pub fn step_at(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000).div_euclid(STEP_SECONDS)
}

/// RFC 4648 base32 (upper case, padding and spaces ignored), as seeds are written.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=' && *c != b' ') {
        let v = BASE32.iter().position(|b| *b == c.to_ascii_uppercase())? as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    Some(out)
}

/// RFC 4648 base32 without padding, as seeds are shown to users.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut bits, mut n) = (0u64, 0);
    for b in bytes {
        bits = (bits << 8) | u64::from(*b);
        n += 8;
        while n >= 5 {
            n -= 5;
            out.push(BASE32[((bits >> n) & 31) as usize] as char);
        }
        bits &= (1 << n) - 1;
    }
    if n > 0 {
        out.push(BASE32[((bits << (5 - n)) & 31) as usize] as char);
    }
    out
}

/// RFC 4226 HOTP of `counter` (dynamic truncation), as six digits.
pub fn code(secret: &[u8], step: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&step.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = u32::from_be_bytes([digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]]);
    format!("{:0width$}", word % 10u32.pow(DIGITS), width = DIGITS as usize)
}

/// The first step in `from..=to` whose code is `given`.
pub fn find_step(secret: &[u8], given: &str, from: i64, to: i64) -> Option<i64> {
    (from..=to).find(|s| code(secret, *s) == given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors_truncated_to_six_digits() {
        // RFC 6238 appendix B, SHA1 seed "12345678901234567890": 94287082 at T=59, 07081804 at T=1111111109,
        // 14050471 at T=1111111111; an authenticator shows their last six digits.
        let seed = b"12345678901234567890";
        assert_eq!(code(seed, step_at(59_000)), "287082");
        assert_eq!(code(seed, step_at(1_111_111_109_000)), "081804");
        assert_eq!(code(seed, step_at(1_111_111_111_000)), "050471");
        assert_eq!(
            find_step(seed, "081804", step_at(1_111_111_109_000) - 2, step_at(1_111_111_109_000) + 2),
            Some(step_at(1_111_111_109_000))
        );
        assert_eq!(find_step(seed, "000000", 0, 0), None);
    }

    #[test]
    fn base32_seeds_decode_as_apps_read_them() {
        assert_eq!(base32_decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").as_deref(), Some(&b"12345678901234567890"[..]));
        assert_eq!(base32_decode("gezdgnbv").as_deref(), Some(&b"12345"[..]));
        assert_eq!(base32_decode("1!"), None);
        assert_eq!(base32_encode(b"12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}

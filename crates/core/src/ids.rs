//! Identifiers in AWS's shapes: access keys (AKIA/ASIA), unique ids (AIDA/AROA/ANPA/AGPA/AIPA),
//! secrets, session tokens, request ids. Random from the OS.

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

thread_local! {
    /// A per-thread generator seeded once from the OS: ids are made on every request, a syscall each would
    /// cost more than the rest of a GetCallerIdentity.
    static RNG: std::cell::Cell<u64> = std::cell::Cell::new(seed());
}

fn seed() -> u64 {
    let mut buf = [0u8; 8];
    if getrandom::fill(&mut buf).is_err() {
        // Without the OS source, time and address still make threads and runs differ.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(1);
        buf = (t as u64 ^ (&buf as *const _ as u64)).to_le_bytes();
    }
    u64::from_le_bytes(buf) | 1
}

/// splitmix64: fast, well distributed, not for secrets of real value (these are a local emulator's).
fn next_u64() -> u64 {
    RNG.with(|r| {
        let mut z = r.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        r.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    for chunk in buf.chunks_mut(8) {
        let v = next_u64().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
    buf
}

/// `N` bytes straight from the OS, for keys that sign something (markers, tokens), unlike the ids above.
pub fn secret_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        // No OS source: the id generator is the best left (documented as not for secrets of real value).
        buf = random_bytes::<N>();
    }
    buf
}

fn from_alphabet(alphabet: &[u8], len: usize) -> String {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<32>() {
            // Rejection sampling keeps the distribution uniform.
            let limit = 256 - (256 % alphabet.len());
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// `<prefix>` + 16 characters (access key ids: AKIA..., ASIA...).
pub fn access_key_id(prefix: &str) -> String {
    format!("{prefix}{}", from_alphabet(BASE32, 16))
}

/// `<prefix>` + 17 characters (unique ids: AIDA user, AROA role, ANPA policy, AGPA group, AIPA instance profile).
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", from_alphabet(BASE32, 17))
}

/// A 40-character secret access key.
pub fn secret_access_key() -> String {
    from_alphabet(ALNUM, 40)
}

/// An opaque session token, long like AWS's.
pub fn session_token() -> String {
    use std::fmt::Write;
    let mut s = String::from("IQoJb3JpZ2luX2VjE");
    for chunk in 0..8 {
        let bytes = random_bytes::<24>();
        for b in bytes {
            let _ = write!(s, "{}", ALNUM[b as usize % ALNUM.len()] as char);
        }
        if chunk % 3 == 2 {
            s.push('/');
        }
    }
    s
}

/// A request id in UUID v4 form.
pub fn request_id() -> String {
    uuid_v4()
}

pub fn uuid_v4() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 0xf) as usize] as char);
    }
    s
}

/// Lower-case alphanumerics, e.g. for gateway ids.
pub fn lower_alnum(len: usize) -> String {
    from_alphabet(b"abcdefghijklmnopqrstuvwxyz0123456789", len)
}

/// `true` for a 12-digit AWS account id.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let k = access_key_id("ASIA");
        assert_eq!(k.len(), 20);
        assert!(k.starts_with("ASIA") && k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        assert_eq!(unique_id("AROA").len(), 21);
        assert_eq!(secret_access_key().len(), 40);
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(request_id(), request_id());
        assert!(is_account_id("123456789012") && !is_account_id("12345678901a"));
    }
}

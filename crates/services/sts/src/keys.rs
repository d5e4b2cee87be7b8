//! Temporary access keys that carry their account as AWS's do (GetAccessKeyInfo reads it back from any
//! well-formed key), secrets and session tokens, and registering them in the world's credential registry.

use base64::Engine;
use sekisho_core::credentials::{CredentialRecord, SessionGrant};
use sekisho_core::identity::Identity;
use sekisho_core::{World, ids};

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// The first 48 bits after the key prefix hold the account id shifted left by 7 (one spare top bit).
const ACCOUNT_MASK: u64 = 0x7fff_ffff_ff80;

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u64 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = BASE32.iter().position(|b| *b == c)? as u64;
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

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut bits: u64 = 0;
    let mut n = 0;
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

/// The account encoded in an AKIA/ASIA key id, as AWS encodes it in keys issued since 2019.
pub fn account_of(access_key_id: &str) -> Option<String> {
    let body = access_key_id.get(4..)?;
    let bytes = base32_decode(body.get(..16)?)?;
    let mut head = [0u8; 8];
    head[2..].copy_from_slice(bytes.get(..6)?);
    let account = (u64::from_be_bytes(head) & ACCOUNT_MASK) >> 7;
    Some(format!("{account:012}"))
}

/// A fresh key id with `prefix` (`ASIA`, `AKIA`) that carries `account`.
pub fn access_key_id(prefix: &str, account: &str) -> String {
    let Ok(number) = account.parse::<u64>() else {
        return ids::access_key_id(prefix);
    };
    // Random filler comes from a random key id so no second random source is needed.
    let filler = base32_decode(&ids::access_key_id("")).unwrap_or_default();
    let mut bytes = [0u8; 10];
    for (i, b) in filler.iter().take(10).enumerate() {
        bytes[i] = *b;
    }
    let head = (number << 7) | u64::from(bytes[5] & 0x7f);
    bytes[..6].copy_from_slice(&head.to_be_bytes()[2..]);
    format!("{prefix}{}", base32_encode(&bytes))
}

/// Temporary credentials as STS returns them.
pub struct Issued {
    pub access_key_id: String,
    pub secret: String,
    pub token: String,
    pub expires_ms: i64,
}

/// Issues temporary credentials for `identity` valid until `expires_ms` and registers them.
pub fn issue(world: &World, identity: Identity, account: &str, expires_ms: i64, mfa_auth_ms: Option<i64>) -> Issued {
    issue_with_grant(world, identity, account, expires_ms, None, mfa_auth_ms)
}

/// [`issue`] for GetSessionToken, which records what the credentials may call.
pub fn issue_with_grant(
    world: &World,
    identity: Identity,
    account: &str,
    expires_ms: i64,
    session_grant: Option<SessionGrant>,
    mfa_auth_ms: Option<i64>,
) -> Issued {
    let issued = Issued {
        access_key_id: access_key_id("ASIA", account),
        secret: ids::secret_access_key(),
        token: session_token(),
        expires_ms,
    };
    let record = CredentialRecord {
        secret: issued.secret.clone(),
        session_token: Some(issued.token.clone()),
        identity,
        expires_ms: Some(expires_ms),
        active: true,
        session_grant,
        mfa_auth_ms,
    };
    let now = world.clock.now_ms();
    world.write().credentials.insert(issued.access_key_id.clone(), record, now);
    issued
}

/// A session token shaped like AWS's (base64 text of a few hundred characters).
fn session_token() -> String {
    let raw = format!("{}{}{}", ids::session_token(), ids::secret_access_key(), ids::secret_access_key());
    base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
}

/// `true` when the key is temporary (issued with a session token).
pub fn is_temporary(world: &World, access_key_id: &str) -> bool {
    world.read().credentials.get(access_key_id).is_some_and(|r| r.session_token.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_is_read_back_from_aws_keys_and_ours() {
        // The example of the published decoding: ASIAY34FZKBOKMUTVV7A belongs to 609629065308.
        assert_eq!(account_of("ASIAY34FZKBOKMUTVV7A").as_deref(), Some("609629065308"));
        for account in ["111111111111", "222222222222", "000000000001", "999999999999"] {
            let key = access_key_id("ASIA", account);
            assert_eq!(key.len(), 20);
            assert!(key.starts_with("ASIA") && key[4..].bytes().all(|b| BASE32.contains(&b)), "{key}");
            assert_eq!(account_of(&key).as_deref(), Some(account));
        }
        assert_eq!(account_of("ASIA"), None);
    }
}

//! AWS Signature Version 4 verification, header (`Authorization`) and presigned-query forms.
//! Pure: the caller supplies the secret for the access key and the current time.

pub mod canonical;
pub mod chunked;
mod errors;
#[cfg(test)]
mod tests;

pub use errors::{ErrorStyle, QueryParameterError, SigError};

use crate::HttpRequest;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// AWS allows this much clock difference between the signer and the service.
pub const MAX_SKEW_SECS: i64 = 5 * 60;
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// The longest a presigned URL may live: "The minimum value you can set is 1, and the maximum is 604800 (seven
/// days)" (S3 API reference, Authenticating Requests: Using Query Parameters); the signing key is only valid
/// that long. Applied to every service [inf for services other than S3].
pub const MAX_PRESIGN_EXPIRES_SECS: i64 = 604_800;

/// The payload forms, besides a body signed by its SHA-256, that a service takes: `UNSIGNED-PAYLOAD` and the
/// `STREAMING-*` (`aws-chunked`) forms are S3's (S3 API reference, "Authenticating Requests: Using the
/// Authorization Header"); no other served service reads `x-amz-content-sha256`. Decided by the service the
/// request was routed to, never by the scope a client claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PayloadModes {
    pub unsigned: bool,
    pub streaming: bool,
}

impl PayloadModes {
    /// Every service but S3: the body is always covered by its hash.
    pub const SIGNED_ONLY: PayloadModes = PayloadModes { unsigned: false, streaming: false };
    /// S3.
    pub const ALL: PayloadModes = PayloadModes { unsigned: true, streaming: true };
}

/// What a verified signature covered of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// The body's SHA-256: the body as received is verified.
    Signed,
    /// `UNSIGNED-PAYLOAD`: the body is not covered.
    Unsigned,
    /// An `aws-chunked` body: [`chunked::decode`] verifies its chunks and yields the body the service sees.
    Streaming(chunked::StreamingMode),
}

/// Where the signature travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthForm {
    Header,
    Query,
}

/// The credential scope `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub date: String,
    pub region: String,
    pub service: String,
}

impl Scope {
    pub fn to_scope_string(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.date, self.region, self.service)
    }
}

/// What a request claims about its signature, before verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub form: AuthForm,
    pub access_key_id: String,
    pub scope: Scope,
    pub signed_headers: Vec<String>,
    pub signature: String,
    /// `yyyymmddThhmmssZ`
    pub amz_date: String,
    pub security_token: Option<String>,
    /// `X-Amz-Expires` of the presigned form.
    pub expires: Option<i64>,
}

/// Reads the signature claims of a request. `Err(SigError::Missing)` when it carries none.
pub fn parse(req: &HttpRequest) -> Result<SignedRequest, SigError> {
    if let Some(auth) = req.header("authorization") {
        return parse_header(req, auth);
    }
    let params = canonical::query_pairs(req.query);
    if params.iter().any(|(k, _)| k == "X-Amz-Algorithm" || k == "X-Amz-Signature") {
        return parse_query(&params);
    }
    Err(SigError::Missing)
}

fn parse_header(req: &HttpRequest, auth: &str) -> Result<SignedRequest, SigError> {
    let auth = auth.trim();
    let Some(rest) = auth.strip_prefix(ALGORITHM) else {
        return Err(SigError::Incomplete(format!(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' \
             parameter. Authorization header requires 'SignedHeaders' parameter. Authorization={auth}"
        )));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some((k, v)) = part.split_once('=') {
            match k.trim() {
                "Credential" => credential = Some(v.trim()),
                "SignedHeaders" => signed = Some(v.trim()),
                "Signature" => signature = Some(v.trim()),
                _ => {}
            }
        }
    }
    let amz_date = req.header("x-amz-date").map(str::trim);
    let mut missing = Vec::new();
    if credential.is_none() {
        missing.push("Authorization header requires 'Credential' parameter.");
    }
    if signature.is_none() {
        missing.push("Authorization header requires 'Signature' parameter.");
    }
    if signed.is_none() {
        missing.push("Authorization header requires 'SignedHeaders' parameter.");
    }
    if amz_date.is_none() {
        missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    let (Some(credential), Some(signed), Some(signature), Some(amz_date)) = (credential, signed, signature, amz_date)
    else {
        return Err(SigError::Incomplete(format!("{} Authorization={auth}", missing.join(" "))));
    };
    let (access_key_id, scope) = parse_credential(credential)?;
    Ok(SignedRequest {
        form: AuthForm::Header,
        access_key_id,
        scope,
        signed_headers: signed.split(';').map(|h| h.to_ascii_lowercase()).collect(),
        signature: signature.to_string(),
        amz_date: amz_date.to_string(),
        security_token: req.header("x-amz-security-token").map(|t| t.trim().to_string()),
        expires: None,
    })
}

fn parse_query(params: &[(String, String)]) -> Result<SignedRequest, SigError> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let algorithm = get("X-Amz-Algorithm");
    if algorithm.is_some_and(|a| a != ALGORITHM) {
        return Err(SigError::Incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"".to_string()));
    }
    let mut missing = Vec::new();
    for name in ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"] {
        if get(name).is_none() {
            missing.push(format!("AWS query-string parameters must include '{name}'."));
        }
    }
    let (Some(credential), Some(signature), Some(signed), Some(amz_date)) =
        (get("X-Amz-Credential"), get("X-Amz-Signature"), get("X-Amz-SignedHeaders"), get("X-Amz-Date"))
    else {
        return Err(SigError::Incomplete(format!("{} Re-examine the query-string parameters.", missing.join(" "))));
    };
    let (access_key_id, scope) = parse_credential(credential)?;
    let expires = get("X-Amz-Expires").map(presign_expires).transpose()?;
    Ok(SignedRequest {
        form: AuthForm::Query,
        access_key_id,
        scope,
        signed_headers: signed.split(';').map(|h| h.to_ascii_lowercase()).collect(),
        signature: signature.to_string(),
        amz_date: amz_date.to_string(),
        security_token: get("X-Amz-Security-Token").map(str::to_string),
        expires,
    })
}

/// `X-Amz-Expires`: whole seconds, from 0 to a week.
fn presign_expires(text: &str) -> Result<i64, SigError> {
    use QueryParameterError::*;
    let value = text.parse::<i64>().map_err(|_| SigError::QueryParameters(ExpiresNotANumber))?;
    if value < 0 {
        return Err(SigError::QueryParameters(ExpiresNegative));
    }
    if value > MAX_PRESIGN_EXPIRES_SECS {
        return Err(SigError::QueryParameters(ExpiresOverAWeek));
    }
    Ok(value)
}

fn parse_credential(credential: &str) -> Result<(String, Scope), SigError> {
    let parts: Vec<&str> = credential.split('/').collect();
    if parts.len() != 5 || parts[4] != "aws4_request" || parts[0].is_empty() {
        return Err(SigError::Incomplete(format!(
            "Credential should be scoped to a valid region. Credential={credential}"
        )));
    }
    Ok((
        parts[0].to_string(),
        Scope { date: parts[1].to_string(), region: parts[2].to_string(), service: parts[3].to_string() },
    ))
}

/// Verifies the signature of `req` with `secret`, at time `now` (unix seconds).
pub fn verify(req: &HttpRequest, signed: &SignedRequest, secret: &str, now: i64) -> Result<(), SigError> {
    verify_with_key(req, signed, &signing_key(secret, &signed.scope), now)
}

/// [`verify`] with the scope's signing key already derived (callers may cache it per key and scope). For a
/// service that takes only signed payloads ([`PayloadModes::SIGNED_ONLY`]).
pub fn verify_with_key(req: &HttpRequest, signed: &SignedRequest, key: &[u8; 32], now: i64) -> Result<(), SigError> {
    verify_payload(req, signed, key, now, PayloadModes::SIGNED_ONLY).map(|_| ())
}

/// [`verify_with_key`] for a service that takes the payload forms `modes`; says what the signature covered.
/// A [`Payload::Streaming`] body still has to go through [`chunked::decode`] before the service sees it.
pub fn verify_payload(
    req: &HttpRequest,
    signed: &SignedRequest,
    key: &[u8; 32],
    now: i64,
    modes: PayloadModes,
) -> Result<Payload, SigError> {
    let t = parse_amz_date(&signed.amz_date).ok_or_else(|| {
        SigError::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            signed.amz_date
        ))
    })?;
    if !signed.amz_date.starts_with(&signed.scope.date) {
        return Err(SigError::ScopeDate { scope: signed.scope.date.clone(), date: signed.amz_date.clone() });
    }
    check_time(signed, t, now)?;
    // HTTP/2 clients may sign the `:authority` pseudo-header in its place (AWS's own error text names both).
    if !signed.signed_headers.iter().any(|h| h == "host" || h == ":authority") {
        return Err(SigError::HostNotSigned);
    }
    let payload_hash = payload_hash(req, signed, modes)?;
    let scope = signed.scope.to_scope_string();
    let token_forms: &[bool] = match (signed.form, &signed.security_token) {
        (AuthForm::Query, Some(_)) => &[true, false],
        _ => &[true],
    };
    for uri in canonical::uri_candidates(req.path) {
        for (hash, payload) in &payload_hash {
            for &token_signed in token_forms {
                let creq = canonical::request(req, signed, &uri, hash, token_signed);
                let sts = string_to_sign(&signed.amz_date, &scope, &creq);
                let expected = hex(&hmac(key, sts.as_bytes()));
                if constant_time_eq(expected.as_bytes(), signed.signature.as_bytes()) {
                    return Ok(*payload);
                }
            }
        }
    }
    Err(SigError::Mismatch)
}

fn check_time(signed: &SignedRequest, t: i64, now: i64) -> Result<(), SigError> {
    if t > now + MAX_SKEW_SECS {
        return Err(SigError::NotYetCurrent { signed: signed.amz_date.clone(), now });
    }
    match signed.expires {
        Some(expires) => {
            if now > t.saturating_add(expires) {
                return Err(SigError::PresignExpired);
            }
        }
        None => {
            if t < now - MAX_SKEW_SECS {
                return Err(SigError::Expired { signed: signed.amz_date.clone(), now });
            }
        }
    }
    Ok(())
}

/// The payload hashes a signer may have used, most likely first, with what each one covers. A stand-in for
/// the hash (`UNSIGNED-PAYLOAD`, `STREAMING-*`) is refused unless the service takes that form: a service that
/// does not read `x-amz-content-sha256` hashes the body itself, so such a signature never matches there [inf].
fn payload_hash(
    req: &HttpRequest,
    signed: &SignedRequest,
    modes: PayloadModes,
) -> Result<Vec<(String, Payload)>, SigError> {
    let actual = || hex(&Sha256::digest(req.body));
    match req.header("x-amz-content-sha256").map(str::trim) {
        Some(UNSIGNED_PAYLOAD) if modes.unsigned => Ok(vec![(UNSIGNED_PAYLOAD.to_string(), Payload::Unsigned)]),
        Some(h) if h == UNSIGNED_PAYLOAD || h.starts_with("STREAMING-") => {
            // Chunk signatures chain from a header signature: a presigned URL cannot carry a streaming body.
            match chunked::StreamingMode::from_header(h) {
                Some(mode) if modes.streaming && signed.form == AuthForm::Header => {
                    Ok(vec![(h.to_string(), Payload::Streaming(mode))])
                }
                _ => Err(SigError::PayloadNotAccepted(h.to_string())),
            }
        }
        Some(h) => {
            let actual = actual();
            if h.eq_ignore_ascii_case(&actual) {
                Ok(vec![(actual, Payload::Signed)])
            } else {
                Err(SigError::ContentSha256Mismatch)
            }
        }
        None if signed.form == AuthForm::Query && modes.unsigned => {
            Ok(vec![(actual(), Payload::Signed), (UNSIGNED_PAYLOAD.to_string(), Payload::Unsigned)])
        }
        None => Ok(vec![(actual(), Payload::Signed)]),
    }
}

fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", hex(&Sha256::digest(canonical_request.as_bytes())))
}

/// The SigV4 signing key for a scope.
pub fn signing_key(secret: &str, scope: &Scope) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), scope.date.as_bytes());
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `yyyymmddThhmmssZ` → unix seconds.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, sec) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec)
}

/// unix seconds → `yyyymmddThhmmssZ`.
pub fn format_amz_date(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", secs / 3600, (secs / 60) % 60, secs % 60)
}

// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Signs a request the way clients do: for tests, tools and sekisho's own outbound calls.
/// Returns the `Authorization` header value for `amz_date` (`yyyymmddThhmmssZ`).
pub fn sign_header(
    req: &HttpRequest,
    access_key_id: &str,
    secret: &str,
    scope: &Scope,
    amz_date: &str,
    signed_headers: &[&str],
) -> String {
    let mut names: Vec<String> = signed_headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    names.sort();
    let claims = SignedRequest {
        form: AuthForm::Header,
        access_key_id: access_key_id.to_string(),
        scope: scope.clone(),
        signed_headers: names.clone(),
        signature: String::new(),
        amz_date: amz_date.to_string(),
        security_token: None,
        expires: None,
    };
    let hash = req.header("x-amz-content-sha256").map(str::to_string).unwrap_or_else(|| hex(&Sha256::digest(req.body)));
    let uri = canonical::uri_candidates(req.path).next().unwrap_or_else(|| "/".to_string());
    let creq = canonical::request(req, &claims, &uri, &hash, true);
    let sts = string_to_sign(amz_date, &scope.to_scope_string(), &creq);
    let signature = hex(&hmac(&signing_key(secret, scope), sts.as_bytes()));
    format!(
        "{ALGORITHM} Credential={access_key_id}/{}, SignedHeaders={}, Signature={signature}",
        scope.to_scope_string(),
        names.join(";")
    )
}

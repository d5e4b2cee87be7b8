//! JSON Web Tokens as OpenID Connect providers issue them: the compact form read (RFC 7519), the signature
//! checked against a JSON Web Key Set (RFC 7517) with RS256 or ES256 (RFC 7518). Pure: no clock, no IO.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Verifier;
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// RFC 7518 section 3.3: RSA keys of 2048 bits or larger "MUST be used" with RS256.
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA key accepted (as the `rsa` crate's default bound): bounds the work one token can cost.
pub const MAX_RSA_BITS: usize = 4096;

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// Not three base64url parts of JSON objects.
    Malformed,
    /// An algorithm other than RS256 / ES256 (including `none` and the HMAC ones).
    Algorithm(String),
    /// No key in the set matches the token's `kid` and algorithm.
    NoKey,
    /// A key matched, but the signature does not verify.
    Signature,
}

/// A token split into its parts; nothing about it is trusted until [`Jwt::verify`] says so.
#[derive(Debug, Clone)]
pub struct Jwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    signing_input: String,
    signature: Vec<u8>,
}

fn object(part: &str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(JwtError::Malformed),
    }
}

impl Jwt {
    /// Reads the compact serialisation `header.claims.signature`.
    pub fn parse(token: &str) -> Result<Jwt, JwtError> {
        let mut parts = token.trim().split('.');
        let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(JwtError::Malformed);
        };
        Ok(Jwt {
            header: object(h)?,
            claims: object(c)?,
            signing_input: format!("{h}.{c}"),
            signature: URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?,
        })
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric date claim (`exp`, `nbf`, `iat`), in seconds.
    pub fn claim_time(&self, name: &str) -> Option<i64> {
        let v = self.claims.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    }

    /// `aud`: one string or an array of them (RFC 7519 section 4.1.3).
    pub fn audiences(&self) -> Vec<&str> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// Checks the signature with the key of `jwks` (`{"keys": [...]}`) the header names.
    pub fn verify(&self, jwks: &Value) -> Result<(), JwtError> {
        let alg = self.header.get("alg").and_then(Value::as_str).unwrap_or_default();
        let kty = match alg {
            "RS256" => "RSA",
            "ES256" => "EC",
            other => return Err(JwtError::Algorithm(other.to_string())),
        };
        let kid = self.header.get("kid").and_then(Value::as_str);
        let keys = jwks.get("keys").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let candidates = keys.iter().filter(|k| {
            k.get("kty").and_then(Value::as_str) == Some(kty)
                && k.get("alg").and_then(Value::as_str).is_none_or(|a| a == alg)
                && k.get("use").and_then(Value::as_str).is_none_or(|u| u == "sig")
                && (kid.is_none() || k.get("kid").and_then(Value::as_str) == kid)
        });
        let mut any = false;
        for key in candidates {
            any = true;
            let ok = match kty {
                "RSA" => verify_rs256(key, self.signing_input.as_bytes(), &self.signature),
                _ => verify_es256(key, self.signing_input.as_bytes(), &self.signature),
            };
            if ok {
                return Ok(());
            }
        }
        Err(if any { JwtError::Signature } else { JwtError::NoKey })
    }
}

fn member(key: &Value, name: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(key.get(name)?.as_str()?).ok()
}

fn verify_rs256(key: &Value, input: &[u8], signature: &[u8]) -> bool {
    let (Some(n), Some(e)) = (member(key, "n"), member(key, "e")) else { return false };
    let n = BigUint::from_bytes_be(&n);
    let bits = n.bits();
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return false;
    }
    let Ok(public) = RsaPublicKey::new(n, BigUint::from_bytes_be(&e)) else { return false };
    public.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input), signature).is_ok()
}

fn verify_es256(key: &Value, input: &[u8], signature: &[u8]) -> bool {
    if key.get("crv").and_then(Value::as_str) != Some("P-256") {
        return false;
    }
    let (Some(x), Some(y)) = (member(key, "x"), member(key, "y")) else { return false };
    if x.len() != 32 || y.len() != 32 {
        return false;
    }
    let point = p256::EncodedPoint::from_affine_coordinates(
        p256::FieldBytes::from_slice(&x),
        p256::FieldBytes::from_slice(&y),
        false,
    );
    let Ok(public) = p256::ecdsa::VerifyingKey::from_encoded_point(&point) else { return false };
    // RFC 7518 section 3.4: the JWS signature is R || S, 32 bytes each.
    let Ok(sig) = p256::ecdsa::Signature::from_slice(signature) else { return false };
    public.verify(input, &sig).is_ok()
}

/// base64url without padding, as JOSE writes every binary value.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::issuer::IssuerKey;
    use p256::ecdsa::signature::Signer;
    use serde_json::json;

    fn es256_token(signing: &p256::ecdsa::SigningKey, kid: &str, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": kid});
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let sig: p256::ecdsa::Signature = signing.sign(input.as_bytes());
        format!("{input}.{}", b64(&sig.to_bytes()))
    }

    fn es256_jwks(signing: &p256::ecdsa::SigningKey, kid: &str) -> Value {
        let point = signing.verifying_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else { panic!("uncompressed point") };
        json!({"keys": [{"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(x), "y": b64(y)}]})
    }

    #[test]
    fn rs256_tokens_verify_only_against_their_own_key() {
        let key = IssuerKey::generate().unwrap();
        let token = key.sign(&json!({"sub": "repo:octo/app:ref:refs/heads/main", "aud": ["sts.amazonaws.com"]}));
        let jwt = Jwt::parse(&token).unwrap();
        assert_eq!(jwt.claim_str("sub"), Some("repo:octo/app:ref:refs/heads/main"));
        assert_eq!(jwt.audiences(), vec!["sts.amazonaws.com"]);
        assert_eq!(jwt.verify(&key.jwks()), Ok(()));
        let other = IssuerKey::generate().unwrap();
        // Another key under the same kid: the signature fails; under its own kid: no key.
        let mut same_kid = other.jwks();
        same_kid["keys"][0]["kid"] = json!(key.kid);
        assert_eq!(jwt.verify(&same_kid), Err(JwtError::Signature));
        assert_eq!(jwt.verify(&other.jwks()), Err(JwtError::NoKey));
        // A changed claim breaks the signature.
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!("{}.{}.{}", parts[0], b64(br#"{"sub":"repo:evil/app:ref:refs/heads/main"}"#), parts[2]);
        assert_eq!(Jwt::parse(&forged).unwrap().verify(&key.jwks()), Err(JwtError::Signature));
    }

    #[test]
    fn es256_tokens_verify_and_other_algorithms_are_refused() {
        let signing = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let token = es256_token(&signing, "ec1", &json!({"sub": "s", "exp": 1_700_000_000}));
        let jwt = Jwt::parse(&token).unwrap();
        assert_eq!(jwt.claim_time("exp"), Some(1_700_000_000));
        assert_eq!(jwt.verify(&es256_jwks(&signing, "ec1")), Ok(()));
        let stranger = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        assert_eq!(jwt.verify(&es256_jwks(&stranger, "ec1")), Err(JwtError::Signature));
        // alg "none" and HMAC: refused whatever the key set holds.
        for alg in ["none", "HS256"] {
            let header = b64(json!({"alg": alg}).to_string().as_bytes());
            let claims = b64(br#"{"sub":"s"}"#);
            let jwt = Jwt::parse(&format!("{header}.{claims}.")).unwrap();
            assert_eq!(jwt.verify(&es256_jwks(&signing, "ec1")), Err(JwtError::Algorithm(alg.into())));
        }
    }

    #[test]
    fn malformed_tokens_are_told_apart() {
        for token in ["", "a.b", "a.b.c.d", "!!.e30.", "e30.bm90IGpzb24.", "W10.e30."] {
            assert_eq!(Jwt::parse(token).unwrap_err(), JwtError::Malformed, "{token}");
        }
        assert!(Jwt::parse("e30.e30.").is_ok());
    }
}

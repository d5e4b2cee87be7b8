//! sekisho's own OpenID Connect issuer key: an RSA key made once per server, kept as plain data (PKCS#1 DER in
//! base64) so the world can be saved with it; it signs the test tokens sekisho mints and is published as a JWKS.

use super::jwt::b64;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// RS256, the algorithm GitHub Actions signs its tokens with, at RFC 7518's minimum key size.
const KEY_BITS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuerKey {
    /// The key id tokens name in their header (`kid`) and the JWKS lists.
    pub kid: String,
    /// The private key, PKCS#1 DER, base64.
    pub private_key: String,
    /// The public modulus and exponent, base64url (kept so publishing and verifying never parse the private key).
    pub n: String,
    pub e: String,
}

impl IssuerKey {
    /// A fresh key. RSA key generation is slow (a fraction of a second): done once per server.
    pub fn generate() -> Result<IssuerKey, String> {
        let key = RsaPrivateKey::new(&mut rand_core::OsRng, KEY_BITS).map_err(|e| e.to_string())?;
        let der = key.to_pkcs1_der().map_err(|e| e.to_string())?;
        // The kid: a digest of the modulus, so two keys never share one.
        let kid = b64(&Sha256::digest(key.n().to_bytes_be())[..12]);
        Ok(IssuerKey {
            kid,
            private_key: STANDARD.encode(der.as_bytes()),
            n: b64(&key.n().to_bytes_be()),
            e: b64(&key.e().to_bytes_be()),
        })
    }

    fn key(&self) -> Option<RsaPrivateKey> {
        let der = STANDARD.decode(&self.private_key).ok()?;
        RsaPrivateKey::from_pkcs1_der(&der).ok()
    }

    /// The public half as a JWK Set, the document a `jwks_uri` serves.
    pub fn jwks(&self) -> Value {
        json!({"keys": [{
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        }]})
    }

    /// A signed token (RS256) carrying `claims`; empty if the stored key is unreadable.
    pub fn sign(&self, claims: &Value) -> String {
        let Some(key) = self.key() else { return String::new() };
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        match key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(input.as_bytes())) {
            Ok(sig) => format!("{input}.{}", b64(&sig)),
            Err(_) => String::new(),
        }
    }
}

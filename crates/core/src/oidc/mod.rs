//! OpenID Connect for web identity federation: verifying tokens (`jwt`), sekisho's own issuer key (`issuer`),
//! minting test tokens shaped like GitHub Actions' (`mint`), and the key sets configured for other issuers.

pub mod issuer;
pub mod jwt;
pub mod mint;

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The issuer sekisho's minted tokens carry unless told otherwise: GitHub Actions', the commonest web
/// identity in trust policies.
pub const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The audience GitHub's `aws-actions/configure-aws-credentials` asks for.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";

/// `[oidc.issuers."<issuer URL>"] jwks = '{"keys": [...]}'`: the key set of an issuer sekisho cannot fetch
/// (it never goes to the internet). Issuers without one are checked against sekisho's own key.
#[derive(Debug, Clone, Default)]
pub struct OidcConfig {
    pub issuers: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOidc {
    #[serde(default)]
    issuers: BTreeMap<String, RawIssuer>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuer {
    jwks: String,
}

impl OidcConfig {
    /// Reads the `[oidc]` section; a key set that is not `{"keys": [...]}` is a configuration error.
    pub fn from_toml(section: Option<&toml::Value>) -> Result<OidcConfig, String> {
        let Some(section) = section else { return Ok(OidcConfig::default()) };
        let raw: RawOidc = section.clone().try_into().map_err(|e: toml::de::Error| format!("[oidc]: {e}"))?;
        let mut issuers = BTreeMap::new();
        for (url, issuer) in raw.issuers {
            let jwks: Value =
                serde_json::from_str(&issuer.jwks).map_err(|e| format!("oidc.issuers.{url:?}.jwks: {e}"))?;
            if !jwks.get("keys").is_some_and(Value::is_array) {
                return Err(format!("oidc.issuers.{url:?}.jwks: expected a JWK Set {{\"keys\": [...]}}"));
            }
            issuers.insert(normalize(&url).to_string(), jwks);
        }
        Ok(OidcConfig { issuers })
    }

    /// The configured key set of `issuer`, if any.
    pub fn jwks(&self, issuer: &str) -> Option<&Value> {
        self.issuers.get(normalize(issuer))
    }
}

/// An issuer URL as IAM names its provider: without the scheme and a trailing slash.
pub fn normalize(issuer: &str) -> &str {
    issuer.strip_prefix("https://").unwrap_or(issuer).trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_key_sets_are_read_and_checked() {
        let table: toml::Table =
            toml::from_str("[oidc.issuers.\"https://idp.example.com/\"]\njwks = '{\"keys\": []}'\n").unwrap();
        let config = OidcConfig::from_toml(table.get("oidc")).unwrap();
        assert!(config.jwks("https://idp.example.com").is_some());
        assert!(config.jwks("idp.example.com").is_some());
        assert!(config.jwks("https://other.example.com").is_none());
        for bad in ["jwks = '[]'", "jwks = 'nope'", "jwks_file = 'x'"] {
            let table: toml::Table = toml::from_str(&format!("[oidc.issuers.\"https://i\"]\n{bad}\n")).unwrap();
            assert!(OidcConfig::from_toml(table.get("oidc")).is_err(), "{bad}");
        }
    }
}

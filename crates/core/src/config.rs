//! `sekisho.toml`: server address, clock, accounts (root secrets, names) and per-service sections that each
//! service reads for itself. Every key is optional; an absent file means the defaults.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: Option<usize>,
    /// The token `/_sekisho/` and `/moto-api/` require off loopback (random at each start when unset;
    /// the environment variable `SEKISHO_TOKEN` overrides it).
    pub token: Option<String>,
    /// Most connections open at once; more are refused with a 503.
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request's headers; also how long an idle keep-alive connection stays.
    pub header_read_timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Secret access key of the account's root user (access key id = the account id).
    pub secret: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockConfig {
    /// `real` (default) or `virtual`: virtual time jumps over waits instead of sleeping.
    pub mode: String,
}

/// `[storage]`: where the world is kept. Absent: in memory, gone when sekisho stops.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// The data directory (`sekisho serve --data-dir` overrides it). The database is `<dir>/sekisho.db`;
    /// `<dir>/ca/` is kept for the TLS proxy's local certificate authority.
    pub dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub clock: Option<ClockConfig>,
    pub accounts: BTreeMap<String, AccountConfig>,
    /// Root secret for accounts without their own (`test` unless configured).
    pub default_root_secret: String,
    /// `[oidc]`: key sets of issuers sekisho cannot fetch.
    pub oidc: crate::oidc::OidcConfig,
    /// The whole document, for services to read their own sections.
    pub raw: toml::Table,
}

#[derive(Debug, Deserialize)]
struct Known {
    #[serde(default)]
    server: ServerConfig,
    #[serde(default)]
    storage: StorageConfig,
    clock: Option<ClockConfig>,
    #[serde(default)]
    accounts: BTreeMap<String, AccountConfig>,
    default_root_secret: Option<String>,
}

impl Config {
    pub fn defaults() -> Self {
        Config { default_root_secret: "test".into(), ..Default::default() }
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let raw: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut known_table = toml::Table::new();
        for key in ["server", "storage", "clock", "accounts", "default_root_secret"] {
            if let Some(v) = raw.get(key) {
                known_table.insert(key.to_string(), v.clone());
            }
        }
        let known: Known = known_table.try_into().map_err(|e: toml::de::Error| e.to_string())?;
        for id in known.accounts.keys() {
            if !crate::ids::is_account_id(id) {
                return Err(format!("accounts.{id}: an account id has 12 digits"));
            }
        }
        if let Some(c) = &known.clock
            && c.mode != "real"
            && c.mode != "virtual"
        {
            return Err(format!("clock.mode: expected \"real\" or \"virtual\", got {:?}", c.mode));
        }
        let oidc = crate::oidc::OidcConfig::from_toml(raw.get("oidc"))?;
        Ok(Config {
            oidc,
            server: known.server,
            storage: known.storage,
            clock: known.clock,
            accounts: known.accounts,
            default_root_secret: known.default_root_secret.unwrap_or_else(|| "test".into()),
            raw,
        })
    }

    /// A service's own section, e.g. `[bedrock]`, deserialized into its type.
    pub fn section<T: serde::de::DeserializeOwned + Default>(&self, name: &str) -> Result<T, String> {
        match self.raw.get(name) {
            None => Ok(T::default()),
            Some(v) => v.clone().try_into().map_err(|e: toml::de::Error| format!("[{name}]: {e}")),
        }
    }

    pub fn root_secret(&self, account: &str) -> &str {
        self.accounts.get(account).and_then(|a| a.secret.as_deref()).unwrap_or(&self.default_root_secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_accounts_and_sections() {
        let c = Config::parse(
            "[accounts.\"111111111111\"]\nsecret = \"s1\"\n[clock]\nmode = \"virtual\"\n[bedrock]\nx = 1\n",
        )
        .unwrap();
        assert_eq!(c.root_secret("111111111111"), "s1");
        assert_eq!(c.root_secret("222222222222"), "test");
        assert_eq!(c.clock.unwrap().mode, "virtual");
        assert!(c.raw.contains_key("bedrock"));
        assert!(Config::parse("[accounts.abc]\n").is_err());
        assert!(Config::parse("[server]\nprt = 1\n").is_err());
        let c = Config::parse("[storage]\ndir = \"/var/lib/sekisho\"\n").unwrap();
        assert_eq!(c.storage.dir.as_deref(), Some(std::path::Path::new("/var/lib/sekisho")));
        assert!(Config::parse("[storage]\ndirectory = \"x\"\n").is_err());
    }
}

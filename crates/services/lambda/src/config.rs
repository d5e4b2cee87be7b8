//! The `[lambda]` section of `sekisho.toml`: which Python runs Python functions, where unpacked code lives,
//! how many execution environments a function may have, and how long idle ones stay warm.

use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaConfig {
    /// Interpreter for `python3.x` runtimes (e.g. `.venv/bin/python`). Without it sekisho looks for
    /// `python3.x` on `PATH`, then the closest `python3.y`, then `python3`.
    pub python: Option<String>,
    /// Where deployment packages and layers are unpacked. Default: `<system temp dir>/sekisho-lambda`.
    pub cache_dir: Option<PathBuf>,
    /// Execution environments per function version at once; further invokes wait for one to be free.
    pub max_concurrency: Option<usize>,
    /// Seconds an idle execution environment stays warm before its process is stopped.
    pub idle_timeout_seconds: Option<u64>,
}

/// The configuration with every default filled in.
#[derive(Debug, Clone)]
pub struct Settings {
    pub python: Option<String>,
    pub cache_dir: PathBuf,
    pub max_concurrency: usize,
    pub idle_timeout_ms: i64,
}

impl Settings {
    pub fn from_config(c: LambdaConfig) -> Settings {
        Settings {
            python: c.python,
            cache_dir: c.cache_dir.unwrap_or_else(|| std::env::temp_dir().join("sekisho-lambda")),
            max_concurrency: c.max_concurrency.unwrap_or(8).max(1),
            idle_timeout_ms: c.idle_timeout_seconds.unwrap_or(600).saturating_mul(1000).min(i64::MAX as u64) as i64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let s = Settings::from_config(LambdaConfig::default());
        assert!(s.cache_dir.ends_with("sekisho-lambda"));
        assert_eq!(s.max_concurrency, 8);
        let c: LambdaConfig = toml_like(r#"{"python": ".venv/bin/python", "max_concurrency": 0}"#);
        let s = Settings::from_config(c);
        assert_eq!(s.python.as_deref(), Some(".venv/bin/python"));
        assert_eq!(s.max_concurrency, 1);
    }

    fn toml_like(json: &str) -> LambdaConfig {
        serde_json::from_str(json).unwrap()
    }
}

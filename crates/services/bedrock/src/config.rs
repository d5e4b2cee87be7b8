//! The `[bedrock]` section of `sekisho.toml`: model backends per model id, cross-Region routing, and the
//! switches for behaviour AWS has but tests may want off (lifecycle, model-access checks).

use serde::Deserialize;
use std::collections::BTreeMap;

/// `[bedrock]`. Every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BedrockConfig {
    /// Answer `The provided model identifier is invalid.` for a model past its end-of-life date (by the
    /// clock). Off by default: several models the field reports use are past their published EOL.
    pub enforce_end_of_life: bool,
    /// Anthropic models need the account's use-case form (PutUseCaseForModelAccess) before first use.
    pub require_use_case_form: bool,
    /// Third-party models need the caller's Marketplace permissions (BR-12) until the account subscribed.
    pub marketplace_check: bool,
    /// Authorize the foundation model in every destination Region of a profile instead of the source and
    /// the Region sekisho routes to (the stricter reading of AWS's documentation).
    pub authorize_all_destinations: bool,
    pub routing: RoutingConfig,
    /// Model backends, first match wins; models no entry names use the built-in model.
    pub backends: Vec<BackendConfig>,
}

impl Default for BedrockConfig {
    fn default() -> Self {
        BedrockConfig {
            enforce_end_of_life: false,
            require_use_case_form: true,
            marketplace_check: true,
            authorize_all_destinations: false,
            routing: RoutingConfig::default(),
            backends: Vec::new(),
        }
    }
}

/// `[bedrock.routing]`: which destination Region of a cross-Region profile serves a request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// `source` (default), `first`, `last` or `hash`.
    pub strategy: Option<String>,
    /// Profile id (glob, `*` wildcard) → a strategy name or a fixed destination Region.
    pub profiles: BTreeMap<String, String>,
}

/// `[[bedrock.backends]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendConfig {
    /// Foundation model ids (globs, `*` wildcard) this backend answers for.
    pub models: Vec<String>,
    /// `builtin`, `openai` or `scripted`.
    #[serde(rename = "type")]
    pub kind: String,
    /// openai: the base URL (`http://127.0.0.1:11434/v1`); `/v1` is added when the URL has no path.
    pub url: Option<String>,
    /// openai: the model name sent to the server (default: the Bedrock foundation model id).
    pub model: Option<String>,
    /// openai: sent as `Authorization: Bearer <api_key>`.
    pub api_key: Option<String>,
    /// openai: how long one request may take.
    pub timeout_ms: Option<u64>,
    /// scripted: the rules file (`.json` or `.toml`).
    pub file: Option<String>,
}

impl BedrockConfig {
    pub fn from_world(world: &sekisho_core::World) -> Result<BedrockConfig, String> {
        world.config.section::<BedrockConfig>("bedrock")
    }
}

/// `*`-wildcard matching, the only pattern language of `[bedrock]` (ids contain `.` and `:`).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_core::config::Config;

    #[test]
    fn globs() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("anthropic.*", "anthropic.claude-haiku-4-5-20251001-v1:0"));
        assert!(!glob_match("anthropic.*", "amazon.nova-lite-v1:0"));
        assert!(glob_match("jp.*haiku*", "jp.anthropic.claude-haiku-4-5-20251001-v1:0"));
        assert!(glob_match("*v1:0", "amazon.nova-lite-v1:0"));
        assert!(!glob_match("a*b*c", "acb"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("ab*ba", "aba"), "prefix and suffix must not overlap");
    }

    #[test]
    fn section_parses_and_rejects_unknown_keys() {
        let c = Config::parse(
            r#"
[bedrock]
enforce_end_of_life = true
[bedrock.routing]
strategy = "hash"
profiles = { "jp.*" = "ap-northeast-3" }
[[bedrock.backends]]
models = ["anthropic.*"]
type = "openai"
url = "http://127.0.0.1:8080/v1"
"#,
        )
        .unwrap();
        let b: BedrockConfig = c.section("bedrock").unwrap();
        assert!(b.enforce_end_of_life && b.require_use_case_form && b.marketplace_check);
        assert_eq!(b.routing.profiles["jp.*"], "ap-northeast-3");
        assert_eq!(b.backends[0].kind, "openai");
        let bad = Config::parse("[bedrock]\nroutng = 1\n").unwrap();
        assert!(bad.section::<BedrockConfig>("bedrock").unwrap_err().contains("routng"));
        let none: BedrockConfig = Config::defaults().section("bedrock").unwrap();
        assert!(none.backends.is_empty() && !none.enforce_end_of_life);
    }
}

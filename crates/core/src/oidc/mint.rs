//! Claims of the test tokens sekisho's issuer mints: any issuer, subject and audience, or the shape of a GitHub
//! Actions job token (GitHub docs, "About security hardening with OpenID Connect": `sub` is
//! `repo:<owner>/<repo>:ref:<ref>`, or `repo:<owner>/<repo>:environment:<name>` for a job with an environment).

use super::{DEFAULT_AUDIENCE, DEFAULT_ISSUER};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// GitHub's job tokens are valid for a few minutes; five is what a minted token gets unless asked otherwise.
pub const DEFAULT_LIFETIME_SECONDS: i64 = 300;

/// What to mint. Every member is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintRequest {
    /// `iss`; GitHub Actions' issuer by default.
    pub issuer: Option<String>,
    /// `aud`; `sts.amazonaws.com` by default.
    pub audience: Option<String>,
    /// `sub`; from `github` when given, else `sekisho-test`.
    pub subject: Option<String>,
    /// Seconds from now to `exp`; negative for a token that has already expired.
    pub expires_in: Option<i64>,
    /// Seconds from now to `nbf` (and `iat`); positive for a token not valid yet.
    pub not_before: Option<i64>,
    /// A GitHub Actions job: `{"repository": "octo/app", "ref": "refs/heads/main", ...}`.
    pub github: Option<GithubJob>,
    /// Further claims, added last (they win).
    #[serde(default)]
    pub claims: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubJob {
    pub repository: String,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    pub environment: Option<String>,
    pub actor: Option<String>,
    pub workflow: Option<String>,
    pub event_name: Option<String>,
    pub sha: Option<String>,
}

impl MintRequest {
    /// The claims of the token at `now` (epoch seconds); `jti` is the caller's unique id.
    pub fn claims(&self, now: i64, jti: &str) -> Value {
        let nbf = now + self.not_before.unwrap_or(0);
        let mut claims = json!({
            "iss": self.issuer.as_deref().unwrap_or(DEFAULT_ISSUER),
            "aud": self.audience.as_deref().unwrap_or(DEFAULT_AUDIENCE),
            "sub": "sekisho-test",
            "jti": jti,
            "iat": nbf,
            "nbf": nbf,
            "exp": now + self.expires_in.unwrap_or(DEFAULT_LIFETIME_SECONDS),
        });
        if let Some(job) = &self.github {
            let git_ref = job.git_ref.as_deref().unwrap_or("refs/heads/main");
            let owner = job.repository.split('/').next().unwrap_or_default();
            let sub = match &job.environment {
                Some(env) => format!("repo:{}:environment:{env}", job.repository),
                None => format!("repo:{}:ref:{git_ref}", job.repository),
            };
            let workflow = job.workflow.as_deref().unwrap_or("ci");
            let extra = json!({
                "sub": sub,
                "repository": job.repository,
                "repository_owner": owner,
                "ref": git_ref,
                "ref_type": if git_ref.starts_with("refs/tags/") { "tag" } else { "branch" },
                "sha": job.sha.as_deref().unwrap_or("0000000000000000000000000000000000000000"),
                "actor": job.actor.as_deref().unwrap_or(owner),
                "workflow": workflow,
                "event_name": job.event_name.as_deref().unwrap_or("push"),
                "job_workflow_ref": format!("{}/.github/workflows/{workflow}.yml@{git_ref}", job.repository),
                "runner_environment": "github-hosted",
            });
            merge(&mut claims, &extra);
            if let Some(env) = &job.environment {
                claims["environment"] = json!(env);
            }
        }
        if let Some(sub) = &self.subject {
            claims["sub"] = json!(sub);
        }
        merge(&mut claims, &Value::Object(self.claims.clone()));
        claims
    }
}

fn merge(into: &mut Value, from: &Value) {
    if let (Some(into), Some(from)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_jobs_get_githubs_subject_and_claims() {
        let req: MintRequest = serde_json::from_value(json!({
            "github": {"repository": "octo/app", "ref": "refs/heads/main"},
            "expires_in": -60
        }))
        .unwrap();
        let c = req.claims(1_700_000_000, "j1");
        assert_eq!(c["sub"], "repo:octo/app:ref:refs/heads/main");
        assert_eq!(c["iss"], "https://token.actions.githubusercontent.com");
        assert_eq!(c["aud"], "sts.amazonaws.com");
        assert_eq!(c["repository_owner"], "octo");
        assert_eq!(c["exp"], 1_700_000_000 - 60);
        let env: MintRequest =
            serde_json::from_value(json!({"github": {"repository": "octo/app", "environment": "prod"}})).unwrap();
        assert_eq!(env.claims(0, "j")["sub"], "repo:octo/app:environment:prod");
        let plain: MintRequest = serde_json::from_value(
            json!({"issuer": "https://idp.example.com", "subject": "u1", "claims": {"amr": ["pwd"]}}),
        )
        .unwrap();
        let c = plain.claims(10, "j");
        assert_eq!(
            (c["iss"].as_str(), c["sub"].as_str(), c["amr"][0].as_str()),
            (Some("https://idp.example.com"), Some("u1"), Some("pwd"))
        );
        assert!(serde_json::from_value::<MintRequest>(json!({"isuer": "x"})).is_err());
    }
}

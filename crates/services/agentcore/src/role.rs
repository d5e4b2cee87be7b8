//! The gateway's execution role sessions: assumed through STS as `bedrock-agentcore.amazonaws.com` acting
//! for the gateway (`aws:SourceArn`, `aws:SourceAccount`; spec AGC-9), kept until shortly before they
//! expire. A cache of issued credentials, not state: a restarted sekisho assumes the role again.

use crate::SERVICE_PRINCIPAL;
use sekisho_core::{AwsError, Call, Caller, Door};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;

/// Renew a session this long before its credentials expire.
const RENEW_BEFORE_MS: i64 = 5 * 60 * 1000;

#[derive(Default)]
pub struct Sessions {
    inner: Mutex<HashMap<(String, String), (Caller, i64)>>,
}

impl Sessions {
    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The role session to call as for gateway `gateway_arn`.
    pub async fn caller(
        &self,
        door: &Door,
        gateway_arn: &str,
        gateway_id: &str,
        role_arn: &str,
        region: &str,
        parent: &str,
    ) -> Result<Caller, AwsError> {
        let key = (gateway_arn.to_string(), role_arn.to_string());
        let now = door.world().clock.now_ms();
        if let Some((caller, expires)) = self.inner.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && expires - RENEW_BEFORE_MS > now
        {
            return Ok(caller.clone());
        }
        let account = sekisho_core::authz::arn_account(gateway_arn).unwrap_or_default().to_string();
        let service = Caller::service(SERVICE_PRINCIPAL, Some(gateway_arn.to_string()), Some(account));
        // AWS does not document the session name; the gateway id (at most 64 characters) names it.
        let session_name: String = gateway_id.chars().take(64).collect();
        let input = json!({"RoleArn": role_arn, "RoleSessionName": session_name});
        let out = door.call(&service, Call::new("sts", "AssumeRole", input, region).parent(parent)).await?.body;
        let credentials = &out["Credentials"];
        let (Some(key_id), Some(token)) = (credentials["AccessKeyId"].as_str(), credentials["SessionToken"].as_str())
        else {
            return Err(AwsError::internal("AssumeRole answered without credentials"));
        };
        let resolved = door
            .world()
            .resolve_access_key(key_id, Some(token))
            .map_err(|e| AwsError::internal(format!("the credentials AssumeRole issued do not resolve: {e:?}")))?;
        let expires = credentials["Expiration"].as_f64().map(|s| (s * 1000.0) as i64).unwrap_or(i64::MAX);
        let mut caller = Caller::new(resolved.identity);
        caller.access_key_id = Some(key_id.to_string());
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (caller.clone(), expires));
        Ok(caller)
    }
}

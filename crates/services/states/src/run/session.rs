//! Role sessions Step Functions opens through the door: the execution role's, assumed as
//! `states.amazonaws.com` for a state machine (aws:SourceArn, aws:SourceAccount), and a Task's `Credentials`
//! role's, assumed from the execution role's session. STS issues them; sekisho calls as them.

use crate::SERVICE_PRINCIPAL;
use crate::names;
use sekisho_core::{AwsError, Call, Caller, Door};
use serde_json::json;

/// Renew a session this long before its credentials expire.
const RENEW_BEFORE_MS: i64 = 5 * 60 * 1000;

/// A role session: the principal to call as, and when its credentials expire.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    pub expires_ms: i64,
}

/// `states.amazonaws.com` acting for a state machine.
pub fn service_caller(state_machine_arn: &str, account: &str) -> Caller {
    Caller::service(SERVICE_PRINCIPAL, Some(state_machine_arn.to_string()), Some(account.to_string()))
}

/// Calls `sts:AssumeRole` as `caller` and turns the issued credentials into a caller.
pub async fn assume(
    door: &Door,
    caller: &Caller,
    role_arn: &str,
    session_name: &str,
    external_id: Option<&str>,
    region: &str,
    parent: Option<&str>,
) -> Result<Session, AwsError> {
    let mut input = json!({"RoleArn": role_arn, "RoleSessionName": session_name});
    if let Some(e) = external_id {
        input["ExternalId"] = json!(e);
    }
    let mut call = Call::new("sts", "AssumeRole", input, region);
    if let Some(p) = parent {
        call = call.parent(p);
    }
    let out = door.call(caller, call).await?.body;
    let credentials = &out["Credentials"];
    let (Some(key), Some(token)) = (credentials["AccessKeyId"].as_str(), credentials["SessionToken"].as_str()) else {
        return Err(AwsError::internal("AssumeRole answered without credentials"));
    };
    let resolved = door
        .world()
        .resolve_access_key(key, Some(token))
        .map_err(|e| AwsError::internal(format!("the credentials AssumeRole issued do not resolve: {e:?}")))?;
    let expires_ms = credentials["Expiration"].as_f64().map(|s| (s * 1000.0) as i64).unwrap_or(i64::MAX);
    let mut session = Caller::new(resolved.identity);
    session.access_key_id = Some(key.to_string());
    Ok(Session { caller: session, expires_ms })
}

/// The execution role's session of one execution, opened on first use and renewed before it expires.
pub struct ExecutionRole {
    pub state_machine_arn: String,
    pub account: String,
    pub role_arn: String,
    pub session_name: String,
    pub region: String,
    pub parent: String,
    current: Option<Session>,
}

impl ExecutionRole {
    pub fn new(state_machine_arn: &str, role_arn: &str, execution_name: &str, region: &str, parent: &str) -> Self {
        let account = sekisho_core::authz::arn_account(state_machine_arn).unwrap_or_default().to_string();
        ExecutionRole {
            state_machine_arn: state_machine_arn.to_string(),
            account,
            role_arn: role_arn.to_string(),
            session_name: names::execution_session_name(execution_name),
            region: region.to_string(),
            parent: parent.to_string(),
            current: None,
        }
    }

    /// The session to call as, assuming the role again when the current one is about to expire.
    pub async fn caller(&mut self, door: &Door, now_ms: i64) -> Result<Caller, AwsError> {
        if let Some(s) = &self.current
            && s.expires_ms - RENEW_BEFORE_MS > now_ms
        {
            return Ok(s.caller.clone());
        }
        let service = service_caller(&self.state_machine_arn, &self.account);
        let session =
            assume(door, &service, &self.role_arn, &self.session_name, None, &self.region, Some(&self.parent)).await?;
        let caller = session.caller.clone();
        self.current = Some(session);
        Ok(caller)
    }
}

//! A world with Lambda behind the door, plus small stand-ins for the STS and CloudWatch Logs operations
//! Lambda calls (AssumeRole issues real session keys; PutLogEvents records what it is given).

#![allow(dead_code)]

use base64::Engine;
use sekisho_core::config::Config;
use sekisho_core::credentials::CredentialRecord;
use sekisho_core::door::Call;
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
use sekisho_core::identity::{Identity, RoleSession};
use sekisho_core::service::{Caller, DenyStyle, ResourcePolicy};
use sekisho_core::{AuthzRequest, AwsError, Check, Door, OpContext, Output, Service, World};
use sekisho_lambda::Lambda;
use sekisho_wire::sigv4::ErrorStyle;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const A: &str = "111111111111";
pub const B: &str = "222222222222";
pub const REGION: &str = "us-east-1";
pub const TRUST_LAMBDA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
pub const BASIC_EXECUTION: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64 from Lambda")
}

/// AssumeRole as STS answers it, enough for Lambda's execution role.
struct StsStandIn;

#[async_trait::async_trait]
impl Service for StsStandIn {
    fn name(&self) -> &'static str {
        "sts"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Query
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let arn = req.input["RoleArn"].as_str().unwrap_or_default().to_string();
        let account = arn.split(':').nth(4).unwrap_or_default().to_string();
        let role_name = arn.rsplit('/').next().unwrap_or_default().to_string();
        Ok(vec![
            Check::new("sts:AssumeRole", arn)
                .with_resource_policy(ResourcePolicy::RoleTrust { account, role_name })
                .with_style(DenyStyle::AssumeRole),
        ])
    }

    async fn call(&self, ctx: OpContext, _op: &str, input: Value) -> Result<Output, AwsError> {
        let arn = input["RoleArn"].as_str().unwrap_or_default();
        let account = arn.split(':').nth(4).unwrap_or_default().to_string();
        let role_name = arn.rsplit('/').next().unwrap_or_default().to_string();
        let role_id = {
            let state = ctx.world.read();
            state.account(&account).and_then(|a| a.iam.role(&role_name)).map(|r| r.id.clone()).unwrap_or_default()
        };
        let now = ctx.now_ms();
        let session = RoleSession {
            account,
            role_name,
            role_path: "/".into(),
            role_id,
            session_name: input["RoleSessionName"].as_str().unwrap_or_default().into(),
            issued_ms: now,
            expires_ms: now + 3_600_000,
            session_policy: None,
            session_policy_arns: vec![],
            has_session_policies: false,
            tags: vec![],
            source_identity: None,
            chained: false,
            assumed_by_service: Some("lambda.amazonaws.com".into()),
        };
        let key = sekisho_core::ids::access_key_id("ASIA");
        let secret = sekisho_core::ids::secret_access_key();
        let token = sekisho_core::ids::session_token();
        let record = CredentialRecord {
            secret: secret.clone(),
            session_token: Some(token.clone()),
            identity: Identity::RoleSession(Arc::new(session)),
            expires_ms: Some(now + 3_600_000),
            active: true,
            session_grant: None,
            mfa_auth_ms: None,
        };
        ctx.world.write().credentials.insert(key.clone(), record, now);
        Ok(Output::new(json!({"Credentials": {
            "AccessKeyId": key, "SecretAccessKey": secret, "SessionToken": token, "Expiration": (now + 3_600_000) / 1000
        }})))
    }
}

/// CloudWatch Logs as far as Lambda writes to it: authorized like the real operations, batches refused
/// as the real PutLogEvents refuses them, recorded here.
#[derive(Default)]
pub struct LogsStandIn {
    pub events: Mutex<Vec<(String, String, String)>>,
    /// The number of events of each accepted PutLogEvents call.
    pub batches: Mutex<Vec<usize>>,
}

/// PutLogEvents' batch rules (1,048,576 bytes counting 26 per event, 10,000 events, 1 MB per event,
/// chronological, at most 24 hours), with CloudWatch Logs' error.
fn check_put_log_events(batch: &[(i64, String)]) -> Result<(), AwsError> {
    let refuse = |m: String| Err(AwsError::new("InvalidParameterException", 400, m));
    let bytes: usize = batch.iter().map(|(_, m)| m.len() + 26).sum();
    if batch.is_empty() || batch.len() > 10_000 {
        return refuse(format!("{} events in one batch", batch.len()));
    }
    if let Some((_, m)) = batch.iter().find(|(_, m)| m.len() + 26 > 1_048_576) {
        return refuse(format!("Log event too large: {} bytes exceeds limit of 1048576", m.len() + 26));
    }
    if bytes > 1_048_576 {
        return refuse(format!("Upload too large: {bytes} bytes exceeds limit of 1048576"));
    }
    if batch.windows(2).any(|w| w[1].0 < w[0].0) {
        return refuse("Log events in a single PutLogEvents request must be in chronological order.".into());
    }
    if batch.last().map(|l| l.0) > batch.first().map(|f| f.0 + 24 * 3_600_000) {
        return refuse(
            "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.".into(),
        );
    }
    Ok(())
}

#[async_trait::async_trait]
impl Service for LogsStandIn {
    fn name(&self) -> &'static str {
        "logs"
    }

    fn error_style(&self) -> ErrorStyle {
        ErrorStyle::Json
    }

    fn authorize(&self, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let group = req.input["logGroupName"].as_str().unwrap_or_default();
        let mut arn = format!("arn:aws:logs:{}:{}:log-group:{group}", req.region, req.caller.account());
        if let Some(stream) = req.input["logStreamName"].as_str() {
            arn = format!("{arn}:log-stream:{stream}");
        }
        Ok(vec![Check::new(format!("logs:{}", req.operation), arn)])
    }

    async fn call(&self, _ctx: OpContext, op: &str, input: Value) -> Result<Output, AwsError> {
        if op == "PutLogEvents" {
            let group = input["logGroupName"].as_str().unwrap_or_default().to_string();
            let stream = input["logStreamName"].as_str().unwrap_or_default().to_string();
            let batch: Vec<(i64, String)> = input["logEvents"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| (e["timestamp"].as_i64().unwrap_or(0), e["message"].as_str().unwrap_or_default().to_string()))
                .collect();
            check_put_log_events(&batch)?;
            self.batches.lock().unwrap().push(batch.len());
            let mut events = self.events.lock().unwrap();
            for (_, message) in batch {
                events.push((group.clone(), stream.clone(), message));
            }
        }
        Ok(Output::empty())
    }
}

pub struct Harness {
    pub world: Arc<World>,
    pub door: Arc<Door>,
    pub lambda: Arc<Lambda>,
    pub logs: Arc<LogsStandIn>,
}

pub fn cache_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("sekisho-lambda-tests")
}

pub fn harness() -> Harness {
    harness_with("")
}

pub fn harness_with(extra_config: &str) -> Harness {
    let text = format!("[lambda]\ncache_dir = {:?}\n{extra_config}", cache_dir().to_string_lossy());
    let world = Arc::new(World::new(Config::parse(&text).expect("test configuration")));
    world.set_endpoint("http://127.0.0.1:9".into());
    let lambda = Arc::new(Lambda::new(world.clone()).expect("lambda configuration"));
    let logs = Arc::new(LogsStandIn::default());
    let door = Door::builder(world.clone())
        .register(lambda.clone())
        .register(Arc::new(StsStandIn))
        .register(logs.clone())
        .build();
    Harness { world, door, lambda, logs }
}

impl Harness {
    pub fn role(&self, account: &str, name: &str, trust: &str, attached: &[&str], inline: &[&str]) -> String {
        let mut state = self.world.write();
        let acct = state.account_mut(account, 0);
        let mut inline_policies = BTreeMap::new();
        for (i, text) in inline.iter().enumerate() {
            inline_policies.insert(format!("p{i}"), PolicyDoc::parse(text, DocKind::Inline).expect("inline policy"));
        }
        acct.iam.roles.insert(
            name.to_ascii_lowercase(),
            Role {
                name: name.into(),
                path: "/".into(),
                id: sekisho_core::ids::unique_id("AROA"),
                create_date_ms: 0,
                trust_policy: PolicyDoc::parse(trust, DocKind::Trust).expect("trust policy"),
                description: None,
                max_session_duration: 3600,
                inline_policies,
                attached_policies: attached.iter().map(|s| s.to_string()).collect(),
                permissions_boundary: None,
                tags: vec![],
                last_used_ms: None,
                last_used_region: None,
            },
        );
        format!("arn:aws:iam::{account}:role/{name}")
    }

    /// A role Lambda can assume that may write logs.
    pub fn execution_role(&self, account: &str) -> String {
        self.role(account, "exec", TRUST_LAMBDA, &[BASIC_EXECUTION], &[])
    }

    pub async fn call_as(&self, caller: &Caller, op: &str, input: Value) -> Result<Value, AwsError> {
        self.door.call(caller, Call::new("lambda", op, input, REGION)).await.map(|o| o.body)
    }

    pub async fn call(&self, op: &str, input: Value) -> Result<Value, AwsError> {
        self.call_as(&root(A), op, input).await
    }

    /// CreateFunction with a zip of `files` and the usual settings; `extra` members are merged in.
    pub async fn create(
        &self,
        name: &str,
        runtime: &str,
        handler: &str,
        files: &[(&str, &[u8], u32)],
        extra: Value,
    ) -> Value {
        let mut input = json!({
            "FunctionName": name,
            "Runtime": runtime,
            "Handler": handler,
            "Role": self.execution_role(A),
            "Code": {"ZipFile": b64(&sekisho_lambda::zip::build(files))},
            "Timeout": 10,
        });
        if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        self.call("CreateFunction", input).await.expect("CreateFunction")
    }

    /// Invoke with a JSON event; returns the response and the decoded payload.
    pub async fn invoke(&self, name: &str, event: Value, extra: Value) -> (Value, Value) {
        let mut input = json!({"FunctionName": name, "Payload": b64(event.to_string().as_bytes()), "LogType": "Tail"});
        if let (Some(obj), Some(more)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in more {
                obj.insert(k.clone(), v.clone());
            }
        }
        let out = self.call("Invoke", input).await.expect("Invoke");
        let payload = unb64(out["Payload"].as_str().unwrap_or_default());
        let parsed =
            serde_json::from_slice(&payload).unwrap_or(Value::String(String::from_utf8_lossy(&payload).into()));
        (out, parsed)
    }

    /// The events shipped to CloudWatch Logs for `group`, once they arrive.
    pub async fn log_messages(&self, group: &str, containing: &str) -> Vec<String> {
        for _ in 0..100 {
            let events: Vec<String> = self
                .logs
                .events
                .lock()
                .unwrap()
                .iter()
                .filter(|(g, _, _)| g == group)
                .map(|(_, _, m)| m.clone())
                .collect();
            if events.iter().any(|m| m.contains(containing)) {
                return events;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.logs.events.lock().unwrap().iter().filter(|(g, _, _)| g == group).map(|(_, _, m)| m.clone()).collect()
    }
}

pub fn root(account: &str) -> Caller {
    Caller::new(Identity::Root { account: account.into() })
}

pub fn tail(out: &Value) -> String {
    String::from_utf8_lossy(&unb64(out["LogResult"].as_str().unwrap_or_default())).into_owned()
}

/// Whether a process still exists.
pub fn alive(pid: i64) -> bool {
    // Zombies still answer kill(0); their /proc status says so.
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|s| !s.lines().any(|l| l.starts_with("State:") && l.contains('Z')))
        .unwrap_or(false)
}

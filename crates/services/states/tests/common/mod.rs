//! The test harness: a world with a virtual clock and a door with Step Functions, CloudWatch Logs and STS,
//! the services an execution calls. Roles are written into the world's identity store, as IAM does.
#![allow(dead_code)]

use sekisho_core::config::{ClockConfig, Config};
use sekisho_core::identity::Identity;
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role, User};
use sekisho_core::{AwsError, Call, Caller, Door, Service, World};
use sekisho_logs::Logs;
use sekisho_states::StepFunctions;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const A: &str = "111111111111";
pub const B: &str = "222222222222";
pub const REGION: &str = "us-east-1";

pub struct Harness {
    pub door: Arc<Door>,
    pub world: Arc<World>,
}

pub const STATES_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The log delivery and role-assumption permissions the seeds give their execution roles.
pub const EXECUTION_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["logs:CreateLogDelivery","logs:CreateLogStream","logs:GetLogDelivery","logs:UpdateLogDelivery",
   "logs:DeleteLogDelivery","logs:ListLogDeliveries","logs:PutLogEvents","logs:PutResourcePolicy",
   "logs:DescribeResourcePolicies","logs:DescribeLogGroups"],"Resource":"*"},
  {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;

impl Harness {
    pub fn new() -> Self {
        Self::with_clock("virtual")
    }

    pub fn with_clock(mode: &str) -> Self {
        Self::with_services(mode, StepFunctions::new(), vec![])
    }

    /// A harness whose Step Functions is `states`, with `extra` services registered beside it.
    pub fn with_services(mode: &str, states: StepFunctions, extra: Vec<Arc<dyn Service>>) -> Self {
        let config = Config { clock: Some(ClockConfig { mode: mode.into() }), ..Config::defaults() };
        let world = Arc::new(World::new(config));
        let mut builder = Door::builder(world.clone())
            .register(Arc::new(states))
            .register(Arc::new(Logs::new()))
            .register(Arc::new(sekisho_sts::Sts));
        for s in extra {
            builder = builder.register(s);
        }
        Harness { door: builder.build(), world }
    }

    pub fn now(&self) -> i64 {
        self.world.clock.now_ms()
    }

    /// Creates a role in `account`; the ARN.
    pub fn role(&self, account: &str, name: &str, trust: &str, policy: Option<&str>) -> String {
        let now = self.now();
        let mut inline = BTreeMap::new();
        if let Some(p) = policy {
            inline.insert("policy".to_string(), PolicyDoc::parse(p, DocKind::Inline).expect("a valid policy"));
        }
        let role = Role {
            name: name.into(),
            path: "/".into(),
            id: sekisho_core::ids::unique_id("AROA"),
            create_date_ms: now,
            trust_policy: PolicyDoc::parse(trust, DocKind::Trust).expect("a valid trust policy"),
            description: None,
            max_session_duration: 3600,
            inline_policies: inline,
            attached_policies: vec![],
            permissions_boundary: None,
            tags: vec![],
            last_used_ms: None,
            last_used_region: None,
        };
        self.world.write().account_mut(account, now).iam.roles.insert(name.to_ascii_lowercase(), role);
        format!("arn:aws:iam::{account}:role/{name}")
    }

    /// An IAM user of `account` with one inline policy; the caller it signs as.
    pub fn user(&self, account: &str, name: &str, policy: &str) -> Caller {
        let now = self.now();
        let id = sekisho_core::ids::unique_id("AIDA");
        let mut inline = BTreeMap::new();
        inline.insert("policy".to_string(), PolicyDoc::parse(policy, DocKind::Inline).expect("a valid policy"));
        let user = User {
            name: name.into(),
            path: "/".into(),
            id: id.clone(),
            create_date_ms: now,
            inline_policies: inline,
            attached_policies: vec![],
            groups: vec![],
            permissions_boundary: None,
            tags: vec![],
        };
        self.world.write().account_mut(account, now).iam.users.insert(name.to_ascii_lowercase(), user);
        Caller::new(Identity::User { account: account.into(), name: name.into(), path: "/".into(), id })
    }

    /// An execution role of account A that Step Functions may assume.
    pub fn execution_role(&self) -> String {
        self.role(A, "sfn-role", STATES_TRUST, Some(EXECUTION_POLICY))
    }

    pub async fn call_by(&self, caller: &Caller, service: &str, op: &str, input: Value) -> Result<Value, AwsError> {
        self.door.call(caller, Call::new(service, op, input, REGION)).await.map(|o| o.body)
    }

    pub async fn call(&self, op: &str, input: Value) -> Result<Value, AwsError> {
        let root = Caller::new(Identity::Root { account: A.into() });
        self.call_by(&root, "stepfunctions", op, input).await
    }

    pub async fn ok(&self, op: &str, input: Value) -> Value {
        match self.call(op, input).await {
            Ok(v) => v,
            Err(e) => panic!("{op} failed: {e}"),
        }
    }

    pub async fn err(&self, op: &str, input: Value) -> AwsError {
        match self.call(op, input).await {
            Ok(v) => panic!("{op} succeeded unexpectedly: {v}"),
            Err(e) => e,
        }
    }

    pub async fn logs(&self, op: &str, input: Value) -> Value {
        let root = Caller::new(Identity::Root { account: A.into() });
        match self.call_by(&root, "logs", op, input).await {
            Ok(v) => v,
            Err(e) => panic!("logs {op} failed: {e}"),
        }
    }

    /// Creates a state machine in `account` (as its root user) with `role`; its ARN.
    pub async fn create_in(&self, account: &str, name: &str, definition: Value, role: &str) -> String {
        let root = Caller::new(Identity::Root { account: account.into() });
        let input = json!({"name": name, "definition": definition.to_string(), "roleArn": role});
        match self.call_by(&root, "stepfunctions", "CreateStateMachine", input).await {
            Ok(out) => out["stateMachineArn"].as_str().unwrap_or_default().to_string(),
            Err(e) => panic!("CreateStateMachine {name} failed: {e}"),
        }
    }

    /// Creates a state machine with the execution role; its ARN.
    pub async fn create(&self, name: &str, definition: Value) -> String {
        let role = self.execution_role();
        let out = self
            .ok("CreateStateMachine", json!({"name": name, "definition": definition.to_string(), "roleArn": role}))
            .await;
        out["stateMachineArn"].as_str().unwrap_or_default().to_string()
    }

    /// Starts an execution and waits until it is no longer running; its description.
    pub async fn run(&self, sm_arn: &str, input: Value) -> Value {
        let out = self.ok("StartExecution", json!({"stateMachineArn": sm_arn, "input": input.to_string()})).await;
        let arn = out["executionArn"].as_str().unwrap_or_default().to_string();
        self.wait_done(&arn).await
    }

    pub async fn wait_done(&self, execution_arn: &str) -> Value {
        for _ in 0..2000 {
            let d = self.ok("DescribeExecution", json!({"executionArn": execution_arn})).await;
            if d["status"] != "RUNNING" {
                return d;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        panic!("{execution_arn} did not finish");
    }

    pub async fn history(&self, execution_arn: &str) -> Vec<Value> {
        let h = self.ok("GetExecutionHistory", json!({"executionArn": execution_arn, "maxResults": 1000})).await;
        h["events"].as_array().cloned().unwrap_or_default()
    }

    /// Event types in order.
    pub fn types(events: &[Value]) -> Vec<String> {
        events.iter().filter_map(|e| e["type"].as_str().map(str::to_string)).collect()
    }
}

/// Asserts an AWS error's code, HTTP status and message.
#[track_caller]
pub fn assert_error(e: &AwsError, code: &str, message: &str) {
    assert_eq!((e.code.as_str(), e.status, e.message.as_str()), (code, 400, message));
}

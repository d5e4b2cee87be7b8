//! The test harness: a world with a virtual clock, a door with the logs service registered, and calls made
//! as an account's root user, the way a signed request would arrive.
#![allow(dead_code)]

use sekisho_core::config::{ClockConfig, Config};
use sekisho_core::identity::Identity;
use sekisho_core::{AwsError, Call, Caller, Door, World};
use sekisho_logs::Logs;
use serde_json::Value;
use std::sync::Arc;

pub const A: &str = "111111111111";
pub const B: &str = "222222222222";
pub const REGION: &str = "us-east-1";

pub struct Harness {
    pub door: Arc<Door>,
    pub world: Arc<World>,
}

impl Harness {
    pub fn new() -> Self {
        let config = Config { clock: Some(ClockConfig { mode: "virtual".into() }), ..Config::defaults() };
        let world = Arc::new(World::new(config));
        let door = Door::builder(world.clone()).register(Arc::new(Logs::new())).build();
        Harness { door, world }
    }

    pub fn now(&self) -> i64 {
        self.world.clock.now_ms()
    }

    pub fn advance(&self, ms: i64) {
        self.world.clock.advance(ms);
    }

    /// Calls `operation` as the root user of `account` in `region`.
    pub async fn call_as(&self, account: &str, region: &str, operation: &str, input: Value) -> Result<Value, AwsError> {
        let caller = Caller::new(Identity::Root { account: account.to_string() });
        self.call_by(&caller, region, operation, input).await
    }

    pub async fn call_by(
        &self,
        caller: &Caller,
        region: &str,
        operation: &str,
        input: Value,
    ) -> Result<Value, AwsError> {
        self.door.call(caller, Call::new("logs", operation, input, region)).await.map(|o| o.body)
    }

    /// Calls as account A's root in the default region, expecting success.
    pub async fn ok(&self, operation: &str, input: Value) -> Value {
        match self.call_as(A, REGION, operation, input).await {
            Ok(v) => v,
            Err(e) => panic!("{operation} failed: {e}"),
        }
    }

    /// Calls as account A's root in the default region, expecting an error.
    pub async fn err(&self, operation: &str, input: Value) -> AwsError {
        match self.call_as(A, REGION, operation, input).await {
            Ok(v) => panic!("{operation} succeeded unexpectedly: {v}"),
            Err(e) => e,
        }
    }

    /// The resources the door checked on the newest call.
    pub fn last_checks(&self) -> Vec<(String, String)> {
        let rec = self.door.decisions().recent(1);
        rec.first()
            .map(|r| r.checks.iter().map(|c| (c.action.clone(), c.resource.clone())).collect())
            .unwrap_or_default()
    }
}

/// Asserts an AWS error's code, HTTP status and message.
#[track_caller]
pub fn assert_error(e: &AwsError, code: &str, message: &str) {
    assert_eq!((e.code.as_str(), e.status, e.message.as_str()), (code, 400, message));
}

pub fn messages(events: &Value) -> Vec<String> {
    events.as_array().into_iter().flatten().filter_map(|e| e["message"].as_str().map(str::to_string)).collect()
}

/// Asserts a time member lies between two readings of the clock (real time keeps moving under the
/// virtual clock's offset).
#[track_caller]
pub fn assert_between(v: &Value, before: i64, after: i64) {
    let t = v.as_i64().unwrap_or(i64::MIN);
    assert!(before <= t && t <= after, "{t} not within [{before}, {after}]");
}

//! Invoke: run a function version synchronously (`RequestResponse`, with `LogType: Tail` and client
//! context), queue it (`Event`, with Lambda's two retries) or only check that it could run (`DryRun`).
//! Internal callers (Step Functions, AgentCore) come through the door with the same input and output.

use crate::runtime::{Outcome, Request, Target};
use crate::state::{LambdaState, QueuedInvoke};
use crate::{Lambda, errors, function_ref, input, names};
use base64::Engine;
use sekisho_core::state::Regional;
use sekisho_core::{AwsError, Door, OpContext, Output};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Lambda's payload limits: 6 MB synchronous, 1 MB asynchronous.
const MAX_SYNC_PAYLOAD: usize = 6_291_456;
const MAX_ASYNC_PAYLOAD: usize = 1_048_576;

/// The event as bytes: an absent payload is `{}`; anything else must be JSON.
fn payload(input: &Value) -> Result<Vec<u8>, AwsError> {
    let bytes = input::blob(input, "Payload")?.unwrap_or_default();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(b"{}".to_vec());
    }
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        return Err(errors::invalid_request_content(format!(
            "Could not parse request body into json: Could not parse payload into json: {e}"
        )));
    }
    Ok(bytes)
}

/// `X-Amz-Client-Context`: base64 of a JSON object, handed to the runtime as the JSON text.
fn client_context(input: &Value) -> Result<Option<String>, AwsError> {
    let Some(encoded) = input::str(input, "ClientContext") else { return Ok(None) };
    let invalid = || errors::invalid_parameter("Client context must be a valid Base64-encoded JSON object.");
    if encoded.len() > 3583 {
        return Err(invalid());
    }
    let raw = B64.decode(encoded.trim()).map_err(|_| invalid())?;
    let value: Value = serde_json::from_slice(&raw).map_err(|_| invalid())?;
    if !value.is_object() {
        return Err(invalid());
    }
    Ok(Some(value.to_string()))
}

pub async fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, true)?;
    let invocation_type = input::str(&input, "InvocationType").unwrap_or("RequestResponse");
    let target = l.with_function(&r, |f| {
        let f = f.ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        let v = f.resolve(r.qualifier.as_deref()).ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        Ok::<_, AwsError>(Target {
            account: r.account.clone(),
            region: r.region.clone(),
            function_name: f.name.clone(),
            function_arn: r.arn(),
            invoked_arn: r.qualified_arn(),
            version: v.clone(),
        })
    })?;
    let event = payload(&input)?;
    let client_context = client_context(&input)?;
    let executed_version = target.version.version.clone();
    match invocation_type {
        "DryRun" => Ok(Output::new(json!({ "StatusCode": 204 }))),
        "Event" => {
            if event.len() > MAX_ASYNC_PAYLOAD {
                return Err(errors::request_too_large(MAX_ASYNC_PAYLOAD));
            }
            // Queued in the state before the 202: the door makes it durable, so a restart runs it.
            let queued = QueuedInvoke {
                function_name: target.function_name.clone(),
                qualifier: r.qualifier.clone(),
                payload: B64.encode(&event),
                client_context: client_context.clone(),
                attempts: 0,
                due_ms: ctx.now_ms(),
            };
            l.state.with(&r.account, &r.region, |s| s.event_queue.insert(ctx.request_id.clone(), queued));
            spawn_async(l, &ctx.door, target, ctx.request_id.clone(), event, client_context, 0);
            Ok(Output::new(json!({ "StatusCode": 202 })))
        }
        _ => {
            if event.len() > MAX_SYNC_PAYLOAD {
                return Err(errors::request_too_large(MAX_SYNC_PAYLOAD));
            }
            let request = Request { request_id: ctx.request_id.clone(), payload: event, client_context };
            let outcome = l.runtimes.invoke(&ctx.door, &target, request).await?;
            Ok(Output::new(response(outcome, &executed_version, input::str(&input, "LogType") == Some("Tail"))))
        }
    }
}

fn response(outcome: Outcome, executed_version: &str, tail: bool) -> Value {
    let mut out = Map::new();
    out.insert("StatusCode".into(), json!(200));
    if let Some(e) = outcome.function_error {
        out.insert("FunctionError".into(), json!(e));
    }
    if tail {
        out.insert("LogResult".into(), json!(B64.encode(outcome.log_tail.as_bytes())));
    }
    out.insert("Payload".into(), json!(B64.encode(&outcome.payload)));
    out.insert("ExecutedVersion".into(), json!(executed_version));
    Value::Object(out)
}

/// Runs a queued `Event` invocation on its own task, from attempt `first_attempt` on.
fn spawn_async(
    l: &Lambda,
    door: &Arc<Door>,
    target: Target,
    queue_id: String,
    event: Vec<u8>,
    client_context: Option<String>,
    first_attempt: u32,
) {
    let door = door.clone();
    let runtimes = l.runtimes.clone_handle();
    let state = l.state.clone();
    tokio::spawn(async move {
        let job = AsyncJob { state: &state, runtimes: &runtimes, door: &door, target: &target, queue_id: &queue_id };
        job.run(event, client_context, first_attempt).await;
    });
}

struct AsyncJob<'a> {
    state: &'a Regional<LambdaState>,
    runtimes: &'a crate::runtime::Runtimes,
    door: &'a Arc<Door>,
    target: &'a Target,
    queue_id: &'a str,
}

impl AsyncJob<'_> {
    /// An `Event` invocation: run now, and on a function error twice more, one and then two minutes later
    /// (Lambda's default retry policy). Each attempt has its own request id. The queue entry records the
    /// attempts made and goes once the invocation is over.
    async fn run(&self, event: Vec<u8>, client_context: Option<String>, first_attempt: u32) {
        let world = self.door.world().clone();
        let (account, region) = (&self.target.account, &self.target.region);
        for attempt in first_attempt..MAX_ASYNC_ATTEMPTS {
            let due = self
                .state
                .read(account, region, |s| s.and_then(|s| s.event_queue.get(self.queue_id)).map(|q| q.due_ms));
            let Some(due) = due else { return };
            if due > world.clock.now_ms() {
                world.clock.sleep_until(due).await;
            }
            let request_id = if attempt == 0 { self.queue_id.to_string() } else { sekisho_core::ids::request_id() };
            let request = Request { request_id, payload: event.clone(), client_context: client_context.clone() };
            match self.runtimes.invoke(self.door, self.target, request).await {
                Ok(outcome) if outcome.function_error.is_some() && attempt + 1 < MAX_ASYNC_ATTEMPTS => {
                    let wait = Duration::from_secs(60 * (attempt as u64 + 1));
                    let due = world.clock.now_ms() + wait.as_millis() as i64;
                    self.state.with(account, region, |s| {
                        if let Some(q) = s.event_queue.get_mut(self.queue_id) {
                            q.attempts = attempt + 1;
                            q.due_ms = due;
                        }
                    });
                }
                _ => break,
            }
        }
        self.state.with(account, region, |s| s.event_queue.remove(self.queue_id));
    }
}

/// The first attempt and Lambda's two retries.
const MAX_ASYNC_ATTEMPTS: u32 = 3;

/// Runs again the `Event` invocations a restarted sekisho found queued (at least once, as Lambda's
/// asynchronous invocation is: an attempt that was running when sekisho stopped is made again). An
/// invocation whose function is gone is dropped, as Lambda drops events for a deleted function.
pub fn resume(l: &Lambda, door: &Arc<Door>) {
    let queued: Vec<((String, String), String, QueuedInvoke)> = l.state.read_all(|all| {
        all.iter()
            .flat_map(|(scope, s)| s.event_queue.iter().map(move |(id, q)| (scope.clone(), id.clone(), q.clone())))
            .collect()
    });
    for ((account, region), id, q) in queued {
        let target =
            names::function_ref(&q.function_name, q.qualifier.as_deref(), &account, &region).ok().and_then(|r| {
                l.with_function(&r, |f| {
                    let f = f?;
                    let v = f.resolve(r.qualifier.as_deref())?;
                    Some(Target {
                        account: r.account.clone(),
                        region: r.region.clone(),
                        function_name: f.name.clone(),
                        function_arn: r.arn(),
                        invoked_arn: r.qualified_arn(),
                        version: v.clone(),
                    })
                })
            });
        let (Some(target), Ok(event)) = (target, B64.decode(&q.payload)) else {
            l.state.with(&account, &region, |s| s.event_queue.remove(&id));
            continue;
        };
        spawn_async(l, door, target, id, event, q.client_context, q.attempts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_and_client_contexts() {
        assert_eq!(payload(&json!({})).unwrap(), b"{}");
        let p = B64.encode(br#"{"account_id": "2"}"#);
        assert_eq!(payload(&json!({"Payload": p})).unwrap(), br#"{"account_id": "2"}"#);
        let bad = B64.encode(b"not json");
        let e = payload(&json!({"Payload": bad})).unwrap_err();
        assert_eq!(e.code, "InvalidRequestContentException");
        assert!(e.message.starts_with("Could not parse request body into json: Could not parse payload into json:"));
        let cc = B64.encode(br#"{"custom": {"k": "v"}}"#);
        assert_eq!(client_context(&json!({"ClientContext": cc})).unwrap().unwrap(), r#"{"custom":{"k":"v"}}"#);
        assert!(client_context(&json!({"ClientContext": "%%%"})).is_err());
        assert_eq!(client_context(&json!({})).unwrap(), None);
    }

    #[test]
    fn the_response_carries_the_headers_members() {
        let o = Outcome { payload: b"{}".to_vec(), function_error: Some("Unhandled".into()), log_tail: "END\n".into() };
        let r = response(o, "$LATEST", true);
        assert_eq!(r["FunctionError"], "Unhandled");
        assert_eq!(r["LogResult"], B64.encode("END\n"));
        assert_eq!(r["ExecutedVersion"], "$LATEST");
        assert_eq!(r["StatusCode"], 200);
    }
}

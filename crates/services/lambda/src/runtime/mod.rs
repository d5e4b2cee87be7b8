//! Functions as real local processes: execution environments per function version (warm reuse, several at
//! once up to a limit, idle ones stopped), each invocation's log lines, and AWS's answers for timeouts,
//! init errors and runtimes that exit.

mod api;
pub mod credentials;
mod environment;
pub mod logs;
mod memory;
pub mod platform;
pub mod process;
pub mod python;
mod unpack;

pub use unpack::UNZIPPED_LIMIT;

use crate::config::Settings;
use crate::state::FunctionVersion;
use environment::{Environment, Event, Host, RunResult, Spec, StartFailure};
use platform::{Report, Status};
use sekisho_core::{AwsError, Door, World};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// The function an invocation runs, as it is at the moment of the call.
#[derive(Clone)]
pub struct Target {
    pub account: String,
    pub region: String,
    pub function_name: String,
    /// Unqualified function ARN.
    pub function_arn: String,
    /// The ARN as the caller named it (the context's `invoked_function_arn`).
    pub invoked_arn: String,
    pub version: FunctionVersion,
}

pub struct Request {
    pub request_id: String,
    pub payload: Vec<u8>,
    /// The client context as JSON text.
    pub client_context: Option<String>,
}

/// What Invoke returns for a run.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub payload: Vec<u8>,
    /// `Unhandled` when the function failed.
    pub function_error: Option<String>,
    /// The invocation's log (its last 4 KB).
    pub log_tail: String,
}

struct Pool {
    semaphore: Arc<Semaphore>,
    idle: Mutex<Vec<Arc<Environment>>>,
    busy: Mutex<Vec<Weak<Environment>>>,
    retired: AtomicBool,
}

impl Pool {
    fn take_idle(&self, fresh_until_ms: i64) -> Option<Arc<Environment>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(env) = idle.pop() {
            // Credentials cannot change inside a running process: an environment whose session would
            // expire during this invocation is retired and a fresh one (fresh credentials) starts.
            let fresh = env.credentials_expire_ms.is_none_or(|e| e > fresh_until_ms);
            if env.is_alive() && fresh {
                return Some(env);
            }
        }
        None
    }
}

struct Inner {
    host: Host,
    max_concurrency: usize,
    idle_timeout_ms: i64,
    pools: Mutex<HashMap<String, Arc<Pool>>>,
    reaper: AtomicBool,
}

/// Every execution environment sekisho runs.
pub struct Runtimes {
    inner: Arc<Inner>,
}

fn pool_key(function_arn: &str, version: &FunctionVersion) -> String {
    format!("{function_arn}|{}|{}", version.version, version.revision_id)
}

impl Runtimes {
    pub fn new(world: Arc<World>, settings: &Settings) -> Runtimes {
        Runtimes {
            inner: Arc::new(Inner {
                host: Host { world, cache_dir: settings.cache_dir.clone(), python: settings.python.clone() },
                max_concurrency: settings.max_concurrency,
                idle_timeout_ms: settings.idle_timeout_ms,
                pools: Mutex::new(HashMap::new()),
                reaper: AtomicBool::new(false),
            }),
        }
    }

    /// Another handle on the same environments (for background invocations).
    pub fn clone_handle(&self) -> Runtimes {
        Runtimes { inner: self.inner.clone() }
    }

    fn pool(&self, key: &str) -> Arc<Pool> {
        let mut pools = self.inner.pools.lock().unwrap_or_else(|e| e.into_inner());
        pools
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Pool {
                    semaphore: Arc::new(Semaphore::new(self.inner.max_concurrency)),
                    idle: Mutex::new(Vec::new()),
                    busy: Mutex::new(Vec::new()),
                    retired: AtomicBool::new(false),
                })
            })
            .clone()
    }

    /// Stops the environments of a function (one version, or all of it; every function for an empty ARN).
    /// Busy ones are stopped too when `stop_busy` (DeleteFunction); otherwise they finish their invocation
    /// first (updates).
    pub fn retire(&self, function_arn: &str, version: Option<&str>, stop_busy: bool) {
        let prefix = match (function_arn, version) {
            ("", _) => String::new(),
            (arn, Some(v)) => format!("{arn}|{v}|"),
            (arn, None) => format!("{arn}|"),
        };
        let retired: Vec<Arc<Pool>> = {
            let mut pools = self.inner.pools.lock().unwrap_or_else(|e| e.into_inner());
            let keys: Vec<String> = pools.keys().filter(|k| k.starts_with(&prefix)).cloned().collect();
            keys.iter().filter_map(|k| pools.remove(k)).collect()
        };
        for pool in retired {
            pool.retired.store(true, Ordering::Relaxed);
            pool.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
            if stop_busy {
                for env in pool.busy.lock().unwrap_or_else(|e| e.into_inner()).iter().filter_map(Weak::upgrade) {
                    env.kill();
                }
            }
        }
    }

    /// Number of live environments (warm and busy), for tests and figures.
    pub fn environment_count(&self) -> usize {
        let pools = self.inner.pools.lock().unwrap_or_else(|e| e.into_inner());
        pools
            .values()
            .map(|p| {
                p.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
                    + p.busy.lock().unwrap_or_else(|e| e.into_inner()).iter().filter(|w| w.strong_count() > 0).count()
            })
            .sum()
    }

    fn start_reaper(&self) {
        if self.inner.reaper.swap(true, Ordering::Relaxed) {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let Some(inner) = weak.upgrade() else { return };
                let now = inner.host.world.clock.now_ms();
                let pools: Vec<Arc<Pool>> =
                    inner.pools.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect();
                for pool in pools {
                    let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
                    idle.retain(|env| {
                        let used = env.last_used_ms.load(Ordering::Relaxed);
                        env.is_alive()
                            && now - used < inner.idle_timeout_ms
                            && env.credentials_expire_ms.is_none_or(|e| e > now + 60_000)
                    });
                }
            }
        });
    }

    /// Runs one invocation: a warm environment when there is one, else a new one (cold start).
    pub async fn invoke(&self, door: &Arc<Door>, target: &Target, req: Request) -> Result<Outcome, AwsError> {
        self.start_reaper();
        let v = &target.version;
        let pool = self.pool(&pool_key(&target.function_arn, v));
        let _permit = pool
            .semaphore
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| crate::errors::service("the function's environments are shutting down"))?;
        let world = &self.inner.host.world;
        let timeout = Duration::from_secs(v.timeout);
        let fresh_until = world.clock.now_ms() + timeout.as_millis() as i64 + 60_000;
        let invoked_at = Instant::now();
        let env = match pool.take_idle(fresh_until) {
            Some(env) => {
                env.sink.begin_tail();
                env
            }
            None => {
                let spec = Spec {
                    account: target.account.clone(),
                    region: target.region.clone(),
                    function_name: target.function_name.clone(),
                    function_arn: target.function_arn.clone(),
                    version: v.clone(),
                };
                match Environment::start(&self.inner.host, door, &spec, &req.request_id).await {
                    Ok(env) => env,
                    Err(StartFailure::Api(e)) => return Err(e),
                    Err(StartFailure::Function(error_type, message)) => {
                        return Ok(failed_start(v, &req.request_id, error_type, &message, invoked_at));
                    }
                }
            }
        };
        pool.busy.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::downgrade(&env));
        let cold = env.is_cold();
        let event = Event {
            request_id: req.request_id.clone(),
            payload: req.payload,
            invoked_function_arn: target.invoked_arn.clone(),
            client_context: req.client_context,
            trace_id: trace_id(),
            timeout,
            start_line: platform::start(v, &req.request_id),
        };
        let init_limit = Duration::from_secs(10) + timeout;
        let started = Instant::now();
        let result = env.run(event, init_limit).await;
        let finished = Instant::now();
        let memory = env.max_memory_mb();
        let (outcome, reusable) = finish(&env, v, &req.request_id, result, cold, started, finished, memory);
        env.last_used_ms.store(world.clock.now_ms(), Ordering::Relaxed);
        pool.busy
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|w| w.strong_count() > 0 && !w.ptr_eq(&Arc::downgrade(&env)));
        if reusable && env.is_alive() && !pool.retired.load(Ordering::Relaxed) {
            pool.idle.lock().unwrap_or_else(|e| e.into_inner()).push(env);
        } else {
            env.kill();
        }
        Ok(outcome)
    }
}

fn trace_id() -> String {
    let hex = sekisho_core::ids::uuid_v4().replace('-', "");
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("Root=1-{secs:08x}-{};Parent={};Sampled=0", &hex[..24], &hex[16..32])
}

fn error_document(error_type: &str, message: String) -> Vec<u8> {
    json!({ "errorType": error_type, "errorMessage": message }).to_string().into_bytes()
}

/// An environment that could not even start its process (no bootstrap, not executable).
fn failed_start(v: &FunctionVersion, request_id: &str, error_type: &str, message: &str, at: Instant) -> Outcome {
    let text = format!("RequestId: {request_id} Error: {message}");
    let mut log = String::new();
    log.extend(platform::start(v, request_id));
    log.push_str(&format!("{text}\n{error_type}\n"));
    log.extend(platform::end(v, request_id));
    let report = Report {
        duration_ms: at.elapsed().as_secs_f64() * 1000.0,
        memory_size_mb: v.memory_size,
        max_memory_used_mb: 0,
        init_duration_ms: None,
        status: Status::Error(error_type.to_string()),
    };
    log.extend(platform::report(v, request_id, &report));
    Outcome { payload: error_document(error_type, text), function_error: Some("Unhandled".into()), log_tail: log }
}

/// Turns a run into Invoke's answer and the invocation's closing log lines. Returns whether the
/// environment may serve another invocation.
#[allow(clippy::too_many_arguments)]
fn finish(
    env: &Environment,
    v: &FunctionVersion,
    request_id: &str,
    result: RunResult,
    cold: bool,
    started: Instant,
    finished: Instant,
    memory: u64,
) -> (Outcome, bool) {
    let init_ms = if cold { env.init_duration().map(|d| d.as_secs_f64() * 1000.0) } else { None };
    let delivered = env.delivered_at();
    let mut duration_ms = finished.duration_since(delivered.unwrap_or(started)).as_secs_f64() * 1000.0;
    let sink = &env.sink;
    let unhandled = Some("Unhandled".to_string());
    let (payload, function_error, status, reusable) = match result {
        RunResult::Answered(api::RuntimeResult::Response(body)) => (body, None, Status::Success, true),
        RunResult::Answered(api::RuntimeResult::Error { payload }) => (payload, unhandled, Status::Success, true),
        RunResult::Answered(api::RuntimeResult::TooLarge) => (
            error_document(
                "Function.ResponseSizeTooLarge",
                format!(
                    "Response payload size exceeded maximum allowed payload size ({} bytes).",
                    api::MAX_RESPONSE_BYTES
                ),
            ),
            unhandled,
            Status::Success,
            true,
        ),
        RunResult::InitError(e) => {
            let error_type = e.error_type.clone().unwrap_or_else(|| "Runtime.Unknown".into());
            env.drain_output();
            let init = env.spawned_at.elapsed().as_secs_f64() * 1000.0;
            sink.extend_lines(platform::init_report(v, init, &error_type));
            sink.extend_lines(platform::start(v, request_id));
            duration_ms = finished.duration_since(started).as_secs_f64() * 1000.0;
            (e.payload, unhandled, Status::Error(error_type), false)
        }
        RunResult::Timeout => {
            env.kill();
            env.drain_output();
            if delivered.is_none() {
                sink.extend_lines(platform::start(v, request_id));
            }
            duration_ms = v.timeout as f64 * 1000.0;
            sink.emit(platform::timed_out(request_id, v.timeout as f64));
            let message =
                format!("RequestId: {request_id} Error: Task timed out after {:.2} seconds", v.timeout as f64);
            (error_document("Sandbox.Timedout", message), unhandled, Status::Timeout, false)
        }
        RunResult::Exited(how) => {
            env.drain_output();
            if delivered.is_none() {
                sink.extend_lines(platform::start(v, request_id));
            }
            let text = format!("RequestId: {request_id} Error: Runtime exited with error: {how}");
            sink.emit(format!("{text}\nRuntime.ExitError\n"));
            // Stopped for its memory: the same answer, and REPORT says why, as Lambda's does ("Status:
            // error  Error Type: Runtime.OutOfMemory"; observed in Lambda logs and in its Telemetry
            // API's platform.runtimeDone errorType).
            let error_type = if env.out_of_memory() { "Runtime.OutOfMemory" } else { "Runtime.ExitError" };
            (error_document("Runtime.ExitError", text), unhandled, Status::Error(error_type.into()), false)
        }
    };
    env.drain_output();
    sink.extend_lines(platform::end(v, request_id));
    let report = Report {
        duration_ms: duration_ms.max(0.0),
        memory_size_mb: v.memory_size,
        max_memory_used_mb: memory,
        init_duration_ms: init_ms,
        status,
    };
    sink.extend_lines(platform::report(v, request_id, &report));
    let log_tail = sink.tail();
    sink.flush();
    (Outcome { payload, function_error, log_tail }, reusable)
}

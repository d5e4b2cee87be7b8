//! One execution environment: the unpacked code and layers, a private temporary directory, the execution
//! role's credentials, a Runtime API listener, the function's process (its memory watched) and its log.
//! Dropping it stops the process group and removes the temporary directory.

use super::api::{ApiState, InitError, Invocation, RuntimeResult};
use super::credentials::{self, Credentials};
use super::logs::{Destination, Framing, LogSink, Reader};
use super::memory::Memory;
use super::{platform, process, python, unpack};
use crate::errors;
use crate::state::FunctionVersion;
use sekisho_core::{AwsError, Door, World};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, watch};

/// What an environment runs: one function version, as it was when the environment started.
#[derive(Clone)]
pub struct Spec {
    pub account: String,
    pub region: String,
    pub function_name: String,
    /// Unqualified function ARN.
    pub function_arn: String,
    pub version: FunctionVersion,
}

/// Why an environment could not start.
#[derive(Debug)]
pub enum StartFailure {
    /// The Invoke request fails (the role cannot be assumed, the runtime is not supported, ...).
    Api(AwsError),
    /// The invocation fails as a function error: `(errorType, message after "Error: ")`.
    Function(&'static str, String),
}

/// Shared facts every environment needs.
pub struct Host {
    pub world: Arc<World>,
    pub cache_dir: PathBuf,
    pub python: Option<String>,
}

/// One event as the invoker hands it over.
pub struct Event {
    pub request_id: String,
    pub payload: Vec<u8>,
    pub invoked_function_arn: String,
    pub client_context: Option<String>,
    pub trace_id: String,
    pub timeout: Duration,
    pub start_line: Option<String>,
}

/// How a run ended, before Lambda turns it into a response and log lines.
#[derive(Debug)]
pub enum RunResult {
    Answered(RuntimeResult),
    InitError(InitError),
    Timeout,
    Exited(String),
}

pub struct Environment {
    pub sink: Arc<LogSink>,
    pub credentials_expire_ms: Option<i64>,
    pub last_used_ms: AtomicI64,
    pub spawned_at: Instant,
    api: Arc<ApiState>,
    tx: mpsc::Sender<Invocation>,
    pid: i32,
    memory: Arc<Memory>,
    /// Dropped after the group is killed; its end also kills the group should sekisho die.
    _keeper: Option<process::Keeper>,
    /// The environment's own temporary directory (`TMPDIR`), removed with it.
    tmp: PathBuf,
    exited: watch::Receiver<Option<String>>,
    readers: Vec<Arc<Reader>>,
    server: tokio::task::JoinHandle<()>,
    used: AtomicBool,
    /// When the runtime took the current invocation's event (`None` until it does).
    delivered_at: std::sync::Mutex<Option<Instant>>,
}

impl Drop for Environment {
    fn drop(&mut self) {
        self.kill();
        self.server.abort();
        self.sink.flush();
        // Off the async workers: a function may leave much behind in its temporary directory.
        let tmp = std::mem::take(&mut self.tmp);
        std::thread::spawn(move || unpack::remove_private_tmp(&tmp));
    }
}

fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(sig)) => {
            let name = match sig {
                libc::SIGKILL => "killed",
                libc::SIGTERM => "terminated",
                libc::SIGSEGV => "segmentation fault",
                libc::SIGABRT => "aborted",
                libc::SIGINT => "interrupt",
                _ => return format!("signal: {sig}"),
            };
            format!("signal: {name}")
        }
        (None, None) => "exited".to_string(),
    }
}

fn log_stream_name(world: &World, version: &str) -> String {
    let date = sekisho_core::clock::iso8601(world.clock.now_secs());
    let day = date.get(..10).unwrap_or("1970-01-01").replace('-', "/");
    let hex = sekisho_core::ids::uuid_v4().replace('-', "");
    format!("{day}/[{version}]{hex}")
}

/// The program that runs the function, and whether it speaks the telemetry log frames.
async fn command(
    host: &Host,
    spec: &Spec,
    task: &Path,
    opt: &Path,
) -> Result<(PathBuf, Vec<String>, bool), StartFailure> {
    let runtime = spec.version.runtime.as_deref().unwrap_or("");
    if runtime.starts_with("python") {
        let interpreter = python::interpreter(host.python.as_deref(), runtime)
            .await
            .ok_or_else(|| StartFailure::Api(errors::invalid_runtime(runtime)))?;
        let bootstrap = python::bootstrap_file(&host.cache_dir.join("runtime"))
            .map_err(|e| StartFailure::Api(errors::service(format!("cannot write the Python runtime client: {e}"))))?;
        return Ok((interpreter, vec![bootstrap.to_string_lossy().into_owned()], true));
    }
    if runtime.starts_with("provided") {
        for candidate in [task.join("bootstrap"), opt.join("bootstrap")] {
            if candidate.is_file() {
                return Ok((candidate, Vec::new(), false));
            }
        }
        return Err(StartFailure::Function(
            "Runtime.InvalidEntrypoint",
            "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]".into(),
        ));
    }
    Err(StartFailure::Api(errors::invalid_runtime(runtime)))
}

/// The process environment, in Lambda's order of precedence: defaults, the function's variables, then
/// the reserved variables Lambda always sets.
#[allow(clippy::too_many_arguments)]
fn variables(
    spec: &Spec,
    program: &Path,
    task: &Path,
    opt: &Path,
    tmp: &Path,
    runtime_dir: &Path,
    api: &str,
    log_stream: &str,
    creds: Option<&Credentials>,
    endpoint: Option<&str>,
) -> Vec<(String, String)> {
    let v = &spec.version;
    let runtime = v.runtime.clone().unwrap_or_default();
    let host_path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
    let program_dir = program.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let mut out: Vec<(String, String)> = vec![
        ("PATH".into(), format!("{program_dir}:{host_path}:{}", opt.join("bin").display())),
        ("LD_LIBRARY_PATH".into(), format!("{}:{}", task.join("lib").display(), opt.join("lib").display())),
        ("LANG".into(), "en_US.UTF-8".into()),
        ("TZ".into(), ":UTC".into()),
        // The environment's own /tmp: what one function writes there, no other environment sees.
        ("TMPDIR".into(), tmp.to_string_lossy().into_owned()),
    ];
    if let Some((major, minor)) = python::version_of(&runtime) {
        let site = opt.join(format!("python/lib/python{major}.{minor}/site-packages"));
        let path = format!("{}:{}:{}", task.display(), site.display(), opt.join("python").display());
        out.push(("PYTHONPATH".into(), path));
    }
    if let Some(endpoint) = endpoint {
        out.push(("AWS_ENDPOINT_URL".into(), endpoint.to_string()));
    }
    if v.logging.log_format == "JSON" {
        out.push(("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()));
        out.push(("AWS_LAMBDA_LOG_LEVEL".into(), v.logging.application_log_level.clone().unwrap_or("INFO".into())));
    }
    for (k, val) in v.environment.iter().flatten() {
        out.push((k.clone(), val.clone()));
    }
    out.extend([
        ("_HANDLER".to_string(), v.handler.clone().unwrap_or_default()),
        ("AWS_REGION".into(), spec.region.clone()),
        ("AWS_DEFAULT_REGION".into(), spec.region.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME".into(), spec.function_name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), v.version.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), v.memory_size.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME".into(), v.logging.log_group.clone()),
        ("AWS_LAMBDA_LOG_STREAM_NAME".into(), log_stream.to_string()),
        ("AWS_LAMBDA_RUNTIME_API".into(), api.to_string()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), "on-demand".into()),
        ("LAMBDA_TASK_ROOT".into(), task.to_string_lossy().into_owned()),
        ("LAMBDA_RUNTIME_DIR".into(), runtime_dir.to_string_lossy().into_owned()),
    ]);
    if runtime.starts_with("python") {
        out.push(("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{runtime}")));
        out.push(("_LAMBDA_TELEMETRY_LOG_FD".into(), process::TELEMETRY_FD.to_string()));
    }
    if let Some(c) = creds {
        out.push(("AWS_ACCESS_KEY_ID".into(), c.access_key_id.clone()));
        out.push(("AWS_SECRET_ACCESS_KEY".into(), c.secret_access_key.clone()));
        out.push(("AWS_SESSION_TOKEN".into(), c.session_token.clone()));
    }
    out
}

impl Environment {
    /// Starts an environment: unpack, assume the role, listen, spawn.
    pub async fn start(
        host: &Host,
        door: &Arc<Door>,
        spec: &Spec,
        parent_request_id: &str,
    ) -> Result<Arc<Environment>, StartFailure> {
        let v = &spec.version;
        let unpack::Prepared { task, opt, tmp } = unpack::prepare(&host.cache_dir, &v.code, &v.layers)
            .await
            .map_err(|e| StartFailure::Api(errors::service(format!("cannot unpack the function's code: {e}"))))?;
        // Until the environment owns it, a failed start removes the temporary directory itself.
        let tmp_guard = TmpGuard(Some(tmp.clone()));
        let (program, args, telemetry) = command(host, spec, &task, &opt).await?;
        let creds = credentials::assume_execution_role(
            door,
            &v.role,
            &spec.function_name,
            &spec.function_arn,
            &spec.account,
            &spec.region,
            parent_request_id,
        )
        .await
        .map_err(StartFailure::Api)?;
        let log_stream = log_stream_name(&host.world, &v.version);
        let destination = creds.as_ref().map(|c| Destination {
            door: Arc::downgrade(door),
            region: spec.region.clone(),
            log_group: v.logging.log_group.clone(),
            log_stream: log_stream.clone(),
            access_key_id: Some(c.access_key_id.clone()),
            session_token: Some(c.session_token.clone()),
        });
        let sink = LogSink::new(host.world.clone(), destination);
        if let Some(line) = platform::init_start(v, &spec.region) {
            sink.emit(line);
        }

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| StartFailure::Api(errors::service(format!("cannot listen for the Runtime API: {e}"))))?;
        let api_addr =
            listener.local_addr().map_err(|e| StartFailure::Api(errors::service(e.to_string())))?.to_string();
        let (tx, rx) = mpsc::channel(1);
        let api = ApiState::new(rx, sink.clone());
        let router = super::api::router(api.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });

        let runtime_dir = host.cache_dir.join("runtime");
        let env = variables(
            spec,
            &program,
            &task,
            &opt,
            &tmp,
            &runtime_dir,
            &api_addr,
            &log_stream,
            creds.as_ref(),
            host.world.endpoint(),
        );
        let spawned_at = Instant::now();
        let spawned = match process::spawn(&program, &args, &task, &env, telemetry) {
            Ok(s) => s,
            Err(e) => {
                server.abort();
                return Err(StartFailure::Function(
                    "Runtime.InvalidEntrypoint",
                    format!("fork/exec {}: {}", program.display(), io_reason(&e)),
                ));
            }
        };
        let mut readers = Vec::new();
        for (fd, framing) in [(Some(spawned.stdout), Framing::Lines), (Some(spawned.stderr), Framing::Lines)]
            .into_iter()
            .chain(std::iter::once((spawned.telemetry, Framing::Frames)))
        {
            if let Some(fd) = fd
                && let Ok(r) = Reader::start(fd, framing, sink.clone())
            {
                readers.push(r);
            }
        }
        let (exit_tx, exited) = watch::channel(None);
        let memory = Memory::watch(spawned.pid, v.memory_size, exited.clone());
        let mut child = spawned.child;
        tokio::spawn(async move {
            let desc = match child.wait().await {
                Ok(status) => describe(status),
                Err(e) => e.to_string(),
            };
            let _ = exit_tx.send(Some(desc));
        });
        Ok(Arc::new(Environment {
            sink,
            credentials_expire_ms: creds.map(|c| c.expiration_ms),
            last_used_ms: AtomicI64::new(host.world.clock.now_ms()),
            spawned_at,
            api,
            tx,
            pid: spawned.pid,
            memory,
            _keeper: spawned.keeper,
            tmp: tmp_guard.release(),
            exited,
            readers,
            server,
            used: AtomicBool::new(false),
            delivered_at: std::sync::Mutex::new(None),
        }))
    }

    /// `true` until the first invocation: its REPORT carries the init duration.
    pub fn is_cold(&self) -> bool {
        !self.used.load(Ordering::Relaxed)
    }

    pub fn is_alive(&self) -> bool {
        self.exited.borrow().is_none()
    }

    /// Time from spawn to the runtime's first request for an event.
    pub fn init_duration(&self) -> Option<Duration> {
        self.api.initialized_at().map(|t| t.duration_since(self.spawned_at))
    }

    /// When the runtime took the current invocation's event, if it did.
    pub fn delivered_at(&self) -> Option<Instant> {
        *self.delivered_at.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// REPORT's `Max Memory Used` (MB), sampled now.
    pub fn max_memory_mb(&self) -> u64 {
        self.memory.sample();
        self.memory.max_used_mb()
    }

    /// Whether the function was stopped for using more than its memory size.
    pub fn out_of_memory(&self) -> bool {
        self.memory.exceeded()
    }

    pub fn kill(&self) {
        process::kill_group(self.pid);
    }

    /// Reads whatever the process has written so far into the log.
    pub fn drain_output(&self) {
        for r in &self.readers {
            r.drain();
        }
    }

    async fn exited(&self) -> String {
        let mut rx = self.exited.clone();
        match rx.wait_for(|v| v.is_some()).await {
            Ok(v) => v.clone().unwrap_or_default(),
            Err(_) => "exited".to_string(),
        }
    }

    /// Hands one event to the runtime and waits for its answer, the deadline, or the process's end.
    pub async fn run(&self, event: Event, init_limit: Duration) -> RunResult {
        self.memory.set_busy(true);
        let result = self.run_event(event, init_limit).await;
        self.memory.set_busy(false);
        result
    }

    async fn run_event(&self, event: Event, init_limit: Duration) -> RunResult {
        self.used.store(true, Ordering::Relaxed);
        *self.delivered_at.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let timeout = event.timeout;
        let (delivered_tx, delivered_rx) = oneshot::channel();
        let (result_tx, result_rx) = oneshot::channel();
        let invocation = Invocation {
            request_id: event.request_id,
            payload: event.payload,
            invoked_function_arn: event.invoked_function_arn,
            client_context: event.client_context,
            trace_id: event.trace_id,
            timeout,
            start_line: event.start_line,
            delivered: delivered_tx,
            result: result_tx,
        };
        if self.tx.send(invocation).await.is_err() {
            return self.ended().await;
        }
        let delivered = tokio::select! {
            d = delivered_rx => match d {
                Ok(t) => {
                    *self.delivered_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
                    t
                }
                Err(_) => return self.ended().await,
            },
            _ = self.api.init_error_reported.notified() => {
                return self.api.init_error().map(RunResult::InitError).unwrap_or(RunResult::Exited("exited".into()));
            }
            _ = self.exited() => return self.ended().await,
            _ = tokio::time::sleep(init_limit) => return RunResult::Timeout,
        };
        tokio::select! {
            r = result_rx => match r {
                Ok(result) => RunResult::Answered(result),
                Err(_) => self.ended().await,
            },
            _ = self.exited() => self.ended().await,
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(delivered + timeout)) => RunResult::Timeout,
        }
    }

    /// The runtime will not answer: an init error it reported, else how its process ended (stopped first,
    /// so a runtime that lost its event cannot linger).
    async fn ended(&self) -> RunResult {
        if let Some(e) = self.api.init_error() {
            return RunResult::InitError(e);
        }
        self.kill();
        match self.api.init_error() {
            Some(e) => RunResult::InitError(e),
            None => RunResult::Exited(self.exited().await),
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string(),
    }
}

/// Removes an environment's temporary directory unless the environment took it over.
struct TmpGuard(Option<PathBuf>);

impl TmpGuard {
    fn release(mut self) -> PathBuf {
        self.0.take().unwrap_or_default()
    }
}

impl Drop for TmpGuard {
    fn drop(&mut self) {
        if let Some(tmp) = self.0.take() {
            unpack::remove_private_tmp(&tmp);
        }
    }
}

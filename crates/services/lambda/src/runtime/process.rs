//! Starting a function's process: a clean environment, Lambda's file-descriptor quota, its own process
//! group (so everything it starts can be stopped at once), a keeper that ends the group when sekisho
//! goes away however it ends, pipes for stdout, stderr and the runtime's log frames, and the resident
//! memory of the process tree.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::Stdio;
use tokio::process::{Child, Command};

/// The file descriptor the Python runtime writes its framed log records to.
pub const TELEMETRY_FD: i32 = 3;

/// Open files a function may have. Source: AWS Lambda quotas, "File descriptors: 1,024".
pub const MAX_OPEN_FILES: u64 = 1024;

/// The keeper: a shell in the function's process group that waits for the end of a pipe only sekisho
/// holds. When sekisho closes it (the environment ends) or dies (even by SIGKILL, when the kernel
/// closes it), `read` returns and the keeper kills its whole group: the function, everything it
/// started, and itself. Being in the group keeps the group id from being reused while it waits.
const KEEPER_SCRIPT: &str = "read line; kill -9 0";

/// Ends the function's process group when dropped (and when sekisho dies).
pub struct Keeper {
    _child: Child,
    _pipe: OwnedFd,
}

/// A started process and the read ends of its pipes.
pub struct Spawned {
    pub child: Child,
    pub pid: i32,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    pub telemetry: Option<OwnedFd>,
    /// `None` only when `/bin/sh` could not be started (said on stderr).
    pub keeper: Option<Keeper>,
}

/// Marks every descriptor from 3 up close-on-exec, in a child between fork and exec. sekisho's own
/// descriptors already are; this catches those sekisho inherited open from whoever started it (a
/// build tool's jobserver pipes, an editor's sockets), so a function never holds them. The child's
/// own pipes are put in place after this.
///
/// # Safety
/// Only for a `pre_exec` closure: it calls nothing but async-signal-safe system calls.
unsafe fn cloexec_from_3() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets flags; ENOSYS on kernels before 5.11.
        let rc = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, libc::CLOSE_RANGE_CLOEXEC) };
        if rc == 0 {
            return;
        }
    }
    let mut files = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the struct it is given.
    let top = if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut files) } == 0 { files.rlim_cur } else { 1024 };
    for fd in 3..top.min(65_536) as i32 {
        // SAFETY: fcntl on a descriptor that may not be open fails with EBADF, which is fine.
        unsafe {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a valid two-element buffer; on success both descriptors are new and owned here.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Starts `program args` in `cwd` with exactly `env`. Only stdin (null), stdout, stderr and, when asked,
/// the telemetry pipe are open in it: every other descriptor of sekisho is close-on-exec.
pub fn spawn(
    program: &Path,
    args: &[String],
    cwd: &Path,
    env: &[(String, String)],
    with_telemetry: bool,
) -> std::io::Result<Spawned> {
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let telemetry = if with_telemetry { Some(pipe()?) } else { None };
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(err_w))
        .process_group(0)
        .kill_on_drop(true);
    let tele_w = telemetry.as_ref().map(|(_, w)| w.as_raw_fd());
    // SAFETY: the closure runs in the child between fork and exec and only calls async-signal-safe
    // functions (getrlimit, setrlimit, close_range, dup2, fcntl) on descriptors of the child.
    unsafe {
        cmd.pre_exec(move || {
            cloexec_from_3();
            let mut files = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut files) == 0 {
                let cap = MAX_OPEN_FILES as libc::rlim_t;
                files.rlim_cur = files.rlim_cur.min(cap);
                files.rlim_max = files.rlim_max.min(cap);
                libc::setrlimit(libc::RLIMIT_NOFILE, &files);
            }
            // No core files of a crashing function in its code directory.
            let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            if let Some(fd) = tele_w {
                if fd == TELEMETRY_FD {
                    let flags = libc::fcntl(fd, libc::F_GETFD);
                    libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
                } else if libc::dup2(fd, TELEMETRY_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    drop(cmd);
    let pid = child.id().map(|p| p as i32).unwrap_or(0);
    let keeper = match keep(pid) {
        Ok(k) => Some(k),
        Err(e) => {
            eprintln!(
                "sekisho: lambda: no keeper for process group {pid} ({e}): its processes may outlive a killed sekisho"
            );
            None
        }
    };
    let telemetry = telemetry.map(|(r, w)| {
        drop(w);
        r
    });
    Ok(Spawned { child, pid, stdout: out_r, stderr: err_r, telemetry, keeper })
}

/// Starts the keeper of process group `pgid` (see [`KEEPER_SCRIPT`]).
fn keep(pgid: i32) -> std::io::Result<Keeper> {
    if pgid <= 0 {
        return Err(std::io::Error::other("no process group"));
    }
    let (read_end, write_end) = pipe()?;
    let mut cmd = Command::new("/bin/sh");
    cmd.args(["-c", KEEPER_SCRIPT])
        .env_clear()
        .stdin(Stdio::from(read_end))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setpgid, close_range and fcntl are async-signal-safe; the closure touches nothing else.
    unsafe {
        cmd.pre_exec(move || {
            cloexec_from_3();
            if libc::setpgid(0, pgid) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    Ok(Keeper { _child: child, _pipe: write_end })
}

/// Stops the process group `pgid` (the function and everything it started).
pub fn kill_group(pgid: i32) {
    if pgid > 0 {
        // SAFETY: killpg takes plain integers; a group that no longer exists yields ESRCH, which is fine.
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
        }
    }
}

/// The most processes a memory sample looks at (a fork bomb must not make sampling unbounded).
const MAX_TREE: usize = 1024;

/// `pid` and its descendants, from `/proc/<pid>/task/<tid>/children`.
fn tree(pid: i32) -> Vec<i32> {
    let mut out = vec![pid];
    let mut next = 0;
    while next < out.len() && out.len() < MAX_TREE {
        let p = out[next];
        next += 1;
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else { continue };
        for task in tasks.flatten() {
            let Ok(children) = std::fs::read_to_string(task.path().join("children")) else { continue };
            out.extend(children.split_whitespace().filter_map(|c| c.parse::<i32>().ok()));
        }
    }
    out.truncate(MAX_TREE);
    out
}

/// A `kB` field of `/proc/<pid>/status`, in bytes.
fn status_bytes(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Resident memory of a process tree.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MemorySample {
    /// The tree's resident memory now: the process's resident set when it is alone, else the sum of the
    /// processes' proportional sets (PSS), so pages a forked child shares with its parent count once.
    pub resident: u64,
    /// The largest peak resident set (`VmHWM`) of one process: catches a peak between two samples.
    pub process_peak: u64,
}

impl MemorySample {
    /// The memory the tree is known to have used: what Lambda's `Max Memory Used` reports.
    pub fn used(&self) -> u64 {
        self.resident.max(self.process_peak)
    }
}

/// Resident memory of `pid` and its descendants; `None` once `pid` is gone.
pub fn tree_memory(pid: i32) -> Option<MemorySample> {
    let root = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let processes = tree(pid);
    let mut sample = MemorySample::default();
    for (i, p) in processes.iter().enumerate() {
        let status =
            if i == 0 { Some(root.clone()) } else { std::fs::read_to_string(format!("/proc/{p}/status")).ok() };
        let Some(status) = status else { continue };
        let rss = status_bytes(&status, "VmRSS:").unwrap_or(0);
        sample.resident += if processes.len() > 1 {
            std::fs::read_to_string(format!("/proc/{p}/smaps_rollup"))
                .ok()
                .and_then(|r| status_bytes(&r, "Pss:"))
                .unwrap_or(rss)
        } else {
            rss
        };
        sample.process_peak = sample.process_peak.max(status_bytes(&status, "VmHWM:").unwrap_or(0));
    }
    Some(sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read_some(fd: OwnedFd) -> String {
        let out = tokio::net::unix::pipe::Receiver::from_owned_fd(fd).unwrap();
        let mut buf = vec![0u8; 256];
        loop {
            out.readable().await.unwrap();
            match out.try_read(&mut buf) {
                Ok(n) => return String::from_utf8_lossy(&buf[..n]).into_owned(),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                Err(e) => panic!("{e}"),
            }
        }
    }

    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .map(|s| !s.lines().any(|l| l.starts_with("State:") && l.contains('Z')))
            .unwrap_or(false)
    }

    #[tokio::test]
    async fn a_process_gets_only_the_environment_and_descriptors_it_is_given_and_its_group_dies_together() {
        let env = vec![("ONLY".to_string(), "this".to_string()), ("PATH".to_string(), "/usr/bin:/bin".to_string())];
        let script = "echo $ONLY $HOME $(ls /proc/self/fd | sort -n | tr '\\n' ' ') $(ulimit -n); echo frame >&3; sleep 30 & wait".to_string();
        let mut s = spawn(Path::new("/bin/sh"), &["-c".into(), script], Path::new("/"), &env, true).unwrap();
        // 0-2 and the telemetry pipe, plus the one `ls` opens to list them; at most 1,024 open files.
        assert_eq!(read_some(s.stdout).await, "this 0 1 2 3 4 1024\n");
        assert!(s.telemetry.is_some());
        let sample = tree_memory(s.pid).unwrap();
        assert!(sample.resident > 0 && sample.used() >= sample.resident);
        kill_group(s.pid);
        let status = s.child.wait().await.unwrap();
        assert!(!status.success());
    }

    #[tokio::test]
    async fn pages_a_forked_child_shares_with_its_parent_count_once() {
        let env = vec![("PATH".to_string(), std::env::var("PATH").unwrap_or_default())];
        let script =
            "import os, time\nx = b'x' * (100 << 20)\nif os.fork():\n    print('ready', flush=True)\ntime.sleep(30)\n";
        let s = spawn(Path::new("python3"), &["-c".into(), script.into()], Path::new("/"), &env, false).unwrap();
        assert_eq!(read_some(s.stdout).await, "ready\n");
        let processes = tree(s.pid);
        assert_eq!(processes.len(), 2);
        let rss_sum: u64 = processes
            .iter()
            .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/status")).ok())
            .filter_map(|st| status_bytes(&st, "VmRSS:"))
            .sum();
        let sample = tree_memory(s.pid).unwrap();
        // Each process maps the 100 MB: their resident sets add up to 200 MB, the tree holds it once.
        assert!(rss_sum > 200 << 20, "{rss_sum}");
        assert!(sample.resident > 100 << 20 && sample.resident < 150 << 20, "{sample:?}");
        kill_group(s.pid);
    }

    #[tokio::test]
    async fn the_keeper_ends_the_whole_group_when_its_pipe_closes() {
        let env = vec![("PATH".to_string(), "/usr/bin:/bin".to_string())];
        // The function starts a grandchild and reports its pid.
        let script = "sleep 1000 & echo $!; wait".to_string();
        let s = spawn(Path::new("/bin/sh"), &["-c".into(), script], Path::new("/"), &env, false).unwrap();
        let grandchild: i32 = read_some(s.stdout).await.trim().parse().unwrap();
        assert!(alive(grandchild));
        assert!(tree(s.pid).contains(&grandchild));
        // What happens when sekisho dies: the kernel closes the pipe's write end.
        let Spawned { keeper, mut child, .. } = s;
        drop(keeper);
        child.wait().await.unwrap();
        for _ in 0..100 {
            if !alive(grandchild) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(!alive(grandchild));
    }
}

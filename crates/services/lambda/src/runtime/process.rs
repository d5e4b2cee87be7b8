//! Starting a function's process: a clean environment, its own process group (so everything it starts
//! can be stopped at once), a parent-death signal, and pipes for stdout, stderr and the runtime's log frames.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::Stdio;
use tokio::process::{Child, Command};

/// The file descriptor the Python runtime writes its framed log records to.
pub const TELEMETRY_FD: i32 = 3;

/// A started process and the read ends of its pipes.
pub struct Spawned {
    pub child: Child,
    pub pid: i32,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    pub telemetry: Option<OwnedFd>,
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

/// Starts `program args` in `cwd` with exactly `env`.
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
    // functions (prctl, dup2, fcntl) on descriptors that are open in the child.
    unsafe {
        cmd.pre_exec(move || {
            #[cfg(target_os = "linux")]
            {
                // The function dies with sekisho even when sekisho is killed without cleaning up.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            }
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
    let telemetry = telemetry.map(|(r, w)| {
        drop(w);
        r
    });
    Ok(Spawned { child, pid, stdout: out_r, stderr: err_r, telemetry })
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

/// Peak resident memory of `pid` in MB (`VmHWM`), as Lambda's `Max Memory Used`.
pub fn max_memory_mb(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb.div_ceil(1024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_process_gets_only_the_environment_it_is_given_and_its_group_dies_together() {
        let env = vec![("ONLY".to_string(), "this".to_string()), ("PATH".to_string(), "/usr/bin:/bin".to_string())];
        let script = "echo $ONLY $HOME; echo frame >&3; sleep 30 & wait".to_string();
        let mut s = spawn(Path::new("/bin/sh"), &["-c".into(), script], Path::new("/"), &env, true).unwrap();
        let out = tokio::net::unix::pipe::Receiver::from_owned_fd(s.stdout).unwrap();
        let mut buf = vec![0u8; 64];
        out.readable().await.unwrap();
        let n = loop {
            match out.try_read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => out.readable().await.unwrap(),
                Err(e) => panic!("{e}"),
            }
        };
        assert_eq!(String::from_utf8_lossy(&buf[..n]), "this\n");
        assert!(s.telemetry.is_some());
        assert!(max_memory_mb(s.pid).is_some());
        kill_group(s.pid);
        let status = s.child.wait().await.unwrap();
        assert!(!status.success());
    }
}

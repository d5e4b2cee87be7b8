//! The data directory's lock: one sekisho per directory. An advisory `flock` on `<dir>/lock`, released by
//! the kernel when the process dies however it dies, so a crash never leaves a stale lock behind.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::Path;

pub struct DirLock {
    _file: File,
}

impl DirLock {
    pub fn acquire(dir: &Path) -> Result<DirLock, String> {
        let path = dir.join("lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        // SAFETY: flock on a descriptor this function owns; no memory is shared with the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            return Err(format!(
                "the data directory {} is in use by another sekisho (its lock file {} is held); stop that one first",
                dir.display(),
                path.display()
            ));
        }
        Ok(DirLock { _file: file })
    }
}

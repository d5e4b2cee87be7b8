//! Code on disk: each package unpacked once under the cache directory (named by its digest, shared by
//! every environment and every sekisho), a function's layers merged in order into its `/opt`, and each
//! environment's private temporary directory. The cache directory must be this user's own.

use crate::state::{AttachedLayer, Code};
use crate::zip;
use std::path::{Path, PathBuf};

/// Lambda's limit on a function's unzipped code and layers together.
pub const UNZIPPED_LIMIT: u64 = 262_144_000;

/// Makes `dir` by running `fill` on a private sibling and renaming it into place, so concurrent
/// starts (or another sekisho sharing the cache) never see a half-written directory.
fn publish(dir: &Path, fill: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
    if dir.exists() {
        return Ok(());
    }
    let parent = dir.parent().ok_or("the cache directory has no parent")?;
    std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!(".{name}.{}-{}", std::process::id(), sekisho_core::ids::lower_alnum(8)));
    let filled = fill(&tmp);
    if let Err(e) = filled {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if std::fs::rename(&tmp, dir).is_err() {
        // Someone else published the same content first.
        let _ = std::fs::remove_dir_all(&tmp);
        if !dir.exists() {
            return Err(format!("cannot create {}", dir.display()));
        }
    }
    Ok(())
}

fn unpacked(cache: &Path, kind: &str, code: &Code) -> Result<PathBuf, String> {
    let dir = cache.join(kind).join(&code.sha256_hex);
    publish(&dir, |tmp| zip::extract(&code.zip, tmp, UNZIPPED_LIMIT).map(|_| ()).map_err(|e| e.to_string()))?;
    Ok(dir)
}

/// Copies `from` into `to`, hard-linking files where the file system allows; later copies replace
/// earlier files, as later layers do in `/opt`. Whatever an earlier layer left in the way (a link, a
/// file, a directory) is removed first, never followed: nothing is written through a link.
fn merge_into(from: &Path, to: &Path) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{}: {e}", from.display());
    for entry in std::fs::read_dir(from).map_err(io)? {
        let entry = entry.map_err(io)?;
        let src = entry.path();
        let dst = to.join(entry.file_name());
        let kind = entry.file_type().map_err(io)?;
        let existing = std::fs::symlink_metadata(&dst).ok().map(|m| m.file_type());
        if kind.is_dir() {
            match existing {
                Some(t) if t.is_dir() => {}
                Some(_) => {
                    std::fs::remove_file(&dst).map_err(io)?;
                    std::fs::create_dir(&dst).map_err(io)?;
                }
                None => std::fs::create_dir(&dst).map_err(io)?,
            }
            merge_into(&src, &dst)?;
            continue;
        }
        match existing {
            Some(t) if t.is_dir() => std::fs::remove_dir_all(&dst).map_err(io)?,
            Some(_) => std::fs::remove_file(&dst).map_err(io)?,
            None => {}
        }
        if kind.is_symlink() {
            let target = std::fs::read_link(&src).map_err(io)?;
            std::os::unix::fs::symlink(target, &dst).map_err(io)?;
        } else if std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).map_err(io)?;
        }
    }
    Ok(())
}

/// What an environment runs from.
pub struct Prepared {
    /// `LAMBDA_TASK_ROOT`: the unpacked package.
    pub task: PathBuf,
    /// The `/opt` equivalent: the layers merged in order.
    pub opt: PathBuf,
    /// The environment's own temporary directory (`TMPDIR`).
    pub tmp: PathBuf,
}

/// A cache directory another local user could write to would let them plant code that sekisho then runs
/// as a function's (packages are trusted by their digest-named directory): it must belong to this user
/// and not be writable by group or others. Created private (0700) when missing.
fn check_cache_root(cache: &Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    if std::fs::metadata(cache).is_err() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(cache)
            .map_err(|e| format!("{}: {e}", cache.display()))?;
    }
    let m = std::fs::metadata(cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if m.uid() != me || m.mode() & 0o022 != 0 {
        return Err(format!(
            "{}: the Lambda cache directory must belong to this user and not be writable by others (owner uid {}, mode {:o})",
            cache.display(),
            m.uid(),
            m.mode() & 0o7777
        ));
    }
    Ok(())
}

fn process_alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}

/// Removes the temporary directories of sekishos that are gone (killed before they could clean up).
fn sweep_stale_tmp(root: &Path) {
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let owner = name.split_once('-').and_then(|(pid, _)| pid.parse::<i32>().ok());
        if owner.is_some_and(|pid| pid != std::process::id() as i32 && !process_alive(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A new private (0700) temporary directory for one environment, named after this sekisho's pid.
fn private_tmp(cache: &Path) -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let root = cache.join("tmp");
    std::fs::create_dir_all(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    SWEPT.call_once(|| sweep_stale_tmp(&root));
    let dir = root.join(format!("{}-{}", std::process::id(), sekisho_core::ids::lower_alnum(12)));
    std::fs::DirBuilder::new().mode(0o700).create(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

/// Removes an environment's temporary directory.
pub fn remove_private_tmp(dir: &Path) {
    if !dir.as_os_str().is_empty() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn prepare_blocking(cache: &Path, code: &Code, layers: &[AttachedLayer]) -> Result<Prepared, String> {
    check_cache_root(cache)?;
    let task = unpacked(cache, "code", code)?;
    let opt = if layers.is_empty() {
        let empty = cache.join("opt").join("empty");
        std::fs::create_dir_all(&empty).map_err(|e| e.to_string())?;
        empty
    } else {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for l in layers {
            h.update(l.content.sha256_hex.as_bytes());
            h.update(b"\n");
        }
        let key: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let dirs = layers.iter().map(|l| unpacked(cache, "layers", &l.content)).collect::<Result<Vec<_>, _>>()?;
        let opt = cache.join("opt").join(key);
        publish(&opt, |tmp| {
            std::fs::create_dir(tmp).map_err(|e| e.to_string())?;
            dirs.iter().try_for_each(|d| merge_into(d, tmp))
        })?;
        opt
    };
    let tmp = private_tmp(cache)?;
    Ok(Prepared { task, opt, tmp })
}

/// The function's task root and `/opt`, unpacking on first use.
pub async fn prepare(cache: &Path, code: &Code, layers: &[AttachedLayer]) -> Result<Prepared, String> {
    let (cache, code, layers) = (cache.to_path_buf(), code.clone(), layers.to_vec());
    tokio::task::spawn_blocking(move || prepare_blocking(&cache, &code, &layers)).await.map_err(|e| e.to_string())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_win_and_packages_are_shared() {
        let cache = std::env::temp_dir().join(format!("sekisho-unpack-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        let code = Code::new(zip::build(&[("app.py", b"x = 1\n", 0o644)]));
        let l1 = AttachedLayer {
            arn: "l:1".into(),
            content: Code::new(zip::build(&[("python/m.py", b"v = 1\n", 0o644), ("python/only1.py", b"", 0o644)])),
        };
        let l2 =
            AttachedLayer { arn: "l2:1".into(), content: Code::new(zip::build(&[("python/m.py", b"v = 2\n", 0o644)])) };
        let Prepared { task, opt, tmp } = prepare_blocking(&cache, &code, &[l1.clone(), l2.clone()]).unwrap();
        assert!(tmp.is_dir() && tmp.starts_with(cache.join("tmp")));
        assert_eq!(std::fs::read_to_string(task.join("app.py")).unwrap(), "x = 1\n");
        assert_eq!(std::fs::read_to_string(opt.join("python/m.py")).unwrap(), "v = 2\n");
        assert!(opt.join("python/only1.py").exists());
        let again = prepare_blocking(&cache, &code, &[l1, l2]).unwrap();
        assert_eq!((task, opt), (again.task, again.opt));
        assert_ne!(tmp, again.tmp);
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn a_cache_directory_others_can_write_to_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let cache = std::env::temp_dir().join(format!("sekisho-unpack-shared-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        let code = Code::new(zip::build(&[("app.py", b"", 0o644)]));
        prepare_blocking(&cache, &code, &[]).unwrap();
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = prepare_blocking(&cache, &code, &[]).err().unwrap();
        assert!(e.contains("must belong to this user and not be writable by others"), "{e}");
        let _ = std::fs::remove_dir_all(&cache);
    }

    #[test]
    fn a_later_layer_never_writes_through_an_earlier_layers_link() {
        let cache = std::env::temp_dir().join(format!("sekisho-unpack-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        let code = Code::new(zip::build(&[("app.py", b"", 0o644)]));
        // Layer 1: `python/lib` is a link to a directory inside the layer (allowed on its own).
        let l1 = AttachedLayer {
            arn: "l1:1".into(),
            content: Code::new(zip::build_entries(&[
                zip::RawEntry::file("real/keep.py", b"kept", 0o644),
                zip::RawEntry::symlink("python", "real"),
            ])),
        };
        // Layer 2: a directory `python/` with a file: it must replace the link, not fill `real/`.
        let l2 = AttachedLayer { arn: "l2:1".into(), content: Code::new(zip::build(&[("python/m.py", b"v", 0o644)])) };
        let opt = prepare_blocking(&cache, &code, &[l1, l2]).unwrap().opt;
        assert!(!std::fs::symlink_metadata(opt.join("python")).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(opt.join("python/m.py")).unwrap(), b"v");
        assert!(!opt.join("real/m.py").exists());
        let layer1_dir = std::fs::read_dir(cache.join("layers")).unwrap().flatten().map(|e| e.path());
        for dir in layer1_dir {
            assert!(!dir.join("real/m.py").exists());
        }
        let _ = std::fs::remove_dir_all(&cache);
    }
}

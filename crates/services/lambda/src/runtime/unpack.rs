//! Code on disk: each package unpacked once under the cache directory (named by its digest, shared by
//! every environment and every sekisho), and a function's layers merged in order into its `/opt`.

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

fn prepare_blocking(cache: &Path, code: &Code, layers: &[AttachedLayer]) -> Result<(PathBuf, PathBuf), String> {
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
    Ok((task, opt))
}

/// The function's task root and `/opt`, unpacking on first use.
pub async fn prepare(cache: &Path, code: &Code, layers: &[AttachedLayer]) -> Result<(PathBuf, PathBuf), String> {
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
        let (task, opt) = prepare_blocking(&cache, &code, &[l1.clone(), l2.clone()]).unwrap();
        assert_eq!(std::fs::read_to_string(task.join("app.py")).unwrap(), "x = 1\n");
        assert_eq!(std::fs::read_to_string(opt.join("python/m.py")).unwrap(), "v = 2\n");
        assert!(opt.join("python/only1.py").exists());
        let (task2, opt2) = prepare_blocking(&cache, &code, &[l1, l2]).unwrap();
        assert_eq!((task, opt), (task2, opt2));
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
        let (_, opt) = prepare_blocking(&cache, &code, &[l1, l2]).unwrap();
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

//! Python runtimes on the host: which interpreter runs `python3.x` (the configured one, else the closest
//! on `PATH`), and sekisho's own runtime client (`bootstrap.py`, embedded) written where it can be run.

use std::path::{Path, PathBuf};

/// sekisho's Python runtime client: standard library only.
pub const BOOTSTRAP: &str = include_str!("bootstrap.py");

/// `python3.12` → `(3, 12)`.
pub fn version_of(runtime: &str) -> Option<(u32, u32)> {
    let rest = runtime.strip_prefix("python")?;
    let (major, minor) = rest.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn on_path(name: &str, path_var: &str) -> Option<PathBuf> {
    std::env::split_paths(path_var).map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The interpreters that could run `runtime`, best first: `configured` when set (relative paths from
/// sekisho's working directory), else `python3.<minor>` on `PATH`, the nearest other `python3.<n>`, `python3`.
pub fn candidates(configured: Option<&str>, runtime: &str, path_var: &str) -> Vec<PathBuf> {
    if let Some(c) = configured {
        let p = PathBuf::from(c);
        let p = if p.is_absolute() {
            Some(p)
        } else if !c.contains('/') {
            on_path(c, path_var)
        } else {
            std::env::current_dir().ok().map(|d| d.join(p))
        };
        return p.into_iter().collect();
    }
    let Some((major, minor)) = version_of(runtime) else { return Vec::new() };
    let mut others: Vec<(u32, PathBuf)> = (0..40u32)
        .filter_map(|m| on_path(&format!("python{major}.{m}"), path_var).map(|p| (m.abs_diff(minor), p)))
        .collect();
    others.sort_by_key(|(d, _)| *d);
    let mut out: Vec<PathBuf> = others.into_iter().map(|(_, p)| p).collect();
    out.extend(on_path(&format!("python{major}"), path_var));
    out
}

type Resolved = std::collections::HashMap<(Option<String>, String), Option<PathBuf>>;

/// The interpreter for `runtime`: the first candidate that really starts, named by its own
/// `sys.executable` (a version-manager shim would not start in a function's clean environment; a
/// virtualenv's interpreter keeps its site-packages). Resolved once per runtime.
pub async fn interpreter(configured: Option<&str>, runtime: &str) -> Option<PathBuf> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<Resolved>> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (configured.map(str::to_string), runtime.to_string());
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return hit.clone();
    }
    let path_var = std::env::var("PATH").unwrap_or_default();
    let mut found = None;
    for candidate in candidates(configured, runtime, &path_var) {
        let out = tokio::process::Command::new(&candidate)
            .args(["-c", "import sys; print(sys.executable)"])
            .stdin(std::process::Stdio::null())
            .output()
            .await;
        if let Ok(out) = out
            && out.status.success()
        {
            let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
            found = Some(if exe.is_empty() { candidate } else { PathBuf::from(exe) });
            break;
        }
    }
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(key, found.clone());
    found
}

/// Writes the runtime client under `dir` once (named by its content) and returns its path.
pub fn bootstrap_file(dir: &Path) -> std::io::Result<PathBuf> {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(BOOTSTRAP.as_bytes());
    let name: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("sekisho_bootstrap_{name}.py"));
    if !path.exists() {
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".bootstrap-{}-{}", std::process::id(), sekisho_core::ids::lower_alnum(8)));
        std::fs::write(&tmp, BOOTSTRAP)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version_of("python3.12"), Some((3, 12)));
        assert_eq!(version_of("provided.al2023"), None);
    }

    #[test]
    fn the_closest_python_on_path_wins() {
        let dir = std::env::temp_dir().join(format!("sekisho-py-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["python3.9", "python3.11", "python3"] {
            let p = dir.join(name);
            std::fs::write(&p, "#!/bin/sh\n").unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path_var = dir.to_string_lossy().into_owned();
        let c = candidates(None, "python3.12", &path_var);
        assert_eq!(c, vec![dir.join("python3.11"), dir.join("python3.9"), dir.join("python3")]);
        assert_eq!(candidates(None, "python3.9", &path_var)[0], dir.join("python3.9"));
        let c = candidates(Some("/opt/py/bin/python"), "python3.12", &path_var);
        assert_eq!(c, vec![PathBuf::from("/opt/py/bin/python")]);
        assert_eq!(candidates(Some("python3"), "python3.12", &path_var), vec![dir.join("python3")]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn the_interpreter_is_named_by_its_own_executable() {
        let Some(p) = interpreter(Some("python3"), "python3.12").await else { return };
        assert!(p.is_absolute(), "{}", p.display());
        assert_eq!(interpreter(Some("python3"), "python3.12").await, Some(p));
    }

    #[test]
    fn the_bootstrap_is_written_once() {
        let dir = std::env::temp_dir().join(format!("sekisho-boot-test-{}", std::process::id()));
        let a = bootstrap_file(&dir).unwrap();
        let b = bootstrap_file(&dir).unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), BOOTSTRAP);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

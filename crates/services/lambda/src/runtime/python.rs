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

/// The interpreter for `runtime`: `configured` when set (relative paths from sekisho's working directory),
/// else `python3.<minor>` on `PATH`, else the nearest other `python3.<n>`, else `python3`.
pub fn interpreter(configured: Option<&str>, runtime: &str, path_var: &str) -> Option<PathBuf> {
    if let Some(c) = configured {
        let p = PathBuf::from(c);
        let p = if p.is_absolute() || !c.contains('/') {
            if c.contains('/') { p } else { on_path(c, path_var)? }
        } else {
            std::env::current_dir().ok()?.join(p)
        };
        return Some(p);
    }
    let (major, minor) = version_of(runtime)?;
    if let Some(p) = on_path(&format!("python{major}.{minor}"), path_var) {
        return Some(p);
    }
    let mut others: Vec<(u32, PathBuf)> = (0..40)
        .filter(|m| *m != minor)
        .filter_map(|m| on_path(&format!("python{major}.{m}"), path_var).map(|p| (m.abs_diff(minor), p)))
        .collect();
    others.sort_by_key(|(d, _)| *d);
    others.into_iter().next().map(|(_, p)| p).or_else(|| on_path(&format!("python{major}"), path_var))
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
        assert_eq!(interpreter(None, "python3.12", &path_var), Some(dir.join("python3.11")));
        assert_eq!(interpreter(None, "python3.9", &path_var), Some(dir.join("python3.9")));
        assert_eq!(interpreter(Some("/opt/py/bin/python"), "python3.12", &path_var), Some("/opt/py/bin/python".into()));
        assert_eq!(interpreter(Some("python3"), "python3.12", &path_var), Some(dir.join("python3")));
        let _ = std::fs::remove_dir_all(&dir);
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

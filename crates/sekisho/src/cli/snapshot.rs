//! `sekisho snapshot save|restore FILE`: a running sekisho writes its whole world to one file or resets to
//! one (through `/_sekisho/snapshot/*`); `save --data-dir DIR` copies a data directory without a server.

use super::explain::request;
use super::{endpoint, option, parse_options};
use std::path::{Path, PathBuf};

const USAGE: &str = "usage: sekisho snapshot save FILE [--endpoint URL | --data-dir DIR]
       sekisho snapshot restore FILE [--endpoint URL]";

pub fn run(args: &[String]) -> Result<(), String> {
    let (options, positional) = parse_options(args, &["endpoint", "data-dir"])?;
    let [action, file] = positional.as_slice() else {
        return Err(USAGE.into());
    };
    let file = absolute(Path::new(file))?;
    match (action.as_str(), option(&options, "data-dir")) {
        ("save", Some(dir)) => {
            let records = sekisho_store::read_snapshot(&Path::new(dir).join(sekisho_store::DB_FILE))?;
            sekisho_store::write_snapshot(&file, &records)?;
            println!("saved {} records to {}", records.len(), file.display());
            Ok(())
        }
        ("save" | "restore", None) => {
            let endpoint = endpoint(&options);
            let path = format!("/_sekisho/snapshot/{action}?path={}", encode(&file.to_string_lossy()));
            let (status, body) = request("POST", &endpoint, &path, "")?;
            if status != 200 {
                return Err(format!("{endpoint} answered {status}: {}", body.trim()));
            }
            println!("{}", body.trim());
            Ok(())
        }
        _ => Err(USAGE.into()),
    }
}

/// The server resolves the path itself, so a relative one is made absolute here, where the user meant it.
fn absolute(path: &Path) -> Result<PathBuf, String> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    Ok(cwd.join(path))
}

/// Percent-encodes a query value (everything but unreserved characters and `/`).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

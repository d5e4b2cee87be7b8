//! The command line: `serve`, `exec`, `profiles`, `explain`, `snapshot`, `mfa code`, `oidc token`. Arguments are
//! few, so they are parsed by hand.

mod exec;
mod explain;
mod identity;
mod profiles;
mod serve;
mod snapshot;

const USAGE: &str = "usage:
  sekisho serve [--host 127.0.0.1] [--port 4566] [--config sekisho.toml] [--data-dir DIR] [--from-snapshot FILE]
  sekisho exec [--endpoint URL] [--profile NAME | --account ID | --instance PROFILE_ARN] -- CMD [ARGS...]
  sekisho snapshot save FILE [--endpoint http://127.0.0.1:4566 | --data-dir DIR]
  sekisho snapshot restore FILE [--endpoint http://127.0.0.1:4566]
  sekisho profiles [ACCOUNT_ID ...] [--endpoint http://127.0.0.1:4566] [--region us-east-1]
  sekisho explain <request-id> [--endpoint http://127.0.0.1:4566]
  sekisho mfa code <serial-number> [--pair] [--endpoint URL]
  sekisho oidc token [--repo OWNER/REPO] [--ref REF] [--environment NAME] [--sub SUBJECT] [--aud AUDIENCE]
                     [--issuer URL] [--expires-in SECONDS] [--endpoint URL]
  sekisho --version";

pub fn run(args: Vec<String>) -> Result<(), String> {
    let Some(command) = args.first() else {
        return Err(USAGE.to_string());
    };
    let rest = &args[1..];
    match command.as_str() {
        "serve" => serve::run(rest),
        "exec" => exec::run(rest),
        "profiles" => profiles::run(rest),
        "explain" => explain::run(rest),
        "mfa" => identity::mfa(rest),
        "oidc" => identity::oidc(rest),
        "snapshot" => snapshot::run(rest),
        "--version" | "version" => {
            println!("sekisho {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        "--help" | "-h" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    }
}

/// Splits `--flag value` options from positional arguments; `flags` lists the options that take a value.
pub fn parse_options(args: &[String], flags: &[&str]) -> Result<(Vec<(String, String)>, Vec<String>), String> {
    let mut options = Vec::new();
    let mut positional = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(name) = a.strip_prefix("--") {
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if !flags.contains(&name) {
                return Err(format!("unknown option --{name}\n{USAGE}"));
            }
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    args.get(i).cloned().ok_or_else(|| format!("--{name} needs a value"))?
                }
            };
            options.push((name.to_string(), value));
        } else {
            positional.push(a.clone());
        }
        i += 1;
    }
    Ok((options, positional))
}

pub fn option<'a>(options: &'a [(String, String)], name: &str) -> Option<&'a str> {
    options.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The endpoint of a running sekisho: `--endpoint`, then `SEKISHO_ENDPOINT`, then the default.
pub fn endpoint(options: &[(String, String)]) -> String {
    option(options, "endpoint")
        .map(str::to_string)
        .or_else(|| std::env::var("SEKISHO_ENDPOINT").ok())
        .unwrap_or_else(|| "http://127.0.0.1:4566".to_string())
}

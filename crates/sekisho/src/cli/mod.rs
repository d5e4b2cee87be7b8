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
  sekisho --version
  sekisho <command> --help";

const SERVE_HELP: &str =
    "usage: sekisho serve [--host 127.0.0.1] [--port 4566] [--config sekisho.toml] [--data-dir DIR]
                     [--from-snapshot FILE]

Runs a multi-account AWS on this machine: every 12-digit account exists on first use, its root user signs
with access key id = the account id and secret `test`. Prints one line when ready,
`sekisho listening on http://HOST:PORT`, and stops cleanly on SIGINT or SIGTERM.
HTTP/1.1 and HTTP/2 (prior knowledge) are served on the same port.

options:
  --host HOST      address to listen on (default 127.0.0.1, or [server] host); off loopback, sekisho's
                   own endpoints need a token, printed on standard error
  --port PORT      port to listen on (default 4566, or [server] port); 0 picks a free one
  --config FILE    sekisho.toml: accounts, limits, clock, Lambda, Bedrock backends (every key optional)
  --data-dir DIR   keep the world in DIR (SQLite; or [storage] dir); without it, everything is in memory
  --from-snapshot FILE
                   start from a snapshot (`sekisho snapshot save`)
  -h, --help       this text

environment:
  SEKISHO_TOKEN    the token for /_sekisho/ and /moto-api/ off loopback";

const PROFILES_HELP: &str =
    "usage: sekisho profiles [ACCOUNT_ID ...] [--endpoint URL] [--region REGION] [--secret SECRET]

Prints AWS CLI profiles (`sekisho-<account>`) for the given accounts (default 111111111111 222222222222).";

const EXPLAIN_HELP: &str = "usage: sekisho explain <request-id> [--endpoint URL]

Prints why sekisho allowed or denied a request: the policies, statements and conditions that decided it.";

pub fn run(args: Vec<String>) -> Result<(), String> {
    let Some(command) = args.first() else {
        return Err(USAGE.to_string());
    };
    let rest = &args[1..];
    // Only sekisho's own options: what follows `--` belongs to the program `exec` runs.
    let own = rest.iter().take_while(|a| *a != "--");
    if own.into_iter().any(|a| a == "--help" || a == "-h") {
        let help = match command.as_str() {
            "serve" => SERVE_HELP,
            "profiles" => PROFILES_HELP,
            "explain" => EXPLAIN_HELP,
            _ => USAGE,
        };
        println!("{help}");
        return Ok(());
    }
    match command.as_str() {
        "serve" => serve::run(rest),
        "exec" => exec::run(rest),
        "profiles" => profiles::run(rest),
        "explain" => explain::run(rest),
        "mfa" => identity::mfa(rest),
        "oidc" => identity::oidc(rest),
        "snapshot" => snapshot::run(rest),
        "--version" | "-V" | "version" => {
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

//! `sekisho exec -- CMD`: runs CMD unchanged with its HTTPS going through the running sekisho's proxy, trusting
//! sekisho's CA, and with the identity asked for; the process becomes CMD, so its status and signals are CMD's.

use super::{endpoint, option, parse_options};
use serde_json::{Value, json};
use std::ffi::OsString;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

const USAGE: &str =
    "usage: sekisho exec [--endpoint URL] [--profile NAME | --account ID | --instance PROFILE_ARN] -- CMD [ARGS...]";
const NODE_PRELOAD: &str = include_str!("exec/node_preload.js");
/// Where the system's trust roots usually are (Debian/Ubuntu, Fedora/RHEL, openSUSE, Alpine/macOS).
const SYSTEM_BUNDLES: [&str; 4] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];
/// Variables naming credentials or a profile, which would beat the identity exec is asked for.
const CREDENTIAL_VARS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
];
/// Credential sources of the instance kind, which would beat (or stand in for) the one exec serves.
const INSTANCE_VARS: [&str; 6] = [
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_EC2_METADATA_DISABLED",
];

/// The identity the program runs as.
#[derive(Debug, PartialEq)]
enum Identity {
    /// Whatever the environment already says.
    Inherited,
    /// An AWS CLI profile (`AWS_PROFILE`), resolved by the program's SDK (static keys, role_arn, ...).
    Profile(String),
    /// An account's root user.
    Account(String),
    /// An instance of an instance profile: no keys, IMDSv2 and the container endpoint instead.
    Instance(String),
}

pub fn run(args: &[String]) -> Result<(), String> {
    let split = args.iter().position(|a| a == "--").ok_or_else(|| USAGE.to_string())?;
    let (options, positional) = parse_options(&args[..split], &["endpoint", "profile", "account", "instance"])?;
    if let Some(p) = positional.first() {
        return Err(format!("unexpected argument {p:?} before --\n{USAGE}"));
    }
    let command = &args[split + 1..];
    let Some(program) = command.first() else {
        return Err(USAGE.to_string());
    };
    let identity = identity(&options)?;
    let endpoint = endpoint(&options);
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".to_string());
    let mut request = json!({ "region": region });
    if let Identity::Instance(profile) = &identity {
        request["instanceProfile"] = json!(profile);
    }
    let (status, body) = super::explain::request("POST", &endpoint, "/_sekisho/exec", &request.to_string())?;
    let answer: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    if status != 200 {
        let message = answer.get("message").and_then(Value::as_str).unwrap_or(body.trim());
        return Err(format!("{endpoint} answered {status}: {message}"));
    }
    let ca_pem = answer.get("caPem").and_then(Value::as_str).ok_or("sekisho sent no CA")?;
    let client = answer.get("client").and_then(Value::as_str).ok_or("sekisho sent no client name")?;
    let dir = private_dir()?;
    let bundle = write_once(&dir, "bundle", "pem", &bundle(ca_pem))?;
    let preload = write_once(&dir, "node-preload", "js", NODE_PRELOAD)?;
    let vars = environment(&endpoint, client, &bundle, &preload, &identity, answer.get("instance"))?;
    let mut cmd = std::process::Command::new(program);
    cmd.args(&command[1..]);
    for (name, value) in vars {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    let err = cmd.exec();
    Err(format!("cannot run {program:?}: {err}"))
}

fn identity(options: &[(String, String)]) -> Result<Identity, String> {
    let given: Vec<Identity> = [
        option(options, "profile").map(|p| Identity::Profile(p.to_string())),
        option(options, "account").map(|a| Identity::Account(a.to_string())),
        option(options, "instance").map(|i| Identity::Instance(i.to_string())),
    ]
    .into_iter()
    .flatten()
    .collect();
    match given.len() {
        0 => Ok(Identity::Inherited),
        1 => {
            let id = given.into_iter().next().ok_or("no identity")?;
            if let Identity::Account(a) = &id
                && !sekisho_core::ids::is_account_id(a)
            {
                return Err(format!("--account: an account id has 12 digits, got {a:?}"));
            }
            Ok(id)
        }
        _ => Err(format!("--profile, --account and --instance exclude each other\n{USAGE}")),
    }
}

/// The variables to set (`Some`) and remove (`None`) for the program.
fn environment(
    endpoint: &str,
    client: &str,
    bundle: &Path,
    preload: &Path,
    identity: &Identity,
    instance: Option<&Value>,
) -> Result<Vec<(String, Option<OsString>)>, String> {
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("endpoint must start with http://: {endpoint}"))?
        .trim_end_matches('/');
    let host = host_of(authority);
    // The client name in the proxy URL tells the proxy which exec'd process a connection comes from.
    let proxy = format!("http://{client}:sekisho@{authority}");
    let mut vars: Vec<(String, Option<OsString>)> = Vec::new();
    let mut set = |k: &str, v: OsString| vars.push((k.to_string(), Some(v)));
    for k in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
        set(k, proxy.clone().into());
    }
    let mut no_proxy = vec!["127.0.0.1", "localhost", "::1"];
    if !no_proxy.contains(&host) {
        no_proxy.push(host);
    }
    for k in ["NO_PROXY", "no_proxy"] {
        set(k, no_proxy.join(",").into());
    }
    for k in ["AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE"] {
        set(k, bundle.as_os_str().to_owned());
    }
    let mut node_options = std::env::var_os("NODE_OPTIONS").unwrap_or_default();
    if !node_options.is_empty() {
        node_options.push(" ");
    }
    node_options.push(format!("--require={}", preload.display()));
    set("NODE_OPTIONS", node_options);
    set("SEKISHO_EXEC_CLIENT", client.into());
    let mut unset = vec!["SSL_CERT_DIR"];
    match identity {
        Identity::Inherited => {}
        Identity::Profile(name) => {
            unset.extend(CREDENTIAL_VARS);
            set("AWS_PROFILE", name.into());
        }
        Identity::Account(id) => {
            unset.extend(CREDENTIAL_VARS);
            let secret = std::env::var("SEKISHO_ROOT_SECRET").unwrap_or_else(|_| "test".to_string());
            set("AWS_ACCESS_KEY_ID", id.into());
            set("AWS_SECRET_ACCESS_KEY", secret.into());
        }
        Identity::Instance(_) => {
            let instance = instance.ok_or("sekisho made no instance")?;
            let token = instance.get("containerToken").and_then(Value::as_str).ok_or("no container token")?;
            unset.extend(CREDENTIAL_VARS);
            unset.extend(INSTANCE_VARS);
            // An instance has no shared credentials or config files; the user's would come first in the chain.
            set("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into());
            set("AWS_CONFIG_FILE", "/dev/null".into());
            set("AWS_EC2_METADATA_SERVICE_ENDPOINT", format!("http://{authority}/_sekisho/imds/{client}/").into());
            set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv4".into());
            set(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("http://{authority}/_sekisho/exec/{client}/credentials").into(),
            );
            set("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.into());
        }
    }
    // Removals first would be undone by a later set of the same name, so they go where no set follows.
    let set_names: Vec<String> = vars.iter().map(|(k, _)| k.clone()).collect();
    for k in unset {
        if !set_names.iter().any(|s| s == k) {
            vars.push((k.to_string(), None));
        }
    }
    Ok(vars)
}

/// The host of `host:port` or `[v6]:port`.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// The trust bundle: the system's roots (so the program still reaches other HTTPS hosts) and sekisho's CA.
fn bundle(ca_pem: &str) -> String {
    let mut out = SYSTEM_BUNDLES.iter().find_map(|p| std::fs::read_to_string(p).ok()).unwrap_or_default();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("# sekisho local CA\n");
    out.push_str(ca_pem);
    out
}

/// `$TMPDIR/sekisho-exec-<uid>`, mode 0700 and ours (a directory another user made there is refused).
fn private_dir() -> Result<PathBuf, String> {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("sekisho-exec-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if !meta.is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o077 != 0 {
        return Err(format!("{} is not a private directory of this user", dir.display()));
    }
    Ok(dir)
}

/// Writes `content` to `<dir>/<stem>-<hash>.<ext>` unless it is there already: the name follows the content,
/// so concurrent runs share files and the directory holds one file per distinct content, not per run.
fn write_once(dir: &Path, stem: &str, ext: &str, content: &str) -> Result<PathBuf, String> {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(content.as_bytes())[..8].iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("{stem}-{hash}.{ext}"));
    if std::fs::read_to_string(&path).is_ok_and(|existing| existing == content) {
        return Ok(path);
    }
    let tmp = dir.join(format!(".{stem}-{hash}.{}", std::process::id()));
    std::fs::write(&tmp, content).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn lookup<'a>(vars: &'a [(String, Option<OsString>)], name: &str) -> Option<&'a Option<OsString>> {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    #[test]
    fn one_identity_at_most() {
        assert_eq!(identity(&opts(&[])).unwrap(), Identity::Inherited);
        assert_eq!(identity(&opts(&[("account", "111111111111")])).unwrap(), Identity::Account("111111111111".into()));
        assert!(identity(&opts(&[("account", "1111")])).is_err());
        assert!(identity(&opts(&[("profile", "a"), ("account", "111111111111")])).is_err());
    }

    #[test]
    fn the_environment_sends_https_through_sekisho_and_trusts_its_ca() {
        let vars = environment(
            "http://127.0.0.1:4566",
            "exec-1",
            Path::new("/b.pem"),
            Path::new("/p.js"),
            &Identity::Profile("dev".into()),
            None,
        )
        .unwrap();
        let proxy = Some(OsString::from("http://exec-1:sekisho@127.0.0.1:4566"));
        for k in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] {
            assert_eq!(lookup(&vars, k), Some(&proxy), "{k}");
        }
        assert_eq!(lookup(&vars, "NO_PROXY"), Some(&Some("127.0.0.1,localhost,::1".into())));
        for k in ["AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"] {
            assert_eq!(lookup(&vars, k), Some(&Some("/b.pem".into())), "{k}");
        }
        assert_eq!(lookup(&vars, "SSL_CERT_DIR"), Some(&None));
        assert_eq!(lookup(&vars, "AWS_PROFILE"), Some(&Some("dev".into())));
        assert_eq!(lookup(&vars, "AWS_ACCESS_KEY_ID"), Some(&None));
    }

    #[test]
    fn an_instance_gets_no_keys_but_the_metadata_endpoints() {
        let instance = json!({"containerToken": "tok"});
        let vars = environment(
            "http://127.0.0.1:4566",
            "exec-1",
            Path::new("/b.pem"),
            Path::new("/p.js"),
            &Identity::Instance("111111111111/web".into()),
            Some(&instance),
        )
        .unwrap();
        assert_eq!(lookup(&vars, "AWS_ACCESS_KEY_ID"), Some(&None));
        assert_eq!(lookup(&vars, "AWS_PROFILE"), Some(&None));
        assert_eq!(
            lookup(&vars, "AWS_EC2_METADATA_SERVICE_ENDPOINT"),
            Some(&Some("http://127.0.0.1:4566/_sekisho/imds/exec-1/".into()))
        );
        assert_eq!(lookup(&vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN"), Some(&Some("tok".into())));
    }

    #[test]
    fn files_are_named_by_their_content() {
        let dir = std::env::temp_dir().join(format!("sekisho-exec-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let a = write_once(&dir, "bundle", "pem", "one").unwrap();
        let again = write_once(&dir, "bundle", "pem", "one").unwrap();
        let b = write_once(&dir, "bundle", "pem", "two").unwrap();
        assert_eq!(a, again);
        assert_ne!(a, b);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "two");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

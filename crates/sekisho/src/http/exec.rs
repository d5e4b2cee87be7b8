//! What `sekisho exec` asks of the running server: the CA to trust and a client name for the proxy URL, and for
//! `--instance` the instance's role credentials, served as EC2's IMDSv2 and the container-credentials endpoint.

use super::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use sekisho_core::door::Call;
use sekisho_core::service::Caller;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// exec'd processes remembered at once; past this the oldest registrations are forgotten (ours).
pub const MAX_CLIENTS: usize = 1024;
/// IMDSv2 session tokens kept per instance; past this the oldest go (ours; AWS documents no count).
const MAX_TOKENS_PER_INSTANCE: usize = 64;
/// IMDSv2's token TTL range, in seconds: "a minimum of one second and a maximum of six hours"
/// (EC2 User Guide, "Use the Instance Metadata Service to access instance metadata").
const TOKEN_TTL_SECONDS: std::ops::RangeInclusive<i64> = 1..=21_600;
/// Instance credentials are renewed when less than this is left. EC2 documents "new credentials available at
/// least five minutes before the expiration of the old credentials" (EC2 User Guide, "IAM roles for Amazon
/// EC2"); we renew a quarter of an hour ahead.
const RENEW_BEFORE_MS: i64 = 15 * 60 * 1000;

#[derive(Default)]
pub struct Registry {
    clients: Mutex<Vec<(String, Arc<Client>)>>,
}

pub struct Client {
    instance: Option<Instance>,
}

struct Instance {
    id: String,
    account: String,
    role_name: String,
    role_arn: String,
    region: String,
    /// The container endpoint's `Authorization` value (`AWS_CONTAINER_AUTHORIZATION_TOKEN`).
    container_token: String,
    /// IMDSv2 tokens and when they expire (epoch ms).
    tokens: Mutex<Vec<(String, i64)>>,
    credentials: tokio::sync::Mutex<Option<Credentials>>,
}

#[derive(Clone)]
struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    token: String,
    expiration_ms: i64,
    issued_ms: i64,
}

impl Registry {
    fn get(&self, name: &str) -> Option<Arc<Client>> {
        let clients = self.clients.lock().ok()?;
        clients.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone())
    }

    fn add(&self, name: String, client: Client) {
        if let Ok(mut clients) = self.clients.lock() {
            if clients.len() >= MAX_CLIENTS {
                clients.remove(0);
            }
            clients.push((name, Arc::new(client)));
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_sekisho/exec", post(register))
        .route("/_sekisho/exec/{client}/credentials", get(container_credentials))
        .route("/_sekisho/imds/{client}/latest/api/token", put(imds_token))
        .route("/_sekisho/imds/{client}/latest/meta-data/{*path}", get(imds_get))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // getrandom fails only without an entropy source, where nothing else here would work either.
    let _ = getrandom::fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], body.into()).into_response()
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// `POST /_sekisho/exec {"instanceProfile": "arn:aws:iam::<account>:instance-profile/<name>", "region": ...}`:
/// the CA, a client name for the proxy URL, and with an instance profile the instance made for it.
async fn register(State(state): State<AppState>, body: Bytes) -> Response {
    let request: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(&body).unwrap_or(Value::Null) };
    if !request.is_object() {
        return json_response(StatusCode::BAD_REQUEST, json!({"message": "the body must be a JSON object"}));
    }
    let ca_pem = match state.proxy.ca_pem() {
        Ok(pem) => pem,
        Err(e) => return json_response(StatusCode::INTERNAL_SERVER_ERROR, json!({ "message": e })),
    };
    let name = format!("exec-{}", random_hex(8));
    let mut answer = json!({ "caPem": ca_pem, "client": name });
    let instance = match request.get("instanceProfile").and_then(Value::as_str) {
        None => None,
        Some(profile) => {
            let region = request.get("region").and_then(Value::as_str).unwrap_or("us-east-1");
            match instance_for(&state, profile, region) {
                Ok(i) => Some(i),
                Err(message) => return json_response(StatusCode::NOT_FOUND, json!({ "message": message })),
            }
        }
    };
    if let Some(i) = &instance {
        answer["instance"] = json!({
            "instanceId": i.id, "roleArn": i.role_arn, "containerToken": i.container_token,
        });
    }
    state.exec.add(name, Client { instance });
    json_response(StatusCode::OK, answer)
}

/// An instance of `profile` (`arn:aws:iam::<account>:instance-profile/<name>` or `<account>/<name>`).
/// Instances come from [vpc] later; until then exec runs "on" a new one made from the profile.
fn instance_for(state: &AppState, profile: &str, region: &str) -> Result<Instance, String> {
    let (account, name) = parse_profile(profile).ok_or_else(|| {
        format!("{profile:?} is not an instance profile ARN (arn:aws:iam::<account>:instance-profile/<name>)")
    })?;
    let world = state.door.world().read();
    let iam = world.accounts.get(&account).map(|a| &a.iam);
    let ip = iam
        .and_then(|iam| iam.instance_profiles.get(&name.to_ascii_lowercase()))
        .ok_or_else(|| format!("Instance profile {name} cannot be found in account {account}."))?;
    let role_name = ip.roles.first().ok_or_else(|| format!("Instance profile {name} has no role."))?;
    let role = iam
        .and_then(|iam| iam.roles.get(&role_name.to_ascii_lowercase()))
        .ok_or_else(|| format!("The role {role_name} of instance profile {name} cannot be found."))?;
    Ok(Instance {
        id: format!("i-{}", &random_hex(9)[..17]),
        account: account.clone(),
        role_name: role.name.clone(),
        role_arn: format!("arn:aws:iam::{account}:role{}{}", role.path, role.name),
        region: region.to_string(),
        container_token: random_hex(24),
        tokens: Mutex::new(Vec::new()),
        credentials: tokio::sync::Mutex::new(None),
    })
}

fn parse_profile(profile: &str) -> Option<(String, String)> {
    let (account, name) = match profile.strip_prefix("arn:aws:iam::") {
        Some(rest) => {
            let (account, resource) = rest.split_once(':')?;
            let path_and_name = resource.strip_prefix("instance-profile/")?;
            (account, path_and_name.rsplit('/').next()?)
        }
        None => profile.split_once('/')?,
    };
    (sekisho_core::ids::is_account_id(account) && !name.is_empty()).then(|| (account.to_string(), name.to_string()))
}

impl Instance {
    /// The role session's keys, assumed as `ec2.amazonaws.com` through the door (session name = the
    /// instance id, as EC2 names it) and renewed ahead of expiry.
    async fn credentials(&self, state: &AppState) -> Result<Credentials, String> {
        let mut held = self.credentials.lock().await;
        let now = state.door.world().clock.now_ms();
        if let Some(c) = held.as_ref()
            && c.expiration_ms - now > RENEW_BEFORE_MS
        {
            return Ok(c.clone());
        }
        let caller = Caller::service("ec2.amazonaws.com", None, Some(self.account.clone()));
        let input = json!({ "RoleArn": self.role_arn, "RoleSessionName": self.id });
        let out = state
            .door
            .call(&caller, Call::new("sts", "AssumeRole", input, &self.region))
            .await
            .map_err(|e| format!("{}: {}", e.code, e.message))?;
        let c = out.body.get("Credentials").ok_or("AssumeRole returned no credentials")?;
        let field = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string).ok_or(format!("no {k}"));
        let expiration_ms = match c.get("Expiration") {
            Some(Value::Number(n)) => n.as_f64().map_or(now, |s| (s * 1000.0) as i64),
            Some(Value::String(s)) => sekisho_wire::timestamp::parse_iso8601(s).map_or(now, |s| (s * 1000.0) as i64),
            _ => now,
        };
        let fresh = Credentials {
            access_key_id: field("AccessKeyId")?,
            secret_access_key: field("SecretAccessKey")?,
            token: field("SessionToken")?,
            expiration_ms,
            issued_ms: now,
        };
        *held = Some(fresh.clone());
        Ok(fresh)
    }
}

fn iso(ms: i64) -> String {
    sekisho_wire::timestamp::format_iso8601((ms / 1000) as f64)
}

/// `GET <AWS_CONTAINER_CREDENTIALS_FULL_URI>` with `Authorization: <token>`: the shape of ECS's task role
/// endpoint (`AccessKeyId`, `Expiration`, `RoleArn`, `SecretAccessKey`, `Token`; ECS Developer Guide,
/// "Amazon ECS task IAM role").
async fn container_credentials(
    State(state): State<AppState>,
    Path(client): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(client) = state.exec.get(&client) else {
        return text(StatusCode::NOT_FOUND, "no instance runs under this exec client");
    };
    let Some(instance) = client.instance.as_ref() else {
        return text(StatusCode::NOT_FOUND, "no instance runs under this exec client");
    };
    let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !super::control::constant_time_eq(presented.trim().as_bytes(), instance.container_token.as_bytes()) {
        return json_response(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}));
    }
    match instance.credentials(&state).await {
        Ok(c) => json_response(
            StatusCode::OK,
            json!({
                "AccessKeyId": c.access_key_id,
                "Expiration": iso(c.expiration_ms),
                "RoleArn": instance.role_arn,
                "SecretAccessKey": c.secret_access_key,
                "Token": c.token,
            }),
        ),
        Err(e) => json_response(StatusCode::INTERNAL_SERVER_ERROR, json!({ "message": e })),
    }
}

/// `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds`: a session token. IMDS refuses a
/// missing or out-of-range TTL with 400 and, to stop tokens from leaving the instance through a proxy, a
/// request carrying `X-Forwarded-For` with 403 (EC2 User Guide, "How Instance Metadata Service Version 2
/// works").
async fn imds_token(State(state): State<AppState>, Path(client): Path<String>, headers: HeaderMap) -> Response {
    let Some(client) = state.exec.get(&client) else {
        return text(StatusCode::NOT_FOUND, "Not Found");
    };
    let Some(instance) = client.instance.as_ref() else {
        return text(StatusCode::NOT_FOUND, "Not Found");
    };
    if headers.contains_key("x-forwarded-for") {
        return text(StatusCode::FORBIDDEN, "Forbidden");
    }
    let ttl = headers
        .get("x-aws-ec2-metadata-token-ttl-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|t| TOKEN_TTL_SECONDS.contains(t));
    let Some(ttl) = ttl else {
        return text(StatusCode::BAD_REQUEST, "Bad Request");
    };
    let now = state.door.world().clock.now_ms();
    let token = base64_token();
    if let Ok(mut tokens) = instance.tokens.lock() {
        tokens.retain(|(_, exp)| *exp > now);
        if tokens.len() >= MAX_TOKENS_PER_INSTANCE {
            tokens.remove(0);
        }
        tokens.push((token.clone(), now + ttl * 1000));
    }
    let mut response = text(StatusCode::OK, token);
    if let Ok(v) = header::HeaderValue::from_str(&ttl.to_string()) {
        response.headers_mut().insert("x-aws-ec2-metadata-token-ttl-seconds", v);
    }
    response
}

fn base64_token() -> String {
    use base64::Engine;
    let mut buf = [0u8; 42];
    let _ = getrandom::fill(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// `GET /latest/meta-data/...` with `X-aws-ec2-metadata-token`. Instances made by exec require tokens
/// (`HttpTokens: required`, the default AWS recommends), so IMDSv1 (no token) gets 401, as does an expired
/// or unknown token.
async fn imds_get(
    State(state): State<AppState>,
    Path((client, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(client) = state.exec.get(&client) else {
        return text(StatusCode::NOT_FOUND, "Not Found");
    };
    let Some(instance) = client.instance.as_ref() else {
        return text(StatusCode::NOT_FOUND, "Not Found");
    };
    let now = state.door.world().clock.now_ms();
    let presented = headers.get("x-aws-ec2-metadata-token").and_then(|v| v.to_str().ok()).map(str::trim);
    let valid = presented.is_some_and(|p| {
        instance.tokens.lock().is_ok_and(|tokens| {
            tokens.iter().any(|(t, exp)| *exp > now && super::control::constant_time_eq(t.as_bytes(), p.as_bytes()))
        })
    });
    if !valid {
        return text(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let path = path.trim_end_matches('/');
    match path {
        "instance-id" => text(StatusCode::OK, instance.id.clone()),
        "placement/region" => text(StatusCode::OK, instance.region.clone()),
        "placement/availability-zone" => text(StatusCode::OK, format!("{}a", instance.region)),
        "iam/security-credentials" => text(StatusCode::OK, instance.role_name.clone()),
        p if p.strip_prefix("iam/security-credentials/").is_some_and(|r| r == instance.role_name) => {
            match instance.credentials(&state).await {
                // The shape EC2 documents ("Retrieve security credentials from instance metadata").
                Ok(c) => json_response(
                    StatusCode::OK,
                    json!({
                        "Code": "Success",
                        "LastUpdated": iso(c.issued_ms),
                        "Type": "AWS-HMAC",
                        "AccessKeyId": c.access_key_id,
                        "SecretAccessKey": c.secret_access_key,
                        "Token": c.token,
                        "Expiration": iso(c.expiration_ms),
                    }),
                ),
                Err(e) => json_response(StatusCode::OK, json!({"Code": "AssumeRoleUnauthorizedAccess", "Message": e})),
            }
        }
        _ => text(StatusCode::NOT_FOUND, "Not Found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_profiles_are_named_by_arn_or_account_and_name() {
        let p = |s| parse_profile(s);
        assert_eq!(p("arn:aws:iam::111111111111:instance-profile/web"), Some(("111111111111".into(), "web".into())));
        assert_eq!(
            p("arn:aws:iam::111111111111:instance-profile/a/b/web"),
            Some(("111111111111".into(), "web".into()))
        );
        assert_eq!(p("111111111111/web"), Some(("111111111111".into(), "web".into())));
        assert_eq!(p("arn:aws:iam::111111111111:role/web"), None);
        assert_eq!(p("web"), None);
        assert_eq!(p("12/web"), None);
    }

    #[test]
    fn registrations_are_bounded() {
        let r = Registry::default();
        for i in 0..=MAX_CLIENTS {
            r.add(format!("c{i}"), Client { instance: None });
        }
        assert!(r.get("c0").is_none());
        assert!(r.get(&format!("c{MAX_CLIENTS}")).is_some());
    }
}

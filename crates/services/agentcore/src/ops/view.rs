//! The output shapes of gateways and targets, as GetGateway / GetGatewayTarget and the List operations
//! answer them (spec AGC-2, AGC-3). Timestamps are epoch seconds (the internal value convention).

use crate::names;
use crate::state::{Gateway, Target};
use serde_json::{Map, Value, json};

fn secs(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

fn put_opt(m: &mut Map<String, Value>, key: &str, v: &Option<impl serde::Serialize>) {
    if let Some(v) = v {
        m.insert(key.into(), json!(v));
    }
}

/// The workload identity AWS creates with every gateway.
fn workload_identity(g: &Gateway, region: &str, account: &str) -> String {
    format!(
        "arn:aws:bedrock-agentcore:{region}:{account}:workload-identity-directory/default/workload-identity/{}",
        g.id
    )
}

pub fn gateway(g: &Gateway, region: &str, account: &str, now_ms: i64) -> Value {
    let mut m = Map::new();
    m.insert("gatewayArn".into(), json!(g.arn));
    m.insert("gatewayId".into(), json!(g.id));
    m.insert("gatewayUrl".into(), json!(names::gateway_url(region, &g.id)));
    m.insert("createdAt".into(), secs(g.created_ms));
    m.insert("updatedAt".into(), secs(g.updated_ms));
    m.insert("status".into(), json!(g.status(now_ms)));
    m.insert("name".into(), json!(g.name));
    put_opt(&mut m, "description", &g.description);
    m.insert("roleArn".into(), json!(g.role_arn));
    m.insert("protocolType".into(), json!(g.protocol_type));
    put_opt(&mut m, "protocolConfiguration", &g.protocol_configuration);
    m.insert("authorizerType".into(), json!(g.authorizer_type));
    put_opt(&mut m, "authorizerConfiguration", &g.authorizer_configuration);
    put_opt(&mut m, "kmsKeyArn", &g.kms_key_arn);
    put_opt(&mut m, "exceptionLevel", &g.exception_level);
    m.insert("workloadIdentityDetails".into(), json!({ "workloadIdentityArn": workload_identity(g, region, account) }));
    Value::Object(m)
}

pub fn gateway_summary(g: &Gateway, now_ms: i64) -> Value {
    let mut m = Map::new();
    m.insert("gatewayId".into(), json!(g.id));
    m.insert("name".into(), json!(g.name));
    m.insert("status".into(), json!(g.status(now_ms)));
    put_opt(&mut m, "description", &g.description);
    m.insert("createdAt".into(), secs(g.created_ms));
    m.insert("updatedAt".into(), secs(g.updated_ms));
    m.insert("authorizerType".into(), json!(g.authorizer_type));
    m.insert("protocolType".into(), json!(g.protocol_type));
    Value::Object(m)
}

pub fn target(g: &Gateway, t: &Target, now_ms: i64) -> Value {
    let mut m = Map::new();
    m.insert("gatewayArn".into(), json!(g.arn));
    m.insert("targetId".into(), json!(t.id));
    m.insert("createdAt".into(), secs(t.created_ms));
    m.insert("updatedAt".into(), secs(t.updated_ms));
    m.insert("status".into(), json!(t.status(now_ms)));
    if let Some(f) = &t.failure {
        m.insert("statusReasons".into(), json!([f]));
    }
    m.insert("name".into(), json!(t.name));
    put_opt(&mut m, "description", &t.description);
    m.insert("targetConfiguration".into(), t.target_configuration.clone());
    m.insert("credentialProviderConfigurations".into(), t.credential_provider_configurations.clone());
    if let Some(ms) = t.last_synchronized_ms {
        m.insert("lastSynchronizedAt".into(), secs(ms));
    }
    Value::Object(m)
}

pub fn target_summary(t: &Target, now_ms: i64) -> Value {
    let mut m = Map::new();
    m.insert("targetId".into(), json!(t.id));
    m.insert("name".into(), json!(t.name));
    m.insert("status".into(), json!(t.status(now_ms)));
    put_opt(&mut m, "description", &t.description);
    m.insert("createdAt".into(), secs(t.created_ms));
    m.insert("updatedAt".into(), secs(t.updated_ms));
    if let Some(ms) = t.last_synchronized_ms {
        m.insert("lastSynchronizedAt".into(), secs(ms));
    }
    Value::Object(m)
}

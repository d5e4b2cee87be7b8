//! Organizations' output shapes from the world's data: Organization, Root, OrganizationalUnit, Account,
//! Policy and PolicySummary, PolicyTargetSummary, Handshake, CreateAccountStatus.

use sekisho_core::organization::{CreateAccountRequest, Handshake, Member, Organization, PolicyView, Unit};
use serde_json::{Map, Value, json};

/// Epoch seconds with milliseconds, as Organizations' timestamps carry them.
pub fn time(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

pub fn organization(org: &Organization) -> Value {
    json!({
        "Id": org.id,
        "Arn": org.organization_arn(),
        "FeatureSet": org.feature_set,
        "MasterAccountArn": org.account_arn(&org.management_account),
        "MasterAccountId": org.management_account,
        "MasterAccountEmail": org.management_email,
        // Deprecated in AWS's API and always this for an organization with all features.
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    })
}

pub fn root(org: &Organization) -> Value {
    let types: Vec<Value> = org.root.policy_types.iter().map(|t| json!({"Type": t, "Status": "ENABLED"})).collect();
    json!({"Id": org.root.id, "Arn": org.root_arn(), "Name": org.root.name, "PolicyTypes": types})
}

pub fn unit(org: &Organization, unit: &Unit) -> Value {
    json!({"Id": unit.id, "Arn": org.unit_arn(&unit.id), "Name": unit.name, "Path": org.path(&unit.id)})
}

pub fn account(org: &Organization, m: &Member) -> Value {
    json!({
        "Id": m.id,
        "Arn": org.account_arn(&m.id),
        "Email": m.email,
        "Name": m.name,
        "Status": "ACTIVE",
        "State": "ACTIVE",
        "JoinedMethod": m.joined_method,
        "JoinedTimestamp": time(m.joined_ms),
    })
}

pub fn policy_summary(p: &PolicyView<'_>) -> Value {
    json!({
        "Id": p.id,
        "Arn": p.arn,
        "Name": p.name,
        "Description": p.description,
        "Type": p.policy_type,
        "AwsManaged": p.aws_managed,
    })
}

pub fn policy(p: &PolicyView<'_>) -> Value {
    json!({"PolicySummary": policy_summary(p), "Content": p.content})
}

/// A root, OU or account as ListTargetsForPolicy lists it.
pub fn target(org: &Organization, id: &str) -> Option<Value> {
    let kind = org.target_kind(id)?;
    Some(json!({
        "TargetId": id,
        "Arn": org.target_arn(id)?,
        "Name": org.target_name(id)?,
        "Type": kind.as_str(),
    }))
}

pub fn handshake(org: &Organization, h: &Handshake) -> Value {
    let organization = vec![
        json!({"Type": "MASTER_EMAIL", "Value": org.management_email}),
        json!({"Type": "MASTER_NAME", "Value": org.management_name}),
        json!({"Type": "ORGANIZATION_FEATURE_SET", "Value": org.feature_set}),
    ];
    let mut resources = vec![
        json!({"Type": "ORGANIZATION", "Value": org.id, "Resources": organization}),
        json!({"Type": "ACCOUNT", "Value": h.account}),
    ];
    if let Some(notes) = &h.notes {
        resources.push(json!({"Type": "NOTES", "Value": notes}));
    }
    json!({
        "Id": h.id,
        "Arn": org.handshake_arn(&h.id),
        "Parties": [
            {"Id": org.id, "Type": "ORGANIZATION"},
            {"Id": h.account, "Type": "ACCOUNT"},
        ],
        "State": h.state,
        "RequestedTimestamp": time(h.requested_ms),
        "ExpirationTimestamp": time(h.expiration_ms),
        "Action": "INVITE",
        "Resources": resources,
    })
}

pub fn create_account_status(r: &CreateAccountRequest) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), json!(r.id));
    m.insert("AccountName".into(), json!(r.account_name));
    m.insert("State".into(), json!(r.state));
    m.insert("RequestedTimestamp".into(), time(r.requested_ms));
    if let Some(done) = r.completed_ms {
        m.insert("CompletedTimestamp".into(), time(done));
    }
    if let Some(id) = &r.account_id {
        m.insert("AccountId".into(), json!(id));
    }
    if let Some(reason) = &r.failure_reason {
        m.insert("FailureReason".into(), json!(reason));
    }
    Value::Object(m)
}

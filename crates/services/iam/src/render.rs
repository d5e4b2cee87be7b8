//! How IAM shows its entities: ARNs with paths, dates, policy documents URL-encoded (RFC 3986) as IAM
//! returns them, and the entity shapes of the model (list views leave out what AWS leaves out).

use sekisho_core::identity::store::{AccountIam, Group, InstanceProfile, ManagedPolicy, Role, Tag, User};
use sekisho_core::managed::AwsManagedPolicy;
use serde_json::{Map, Value, json};

pub fn arn(account: &str, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

/// A date as the internal value convention wants it (epoch seconds); IAM shows whole seconds.
pub fn date(ms: i64) -> Value {
    json!(ms.div_euclid(1000))
}

/// An ISO-8601 text (AWS-managed policy catalog) as epoch seconds.
pub fn date_text(text: &str) -> Value {
    match sekisho_wire::timestamp::parse_iso8601(text) {
        Some(secs) => json!(secs.floor() as i64),
        None => json!(0),
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters, as IAM encodes policy documents
/// (botocore decodes them with `unquote`, so a space must be `%20`, never `+`).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn tags(tags: &[Tag]) -> Value {
    Value::Array(tags.iter().map(|t| json!({"Key": t.key, "Value": t.value})).collect())
}

fn boundary(arn: &Option<String>) -> Option<Value> {
    arn.as_ref().map(|a| json!({"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": a}))
}

/// Which attributes an entity shows: list operations return a subset (no tags, boundary, last use).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum View {
    List,
    Full,
}

pub fn role(account: &str, r: &Role, view: View) -> Value {
    let mut m = Map::new();
    m.insert("Path".into(), json!(r.path));
    m.insert("RoleName".into(), json!(r.name));
    m.insert("RoleId".into(), json!(r.id));
    m.insert("Arn".into(), json!(arn(account, "role", &r.path, &r.name)));
    m.insert("CreateDate".into(), date(r.create_date_ms));
    m.insert("AssumeRolePolicyDocument".into(), json!(url_encode(&r.trust_policy.text)));
    if let Some(d) = &r.description {
        m.insert("Description".into(), json!(d));
    }
    m.insert("MaxSessionDuration".into(), json!(r.max_session_duration));
    if view == View::Full {
        if let Some(b) = boundary(&r.permissions_boundary) {
            m.insert("PermissionsBoundary".into(), b);
        }
        if !r.tags.is_empty() {
            m.insert("Tags".into(), tags(&r.tags));
        }
        let mut last = Map::new();
        if let Some(ms) = r.last_used_ms {
            last.insert("LastUsedDate".into(), date(ms));
        }
        if let Some(region) = &r.last_used_region {
            last.insert("Region".into(), json!(region));
        }
        m.insert("RoleLastUsed".into(), Value::Object(last));
    }
    Value::Object(m)
}

pub fn user(account: &str, u: &User, password_last_used_ms: Option<i64>, view: View) -> Value {
    let mut m = Map::new();
    m.insert("Path".into(), json!(u.path));
    m.insert("UserName".into(), json!(u.name));
    m.insert("UserId".into(), json!(u.id));
    m.insert("Arn".into(), json!(arn(account, "user", &u.path, &u.name)));
    m.insert("CreateDate".into(), date(u.create_date_ms));
    if let Some(ms) = password_last_used_ms {
        m.insert("PasswordLastUsed".into(), date(ms));
    }
    if view == View::Full {
        if let Some(b) = boundary(&u.permissions_boundary) {
            m.insert("PermissionsBoundary".into(), b);
        }
        if !u.tags.is_empty() {
            m.insert("Tags".into(), tags(&u.tags));
        }
    }
    Value::Object(m)
}

pub fn group(account: &str, g: &Group) -> Value {
    json!({
        "Path": g.path,
        "GroupName": g.name,
        "GroupId": g.id,
        "Arn": arn(account, "group", &g.path, &g.name),
        "CreateDate": date(g.create_date_ms),
    })
}

pub fn instance_profile(account: &str, iam: &AccountIam, p: &InstanceProfile, with_tags: bool) -> Value {
    let roles: Vec<Value> = p.roles.iter().filter_map(|n| iam.role(n)).map(|r| role(account, r, View::List)).collect();
    let mut v = json!({
        "Path": p.path,
        "InstanceProfileName": p.name,
        "InstanceProfileId": p.id,
        "Arn": arn(account, "instance-profile", &p.path, &p.name),
        "CreateDate": date(p.create_date_ms),
        "Roles": roles,
    });
    if with_tags {
        v["Tags"] = tags(&p.tags);
    }
    v
}

/// How many users, groups and roles of the account have `arn` attached, and use it as boundary.
pub fn usage(iam: &AccountIam, arn: &str) -> (usize, usize) {
    let attached = iam.users.values().filter(|u| u.attached_policies.iter().any(|a| a == arn)).count()
        + iam.groups.values().filter(|g| g.attached_policies.iter().any(|a| a == arn)).count()
        + iam.roles.values().filter(|r| r.attached_policies.iter().any(|a| a == arn)).count();
    let boundary = iam.users.values().filter(|u| u.permissions_boundary.as_deref() == Some(arn)).count()
        + iam.roles.values().filter(|r| r.permissions_boundary.as_deref() == Some(arn)).count();
    (attached, boundary)
}

pub fn customer_policy(iam: &AccountIam, arn: &str, p: &ManagedPolicy, view: View) -> Value {
    let (attached, boundary) = usage(iam, arn);
    let mut m = Map::new();
    m.insert("PolicyName".into(), json!(p.name));
    m.insert("PolicyId".into(), json!(p.id));
    m.insert("Arn".into(), json!(arn));
    m.insert("Path".into(), json!(p.path));
    m.insert("DefaultVersionId".into(), json!(p.default_version_id));
    m.insert("AttachmentCount".into(), json!(attached));
    m.insert("PermissionsBoundaryUsageCount".into(), json!(boundary));
    m.insert("IsAttachable".into(), json!(true));
    if view == View::Full
        && let Some(d) = &p.description
    {
        m.insert("Description".into(), json!(d));
    }
    m.insert("CreateDate".into(), date(p.create_date_ms));
    m.insert("UpdateDate".into(), date(p.update_date_ms));
    // GetPolicy lists the tags even when there are none.
    if view == View::Full {
        m.insert("Tags".into(), tags(&p.tags));
    }
    Value::Object(m)
}

pub fn aws_policy(iam: &AccountIam, p: &AwsManagedPolicy, view: View) -> Value {
    let (attached, boundary) = usage(iam, &p.arn);
    let mut m = Map::new();
    m.insert("PolicyName".into(), json!(p.name));
    m.insert("PolicyId".into(), json!(p.id));
    m.insert("Arn".into(), json!(p.arn));
    m.insert("Path".into(), json!(p.path));
    m.insert("DefaultVersionId".into(), json!(p.default_version_id));
    m.insert("AttachmentCount".into(), json!(attached));
    m.insert("PermissionsBoundaryUsageCount".into(), json!(boundary));
    m.insert("IsAttachable".into(), json!(p.is_attachable));
    if view == View::Full
        && let Some(d) = &p.description
    {
        m.insert("Description".into(), json!(d));
    }
    m.insert("CreateDate".into(), date_text(&p.create_date));
    m.insert("UpdateDate".into(), date_text(&p.update_date));
    Value::Object(m)
}

/// `{PolicyName, PolicyArn}` of an attached policy (customer managed or AWS managed).
pub fn attached(iam: &AccountIam, arn: &str) -> Value {
    let name = match iam.policies.get(arn) {
        Some(p) => p.name.clone(),
        None => arn.rsplit('/').next().unwrap_or(arn).to_string(),
    };
    json!({"PolicyName": name, "PolicyArn": arn})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_encoded_as_iam_does() {
        assert_eq!(
            url_encode(r#"{"Version": "2012-10-17", "Action": "sts:AssumeRole"}"#),
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Action%22%3A%20%22sts%3AAssumeRole%22%7D"
        );
        assert_eq!(url_encode("a~b_c.d-e\n"), "a~b_c.d-e%0A");
        // Multi-byte characters are encoded byte by byte.
        assert_eq!(url_encode("é"), "%C3%A9");
    }

    #[test]
    fn dates_are_whole_seconds() {
        assert_eq!(date(1_700_000_000_999), json!(1_700_000_000));
        assert_eq!(date_text("2015-04-09T15:03:43Z"), json!(1_428_591_823));
    }
}

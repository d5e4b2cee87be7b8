//! The principals a trust policy names must exist (IAM-9), and a deleted user or role is named by its unique id
//! from then on (IAM-8), so a re-created namesake is not trusted. Accounts themselves exist on first use.

use crate::errors;
use sekisho_core::AwsError;
use sekisho_core::identity::store::{AccountIam, DocKind, PolicyDoc};
use sekisho_core::world::WorldState;
use sekisho_policy::{Policy, PolicyError, PrincipalType};

/// `(account, kind, path, name)` of `arn:aws:iam::<account>:<kind>/<path...>/<name>` for users and roles.
fn iam_entity(arn: &str) -> Option<(&str, &str, String, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if service != "iam" {
        return None;
    }
    let (kind, rest) = resource.split_once('/')?;
    if kind != "user" && kind != "role" {
        return None;
    }
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_string(), rest),
    };
    Some((account, kind, path, name))
}

fn exists(iam: Option<&AccountIam>, kind: &str, path: &str, name: &str) -> bool {
    let Some(iam) = iam else { return false };
    match kind {
        "user" => iam.user(name).is_some_and(|u| u.path == path),
        _ => iam.role(name).is_some_and(|r| r.path == path),
    }
}

/// Refuses a policy that names a user or role that does not exist.
pub fn check(state: &WorldState, policy: &Policy) -> Result<(), AwsError> {
    for p in policy.principals() {
        if p.element_type != PrincipalType::Aws {
            continue;
        }
        if let Some((account, kind, path, name)) = iam_entity(p.value)
            && !exists(state.account(account).map(|a| &a.iam), kind, &path, name)
        {
            return Err(errors::malformed(&PolicyError::invalid_principal(&p)));
        }
    }
    Ok(())
}

/// IAM stores an account named by its bare id (`"AWS": "123456789012"`) as the account's root ARN, and shows it
/// that way in GetRole. `None` when the document names no account by id (it is then kept exactly as given).
pub fn account_ids_as_arns(text: &str) -> Option<String> {
    use serde_json::Value;
    fn fix(v: &mut Value) -> bool {
        match v {
            Value::String(s) if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => {
                *s = format!("arn:aws:iam::{s}:root");
                true
            }
            Value::Array(items) => items.iter_mut().fold(false, |changed, item| fix(item) | changed),
            _ => false,
        }
    }
    let mut doc: Value = serde_json::from_str(text).ok()?;
    let mut changed = false;
    let statements = match doc.get_mut("Statement")? {
        Value::Array(list) => list.iter_mut().collect::<Vec<_>>(),
        one => vec![one],
    };
    for stmt in statements {
        for key in ["Principal", "NotPrincipal"] {
            if let Some(aws) = stmt.get_mut(key).and_then(|p| p.get_mut("AWS")) {
                changed |= fix(aws);
            }
        }
    }
    changed.then(|| doc.to_string())
}

/// After `arn` (a user or role whose unique id was `unique_id`) is deleted, every trust policy that named it
/// names the unique id instead, as IAM stores it: GetRole shows the id and a new entity of the same name does
/// not match.
pub fn forget(state: &mut WorldState, arn: &str, unique_id: &str) {
    let quoted = format!("\"{arn}\"");
    for account in state.accounts_mut() {
        for role in account.iam.roles.values_mut() {
            if !role.trust_policy.text.contains(&quoted) {
                continue;
            }
            let text = role.trust_policy.text.replace(&quoted, &format!("\"{unique_id}\""));
            if let Ok(doc) = PolicyDoc::parse(&text, DocKind::Trust) {
                role.trust_policy = doc;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_arns_split_into_account_kind_path_and_name() {
        assert_eq!(
            iam_entity("arn:aws:iam::111111111111:role/app/x/r"),
            Some(("111111111111", "role", "/app/x/".to_string(), "r"))
        );
        assert_eq!(iam_entity("arn:aws:iam::111111111111:user/u"), Some(("111111111111", "user", "/".into(), "u")));
        assert_eq!(iam_entity("arn:aws:iam::111111111111:root"), None);
        assert_eq!(iam_entity("arn:aws:sts::111111111111:assumed-role/r/s"), None);
    }

    #[test]
    fn account_ids_become_root_arns() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111111111111","arn:aws:iam::222222222222:role/r"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"333333333333"}}}]}"#;
        let fixed = account_ids_as_arns(text).unwrap();
        assert!(fixed.contains(r#""arn:aws:iam::111111111111:root""#), "{fixed}");
        assert!(fixed.contains(r#""aws:SourceAccount":"333333333333""#), "{fixed}");
        assert_eq!(account_ids_as_arns(r#"{"Statement":{"Principal":{"Service":"x"}}}"#), None);
    }

    #[test]
    fn a_deleted_principal_is_named_by_its_unique_id() {
        let mut state = WorldState::default();
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/caller"},"Action":"sts:AssumeRole"}]}"#;
        let doc = PolicyDoc::parse(trust, DocKind::Trust).unwrap();
        state.account_mut("222222222222", 0).iam.roles.insert(
            "target".into(),
            sekisho_core::identity::store::Role {
                name: "target".into(),
                path: "/".into(),
                id: "AROATARGETTARGET0001".into(),
                create_date_ms: 0,
                trust_policy: doc,
                description: None,
                max_session_duration: 3600,
                inline_policies: Default::default(),
                attached_policies: vec![],
                permissions_boundary: None,
                tags: vec![],
                last_used_ms: None,
                last_used_region: None,
            },
        );
        forget(&mut state, "arn:aws:iam::111111111111:role/caller", "AROACALLERCALLER0001");
        let text = &state.account("222222222222").unwrap().iam.role("target").unwrap().trust_policy.text;
        assert!(text.contains(r#""AWS":"AROACALLERCALLER0001""#), "{text}");
    }
}

//! One module per CloudWatch Logs operation, each with its authorization entry (`authorize`) beside its
//! handler (`handle`), and the few helpers they share: typed input, group lookup, authorization context.

pub mod create_log_group;
pub mod create_log_stream;
pub mod delete_log_group;
pub mod delete_log_stream;
pub mod delete_resource_policy;
pub mod delete_retention_policy;
pub mod describe_log_groups;
pub mod describe_log_streams;
pub mod describe_resource_policies;
pub mod filter_log_events;
pub mod get_log_events;
pub mod list_tags_for_resource;
pub mod list_tags_log_group;
pub mod put_log_events;
pub mod put_resource_policy;
pub mod put_retention_policy;
pub mod tag_log_group;
pub mod tag_resource;
pub mod untag_log_group;
pub mod untag_resource;

use crate::errors;
use crate::names::GroupRef;
use crate::state::{LogGroup, LogsState};
use sekisho_core::identity::Identity;
use sekisho_core::service::ResourcePolicy as CheckPolicy;
use sekisho_core::state::Regional;
use sekisho_core::{AwsError, Caller, Check};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub type Store = Regional<LogsState>;

/// The operation's input as its typed shape.
pub fn input<T: DeserializeOwned>(value: &Value) -> Result<T, AwsError> {
    T::deserialize(value).map_err(errors::malformed)
}

/// Runs `f` on an existing log group, or answers that it does not exist.
pub fn with_group<R>(
    store: &Store,
    g: &GroupRef,
    f: impl FnOnce(&mut LogGroup) -> Result<R, AwsError>,
) -> Result<R, AwsError> {
    store.with_existing(&g.account, &g.region, |s| {
        let group = s.and_then(|s| s.log_groups.get_mut(&g.name)).ok_or_else(errors::group_not_found)?;
        f(group)
    })
}

/// Runs `f` on an existing log group without changing it.
pub fn read_group<R>(
    store: &Store,
    g: &GroupRef,
    f: impl FnOnce(&LogGroup) -> Result<R, AwsError>,
) -> Result<R, AwsError> {
    store.read(&g.account, &g.region, |s| {
        let group = s.and_then(|s| s.log_groups.get(&g.name)).ok_or_else(errors::group_not_found)?;
        f(group)
    })
}

/// `aws:ResourceTag/<key>` for each tag of the group, so tag-based conditions see them.
pub fn with_resource_tags(store: &Store, g: &GroupRef, mut check: Check) -> Check {
    let tags = store.read(&g.account, &g.region, |s| {
        s.and_then(|s| s.log_groups.get(&g.name)).map(|lg| lg.tags.clone()).unwrap_or_default()
    });
    for (k, v) in tags {
        check = check.with_context(&format!("aws:ResourceTag/{k}"), v);
    }
    check
}

/// `aws:RequestTag/<key>` for each tag and `aws:TagKeys`, for operations that set tags.
pub fn with_request_tags(mut check: Check, tags: &BTreeMap<String, String>) -> Check {
    if tags.is_empty() {
        return check;
    }
    for (k, v) in tags {
        check = check.with_context(&format!("aws:RequestTag/{k}"), v.clone());
    }
    check.with_context_values("aws:TagKeys", tags.keys().cloned().collect())
}

/// For service principals (log delivery), the account's and the group's resource policies take part in the
/// decision as one document; AWS ignores them for other principals.
pub fn with_resource_policies(store: &Store, caller: &Caller, g: &GroupRef, check: Check) -> Check {
    if !matches!(caller.identity, Identity::Service { .. }) {
        return check;
    }
    let documents: Vec<String> = store.read(&g.account, &g.region, |s| {
        let Some(s) = s else { return Vec::new() };
        let account = s.resource_policies.values();
        let group = s.log_groups.get(&g.name).and_then(|lg| lg.resource_policy.as_ref());
        account.chain(group).map(|p| p.policy_document.clone()).collect()
    });
    let statements: Vec<Value> = documents
        .iter()
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .flat_map(|d| match d.get("Statement") {
            Some(Value::Array(list)) => list.clone(),
            Some(one @ Value::Object(_)) => vec![one.clone()],
            _ => Vec::new(),
        })
        .collect();
    if statements.is_empty() {
        return check;
    }
    let text = json!({ "Version": "2012-10-17", "Statement": statements }).to_string();
    // Documents were validated when stored; a merged one that no longer parses grants nothing.
    let Ok(policy) = sekisho_core::policy::Policy::parse(&text, sekisho_core::policy::PolicyKind::Resource) else {
        return check;
    };
    check.with_resource_policy(CheckPolicy::Document {
        owner: g.account.clone(),
        id: format!("CloudWatch Logs resource policies of {}", g.account),
        policy: std::sync::Arc::new(policy),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::own_group;
    use crate::state::ResourcePolicy as StoredPolicy;

    fn policy(name: &str, statement: Value) -> StoredPolicy {
        StoredPolicy {
            policy_name: name.into(),
            policy_document: json!({"Version": "2012-10-17", "Statement": statement}).to_string(),
            last_updated_time: 0,
            resource_arn: None,
            revision_id: None,
        }
    }

    #[test]
    fn service_principals_are_judged_with_every_resource_policy() {
        let store = Store::default();
        let root = Caller::new(Identity::Root { account: "111111111111".into() });
        let g = own_group(&root, "us-east-1", "g");
        store.with("111111111111", "us-east-1", |s| {
            let allow = json!({"Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
                               "Action": "logs:PutLogEvents", "Resource": "*"});
            s.resource_policies.insert("a".into(), policy("a", json!([allow])));
            s.resource_policies.insert(
                "b".into(),
                policy("b", json!({"Effect": "Deny", "Principal": "*", "Action": "logs:*", "Resource": "*"})),
            );
            let mut group = LogGroup::new("g", 0);
            group.resource_policy = Some(policy(
                "c",
                json!([{"Effect": "Allow", "Principal": "*", "Action": "logs:CreateLogStream", "Resource": "*"}]),
            ));
            s.log_groups.insert("g".into(), group);
        });
        let check = || Check::new("logs:PutLogEvents", g.stream_arn("s"));

        assert!(with_resource_policies(&store, &root, &g, check()).resource_policy.is_none(), "not for IAM principals");
        let svc = Caller::service("delivery.logs.amazonaws.com", None, Some("111111111111".into()));
        let Some(CheckPolicy::Document { owner, policy, .. }) =
            with_resource_policies(&store, &svc, &g, check()).resource_policy
        else {
            panic!("a service principal's check carries the policies");
        };
        assert_eq!(owner, "111111111111");
        let doc: Value = serde_json::from_str(policy.text()).unwrap_or_default();
        assert_eq!(doc["Statement"].as_array().map(Vec::len), Some(3));

        let empty = own_group(&root, "us-east-1", "other-account-group");
        let other = GroupRef { account: "999999999999".into(), ..empty };
        assert!(with_resource_policies(&store, &svc, &other, check()).resource_policy.is_none());
    }
}

#[cfg(test)]
mod tag_context_tests {
    use super::*;
    use crate::names::GroupRef;

    #[test]
    fn tag_condition_keys() {
        let store = Store::default();
        let g = GroupRef { account: "111111111111".into(), region: "us-east-1".into(), name: "g".into() };
        store.with("111111111111", "us-east-1", |s| {
            let mut group = LogGroup::new("g", 0);
            group.tags.insert("team".into(), "a".into());
            s.log_groups.insert("g".into(), group);
        });
        let check = with_resource_tags(&store, &g, Check::new("logs:DeleteLogGroup", g.authz_resource()));
        assert_eq!(check.context, [("aws:ResourceTag/team".to_string(), vec!["a".to_string()])]);

        let tags = BTreeMap::from([("cost".to_string(), "1".to_string()), ("env".to_string(), "dev".to_string())]);
        let check = with_request_tags(Check::new("logs:TagResource", g.arn()), &tags);
        assert_eq!(
            check.context,
            [
                ("aws:RequestTag/cost".to_string(), vec!["1".to_string()]),
                ("aws:RequestTag/env".to_string(), vec!["dev".to_string()]),
                ("aws:TagKeys".to_string(), vec!["cost".to_string(), "env".to_string()]),
            ]
        );
        assert!(with_request_tags(Check::new("logs:CreateLogGroup", "*"), &BTreeMap::new()).context.is_empty());
    }
}

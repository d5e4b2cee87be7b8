//! DescribeLogGroups: the account's log groups in ASCII order, filtered by name prefix, name pattern
//! (case-sensitive substring), class or identifiers, a page at a time.

use super::{Store, input};
use crate::errors;
use crate::names::{GroupRef, group_arn_star, home_account, parse_group_arn};
use crate::paging;
use crate::state::LogGroup;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde::Deserialize;
use serde_json::{Map, Value, json};

const DEFAULT_LIMIT: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<usize>,
    log_group_class: Option<String>,
    log_group_identifiers: Option<Vec<String>>,
}

pub fn authorize(_store: &Store, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    // AWS authorizes the listing on a log group ARN with an empty name.
    let g = GroupRef { account: home_account(req.caller), region: req.region.to_string(), name: String::new() };
    Ok(vec![Check::new("logs:DescribeLogGroups", g.authz_resource())])
}

pub fn handle(store: &Store, ctx: &OpContext, value: &Value) -> Result<Output, AwsError> {
    let i: Input = input(value)?;
    if i.log_group_name_prefix.is_some() && i.log_group_name_pattern.is_some() {
        return Err(errors::invalid_parameter(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    let after = i.next_token.as_deref().map(paging::decode).transpose()?;
    let limit = i.limit.unwrap_or(DEFAULT_LIMIT).max(1);
    let account = home_account(&ctx.caller);
    let identifiers: Option<Vec<String>> = i.log_group_identifiers.map(|ids| {
        ids.iter()
            .filter_map(|id| match parse_group_arn(id) {
                Ok(g) if g.account == account && g.region == ctx.region => Some(g.name),
                Ok(_) => None,
                Err(_) => Some(id.clone()),
            })
            .collect()
    });
    // Asking for either of the cheaper classes returns both (documented).
    let classes: Option<&[&str]> = i.log_group_class.as_deref().map(|c| match c {
        "INFREQUENT_ACCESS" | "ESSENTIALS" => &["INFREQUENT_ACCESS", "ESSENTIALS"][..],
        "STANDARD" => &["STANDARD"][..],
        "DELIVERY" => &["DELIVERY"][..],
        _ => &[][..],
    });
    let by_pattern = i.log_group_name_pattern.is_some();
    store.read(&account, &ctx.region, |s| {
        let groups = s.map(|s| &s.log_groups);
        let mut matching = groups.into_iter().flat_map(|m| m.values()).filter(|lg| {
            after.as_ref().is_none_or(|a| lg.name.as_str() > a.as_str())
                && i.log_group_name_prefix.as_ref().is_none_or(|p| lg.name.starts_with(p.as_str()))
                && i.log_group_name_pattern.as_ref().is_none_or(|p| lg.name.contains(p.as_str()))
                && classes.is_none_or(|c| c.contains(&lg.log_group_class.as_str()))
                && identifiers.as_ref().is_none_or(|ids| ids.contains(&lg.name))
        });
        let page: Vec<&LogGroup> = matching.by_ref().take(limit).collect();
        let mut out = Map::new();
        let g = |name: &str| GroupRef { account: account.clone(), region: ctx.region.clone(), name: name.to_string() };
        out.insert("logGroups".into(), page.iter().map(|lg| group_json(&g(&lg.name), lg, by_pattern)).collect());
        if let (Some(last), Some(_)) = (page.last(), matching.next()) {
            out.insert("nextToken".into(), paging::encode(&last.name).into());
        }
        Ok(Output::new(Value::Object(out)))
    })
}

/// A `LogGroup` as DescribeLogGroups prints it. With a name pattern AWS returns a reduced set of members.
pub fn group_json(g: &GroupRef, lg: &LogGroup, reduced: bool) -> Value {
    let arn = g.arn();
    let mut v = json!({
        "logGroupName": lg.name,
        "creationTime": lg.creation_time,
        "metricFilterCount": 0,
        "arn": group_arn_star(&arn),
        "logGroupClass": lg.log_group_class,
        "logGroupArn": arn,
    });
    if reduced {
        return v;
    }
    let o = v.as_object_mut().expect("built as an object above");
    if let Some(days) = lg.retention_in_days {
        o.insert("retentionInDays".into(), days.into());
    }
    o.insert("storedBytes".into(), lg.stored_bytes().into());
    if let Some(k) = &lg.kms_key_id {
        o.insert("kmsKeyId".into(), k.clone().into());
    }
    o.insert("deletionProtectionEnabled".into(), lg.deletion_protection_enabled.into());
    v
}

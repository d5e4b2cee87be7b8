//! Reading a policy document: IAM's checks in IAM's order, each failing with IAM's message.
//! Order: syntax, version, principal presence, legacy parsing, Sid, actions, resources, action prefixes, kind rules.

use crate::action::ActionMatcher;
use crate::ast::{Effect, PolicyInner, PolicyKind, PrincipalElement, ResourcePattern, Statement, Version};
use crate::condition::{Condition, Operator};
use crate::err::{PolicyError, msg};
use crate::glob::Glob;
use crate::json::{self, Json, Value};
use crate::principal::{PrincipalSet, PrincipalType, classify_aws};
use crate::validate::{check_action_prefix, legacy_resource_ok, resource_format_error};
use crate::values::parse_date;
use crate::vars::{Template, VarGlob};

type Result<T> = std::result::Result<T, PolicyError>;

fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(PolicyError::new(message))
}

fn syntax<T>() -> Result<T> {
    fail(msg::SYNTAX)
}

/// A statement after the syntax check: every element has the right JSON shape.
struct Raw<'j> {
    node: &'j Json,
    sid: Option<&'j str>,
    effect: &'j str,
    principal: Option<(&'j Json, bool)>,
    action: Option<(Vec<&'j str>, bool)>,
    resource: Option<(Vec<&'j str>, bool)>,
    conditions: Vec<RawCondition<'j>>,
}

struct RawCondition<'j> {
    operator: &'j str,
    op: Option<Operator>,
    entries: Vec<(&'j str, Vec<String>)>,
}

pub(crate) fn parse(text: &str, kind: PolicyKind) -> Result<PolicyInner> {
    let Ok(root) = json::parse(text) else {
        return syntax();
    };
    let field_errors = kind == PolicyKind::RoleTrust;
    let Some(members) = root.as_object() else {
        return syntax();
    };
    let (mut version, mut id, mut statement) = (None, None, None);
    for (k, v) in members {
        match k.as_str() {
            "Version" => version = Some(v),
            "Id" => id = Some(v),
            "Statement" => statement = Some(v),
            other => return unknown_field(other, field_errors),
        }
    }
    let version = match version.map(|v| v.as_str()) {
        None => Version::V2008_10_17,
        Some(Some("2008-10-17")) => Version::V2008_10_17,
        Some(Some("2012-10-17")) => Version::V2012_10_17,
        Some(_) => return syntax(),
    };
    let id = match id {
        None => None,
        Some(v) => match v.as_str() {
            Some(s) => Some(s.to_string()),
            None => return syntax(),
        },
    };
    let Some(statement) = statement else {
        return syntax();
    };
    let nodes: Vec<&Json> = match &statement.value {
        Value::Object(_) => vec![statement],
        Value::Array(items) if !items.is_empty() => items.iter().collect(),
        _ => return syntax(),
    };
    let raws = nodes.into_iter().map(|n| raw_statement(n, field_errors)).collect::<Result<Vec<_>>>()?;

    if matches!(kind, PolicyKind::ManagedIdentity | PolicyKind::PermissionsBoundary) && version != Version::V2012_10_17
    {
        return fail(msg::VERSION_TOO_OLD);
    }
    if kind.is_identity_like() && raws.iter().any(|r| r.principal.is_some()) {
        return fail(msg::PRINCIPAL_NOT_ALLOWED);
    }
    let resource_error = legacy_parsing(&raws)?;
    check_sids(&raws, kind)?;
    if raws.iter().any(|r| r.action.as_ref().is_none_or(|(a, _)| a.is_empty())) {
        return fail(msg::MISSING_ACTIONS);
    }
    if let Some(e) = resource_error {
        return fail(e);
    }
    let resources_required = kind.is_identity_like() && kind != PolicyKind::Scp;
    if resources_required && raws.iter().any(|r| r.resource.as_ref().is_none_or(|(v, _)| v.is_empty())) {
        return fail(msg::MISSING_RESOURCES);
    }
    for r in &raws {
        for a in r.action.iter().flat_map(|(a, _)| a) {
            check_action_prefix(a)?;
        }
    }
    kind_rules(&raws, kind)?;

    let variables = version == Version::V2012_10_17;
    let statements = raws.iter().enumerate().map(|(i, r)| compile(i, r, variables)).collect::<Result<Vec<_>>>()?;
    Ok(PolicyInner { text: text.to_string(), kind, version, id, statements })
}

fn unknown_field<T>(field: &str, field_errors: bool) -> Result<T> {
    if field_errors { fail(msg::unknown_field(field)) } else { syntax() }
}

/// A string, or a non-empty-or-empty array of strings (emptiness is judged later).
fn string_list(v: &Json) -> Result<Vec<&str>> {
    match &v.value {
        Value::String(s) => Ok(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(|i| i.as_str().map_or_else(syntax, Ok)).collect(),
        _ => syntax(),
    }
}

/// Condition values may be strings, numbers or booleans (alone or in an array).
fn condition_values(v: &Json) -> Result<Vec<String>> {
    fn scalar(v: &Json) -> Result<String> {
        match &v.value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.clone()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => syntax(),
        }
    }
    match &v.value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        _ => Ok(vec![scalar(v)?]),
    }
}

fn raw_statement(node: &Json, field_errors: bool) -> Result<Raw<'_>> {
    let Some(members) = node.as_object() else {
        return syntax();
    };
    let mut raw =
        Raw { node, sid: None, effect: "", principal: None, action: None, resource: None, conditions: Vec::new() };
    let mut effect = None;
    for (k, v) in members {
        match k.as_str() {
            "Sid" => raw.sid = Some(v.as_str().map_or_else(syntax, Ok)?),
            "Effect" => effect = Some(v.as_str().map_or_else(syntax, Ok)?),
            "Principal" | "NotPrincipal" => {
                if raw.principal.is_some() {
                    return syntax();
                }
                check_principal_shape(v)?;
                raw.principal = Some((v, k == "NotPrincipal"));
            }
            "Action" | "NotAction" => {
                if raw.action.is_some() {
                    return syntax();
                }
                raw.action = Some((string_list(v)?, k == "NotAction"));
            }
            "Resource" | "NotResource" => {
                if raw.resource.is_some() {
                    return syntax();
                }
                raw.resource = Some((string_list(v)?, k == "NotResource"));
            }
            "Condition" => raw.conditions = raw_conditions(v)?,
            other => return unknown_field(other, field_errors),
        }
    }
    match effect {
        Some(e) if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") => raw.effect = e,
        _ => return syntax(),
    }
    Ok(raw)
}

fn check_principal_shape(v: &Json) -> Result<()> {
    match &v.value {
        Value::String(s) if s == "*" => Ok(()),
        Value::Object(members) if !members.is_empty() => {
            for (k, val) in members {
                if !matches!(k.as_str(), "AWS" | "Service" | "Federated" | "CanonicalUser") {
                    return syntax();
                }
                string_list(val)?;
            }
            Ok(())
        }
        _ => syntax(),
    }
}

fn raw_conditions(v: &Json) -> Result<Vec<RawCondition<'_>>> {
    let Some(blocks) = v.as_object() else {
        return syntax();
    };
    let mut out = Vec::new();
    for (operator, body) in blocks {
        let Some(entries) = body.as_object() else {
            return syntax();
        };
        let op = Operator::parse(operator);
        if op.is_none() && !entries.is_empty() {
            return syntax();
        }
        let entries = entries
            .iter()
            .map(|(key, vals)| Ok((key.as_str(), condition_values(vals)?)))
            .collect::<Result<Vec<_>>>()?;
        out.push(RawCondition { operator, op, entries });
    }
    Ok(out)
}

/// IAM's "legacy parsing": exact `Effect` spelling, readable dates, ARNs with enough parts. Also collects the
/// first resource format error, which IAM reports only after the Sid and action checks.
fn legacy_parsing(raws: &[Raw<'_>]) -> Result<Option<String>> {
    for r in raws {
        if r.effect != "Allow" && r.effect != "Deny" {
            return fail(msg::LEGACY_PARSING);
        }
        for c in &r.conditions {
            if c.op.is_some_and(|o| o.is_date())
                && c.entries.iter().flat_map(|(_, v)| v).any(|d| parse_date(d).is_none())
            {
                return fail(msg::LEGACY_PARSING);
            }
        }
    }
    let mut first_error: Option<String> = None;
    for r in raws {
        let Some((resources, _)) = &r.resource else {
            continue;
        };
        for res in resources {
            if first_error.is_none() {
                first_error = resource_format_error(res);
            }
        }
        if first_error.is_none() && !resources.iter().all(|res| legacy_resource_ok(res)) {
            return fail(msg::LEGACY_PARSING);
        }
    }
    Ok(first_error)
}

fn check_sids(raws: &[Raw<'_>], kind: PolicyKind) -> Result<()> {
    if kind.is_identity_like()
        && raws.iter().filter_map(|r| r.sid).any(|s| !s.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return fail(msg::SID_NOT_ALPHANUMERIC);
    }
    let sids: Vec<&str> = raws.iter().filter_map(|r| r.sid).filter(|s| !s.is_empty()).collect();
    for (i, s) in sids.iter().enumerate() {
        if sids[..i].contains(s) {
            return fail(msg::DUPLICATE_SID);
        }
    }
    Ok(())
}

fn kind_rules(raws: &[Raw<'_>], kind: PolicyKind) -> Result<()> {
    if kind == PolicyKind::RoleTrust {
        for r in raws {
            for a in r.action.iter().flat_map(|(a, _)| a) {
                let lower = a.to_ascii_lowercase();
                let sts = lower == "*" || lower.split_once(':').is_some_and(|(svc, _)| Glob::new(svc).matches("sts"));
                if !sts {
                    return fail(msg::TRUST_ACTIONS);
                }
            }
        }
        if raws.iter().any(|r| r.resource.is_some()) {
            return fail(msg::PROHIBITED_RESOURCE);
        }
    }
    if kind.needs_principal() && raws.iter().any(|r| r.principal.is_none()) {
        return fail(msg::MISSING_PRINCIPAL);
    }
    for r in raws {
        let Some((p, not_principal)) = r.principal else {
            continue;
        };
        if kind == PolicyKind::RoleTrust {
            if not_principal {
                return fail(msg::TRUST_NOT_PRINCIPAL);
            }
            if p.as_str() == Some("*") {
                return fail(msg::trust_invalid_principal(PrincipalType::Star, "*"));
            }
        }
        principal_set(p)?;
    }
    Ok(())
}

fn principal_type(key: &str) -> PrincipalType {
    match key {
        "AWS" => PrincipalType::Aws,
        "Service" => PrincipalType::Service,
        "Federated" => PrincipalType::Federated,
        _ => PrincipalType::CanonicalUser,
    }
}

/// Compiles a principal element whose shape was already checked; refuses values of a form IAM never accepts.
fn principal_set(v: &Json) -> Result<PrincipalSet> {
    let mut set = PrincipalSet::default();
    let Some(members) = v.as_object() else {
        set.star = true;
        set.written.push((PrincipalType::Star, "*".into()));
        return Ok(set);
    };
    for (k, vals) in members {
        let t = principal_type(k);
        for value in string_list(vals)? {
            let bad = || fail(msg::invalid_principal(t, value));
            match t {
                PrincipalType::Aws => match classify_aws(value) {
                    Some(p) => set.aws.push(p),
                    None => return bad(),
                },
                PrincipalType::Service => {
                    if value.is_empty() || value.contains(char::is_whitespace) {
                        return bad();
                    }
                    set.service.push(value.into());
                }
                PrincipalType::Federated => {
                    if value.is_empty() {
                        return bad();
                    }
                    set.federated.push(value.into());
                }
                PrincipalType::CanonicalUser | PrincipalType::Star => {
                    if value.is_empty() {
                        return bad();
                    }
                }
            }
            set.written.push((t, value.into()));
        }
    }
    Ok(set)
}

fn compile(index: usize, r: &Raw<'_>, variables: bool) -> Result<Statement> {
    let effect = if r.effect == "Allow" { Effect::Allow } else { Effect::Deny };
    let principal = match r.principal {
        Some((p, false)) => Some(PrincipalElement::Principal(principal_set(p)?)),
        Some((p, true)) => Some(PrincipalElement::NotPrincipal(principal_set(p)?)),
        None => None,
    };
    let (actions, not_action) = r.action.clone().unwrap_or_default();
    let (resources, not_resource) = match &r.resource {
        Some((list, neg)) => (Some(list.clone()), *neg),
        None => (None, false),
    };
    let compiled_resources = resources.as_ref().map(|list| {
        list.iter()
            .map(|res| {
                let t = Template::parse(res, variables);
                match t.as_static() {
                    Some(s) => ResourcePattern::Fixed(Glob::new(s)),
                    None => ResourcePattern::Variable(VarGlob::new(&t)),
                }
            })
            .collect()
    });
    let mut conditions = Vec::new();
    for c in &r.conditions {
        let Some(op) = c.op else {
            continue;
        };
        for (key, values) in &c.entries {
            conditions.push(Condition::new(c.operator, op, key, values.clone(), variables));
        }
    }
    Ok(Statement {
        index,
        sid: r.sid.map(str::to_string),
        effect,
        principal,
        not_action,
        actions: ActionMatcher::new(actions.iter().copied()),
        actions_written: actions.iter().map(|s| s.to_string()).collect(),
        not_resource,
        resources: compiled_resources,
        resources_written: resources.unwrap_or_default().iter().map(|s| s.to_string()).collect(),
        conditions,
        start: r.node.start,
        end: r.node.end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(doc: &str, kind: PolicyKind) -> String {
        match parse(doc, kind) {
            Ok(_) => "ok".to_string(),
            Err(e) => e.message().to_string(),
        }
    }

    #[test]
    fn stage_order_matches_iam() {
        let id = PolicyKind::ManagedIdentity;
        assert_eq!(err("not json", id), msg::SYNTAX);
        assert_eq!(
            err(r#"{"Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#, id),
            msg::VERSION_TOO_OLD
        );
        assert_eq!(
            err(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"invalid"}}"#, id),
            msg::MISSING_RESOURCES
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s:3:ListBucket","Resource":"sdfsadf"}}"#,
                id
            ),
            "Resource sdfsadf must be in ARN format or \"*\"."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3s:ListBucket","Resource":"a:bsdfdsafsad"}}"#,
                id
            ),
            "Partition \"bsdfdsafsad\" is not valid for resource \"arn:bsdfdsafsad:*:*:*:*\"."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"aws:s3:::example_bucket"}}"#,
                id
            ),
            "Partition \"s3\" is not valid for resource \"arn:s3:::example_bucket:*\"."
        );
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
        // Nesting is bounded by the JSON reader (json::MAX_DEPTH); IAM answers a document it cannot read
        // with "Syntax errors in policy." whatever the reason [inf for the depth].
        for depth in [100, 100_000] {
            let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{{"StringEquals":{{"k":{nested}}}}}}}}}"#
            );
            let e = parse(&doc, PolicyKind::Identity).map(|_| ()).unwrap_err();
            assert_eq!((e.code(), e.message()), ("MalformedPolicyDocument", msg::SYNTAX));
        }
    }

    #[test]
    fn trust_policy_rules() {
        let t = PolicyKind::RoleTrust;
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#,
                t
            ),
            "AssumeRolepolicy contained an invalid principal: \"STAR\":\"*\"."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}]}"#,
                t
            ),
            msg::PROHIBITED_RESOURCE
        );
        assert_eq!(err(r#"{"probe":"x"}"#, t), "Unknown field probe");
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"states.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
                t
            ),
            "ok"
        );
    }
}

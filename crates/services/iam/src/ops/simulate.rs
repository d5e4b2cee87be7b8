//! IAM's policy simulator: SimulateCustomPolicy and SimulatePrincipalPolicy over `sekisho_policy::simulate`
//! (the same evaluator the door uses), and GetContextKeysFor{Custom,Principal}Policy.

use crate::input::Input;
use crate::{authz, errors, lookup, state};
use sekisho_core::identity::store::AccountIam;
use sekisho_core::managed;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext};
use sekisho_policy::{
    Context, EvaluationResult, Policy, PolicyKind, PolicyRef, PolicySource, Principal, Request, SimulatedStatement,
};
use serde_json::{Map, Value, json};

/// The policies taking part in a simulation, owned, with the ids the simulator reports them by.
#[derive(Default)]
struct Policies {
    identity: Vec<(String, PolicySource, Policy)>,
    boundary: Option<(String, Policy)>,
    resource: Option<Policy>,
}

fn parse_input(text: &str, kind: PolicyKind) -> Result<Policy, AwsError> {
    Policy::parse(text, kind).map_err(|e| errors::invalid_input(e.message().to_string()))
}

fn add_inputs(p: &mut Policies, input: Input<'_>) -> Result<(), AwsError> {
    for (i, text) in input.strings("PolicyInputList").iter().enumerate() {
        p.identity.push((
            format!("PolicyInputList.{}", i + 1),
            PolicySource::InlineUser,
            parse_input(text, PolicyKind::Identity)?,
        ));
    }
    if let Some(text) = input.strings("PermissionsBoundaryPolicyInputList").first() {
        p.boundary =
            Some(("PermissionsBoundaryPolicyInputList.1".into(), parse_input(text, PolicyKind::PermissionsBoundary)?));
    }
    if let Some(text) = input.opt_str("ResourcePolicy") {
        p.resource = Some(parse_input(text, PolicyKind::Resource)?);
    }
    Ok(())
}

fn managed_policy(iam: &AccountIam, arn: &str) -> Option<(String, PolicySource, Policy)> {
    if let Some(p) = iam.policies.get(arn) {
        let doc = p.default_document()?;
        return Some((p.name.clone(), PolicySource::Managed, (*doc.policy).clone()));
    }
    let p = managed::get(arn)?;
    Some((p.name.clone(), PolicySource::AwsManaged, (*p.policy()?).clone()))
}

/// The entity's own policies (and for users, their groups').
fn entity_policies(iam: &AccountIam, arn: &str, p: &mut Policies) -> Result<Principal, AwsError> {
    let (kind, name) = arn
        .split_once(':')
        .and_then(|_| arn.splitn(6, ':').nth(5))
        .and_then(|r| r.split_once('/'))
        .map(|(k, rest)| (k, rest.rsplit('/').next().unwrap_or(rest)))
        .ok_or_else(|| errors::invalid_input(format!("Invalid ARN: Could not be parsed! ARN: {arn}")))?;
    let boundary = |b: &Option<String>, p: &mut Policies| {
        if let Some((id, _, policy)) = b.as_deref().and_then(|b| managed_policy(iam, b)) {
            p.boundary = Some((id, policy));
        }
    };
    match kind {
        "user" => {
            let u = lookup::user(iam, name)?;
            for (n, d) in &u.inline_policies {
                p.identity.push((n.clone(), PolicySource::InlineUser, (*d.policy).clone()));
            }
            p.identity.extend(u.attached_policies.iter().filter_map(|a| managed_policy(iam, a)));
            for g in u.groups.iter().filter_map(|g| iam.group(g)) {
                for (n, d) in &g.inline_policies {
                    p.identity.push((n.clone(), PolicySource::InlineGroup, (*d.policy).clone()));
                }
                p.identity.extend(g.attached_policies.iter().filter_map(|a| managed_policy(iam, a)));
            }
            boundary(&u.permissions_boundary, p);
            Ok(Principal::user(arn, Some(&u.id)))
        }
        "role" => {
            let r = lookup::role(iam, name)?;
            for (n, d) in &r.inline_policies {
                p.identity.push((n.clone(), PolicySource::InlineRole, (*d.policy).clone()));
            }
            p.identity.extend(r.attached_policies.iter().filter_map(|a| managed_policy(iam, a)));
            boundary(&r.permissions_boundary, p);
            Ok(Principal::assumed_role(arn, "simulation", Some(&r.id)))
        }
        "group" => {
            let g = lookup::group(iam, name)?;
            for (n, d) in &g.inline_policies {
                p.identity.push((n.clone(), PolicySource::InlineGroup, (*d.policy).clone()));
            }
            p.identity.extend(g.attached_policies.iter().filter_map(|a| managed_policy(iam, a)));
            Ok(Principal::user(arn, Some(&g.id)))
        }
        _ => Err(errors::invalid_input(format!("Invalid ARN: Could not be parsed! ARN: {arn}"))),
    }
}

fn context(input: Input<'_>, principal: &Principal) -> Context {
    let mut ctx = Context::new().with_principal(principal);
    for entry in input.objects("ContextEntries") {
        if let Some(key) = entry.opt_str("ContextKeyName") {
            ctx.insert_values(key, entry.strings("ContextKeyValues"));
        }
    }
    ctx
}

/// The principal of SimulateCustomPolicy: `CallerArn` when given, else a user of the calling account (never
/// the root user, whose implicit permissions would hide what the policies decide).
fn custom_principal(input: Input<'_>, account: &str) -> Principal {
    match input.opt_str("CallerArn") {
        Some(arn) if arn.contains(":role/") => Principal::assumed_role(arn, "simulation", None),
        Some(arn) => Principal::user(arn, None),
        None => Principal::user(&format!("arn:aws:iam::{account}:user/simulation"), None),
    }
}

fn statement(s: &SimulatedStatement) -> Value {
    json!({
        "SourcePolicyId": s.source_policy_id,
        "SourcePolicyType": s.source_policy_type,
        "StartPosition": {"Line": s.start_position.line, "Column": s.start_position.column},
        "EndPosition": {"Line": s.end_position.line, "Column": s.end_position.column},
    })
}

fn details(d: &[(String, sekisho_policy::EvalDecision)]) -> Value {
    Value::Object(d.iter().map(|(k, v)| (k.clone(), json!(v.as_str()))).collect::<Map<_, _>>())
}

fn result(r: &EvaluationResult) -> Value {
    let mut out = json!({
        "EvalActionName": r.eval_action_name,
        "EvalResourceName": r.eval_resource_name,
        "EvalDecision": r.eval_decision.as_str(),
        "MatchedStatements": r.matched_statements.iter().map(statement).collect::<Vec<_>>(),
        "MissingContextValues": r.missing_context_values,
        "ResourceSpecificResults": r.resource_specific_results.iter().map(|rs| {
            let mut v = json!({
                "EvalResourceName": rs.eval_resource_name,
                "EvalResourceDecision": rs.eval_resource_decision.as_str(),
                "MatchedStatements": rs.matched_statements.iter().map(statement).collect::<Vec<_>>(),
                "MissingContextValues": rs.missing_context_values,
            });
            if !rs.eval_decision_details.is_empty() {
                v["EvalDecisionDetails"] = details(&rs.eval_decision_details);
            }
            v
        }).collect::<Vec<_>>(),
    });
    if let Some(o) = r.organizations_decision_detail {
        out["OrganizationsDecisionDetail"] = json!({"AllowedByOrganizations": o});
    }
    if let Some(b) = r.permissions_boundary_decision_detail {
        out["PermissionsBoundaryDecisionDetail"] = json!({"AllowedByPermissionsBoundary": b});
    }
    if !r.eval_decision_details.is_empty() {
        out["EvalDecisionDetails"] = details(&r.eval_decision_details);
    }
    out
}

fn run(policies: &Policies, principal: &Principal, input: Input<'_>) -> Result<Value, AwsError> {
    let actions = input.strings("ActionNames");
    let resources = input.strings("ResourceArns");
    let ctx = context(input, principal);
    let identity: Vec<PolicyRef<'_>> =
        policies.identity.iter().map(|(id, source, p)| PolicyRef::new(id, *source, p)).collect();
    let mut req = Request::new(principal, "", "*", &ctx);
    req.identity_policies = &identity;
    req.permissions_boundary =
        policies.boundary.as_ref().map(|(id, p)| PolicyRef::new(id, PolicySource::PermissionsBoundary, p));
    req.resource_policy =
        policies.resource.as_ref().map(|p| PolicyRef::new("ResourcePolicy", PolicySource::ResourceBased, p));
    let owner = input.opt_str("ResourceOwner").map(|o| sekisho_core::authz::arn_account(o).unwrap_or(o));
    req.resource_account = owner;
    let results = sekisho_policy::simulate(&req, &actions, &resources);
    let items: Vec<(String, Value)> = results.iter().enumerate().map(|(i, r)| (format!("{i:06}"), result(r))).collect();
    Ok(crate::paging::page(items, input)?.into_output("EvaluationResults"))
}

pub mod simulate_custom_policy {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:SimulateCustomPolicy")
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let mut policies = Policies::default();
        add_inputs(&mut policies, input)?;
        let principal = custom_principal(input, ctx.account());
        run(&policies, &principal, input)
    }
}

pub mod simulate_principal_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let arn = Input(req.input).str("PolicySourceArn")?;
        Ok(vec![Check::new("iam:SimulatePrincipalPolicy", arn)])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicySourceArn")?;
        let mut policies = Policies::default();
        let principal = state::read(ctx, |iam| entity_policies(iam, arn, &mut policies))?;
        add_inputs(&mut policies, input)?;
        run(&policies, &principal, input)
    }
}

fn context_keys(policies: &Policies) -> Value {
    let mut keys: Vec<String> = Vec::new();
    let all = policies.identity.iter().map(|(_, _, p)| p).chain(policies.boundary.iter().map(|(_, p)| p));
    for p in all {
        for k in p.context_keys() {
            if !keys.iter().any(|o| o.eq_ignore_ascii_case(&k)) {
                keys.push(k);
            }
        }
    }
    json!({ "ContextKeyNames": keys })
}

pub mod get_context_keys_for_custom_policy {
    use super::*;

    pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::star("iam:GetContextKeysForCustomPolicy")
    }

    pub fn handle(_ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let mut policies = Policies::default();
        add_inputs(&mut policies, input)?;
        Ok(context_keys(&policies))
    }
}

pub mod get_context_keys_for_principal_policy {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let arn = Input(req.input).str("PolicySourceArn")?;
        Ok(vec![Check::new("iam:GetContextKeysForPrincipalPolicy", arn)])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let arn = input.str("PolicySourceArn")?;
        let mut policies = Policies::default();
        state::read(ctx, |iam| entity_policies(iam, arn, &mut policies))?;
        add_inputs(&mut policies, input)?;
        Ok(context_keys(&policies))
    }
}

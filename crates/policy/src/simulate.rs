//! IAM's policy simulator (SimulateCustomPolicy / SimulatePrincipalPolicy) over the same evaluator.
//! One result per action; the top level holds the most restrictive decision, per-resource results the detail.

use crate::decision::{Decision, Reason};
use crate::eval::{EvalDecision, PolicySource, PolicyType, Request, evaluate};
use crate::json::Position;

/// A statement that determined a simulation result (AWS's `Statement` shape).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedStatement {
    pub source_policy_id: String,
    /// As the simulator writes it: `IAM Policy` for identity-based policies.
    pub source_policy_type: String,
    pub source: PolicySource,
    pub start_position: Position,
    pub end_position: Position,
}

/// The result for one resource (AWS's `ResourceSpecificResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSpecificResult {
    pub eval_resource_name: String,
    pub eval_resource_decision: EvalDecision,
    pub matched_statements: Vec<SimulatedStatement>,
    pub missing_context_values: Vec<String>,
    /// Cross-account only: what each side decided.
    pub eval_decision_details: Vec<(String, EvalDecision)>,
}

/// The result for one action (AWS's `EvaluationResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationResult {
    pub eval_action_name: String,
    /// The resource when one was simulated, otherwise `*`.
    pub eval_resource_name: String,
    pub eval_decision: EvalDecision,
    pub matched_statements: Vec<SimulatedStatement>,
    pub missing_context_values: Vec<String>,
    /// `AllowedByOrganizations`, present when SCPs were part of the simulation.
    pub organizations_decision_detail: Option<bool>,
    /// `AllowedByPermissionsBoundary`, present when a boundary was part of the simulation.
    pub permissions_boundary_decision_detail: Option<bool>,
    pub eval_decision_details: Vec<(String, EvalDecision)>,
    /// One entry per simulated resource (empty when none was given).
    pub resource_specific_results: Vec<ResourceSpecificResult>,
}

/// `IAM Policy` is what the simulator was observed to write for identity-based policies; the other names are [inf].
fn source_policy_type(t: PolicyType) -> &'static str {
    match t {
        PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session => "IAM Policy",
        PolicyType::ResourceBased | PolicyType::RoleTrust => "Resource Policy",
        PolicyType::Scp | PolicyType::Rcp => "Organizations Policy",
        PolicyType::VpcEndpoint => "VPC Endpoint Policy",
    }
}

fn statement(r: &Reason<'_>) -> SimulatedStatement {
    SimulatedStatement {
        source_policy_id: r.policy_id.to_string(),
        source_policy_type: source_policy_type(r.policy_type).to_string(),
        source: r.source,
        start_position: r.statement.start(),
        end_position: r.statement.end(),
    }
}

fn details(d: &Decision<'_>) -> Vec<(String, EvalDecision)> {
    let (identity, resource) = d.account_decisions();
    let mut out = Vec::new();
    if let Some(i) = identity {
        out.push(("IAM Policy".to_string(), i));
    }
    if let Some(r) = resource {
        out.push(("Resource Policy".to_string(), r));
    }
    out
}

/// Simulates every action against every resource (`*` when `resources` is empty) with the policies, principal
/// and context of `base` (its own action and resource are ignored).
pub fn simulate<'a>(base: &Request<'a>, actions: &'a [String], resources: &'a [String]) -> Vec<EvaluationResult> {
    let star = ["*".to_string()];
    let targets: Vec<&str> = if resources.is_empty() {
        star.iter().map(String::as_str).collect()
    } else {
        resources.iter().map(String::as_str).collect()
    };
    let mut results = Vec::with_capacity(actions.len());
    for action in actions {
        let mut per_resource = Vec::with_capacity(targets.len());
        let mut organizations = None;
        let mut boundary = None;
        for target in &targets {
            let req = Request { action, resource: target, ..*base };
            let d = evaluate(&req);
            if let Some(o) = d.allowed_by_organizations() {
                organizations = Some(organizations.unwrap_or(true) && o);
            }
            if let Some(b) = d.allowed_by_permissions_boundary() {
                boundary = Some(boundary.unwrap_or(true) && b);
            }
            per_resource.push(ResourceSpecificResult {
                eval_resource_name: target.to_string(),
                eval_resource_decision: d.effect(),
                matched_statements: d.matched_statements().iter().map(statement).collect(),
                missing_context_values: d.missing_context_values(),
                eval_decision_details: details(&d),
            });
        }
        let decision =
            per_resource.iter().map(|r| r.eval_resource_decision).max().unwrap_or(EvalDecision::ImplicitDeny);
        let mut matched: Vec<SimulatedStatement> = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        let mut eval_details = Vec::new();
        for r in per_resource.iter() {
            if r.eval_resource_decision == decision {
                for s in &r.matched_statements {
                    if !matched.contains(s) {
                        matched.push(s.clone());
                    }
                }
                if eval_details.is_empty() {
                    eval_details = r.eval_decision_details.clone();
                }
            }
            for k in &r.missing_context_values {
                if !missing.iter().any(|m| m.eq_ignore_ascii_case(k)) {
                    missing.push(k.clone());
                }
            }
        }
        results.push(EvaluationResult {
            eval_action_name: action.clone(),
            eval_resource_name: if targets.len() == 1 { targets[0].to_string() } else { "*".to_string() },
            eval_decision: decision,
            matched_statements: matched,
            missing_context_values: missing,
            organizations_decision_detail: organizations,
            permissions_boundary_decision_detail: boundary,
            eval_decision_details: eval_details,
            resource_specific_results: if resources.is_empty() { Vec::new() } else { per_resource },
        });
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Context, Policy, PolicyKind, PolicyRef, Principal};

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Sid":"Ip","Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;

    fn run(actions: &[&str], resources: &[&str], ctx: &Context) -> Vec<EvaluationResult> {
        let policy = Policy::parse(POLICY, PolicyKind::Identity).expect("valid");
        let refs = [PolicyRef::new("PolicyInputList.1", PolicySource::InlineUser, &policy)];
        let user = Principal::user("arn:aws:iam::111122223333:user/u", None);
        let mut base = Request::new(&user, "", "", ctx);
        base.identity_policies = &refs;
        let actions: Vec<String> = actions.iter().map(|s| s.to_string()).collect();
        let resources: Vec<String> = resources.iter().map(|s| s.to_string()).collect();
        simulate(&base, &actions, &resources)
    }

    #[test]
    fn one_result_per_action_with_per_resource_detail() {
        let ctx = Context::new();
        let r = run(&["s3:GetObject"], &["arn:aws:s3:::b/k", "arn:aws:s3:::c/k"], &ctx);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].eval_decision, EvalDecision::ImplicitDeny);
        assert_eq!(r[0].eval_resource_name, "*");
        let per: Vec<EvalDecision> = r[0].resource_specific_results.iter().map(|x| x.eval_resource_decision).collect();
        assert_eq!(per, [EvalDecision::Allow, EvalDecision::ImplicitDeny]);
        let allowed = &r[0].resource_specific_results[0].matched_statements[0];
        assert_eq!(allowed.source_policy_id, "PolicyInputList.1");
        assert_eq!(allowed.source_policy_type, "IAM Policy");
        // The first statement's `{` follows `{"Version":"2012-10-17","Statement":[` (37 characters).
        assert_eq!(allowed.start_position, Position { line: 1, column: 38 });
        assert_eq!(allowed.end_position, Position { line: 1, column: 38 + 72 });
    }

    #[test]
    fn missing_context_values_and_no_resources() {
        let r = run(&["s3:PutObject", "s3:GetObject"], &[], &Context::new());
        assert_eq!(r[0].eval_decision, EvalDecision::ImplicitDeny);
        assert_eq!(r[0].missing_context_values, ["aws:SourceIp"]);
        assert!(r[0].matched_statements.is_empty());
        assert!(r[0].resource_specific_results.is_empty());
        assert_eq!(r[1].eval_resource_name, "*");
        let with_ip = run(&["s3:PutObject"], &[], &Context::new().with("aws:SourceIp", "10.1.2.3"));
        assert_eq!(with_ip[0].eval_decision, EvalDecision::Allow);
        assert!(with_ip[0].missing_context_values.is_empty());
        assert_eq!(with_ip[0].organizations_decision_detail, None);
    }
}

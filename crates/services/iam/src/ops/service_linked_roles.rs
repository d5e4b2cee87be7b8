//! Service-linked roles: CreateServiceLinkedRole (named and trusted as AWS names them, under
//! `/aws-service-role/<service>/`), DeleteServiceLinkedRole and GetServiceLinkedRoleDeletionStatus.

use crate::input::Input;
use crate::render::{self, View};
use crate::{authz, errors, lookup, state};
use sekisho_core::identity::store::{DocKind, PolicyDoc, Role};
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

/// The role name suffix AWS gives each service's service-linked role.
const NAMES: &[(&str, &str)] = &[
    ("autoscaling", "AutoScaling"),
    ("elasticbeanstalk", "ElasticBeanstalk"),
    ("custom-resource.application-autoscaling", "ApplicationAutoScaling_CustomResource"),
    ("dynamodb.application-autoscaling", "ApplicationAutoScaling_DynamoDBTable"),
    ("ecs.application-autoscaling", "ApplicationAutoScaling_ECSService"),
    ("lambda.application-autoscaling", "ApplicationAutoScaling_LambdaConcurrency"),
    ("ecs", "ECS"),
    ("eks", "AmazonEKS"),
    ("elasticloadbalancing", "ElasticLoadBalancing"),
    ("rds", "RDS"),
    ("organizations", "Organizations"),
    ("sso", "SSO"),
    ("spot", "EC2Spot"),
    ("config", "Config"),
    ("cloudtrail", "CloudTrail"),
    ("guardduty", "AmazonGuardDuty"),
    ("securityhub", "SecurityHub"),
    ("ssm", "AmazonSSM"),
    ("elasticache", "ElastiCache"),
    ("support", "Support"),
    ("trustedadvisor", "TrustedAdvisor"),
];

fn role_name(service: &str, suffix: Option<&str>) -> String {
    let prefix = service.strip_suffix(".amazonaws.com").unwrap_or(service);
    let base =
        NAMES.iter().find(|(s, _)| *s == prefix).map(|(_, n)| n.to_string()).unwrap_or_else(|| prefix.to_string());
    match suffix {
        Some(s) => format!("AWSServiceRoleFor{base}_{s}"),
        None => format!("AWSServiceRoleFor{base}"),
    }
}

pub mod create_service_linked_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let input = Input(req.input);
        let service = input.str("AWSServiceName")?;
        let name = role_name(service, input.opt_str("CustomSuffix"));
        let arn = render::arn(authz::account(req), "role", &format!("/aws-service-role/{service}/"), &name);
        Ok(vec![Check::new("iam:CreateServiceLinkedRole", arn).with_context("iam:AWSServiceName", service)])
    }

    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let service = input.str("AWSServiceName")?;
        let name = role_name(service, input.opt_str("CustomSuffix"));
        let trust = json!({"Version": "2012-10-17", "Statement": [
            {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"Service": [service]}}]});
        let trust = PolicyDoc::parse(&trust.to_string(), DocKind::Trust).map_err(|e| errors::malformed(&e))?;
        let now = ctx.now_ms();
        state::write(ctx, |iam| {
            if iam.role(&name).is_some() {
                // [inf]
                return Err(errors::invalid_input(format!(
                    "Service role name {name} has been taken in this account, please try a different suffix."
                )));
            }
            let role = Role {
                name: name.clone(),
                path: format!("/aws-service-role/{service}/"),
                id: ids::unique_id("AROA"),
                create_date_ms: now,
                trust_policy: trust,
                description: input.opt_str("Description").map(str::to_string),
                max_session_duration: 3600,
                inline_policies: Default::default(),
                attached_policies: Vec::new(),
                permissions_boundary: None,
                tags: Vec::new(),
                last_used_ms: None,
                last_used_region: None,
            };
            let mut out = render::role(ctx.account(), &role, View::Full);
            if let Some(m) = out.as_object_mut() {
                m.remove("RoleLastUsed");
            }
            iam.roles.insert(state::key(&name), role);
            Ok(json!({ "Role": out }))
        })
    }
}

pub mod delete_service_linked_role {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        authz::role(req, "iam:DeleteServiceLinkedRole")
    }

    /// Deletion completes at once; the task id names the role as AWS's does.
    pub fn handle(ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let name = input.str("RoleName")?;
        state::write(ctx, |iam| {
            let role = lookup::role(iam, name)?;
            if !role.path.starts_with("/aws-service-role/") {
                return Err(errors::invalid_input(format!("Role {name} is not a service-linked role.")));
            }
            let task = format!("task{}{}/{}", role.path, role.name, ids::uuid_v4());
            iam.roles.remove(&state::key(name));
            Ok(json!({ "DeletionTaskId": task }))
        })
    }
}

pub mod get_service_linked_role_deletion_status {
    use super::*;

    pub fn authorize(req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
        let task = Input(req.input).str("DeletionTaskId")?;
        let resource = task
            .strip_prefix("task/")
            .and_then(|r| r.rsplit_once('/'))
            .map(|(role, _)| format!("arn:aws:iam::{}:role/{role}", authz::account(req)))
            .unwrap_or_else(|| "*".into());
        Ok(vec![Check::new("iam:GetServiceLinkedRoleDeletionStatus", resource)])
    }

    pub fn handle(_ctx: &OpContext, input: Input<'_>) -> Result<Value, AwsError> {
        let task = input.str("DeletionTaskId")?;
        if !task.starts_with("task/aws-service-role/") {
            return Err(errors::invalid_input(format!("Invalid deletion task id {task}.")));
        }
        Ok(json!({ "Status": "SUCCEEDED" }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_linked_role_names() {
        assert_eq!(role_name("autoscaling.amazonaws.com", None), "AWSServiceRoleForAutoScaling");
        assert_eq!(
            role_name("custom-resource.application-autoscaling.amazonaws.com", None),
            "AWSServiceRoleForApplicationAutoScaling_CustomResource"
        );
        assert_eq!(role_name("autoscaling.amazonaws.com", Some("suf")), "AWSServiceRoleForAutoScaling_suf");
    }
}

//! AddPermission: a statement in the function's resource-based policy (per qualifier), which the door
//! evaluates for callers from other accounts and for service principals.

use crate::state::ResourcePolicyDoc;
use crate::{Lambda, errors, function_ref, input, policy};
use sekisho_core::{AwsError, OpContext, Output};
use serde_json::{Value, json};

pub fn handle(l: &Lambda, ctx: &OpContext, input: Value) -> Result<Output, AwsError> {
    let r = function_ref(&input, ctx.account(), &ctx.region, true)?;
    let sid = input::required(&input, "StatementId")?;
    let permission = policy::Permission {
        statement_id: sid,
        action: input::required(&input, "Action")?,
        principal: input::required(&input, "Principal")?,
        resource: &r.qualified_arn(),
        source_arn: input::str(&input, "SourceArn"),
        source_account: input::str(&input, "SourceAccount"),
        principal_org_id: input::str(&input, "PrincipalOrgID"),
        event_source_token: input::str(&input, "EventSourceToken"),
        function_url_auth_type: input::str(&input, "FunctionUrlAuthType"),
    };
    let statement = policy::statement(&permission)?;
    let key = r.qualifier.clone().unwrap_or_default();
    l.state.with(&r.account, &r.region, |s| {
        let f = s.functions.get_mut(&r.name).ok_or_else(|| errors::function_not_found(&r.qualified_arn()))?;
        if !key.is_empty() && !f.has_qualifier(&key) {
            return Err(errors::function_not_found(&r.qualified_arn()));
        }
        if input::str(&input, "RevisionId")
            .is_some_and(|rev| f.resolve(r.qualifier.as_deref()).is_some_and(|v| v.revision_id != rev))
        {
            return Err(errors::precondition_failed());
        }
        let doc = f
            .policies
            .entry(key.clone())
            .or_insert_with(|| ResourcePolicyDoc { statements: Vec::new(), revision_id: String::new() });
        if doc.statements.iter().any(|s| s.get("Sid").and_then(Value::as_str) == Some(sid)) {
            return Err(policy::duplicate_sid(sid));
        }
        let mut candidate = doc.clone();
        candidate.statements.push(statement.clone());
        policy::compile(&candidate)?;
        candidate.revision_id = sekisho_core::ids::uuid_v4();
        *doc = candidate;
        Ok(())
    })?;
    Ok(Output::new(json!({ "Statement": statement.to_string() })))
}

//! The door's authorization step: turns a `Check` plus the world (caller's policies, resource policy,
//! organization) into a decision with AWS's AccessDenied text and an explanation in plain words.

use crate::service::{Caller, Check, DenyStyle};
use crate::world::World;

#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    pub allowed: bool,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub decision: &'static str,
    /// AWS's AccessDenied message (empty when allowed).
    pub message: String,
    pub explanation: String,
}

/// The account field of an ARN (`arn:partition:service:region:account:resource`), if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let account = parts.nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// Decides one check. Until the policy engine is wired in, only an account's root user is allowed, and only
/// in its own account: nothing insecure ships in between.
pub fn decide(_world: &World, caller: &Caller, check: &Check, _region: &str) -> CheckOutcome {
    let own = caller.account();
    let resource_account = arn_account(&check.resource).unwrap_or(own);
    if caller.identity.is_root() && resource_account == own {
        return CheckOutcome {
            allowed: true,
            decision: "Allow",
            message: String::new(),
            explanation: format!("the root user of account {own} may perform any action in its own account"),
        };
    }
    CheckOutcome {
        allowed: false,
        decision: "ImplicitDeny",
        message: denied_message(caller, check),
        explanation: "no policy allows this request: only an account's root user is allowed, in its own account"
            .to_string(),
    }
}

fn denied_message(caller: &Caller, check: &Check) -> String {
    let on = if check.resource == "*" { String::new() } else { format!(" on resource: {}", check.resource) };
    match check.style {
        DenyStyle::AssumeRole => {
            format!("User: {} is not authorized to perform: {}{on}", caller.identity.arn(), check.action)
        }
        DenyStyle::Generic => format!(
            "User: {} is not authorized to perform: {}{on} because no identity-based policy allows the {} action",
            caller.identity.arn(),
            check.action,
            check.action
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_accounts() {
        assert_eq!(arn_account("arn:aws:iam::111111111111:role/x"), Some("111111111111"));
        assert_eq!(arn_account("arn:aws:bedrock:us-east-1::foundation-model/a:b"), None);
        assert_eq!(arn_account("*"), None);
        assert_eq!(arn_account("arn:aws:states:us-east-1:222222222222:stateMachine:m"), Some("222222222222"));
    }
}

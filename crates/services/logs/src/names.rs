//! Log group and log stream ARNs in each of the forms AWS uses, and resolution of a log group reference
//! (`logGroupName` or `logGroupIdentifier`, name or ARN) to the (account, region, name) it lives in.

use crate::errors;
use sekisho_core::{AwsError, Caller};

/// Where a log group lives and what it is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub account: String,
    pub region: String,
    pub name: String,
}

impl GroupRef {
    /// `arn:aws:logs:<region>:<account>:log-group:<name>` (tagging APIs, `logGroupArn`).
    pub fn arn(&self) -> String {
        format!("arn:{}:logs:{}:{}:log-group:{}", partition(&self.region), self.region, self.account, self.name)
    }

    /// The resource AWS authorizes log-group actions on and prints in AccessDenied messages:
    /// `...:log-group:<name>:log-stream:` (a policy on `log-group:<name>:*` matches it).
    pub fn authz_resource(&self) -> String {
        format!("{}:log-stream:", self.arn())
    }

    pub fn stream_arn(&self, stream: &str) -> String {
        format!("{}:log-stream:{stream}", self.arn())
    }
}

/// `arn` as DescribeLogGroups prints it: with the trailing `:*`.
pub fn group_arn_star(group_arn: &str) -> String {
    format!("{group_arn}:*")
}

pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The account whose log groups a caller addresses by name: its own, or for a service principal the account
/// it acts for (`aws:SourceAccount`).
pub fn home_account(caller: &Caller) -> String {
    let own = caller.account();
    if own.is_empty() { caller.source_account.clone().unwrap_or_default() } else { own.to_string() }
}

/// Parses `arn:<partition>:logs:<region>:<account>:log-group:<name>` (a trailing `:*` is tolerated, as AWS
/// prints it so).
pub fn parse_group_arn(arn: &str) -> Result<GroupRef, AwsError> {
    let bad = || errors::invalid_arn(arn);
    let mut parts = arn.splitn(7, ':');
    let (Some("arn"), Some(_partition), Some("logs"), Some(region), Some(account), Some("log-group"), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    if region.is_empty() || account.is_empty() || name.is_empty() || name.contains(':') {
        return Err(bad());
    }
    Ok(GroupRef { account: account.to_string(), region: region.to_string(), name: name.to_string() })
}

/// Resolves the log group an operation names: exactly one of `logGroupName` and `logGroupIdentifier`,
/// the identifier being a name or an ARN (which may point into another account).
pub fn resolve_group(
    caller: &Caller,
    region: &str,
    name: Option<&str>,
    identifier: Option<&str>,
) -> Result<GroupRef, AwsError> {
    match (name, identifier) {
        (Some(_), Some(_)) => Err(errors::name_and_identifier()),
        (None, None) => Err(errors::no_name_or_identifier()),
        (Some(name), None) => Ok(own_group(caller, region, name)),
        (None, Some(id)) if id.starts_with("arn:") => group_arn_in(id, region),
        (None, Some(id)) => Ok(own_group(caller, region, id)),
    }
}

/// A log group ARN as a regional endpoint sees it: one naming another region is not found here.
pub fn group_arn_in(arn: &str, region: &str) -> Result<GroupRef, AwsError> {
    let g = parse_group_arn(arn)?;
    if g.region != region {
        return Err(errors::group_not_found());
    }
    Ok(g)
}

pub fn own_group(caller: &Caller, region: &str, name: &str) -> GroupRef {
    GroupRef { account: home_account(caller), region: region.to_string(), name: name.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekisho_core::identity::Identity;

    fn root() -> Caller {
        Caller::new(Identity::Root { account: "111111111111".into() })
    }

    #[test]
    fn arn_forms() {
        let g = own_group(&root(), "ap-northeast-1", "/aws/lambda/f");
        assert_eq!(g.arn(), "arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/lambda/f");
        assert_eq!(g.authz_resource(), "arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/lambda/f:log-stream:");
        assert_eq!(g.stream_arn("s"), "arn:aws:logs:ap-northeast-1:111111111111:log-group:/aws/lambda/f:log-stream:s");
        assert_eq!(group_arn_star(&g.arn()), format!("{}:*", g.arn()));
        let cn = own_group(&root(), "cn-north-1", "g");
        assert!(cn.arn().starts_with("arn:aws-cn:logs:cn-north-1:"));
    }

    #[test]
    fn identifiers() {
        let c = root();
        let by_arn = resolve_group(&c, "us-west-2", None, Some("arn:aws:logs:us-west-2:222222222222:log-group:g:*"));
        assert_eq!(
            by_arn,
            Ok(GroupRef { account: "222222222222".into(), region: "us-west-2".into(), name: "g".into() })
        );
        let elsewhere = resolve_group(&c, "us-east-1", None, Some("arn:aws:logs:us-west-2:222222222222:log-group:g"));
        assert_eq!(elsewhere.map_err(|e| e.code), Err("ResourceNotFoundException".to_string()));
        assert_eq!(resolve_group(&c, "us-east-1", None, Some("g")), Ok(own_group(&c, "us-east-1", "g")));
        assert_eq!(
            resolve_group(&c, "us-east-1", Some("g"), Some("g")).map_err(|e| e.code),
            Err("ValidationException".into())
        );
        assert!(resolve_group(&c, "us-east-1", None, None).is_err());
        assert!(parse_group_arn("arn:aws:logs:us-east-1:1:destination:d").is_err());
        assert!(parse_group_arn("arn:aws:logs:us-east-1:1:log-group:g:log-stream:s").is_err());
    }

    #[test]
    fn service_principals_act_for_their_source_account() {
        let svc = Caller::service("delivery.logs.amazonaws.com", None, Some("333333333333".into()));
        assert_eq!(home_account(&svc), "333333333333");
    }
}

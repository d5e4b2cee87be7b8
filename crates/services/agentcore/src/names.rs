//! Ids, ARNs and URLs as AWS forms them (spec AGC-2, AGC-3, AGC-7): gateway ids are the lower-cased name,
//! a dash and ten `[a-z0-9]`; target ids ten `[0-9A-Z]`; the gateway URL is its own host under
//! `gateway.bedrock-agentcore.<region>.amazonaws.com`.

use sekisho_core::ids;

pub fn gateway_id(name: &str) -> String {
    format!("{}-{}", name.to_ascii_lowercase(), ids::lower_alnum(10))
}

pub fn gateway_arn(region: &str, account: &str, id: &str) -> String {
    format!("arn:aws:bedrock-agentcore:{region}:{account}:gateway/{id}")
}

pub fn gateway_url(region: &str, id: &str) -> String {
    format!("https://{id}.gateway.bedrock-agentcore.{region}.amazonaws.com/mcp")
}

/// Target ids: ten upper-case letters and digits (`X3ZD0RJQXK`).
pub fn target_id() -> String {
    ids::lower_alnum(10).to_ascii_uppercase()
}

/// A parsed `arn:aws:bedrock-agentcore:<region>:<account>:<type>/<id>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceArn {
    pub region: String,
    pub account: String,
    pub kind: String,
    pub id: String,
}

pub fn parse_arn(arn: &str) -> Option<ResourceArn> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("bedrock-agentcore"), Some(region), Some(account), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if !partition.starts_with("aws") || !ids::is_account_id(account) || region.is_empty() {
        return None;
    }
    let (kind, id) = rest.split_once('/')?;
    Some(ResourceArn { region: region.into(), account: account.into(), kind: kind.into(), id: id.into() })
}

/// `gatewayIdentifier` takes the id or the ARN.
pub fn gateway_identifier(identifier: &str) -> &str {
    match identifier.rsplit_once(":gateway/") {
        Some((_, id)) => id,
        None => identifier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_urls_take_awss_forms() {
        let id = gateway_id("Cross-Account-Test");
        assert!(id.starts_with("cross-account-test-"));
        let suffix = &id["cross-account-test-".len()..];
        assert_eq!(suffix.len(), 10);
        assert!(suffix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        assert_eq!(
            gateway_url("us-east-1", "g-abc1234567"),
            "https://g-abc1234567.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp"
        );
        let t = target_id();
        assert_eq!(t.len(), 10);
        assert!(t.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }

    #[test]
    fn arns_parse_and_identifiers_take_both_forms() {
        let arn = gateway_arn("us-east-1", "111122223333", "g-abc1234567");
        let p = parse_arn(&arn).unwrap();
        assert_eq!((p.kind.as_str(), p.id.as_str(), p.account.as_str()), ("gateway", "g-abc1234567", "111122223333"));
        assert_eq!(gateway_identifier(&arn), "g-abc1234567");
        assert_eq!(gateway_identifier("g-abc1234567"), "g-abc1234567");
        assert!(parse_arn("arn:aws:lambda:us-east-1:111122223333:function:f").is_none());
        assert!(parse_arn("*").is_none());
    }
}

//! The format checks IAM applies to single values: ARNs in `Resource`/`NotResource`, service prefixes in actions.
//! Each answers with IAM's own message; the caller decides in which order they run.

use crate::err::{PolicyError, msg};
use crate::principal::PARTITIONS;

/// IAM's legacy parser refuses ARNs with too few parts (`arn:aws:s3::bucket`) or an empty service.
pub(crate) fn legacy_resource_ok(r: &str) -> bool {
    if r == "*" {
        return true;
    }
    (r.matches(':').count() >= 5 || !r.contains("::")) && r.split(':').nth(2).is_some_and(|s| !s.is_empty())
}

const IAM_RESOURCE_TYPES: &[&str] = &[
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// The ARN format checks IAM applies to `Resource`/`NotResource` values.
pub(crate) fn resource_format_error(r: &str) -> Option<String> {
    if r == "*" {
        return None;
    }
    let Some((_, after_first)) = r.split_once(':') else {
        return Some(msg::resource_not_arn(r));
    };
    let (partition, rest) = match after_first.split_once(':') {
        Some((p, rest)) => (p, Some(rest)),
        None => (after_first, None),
    };
    if partition != "*" && !PARTITIONS.contains(&partition) {
        // IAM rewrites the value into ARN shape, filling missing parts with `*`.
        let remaining: Vec<&str> = rest.unwrap_or("").split(':').collect();
        let get = |i: usize| remaining.get(i).copied();
        let p1 = match get(0) {
            Some("") if remaining.len() == 1 => "*",
            Some(v) => v,
            None => "*",
        };
        let tail = if remaining.len() > 3 { remaining[3..].join(":") } else { "*".to_string() };
        let rebuilt = format!("arn:{partition}:{p1}:{}:{}:{tail}", get(1).unwrap_or("*"), get(2).unwrap_or("*"));
        return Some(msg::invalid_partition(partition, &rebuilt));
    }
    let Some(rest) = rest else {
        return Some(msg::RESOURCE_VENDOR.to_string());
    };
    let (service, after_service) = rest.split_once(':').unwrap_or((rest, ""));
    let (region, after_region) = after_service.split_once(':').unwrap_or((after_service, ""));
    let resource_part = after_region.split_once(':').map_or("", |(_, res)| res);
    if !region.is_empty() {
        match service {
            "iam" => return Some(msg::iam_region(r)),
            "s3" if !resource_part.starts_with("accesspoint/") => return Some(msg::s3_region(r)),
            _ => {}
        }
    }
    if service == "iam"
        && resource_part != "*"
        && resource_part != "root"
        && !IAM_RESOURCE_TYPES.iter().any(|t| resource_part.starts_with(t))
    {
        return Some(msg::IAM_RESOURCE_PATH.to_string());
    }
    None
}

pub(crate) fn check_action_prefix(action: &str) -> Result<(), PolicyError> {
    if action == "*" {
        return Ok(());
    }
    let parts: Vec<&str> = action.split(':').collect();
    match parts.as_slice() {
        [_] => Err(PolicyError::new(msg::NO_VENDOR)),
        [vendor, _] => {
            let ok = !vendor.is_empty()
                && vendor.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'?'));
            if ok { Ok(()) } else { Err(PolicyError::new(msg::invalid_vendor(vendor))) }
        }
        _ => Err(PolicyError::new(msg::ONE_COLON)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_formats() {
        assert_eq!(resource_format_error("*"), None);
        assert_eq!(resource_format_error("arn:aws:fdsasf"), None);
        assert_eq!(resource_format_error("arn:aws").as_deref(), Some(msg::RESOURCE_VENDOR));
        assert_eq!(
            resource_format_error("arn:aws:s3:us-east-1::ap").as_deref(),
            Some("Resource arn:aws:s3:us-east-1::ap can not contain region information.")
        );
        assert_eq!(resource_format_error("arn:aws:s3:us-east-1:111122223333:accesspoint/ap"), None);
        assert_eq!(resource_format_error("arn:aws:iam::111122223333:root"), None);
        assert!(legacy_resource_ok("arn:aws:fdsasf"));
        assert!(!legacy_resource_ok("arn:aws:s3::example_bucket"));
        assert!(!legacy_resource_ok("arn:aws::fdsasf"));
    }

    #[test]
    fn action_prefixes() {
        assert!(check_action_prefix("*").is_ok());
        assert!(check_action_prefix("code*:Get*").is_ok());
        assert_eq!(
            check_action_prefix(":Get").map_err(|e| e.message().to_string()),
            Err("Vendor  is not valid".to_string())
        );
    }
}

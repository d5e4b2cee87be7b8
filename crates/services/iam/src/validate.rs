//! IAM's own checks beyond the model's constraints: tag sets, policy size quotas, session durations.
//! Messages marked [inf] were not found in a real AWS answer; the others were.

use crate::errors;
use sekisho_core::AwsError;
use sekisho_core::identity::store::Tag;

/// At most 50 tags per entity, keys unique case-insensitively.
pub const MAX_TAGS: usize = 50;

pub fn tags(tags: &[Tag]) -> Result<(), AwsError> {
    for (i, t) in tags.iter().enumerate() {
        if tags[..i].iter().any(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            return Err(errors::invalid_input(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// Merges `new` into `existing` (a key matching case-insensitively is replaced), keeping the 50-tag quota.
pub fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>, quota_name: &str) -> Result<(), AwsError> {
    tags(&new)?;
    let mut merged = existing.clone();
    for t in new {
        match merged.iter_mut().find(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            Some(o) => *o = t,
            None => merged.push(t),
        }
    }
    if merged.len() > MAX_TAGS {
        // [inf] the quota wording follows IAM's other "Cannot exceed quota" messages.
        return Err(errors::quota(quota_name, MAX_TAGS));
    }
    *existing = merged;
    Ok(())
}

pub fn remove_tags(existing: &mut Vec<Tag>, keys: &[String]) {
    existing.retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
}

/// Policy document sizes are counted without whitespace (IAM quotas).
pub fn policy_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Customer managed policies: at most 6,144 characters.
pub fn managed_policy_size(text: &str) -> Result<(), AwsError> {
    if policy_size(text) > 6144 { Err(errors::quota("PolicySize", 6144)) } else { Ok(()) }
}

/// Role trust policies: at most 2,048 characters.
pub fn trust_policy_size(text: &str) -> Result<(), AwsError> {
    if policy_size(text) > 2048 { Err(errors::quota("ACLSizePerRole", 2048)) } else { Ok(()) }
}

/// The aggregate size of an entity's inline policies: roles 10,240, users 2,048, groups 5,120.
pub fn inline_total(kind: &str, name: &str, total: usize) -> Result<(), AwsError> {
    let limit = match kind {
        "role" => 10_240,
        "user" => 2_048,
        _ => 5_120,
    };
    if total > limit {
        return Err(errors::limit_exceeded(format!("Maximum policy size of {limit} bytes exceeded for {kind} {name}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag { key: k.into(), value: v.into() }
    }

    #[test]
    fn duplicate_keys_differing_in_case_are_refused() {
        let err = tags(&[tag("a", ""), tag("A", "")]).unwrap_err();
        assert_eq!(err.code, "InvalidInput");
        assert!(tags(&[tag("a", ""), tag("b", "")]).is_ok());
    }

    #[test]
    fn merging_replaces_case_insensitively_and_keeps_the_quota() {
        let mut existing = vec![tag("Team", "a")];
        merge_tags(&mut existing, vec![tag("team", "b"), tag("x", "y")], "TagsPerRole").unwrap();
        assert_eq!(existing, vec![tag("team", "b"), tag("x", "y")]);
        let many: Vec<Tag> = (0..49).map(|i| tag(&format!("k{i}"), "")).collect();
        let err = merge_tags(&mut existing, many, "TagsPerRole").unwrap_err();
        assert_eq!(err.message, "Cannot exceed quota for TagsPerRole: 50");
        assert_eq!(existing.len(), 2);
    }

    #[test]
    fn sizes_ignore_whitespace() {
        assert_eq!(policy_size("{ \"a\" :\n 1 }"), 7);
        let err = inline_total("role", "r", 10_241).unwrap_err();
        assert_eq!(err.message, "Maximum policy size of 10240 bytes exceeded for role r");
    }
}

//! TagResource / UntagResource / ListTagsForResource for gateways (tags kept by ARN in the owner's state).

use crate::{Shared, errors, names};
use sekisho_core::AwsError;
use serde_json::{Value, json};

/// Tags per resource (AWS's usual limit; the model's TagsMap allows 50).
pub const MAX_TAGS: usize = 50;

fn gateway(s: &Shared, arn: &str) -> Result<names::ResourceArn, AwsError> {
    let missing = || errors::not_found(format!("Resource not found: {arn}"));
    let p = names::parse_arn(arn).filter(|p| p.kind == "gateway").ok_or_else(missing)?;
    let exists = s.state.read(&p.account, &p.region, |st| st.is_some_and(|st| st.gateways.contains_key(&p.id)));
    if exists { Ok(p) } else { Err(missing()) }
}

pub fn tag(s: &Shared, input: &Value) -> Result<Value, AwsError> {
    let arn = input["resourceArn"].as_str().unwrap_or_default();
    let p = gateway(s, arn)?;
    s.state.with(&p.account, &p.region, |st| {
        let tags = st.tags.entry(arn.to_string()).or_default();
        let mut next = tags.clone();
        for (k, v) in input["tags"].as_object().into_iter().flatten() {
            next.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
        if next.len() > MAX_TAGS {
            return Err(errors::validation(format!("A resource can have at most {MAX_TAGS} tags"), Some("tags")));
        }
        *tags = next;
        Ok(json!({}))
    })
}

pub fn untag(s: &Shared, input: &Value) -> Result<Value, AwsError> {
    let arn = input["resourceArn"].as_str().unwrap_or_default();
    let p = gateway(s, arn)?;
    s.state.with(&p.account, &p.region, |st| {
        if let Some(tags) = st.tags.get_mut(arn) {
            for k in input["tagKeys"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                tags.remove(k);
            }
        }
    });
    Ok(json!({}))
}

pub fn list(s: &Shared, input: &Value) -> Result<Value, AwsError> {
    let arn = input["resourceArn"].as_str().unwrap_or_default();
    let p = gateway(s, arn)?;
    let tags =
        s.state.read(&p.account, &p.region, |st| st.and_then(|st| st.tags.get(arn).cloned()).unwrap_or_default());
    Ok(json!({ "tags": tags }))
}

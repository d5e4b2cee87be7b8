//! GetAccessKeyInfo: the account an access key belongs to: from the registry for keys sekisho issued, the
//! 12-digit id itself for root keys, and decoded from the key for any other well-formed AKIA/ASIA key.

use crate::input::Input;
use crate::keys;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, ids};
use serde_json::{Value, json};

pub fn authorize(_req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    Ok(vec![Check::new("sts:GetAccessKeyInfo", "*")])
}

pub fn handle(ctx: &OpContext, input: Value) -> Result<Value, AwsError> {
    let id = Input(&input).str("AccessKeyId")?;
    let registered = ctx.world.read().credentials.get(id).map(|r| r.identity.account().to_string());
    let account = registered
        .filter(|a| !a.is_empty())
        .or_else(|| ids::is_account_id(id).then(|| id.to_string()))
        .or_else(|| keys::account_of(id));
    match account {
        Some(a) => Ok(json!({ "Account": a })),
        // [inf] a key that carries no account.
        None => Err(AwsError::new("InvalidParameterValue", 400, format!("The access key ID {id} is not valid."))),
    }
}

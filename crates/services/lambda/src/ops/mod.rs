//! One module per Lambda operation, each with its authorization entry next to its handler, and the
//! dispatch tables the service uses. Settings shared by the function operations live here too.

mod account_settings;
mod add_permission;
mod aliases;
mod configure;
mod create_function;
mod delete_function;
mod delete_layer_version;
mod get_function;
mod get_layer_version;
mod get_policy;
pub(crate) mod invoke;
mod list_functions;
mod list_layer_versions;
mod list_layers;
mod publish_layer_version;
mod publish_version;
mod remove_permission;
mod tags;
mod update_function_code;
mod update_function_configuration;

use crate::Lambda;
use sekisho_core::service::not_implemented;
use sekisho_core::{AuthzRequest, AwsError, Check, OpContext, Output};
use serde_json::Value;

pub fn authorize(l: &Lambda, req: &AuthzRequest<'_>) -> Result<Vec<Check>, AwsError> {
    let one = |action: &str, qualifier: bool| l.function_check(req, action, qualifier).map(|c| vec![c]);
    match req.operation {
        "CreateFunction" => create_function::authorize(l, req),
        "GetFunction" => one("lambda:GetFunction", true),
        "GetFunctionConfiguration" => one("lambda:GetFunctionConfiguration", true),
        "UpdateFunctionCode" => one("lambda:UpdateFunctionCode", false),
        "UpdateFunctionConfiguration" => update_function_configuration::authorize(l, req),
        "DeleteFunction" => one("lambda:DeleteFunction", true),
        "ListFunctions" => Ok(vec![Check::new("lambda:ListFunctions", "*")]),
        "Invoke" => one("lambda:InvokeFunction", true),
        "PublishVersion" => one("lambda:PublishVersion", false),
        "ListVersionsByFunction" => one("lambda:ListVersionsByFunction", false),
        "CreateAlias" => one("lambda:CreateAlias", false),
        "GetAlias" => one("lambda:GetAlias", false),
        "UpdateAlias" => one("lambda:UpdateAlias", false),
        "DeleteAlias" => one("lambda:DeleteAlias", false),
        "ListAliases" => one("lambda:ListAliases", false),
        "AddPermission" => one("lambda:AddPermission", true),
        "RemovePermission" => one("lambda:RemovePermission", true),
        "GetPolicy" => one("lambda:GetPolicy", true),
        "PublishLayerVersion" => publish_layer_version::authorize(req),
        "GetLayerVersion" => get_layer_version::authorize(req, "lambda:GetLayerVersion"),
        "DeleteLayerVersion" => get_layer_version::authorize(req, "lambda:DeleteLayerVersion"),
        "ListLayers" => Ok(vec![Check::new("lambda:ListLayers", "*")]),
        "ListLayerVersions" => Ok(vec![Check::new("lambda:ListLayerVersions", "*")]),
        "TagResource" | "UntagResource" | "ListTags" => tags::authorize(req),
        "GetAccountSettings" => Ok(vec![Check::new("lambda:GetAccountSettings", "*")]),
        other => Err(not_implemented("lambda", other)),
    }
}

pub async fn call(l: &Lambda, ctx: OpContext, operation: &str, input: Value) -> Result<Output, AwsError> {
    match operation {
        "CreateFunction" => create_function::handle(l, &ctx, input).await,
        "GetFunction" => get_function::handle(l, &ctx, input, true).await,
        "GetFunctionConfiguration" => get_function::handle(l, &ctx, input, false).await,
        "UpdateFunctionCode" => update_function_code::handle(l, &ctx, input).await,
        "UpdateFunctionConfiguration" => update_function_configuration::handle(l, &ctx, input).await,
        "DeleteFunction" => delete_function::handle(l, &ctx, input),
        "ListFunctions" => list_functions::handle(l, &ctx, input),
        "Invoke" => invoke::handle(l, &ctx, input).await,
        "PublishVersion" => publish_version::handle(l, &ctx, input),
        "ListVersionsByFunction" => publish_version::list(l, &ctx, input),
        "CreateAlias" => aliases::create(l, &ctx, input),
        "GetAlias" => aliases::get(l, &ctx, input),
        "UpdateAlias" => aliases::update(l, &ctx, input),
        "DeleteAlias" => aliases::delete(l, &ctx, input),
        "ListAliases" => aliases::list(l, &ctx, input),
        "AddPermission" => add_permission::handle(l, &ctx, input),
        "RemovePermission" => remove_permission::handle(l, &ctx, input),
        "GetPolicy" => get_policy::handle(l, &ctx, input),
        "PublishLayerVersion" => publish_layer_version::handle(l, &ctx, input).await,
        "GetLayerVersion" => get_layer_version::handle(l, &ctx, input).await,
        "DeleteLayerVersion" => delete_layer_version::handle(l, &ctx, input),
        "ListLayers" => list_layers::handle(l, &ctx, input),
        "ListLayerVersions" => list_layer_versions::handle(l, &ctx, input),
        "TagResource" => tags::tag(l, &ctx, input),
        "UntagResource" => tags::untag(l, &ctx, input),
        "ListTags" => tags::list(l, &ctx, input),
        "GetAccountSettings" => account_settings::handle(l, &ctx),
        other => Err(not_implemented("lambda", other)),
    }
}

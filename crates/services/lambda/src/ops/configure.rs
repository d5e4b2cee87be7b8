//! What CreateFunction and the updates share: runtime and environment-variable rules, layer resolution,
//! logging configuration, the execution role (same account, assumable by Lambda) and package checks.

use crate::errors;
use crate::names;
use crate::runtime::UNZIPPED_LIMIT;
use crate::state::{AttachedLayer, Code, LoggingConfig};
use crate::{Lambda, input, zip};
use sekisho_core::authz::arn_account;
use sekisho_core::service::{Caller, DenyStyle, ResourcePolicy};
use sekisho_core::{AwsError, Check, OpContext};
use serde_json::Value;
use std::collections::BTreeMap;

/// Runtimes Lambda no longer accepts for creating or updating functions, with the one it recommends.
const BLOCKED: &[(&str, &str)] = &[
    ("python2.7", "python3.14"),
    ("python3.6", "python3.14"),
    ("python3.7", "python3.14"),
    ("python3.8", "python3.14"),
    ("nodejs", "nodejs24.x"),
    ("nodejs4.3", "nodejs24.x"),
    ("nodejs4.3-edge", "nodejs24.x"),
    ("nodejs6.10", "nodejs24.x"),
    ("nodejs8.10", "nodejs24.x"),
    ("nodejs10.x", "nodejs24.x"),
    ("nodejs12.x", "nodejs24.x"),
    ("nodejs14.x", "nodejs24.x"),
    ("nodejs16.x", "nodejs24.x"),
    ("dotnetcore1.0", "dotnet10"),
    ("dotnetcore2.0", "dotnet10"),
    ("dotnetcore2.1", "dotnet10"),
    ("dotnetcore3.1", "dotnet10"),
    ("ruby2.5", "ruby3.4"),
    ("ruby2.7", "ruby3.4"),
    ("go1.x", "provided.al2023"),
    ("java8", "java25"),
];

pub fn check_runtime(runtime: &str) -> Result<(), AwsError> {
    match BLOCKED.iter().find(|(r, _)| *r == runtime) {
        Some((_, instead)) => Err(errors::invalid_parameter(format!(
            "The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime ({instead}) while creating or updating functions."
        ))),
        None => Ok(()),
    }
}

/// Variables Lambda sets itself and does not let a function override.
const RESERVED: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

pub fn check_environment(vars: &BTreeMap<String, String>) -> Result<(), AwsError> {
    let used: Vec<&str> = vars.keys().map(String::as_str).filter(|k| RESERVED.contains(k)).collect();
    if !used.is_empty() {
        return Err(errors::invalid_parameter(format!(
            "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: {}",
            used.join(",")
        )));
    }
    let size: usize = vars.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > 4096 {
        return Err(errors::invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.",
        ));
    }
    Ok(())
}

/// The layer versions a function references, with their content (any account, this region).
pub fn resolve_layers(l: &Lambda, arns: &[String], region: &str) -> Result<Vec<AttachedLayer>, AwsError> {
    if arns.len() > 5 {
        return Err(errors::invalid_parameter("Cannot reference more than 5 layers."));
    }
    let mut out = Vec::new();
    for arn in arns {
        let missing = || errors::invalid_parameter(format!("Layer version {arn} does not exist."));
        let (r, account, name, version) = names::layer_version_arn(arn).ok_or_else(missing)?;
        if r != region {
            return Err(errors::invalid_parameter(format!(
                "Layers are not in the same region as the function. Layers are expected to be in region {region}."
            )));
        }
        let content = l
            .state
            .read(&account, region, |s| {
                s.and_then(|s| s.layers.get(&name))
                    .and_then(|layer| layer.versions.get(&version))
                    .map(|v| v.content.clone())
            })
            .ok_or_else(missing)?;
        out.push(AttachedLayer { arn: arn.clone(), content });
    }
    Ok(out)
}

/// `lambda:GetLayerVersion` on every layer a request attaches (Lambda reads them for the caller).
pub fn layer_checks(input: &Value) -> Vec<Check> {
    input::strings(input, "Layers")
        .unwrap_or_default()
        .into_iter()
        .map(|arn| Check::new("lambda:GetLayerVersion", arn))
        .collect()
}

/// `iam:PassRole` for handing the execution role to Lambda. A role of another account never gets that
/// far: Lambda refuses it first ("Cross-account pass role is not allowed.").
pub fn pass_role_check(role: &str, function_account: &str) -> Option<Check> {
    (arn_account(role) == Some(function_account))
        .then(|| Check::new("iam:PassRole", role).with_context("iam:PassedToService", "lambda.amazonaws.com"))
}

pub fn logging(input: Option<&Value>, function: &str, existing: Option<&LoggingConfig>) -> LoggingConfig {
    let get = |k: &str| input.and_then(|i| input::str(i, k)).map(str::to_string);
    let format = get("LogFormat").or_else(|| existing.map(|e| e.log_format.clone())).unwrap_or_else(|| "Text".into());
    let json = format == "JSON";
    let level =
        |k: &str, old: Option<&String>| json.then(|| get(k).or_else(|| old.cloned()).unwrap_or_else(|| "INFO".into()));
    LoggingConfig {
        application_log_level: level("ApplicationLogLevel", existing.and_then(|e| e.application_log_level.as_ref())),
        system_log_level: level("SystemLogLevel", existing.and_then(|e| e.system_log_level.as_ref())),
        log_group: get("LogGroup")
            .or_else(|| existing.map(|e| e.log_group.clone()))
            .unwrap_or_else(|| format!("/aws/lambda/{function}")),
        log_format: format,
    }
}

/// The execution role must be in the function's account and trust `lambda.amazonaws.com`.
pub fn check_role(ctx: &OpContext, role: &str, function_account: &str, function_arn: &str) -> Result<(), AwsError> {
    if arn_account(role) != Some(function_account) {
        return Err(errors::invalid_parameter("Cross-account pass role is not allowed."));
    }
    let role_name = role.rsplit('/').next().unwrap_or_default();
    let caller =
        Caller::service("lambda.amazonaws.com", Some(function_arn.to_string()), Some(function_account.to_string()));
    let check = Check::new("sts:AssumeRole", role)
        .with_resource_policy(ResourcePolicy::RoleTrust {
            account: function_account.to_string(),
            role_name: role_name.to_string(),
        })
        .with_style(DenyStyle::AssumeRole);
    ctx.door
        .check(&caller, &[check], ("sts", "AssumeRole"), &ctx.region, Some(&ctx.request_id))
        .map_err(|_| errors::role_cannot_be_assumed())
}

/// Lambda's quota on a package uploaded directly (`ZipFile`): 50 MB zipped. Source: AWS Lambda quotas,
/// "Deployment package (.zip file archive) size: 50 MB (zipped, when uploaded through the Lambda API or
/// SDKs)", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html (50 MiB taken).
pub const ZIPPED_LIMIT: usize = 52_428_800;

/// The request size AWS names when a direct upload is too large: the base64 text of a 50 MB package.
/// Source: AWS's answer quoted in user reports, "RequestEntityTooLargeException: Request must be smaller
/// than 69905067 bytes for the CreateFunction operation".
const REQUEST_LIMIT: usize = 69_905_067;

fn unreadable() -> AwsError {
    errors::invalid_parameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
}

/// AWS's answer when a function's code and layers unzip to more than the quota. Source: AWS Lambda
/// quotas, "250 MB: the maximum size of the contents of a deployment package, including layers and
/// custom runtimes (unzipped)"; message as AWS returns it (quoted in CloudFormation errors on re:Post).
fn unzipped_too_large() -> AwsError {
    errors::invalid_parameter(format!("Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes"))
}

/// Checks an uploaded package as Lambda does before accepting it: at most 50 MB zipped, readable, safe to
/// unpack (no entry or symlink leaving the package, nothing written through a link), and at most 250 MB
/// unzipped both by what it declares and by what it really inflates to (a zip bomb is refused either
/// way). Inflating runs off the async workers. Returns the unzipped size.
pub async fn check_upload(code: &Code, operation: &str) -> Result<u64, AwsError> {
    if code.zip.len() > ZIPPED_LIMIT {
        return Err(errors::request_entity_too_large(REQUEST_LIMIT, operation));
    }
    let zip_bytes = code.zip.clone();
    let checked = tokio::task::spawn_blocking(move || zip::validate(&zip_bytes, UNZIPPED_LIMIT))
        .await
        .map_err(|e| errors::service(e.to_string()))?;
    match checked {
        Ok(size) => Ok(size),
        Err(zip::ZipError::TooLarge(_)) => Err(unzipped_too_large()),
        Err(e) => {
            // AWS's message says only that the file could not be unzipped; say why on sekisho's stderr.
            eprintln!("sekisho: lambda: {operation} refused a package: {e}");
            Err(unreadable())
        }
    }
}

/// A deployment package together with its layers within the unzipped limit (sizes as the archives
/// declare them; uploads were checked against what they really inflate to).
pub fn check_package(zip_bytes: &[u8], layers: &[AttachedLayer]) -> Result<(), AwsError> {
    let mut total = zip::unzipped_size(zip_bytes).map_err(|_| unreadable())?;
    for l in layers {
        total += zip::unzipped_size(&l.content.zip).unwrap_or(0);
    }
    if total > UNZIPPED_LIMIT {
        return Err(unzipped_too_large());
    }
    Ok(())
}

/// The package of a create or update: only `ZipFile` (sekisho has no S3 to read packages from).
pub fn package(input: &Value) -> Result<Code, AwsError> {
    if let Some(bytes) = input::blob(input, "ZipFile")? {
        return Ok(Code::new(bytes));
    }
    if input::str(input, "ImageUri").is_some() {
        return Err(sekisho_core::service::not_implemented("lambda", "container image functions"));
    }
    if input::str(input, "S3Bucket").is_some() {
        return Err(sekisho_core::service::not_implemented("lambda", "code from S3 (upload it as ZipFile)"));
    }
    Err(errors::invalid_parameter("Please provide a source for function code."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runtimes_and_variables() {
        assert!(check_runtime("python3.12").is_ok());
        let e = check_runtime("python3.7").unwrap_err();
        assert!(e.message.starts_with("The runtime parameter of python3.7 is no longer supported"));
        let mut vars = BTreeMap::new();
        vars.insert("TABLE".to_string(), "t".to_string());
        assert!(check_environment(&vars).is_ok());
        vars.insert("AWS_REGION".to_string(), "x".to_string());
        assert!(
            check_environment(&vars).unwrap_err().message.ends_with("Reserved keys used in this request: AWS_REGION")
        );
    }

    #[test]
    fn logging_defaults_follow_the_format() {
        let text = logging(None, "f", None);
        assert_eq!((text.log_format.as_str(), text.log_group.as_str()), ("Text", "/aws/lambda/f"));
        assert_eq!(text.application_log_level, None);
        let j = logging(Some(&json!({"LogFormat": "JSON"})), "f", None);
        assert_eq!(j.application_log_level.as_deref(), Some("INFO"));
        let kept = logging(Some(&json!({"ApplicationLogLevel": "DEBUG"})), "f", Some(&j));
        assert_eq!((kept.log_format.as_str(), kept.application_log_level.as_deref()), ("JSON", Some("DEBUG")));
    }

    #[tokio::test]
    async fn packages_must_unzip_safely_and_within_the_quotas() {
        assert_eq!(check_package(b"nope", &[]).unwrap_err().code, "InvalidParameterValueException");
        assert!(check_package(&zip::build(&[("a.py", b"", 0o644)]), &[]).is_ok());
        assert_eq!(package(&json!({})).unwrap_err().message, "Please provide a source for function code.");
        let ok = Code::new(zip::build(&[("a.py", b"x = 1\n", 0o644)]));
        assert_eq!(check_upload(&ok, "CreateFunction").await.unwrap(), 6);
        let unreadable = check_upload(&Code::new(b"nope".to_vec()), "CreateFunction").await.unwrap_err();
        assert_eq!(
            unreadable.message,
            "Could not unzip uploaded file. Please check your file, then try to upload again."
        );
        let escaping = Code::new(zip::build_entries(&[zip::RawEntry::symlink("x", "/etc")]));
        assert_eq!(check_upload(&escaping, "CreateFunction").await.unwrap_err().message, unreadable.message);
        let bomb_data = zip::deflate(&vec![0u8; 300 << 20]);
        let bomb = Code::new(zip::build_entries(&[zip::RawEntry::deflated("b", &bomb_data, 1)]));
        let e = check_upload(&bomb, "CreateFunction").await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes")
        );
        let huge = Code::new(vec![0u8; ZIPPED_LIMIT + 1]);
        let e = check_upload(&huge, "UpdateFunctionCode").await.unwrap_err();
        assert_eq!((e.code.as_str(), e.status), ("RequestEntityTooLargeException", 413));
        assert_eq!(e.message, "Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation");
    }
}

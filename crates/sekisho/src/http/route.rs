//! Which service a request addresses: from the SigV4 signing name, `X-Amz-Target`, the query `Action`,
//! the REST path, or the Host header. A test keeps the table equal to the models' metadata.

use sekisho_wire::HttpRequest;
use sekisho_wire::model::{self, ServiceModel};

/// A served service: botocore name, SigV4 signing name, `X-Amz-Target` prefix (json protocols).
pub struct Route {
    pub name: &'static str,
    pub signing_name: &'static str,
    pub target_prefix: Option<&'static str>,
}

pub const ROUTES: &[Route] = &[
    Route { name: "sts", signing_name: "sts", target_prefix: None },
    Route { name: "iam", signing_name: "iam", target_prefix: None },
    Route { name: "ec2", signing_name: "ec2", target_prefix: None },
    Route { name: "stepfunctions", signing_name: "states", target_prefix: Some("AWSStepFunctions") },
    Route { name: "logs", signing_name: "logs", target_prefix: Some("Logs_20140328") },
    Route { name: "organizations", signing_name: "organizations", target_prefix: Some("AWSOrganizationsV20161128") },
    Route { name: "lambda", signing_name: "lambda", target_prefix: None },
    // Bedrock Runtime signs as `bedrock`: the path tells the two apart (spec §0.1).
    Route { name: "bedrock-runtime", signing_name: "bedrock", target_prefix: None },
    Route { name: "bedrock", signing_name: "bedrock", target_prefix: None },
    Route { name: "bedrock-agentcore-control", signing_name: "bedrock-agentcore", target_prefix: None },
    Route { name: "bedrock-agentcore", signing_name: "bedrock-agentcore", target_prefix: None },
];

/// The service a request addresses, if any can be told. `signing_name` comes from the SigV4 scope when the
/// request is signed.
pub fn resolve(req: &HttpRequest, signing_name: Option<&str>) -> Option<&'static ServiceModel> {
    if let Some(target) = req.header("x-amz-target") {
        let prefix = target.split('.').next().unwrap_or_default();
        let route = ROUTES.iter().find(|r| r.target_prefix == Some(prefix))?;
        return model::load(route.name);
    }
    let host_service = host_service(req);
    let candidates: Vec<&Route> = match (signing_name, host_service) {
        (_, Some(name)) if ROUTES.iter().any(|r| r.name == name) => ROUTES.iter().filter(|r| r.name == name).collect(),
        (Some(signing), _) => ROUTES.iter().filter(|r| r.signing_name == signing).collect(),
        (None, _) => ROUTES.iter().collect(),
    };
    if is_query_request(req) {
        let action = query_action(req);
        return candidates
            .iter()
            .filter_map(|r| model::load(r.name))
            .filter(|m| m.protocol().is_query_family())
            .find(|m| action.as_deref().is_none_or(|a| m.operation(a).is_some()) || candidates.len() == 1);
    }
    let rest: Vec<&'static ServiceModel> = candidates
        .iter()
        .filter(|r| r.target_prefix.is_none())
        .filter_map(|r| model::load(r.name))
        .filter(|m| !m.protocol().is_query_family())
        .collect();
    let path = req.path;
    rest.iter().copied().find(|m| m.matches_rest(req.method, path)).or_else(|| rest.first().copied())
}

/// A query-protocol request: a form body, or an `Action` in the query string.
fn is_query_request(req: &HttpRequest) -> bool {
    let form = req
        .header("content-type")
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    form || req.query.split('&').any(|p| p.starts_with("Action="))
}

pub fn query_action(req: &HttpRequest) -> Option<String> {
    let from = |s: &str| {
        s.split('&').find_map(|p| p.strip_prefix("Action=")).map(sekisho_wire::sigv4::canonical::percent_decode)
    };
    from(req.query).or_else(|| std::str::from_utf8(req.body).ok().and_then(from))
}

/// The service named by an AWS-style Host (`sts.amazonaws.com`, `bedrock-runtime.us-east-1.amazonaws.com`).
fn host_service(req: &HttpRequest) -> Option<&'static str> {
    let host = req.header("host")?;
    let first = host.split(['.', ':']).next()?;
    match first {
        "sts" => Some("sts"),
        "iam" => Some("iam"),
        "states" => Some("stepfunctions"),
        "bedrock-runtime" => Some("bedrock-runtime"),
        "bedrock" => Some("bedrock"),
        "bedrock-agentcore-control" => Some("bedrock-agentcore-control"),
        "bedrock-agentcore" => Some("bedrock-agentcore"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_the_models() {
        for r in ROUTES {
            let m = model::load(r.name).unwrap_or_else(|| panic!("no model for {}", r.name));
            assert_eq!(m.metadata.signing_name, r.signing_name, "{}", r.name);
            assert_eq!(m.metadata.target_prefix.as_deref(), r.target_prefix, "{}", r.name);
        }
    }
}

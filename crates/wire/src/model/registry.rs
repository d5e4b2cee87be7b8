//! The service models compiled into the crate, each parsed on first use.
//! Parsing is lazy so that start-up never pays for models nobody calls (ec2's alone is 1.2 MB).

use std::sync::OnceLock;

use super::ServiceModel;

struct Embedded {
    name: &'static str,
    json: &'static str,
    parsed: OnceLock<Option<ServiceModel>>,
}

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        [$(Embedded {
            name: $name,
            json: include_str!(concat!("../../models/", $name, ".json")),
            parsed: OnceLock::new(),
        }),*]
    };
}

static MODELS: [Embedded; 11] = embedded!(
    "sts",
    "iam",
    "stepfunctions",
    "logs",
    "lambda",
    "bedrock",
    "bedrock-runtime",
    "bedrock-agentcore-control",
    "bedrock-agentcore",
    "ec2",
    "organizations",
);

/// The model of a service by its botocore name (e.g. `stepfunctions`, `bedrock-runtime`).
/// Parsed on the first call for that service; later calls return the same model.
pub fn load(name: &str) -> Option<&'static ServiceModel> {
    let embedded = MODELS.iter().find(|m| m.name == name)?;
    embedded.parsed.get_or_init(|| ServiceModel::from_json(embedded.name, embedded.json).ok()).as_ref()
}

/// botocore names of all embedded models.
pub fn names() -> impl Iterator<Item = &'static str> {
    MODELS.iter().map(|m| m.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Protocol;

    #[test]
    fn every_embedded_model_parses() {
        for name in names() {
            let model = load(name).unwrap_or_else(|| panic!("{name} does not parse"));
            assert_eq!(model.name, name);
            assert!(!model.operations().is_empty(), "{name} has no operations");
        }
    }

    #[test]
    fn unknown_service_has_no_model() {
        assert!(load("s3-but-not-embedded").is_none());
    }

    #[test]
    fn metadata_carries_signing_names_and_protocols() {
        let runtime = load("bedrock-runtime").expect("embedded");
        assert_eq!(runtime.metadata.signing_name, "bedrock");
        assert_eq!(runtime.protocol(), Protocol::RestJson);
        let control = load("bedrock-agentcore-control").expect("embedded");
        assert_eq!(control.metadata.signing_name, "bedrock-agentcore");
        let sfn = load("stepfunctions").expect("embedded");
        assert_eq!(sfn.metadata.signing_name, "states");
        assert_eq!(sfn.metadata.target_prefix.as_deref(), Some("AWSStepFunctions"));
        assert_eq!(sfn.metadata.json_version.as_deref(), Some("1.0"));
        let sts = load("sts").expect("embedded");
        assert_eq!(sts.protocol(), Protocol::Query);
        assert_eq!(sts.metadata.xml_namespace.as_deref(), Some("https://sts.amazonaws.com/doc/2011-06-15/"));
        assert_eq!(load("ec2").expect("embedded").protocol(), Protocol::Ec2);
    }

    #[test]
    fn shapes_keep_member_order_and_traits() {
        let sts = load("sts").expect("embedded");
        let op = sts.operation("AssumeRole").expect("AssumeRole");
        assert_eq!(op.output.as_ref().and_then(|o| o.result_wrapper.as_deref()), Some("AssumeRoleResult"));
        let input = sts.input_shape(op).expect("input");
        let names: Vec<&str> = input.members.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(&names[..3], ["RoleArn", "RoleSessionName", "PolicyArns"]);
        assert!(input.is_required("RoleSessionName"));
        let session_name = sts.shape("roleSessionNameType").expect("shape");
        assert_eq!(session_name.min_len(), Some(2));
        assert_eq!(session_name.max_len(), Some(64));
        assert_eq!(session_name.pattern.as_deref(), Some(r"[\w+=,.@-]*"));
    }
}

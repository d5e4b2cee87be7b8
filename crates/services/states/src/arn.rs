//! Step Functions ARNs: `stateMachine` (with an optional version or alias qualifier), `execution` and
//! `express`, parsed with AWS's InvalidArn texts and built from their parts.

use crate::errors;
use sekisho_core::AwsError;

/// `arn:<partition>:states:<region>:<account>:<type>:<rest>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource_type: &'a str,
    pub rest: &'a str,
}

/// Splits a Step Functions ARN. AWS's texts: `Invalid ARN prefix: <arn>` for anything that does not
/// start like an ARN; the others are [inf].
pub fn parse(arn: &str) -> Result<Arn<'_>, AwsError> {
    let Some(body) = arn.strip_prefix("arn:") else {
        return Err(errors::invalid_arn(&format!("Invalid ARN prefix: {arn}")));
    };
    let mut parts = body.splitn(6, ':');
    let (Some(partition), Some(service), Some(region), Some(account), Some(resource_type), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(errors::invalid_arn(&format!("Invalid ARN: {arn}")));
    };
    if !partition.starts_with("aws") || service != "states" {
        return Err(errors::invalid_arn(&format!("Invalid ARN prefix: {arn}")));
    }
    if region.is_empty() || !sekisho_core::ids::is_account_id(account) || rest.is_empty() {
        return Err(errors::invalid_arn(&format!("Invalid ARN: {arn}")));
    }
    Ok(Arn { partition, region, account, resource_type, rest })
}

fn wrong_type(resource_type: &str) -> AwsError {
    errors::invalid_arn(&format!("Resource type not valid in this context: {resource_type}"))
}

/// A state machine, its version (`:1`) or its alias (`:prod`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateMachineRef {
    pub region: String,
    pub account: String,
    pub name: String,
    pub qualifier: Option<Qualifier>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qualifier {
    Version(u32),
    Alias(String),
}

impl StateMachineRef {
    /// The unqualified state machine ARN.
    pub fn base_arn(&self) -> String {
        state_machine(&self.region, &self.account, &self.name)
    }
}

pub fn parse_state_machine(arn: &str) -> Result<StateMachineRef, AwsError> {
    let a = parse(arn)?;
    if a.resource_type != "stateMachine" {
        return Err(wrong_type(a.resource_type));
    }
    let (name, qualifier) = match a.rest.split_once(':') {
        None => (a.rest, None),
        Some((name, q)) if !q.is_empty() && !q.contains(':') => {
            let qualifier = match q.parse::<u32>() {
                Ok(n) if !q.starts_with('0') => Qualifier::Version(n),
                _ => Qualifier::Alias(q.to_string()),
            };
            (name, Some(qualifier))
        }
        Some(_) => return Err(errors::invalid_arn(&format!("Invalid ARN: {arn}"))),
    };
    Ok(StateMachineRef {
        region: a.region.to_string(),
        account: a.account.to_string(),
        name: name.to_string(),
        qualifier,
    })
}

/// An execution of a Standard state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRef {
    pub region: String,
    pub account: String,
    pub state_machine: String,
    pub name: String,
}

pub fn parse_execution(arn: &str) -> Result<ExecutionRef, AwsError> {
    let a = parse(arn)?;
    if a.resource_type != "execution" {
        return Err(wrong_type(a.resource_type));
    }
    let Some((state_machine, name)) = a.rest.split_once(':') else {
        return Err(errors::invalid_arn(&format!("Invalid ARN: {arn}")));
    };
    Ok(ExecutionRef {
        region: a.region.to_string(),
        account: a.account.to_string(),
        state_machine: state_machine.to_string(),
        name: name.to_string(),
    })
}

/// An activity: `activity:<name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRef {
    pub region: String,
    pub account: String,
    pub name: String,
}

pub fn parse_activity(arn: &str) -> Result<ActivityRef, AwsError> {
    let a = parse(arn)?;
    if a.resource_type != "activity" {
        return Err(wrong_type(a.resource_type));
    }
    if a.rest.contains(':') {
        return Err(errors::invalid_arn(&format!("Invalid ARN: {arn}")));
    }
    Ok(ActivityRef { region: a.region.to_string(), account: a.account.to_string(), name: a.rest.to_string() })
}

pub fn activity(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{account}:activity:{name}")
}

/// A distributed Map's run: `mapRun:<machine>/<label>:<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapRunRef {
    pub region: String,
    pub account: String,
    pub state_machine: String,
}

pub fn parse_map_run(arn: &str) -> Result<MapRunRef, AwsError> {
    let a = parse(arn)?;
    if a.resource_type != "mapRun" {
        return Err(wrong_type(a.resource_type));
    }
    let Some((machine, _)) = a.rest.split_once('/') else {
        return Err(errors::invalid_arn(&format!("Invalid ARN: {arn}")));
    };
    Ok(MapRunRef { region: a.region.to_string(), account: a.account.to_string(), state_machine: machine.to_string() })
}

/// What the tagging operations tag: a state machine or an activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taggable {
    StateMachine(StateMachineRef),
    Activity(ActivityRef),
}

impl Taggable {
    pub fn scope(&self) -> (&str, &str) {
        match self {
            Taggable::StateMachine(r) => (&r.account, &r.region),
            Taggable::Activity(a) => (&a.account, &a.region),
        }
    }

    /// A version or alias ARN: AWS tags the state machine, not its qualified names.
    pub fn is_qualified(&self) -> bool {
        matches!(self, Taggable::StateMachine(r) if r.qualifier.is_some())
    }
}

/// Either a state machine or an activity, for the tagging operations.
pub fn parse_taggable(arn: &str) -> Result<Taggable, AwsError> {
    let a = parse(arn)?;
    match a.resource_type {
        "stateMachine" => parse_state_machine(arn).map(Taggable::StateMachine),
        "activity" => parse_activity(arn).map(Taggable::Activity),
        other => Err(wrong_type(other)),
    }
}

pub fn state_machine(region: &str, account: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{account}:stateMachine:{name}")
}

pub fn execution(region: &str, account: &str, state_machine: &str, name: &str) -> String {
    format!("arn:aws:states:{region}:{account}:execution:{state_machine}:{name}")
}

/// Express executions: `express:<machine>:<name>:<id>`.
pub fn express_execution(region: &str, account: &str, state_machine: &str, name: &str, id: &str) -> String {
    format!("arn:aws:states:{region}:{account}:express:{state_machine}:{name}:{id}")
}

/// The state machine ARN an execution ARN belongs to.
pub fn state_machine_of(e: &ExecutionRef) -> String {
    state_machine(&e.region, &e.account, &e.state_machine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_machine_arns_and_qualifiers() {
        let r = parse_state_machine("arn:aws:states:us-east-1:111111111111:stateMachine:m").unwrap();
        assert_eq!((r.name.as_str(), r.qualifier.clone()), ("m", None));
        assert_eq!(r.base_arn(), "arn:aws:states:us-east-1:111111111111:stateMachine:m");
        let v = parse_state_machine("arn:aws:states:us-east-1:111111111111:stateMachine:m:3").unwrap();
        assert_eq!(v.qualifier, Some(Qualifier::Version(3)));
        let a = parse_state_machine("arn:aws:states:us-east-1:111111111111:stateMachine:m:prod").unwrap();
        assert_eq!(a.qualifier, Some(Qualifier::Alias("prod".into())));
    }

    #[test]
    fn aws_texts_for_bad_arns() {
        let e = parse_state_machine("not_a_valid_arn").unwrap_err();
        assert_eq!(e.message, "Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'");
        let e = parse_execution("arn:aws:states:us-east-1:111111111111:express:m:n:id").unwrap_err();
        assert_eq!(e.message, "Invalid Arn: 'Resource type not valid in this context: express'");
        assert_eq!(e.code, "InvalidArn");
        let e = parse_state_machine("arn:aws:states:us-east-1:111111111111:execution:m:n").unwrap_err();
        assert_eq!(e.message, "Invalid Arn: 'Resource type not valid in this context: execution'");
    }

    #[test]
    fn execution_arns() {
        let e = parse_execution("arn:aws:states:eu-west-1:222222222222:execution:m:run-1").unwrap();
        assert_eq!((e.state_machine.as_str(), e.name.as_str()), ("m", "run-1"));
        assert_eq!(state_machine_of(&e), "arn:aws:states:eu-west-1:222222222222:stateMachine:m");
    }
}

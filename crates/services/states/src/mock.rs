//! Mocked service integrations in Step Functions Local's format (`MockConfigFile.json`): `StateMachines`
//! maps a state machine name to its `TestCases`, each naming the mocked response of some Task states;
//! `MockedResponses` maps a response name to its answers by invocation (`"0"`, `"1-2"`), each a `Return`
//! (the task's result) or a `Throw` (`Error`, `Cause`). An execution uses a test case when it is started
//! with `<state machine ARN>#<test case>`; its mocked tasks never call a service.

use crate::integrations::TaskOutcome;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum MockedResponse {
    Return(Value),
    Throw { error: String, cause: String },
}

/// A test case: mocked response name by state name.
pub type TestCase = BTreeMap<String, String>;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct MockConfig {
    /// Test cases by state machine name, then by test case name.
    state_machines: BTreeMap<String, BTreeMap<String, TestCase>>,
    /// Answers by response name: (first invocation, last invocation, answer), in order.
    responses: BTreeMap<String, Vec<(u32, u32, MockedResponse)>>,
}

fn object<'v>(v: &'v Value, what: &str) -> Result<&'v Map<String, Value>, String> {
    v.as_object().ok_or_else(|| format!("{what} must be a JSON object"))
}

/// `"3"` -> (3, 3), `"1-2"` -> (1, 2).
fn invocations(key: &str) -> Option<(u32, u32)> {
    let number = |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten();
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            (a <= b).then_some((a, b))
        }
        None => number(key).map(|n| (n, n)),
    }
}

fn response(v: &Value, at: &str) -> Result<MockedResponse, String> {
    let o = object(v, at)?;
    match (o.get("Return"), o.get("Throw")) {
        (Some(r), None) if o.len() == 1 => Ok(MockedResponse::Return(r.clone())),
        (None, Some(t)) if o.len() == 1 => {
            let t = object(t, &format!("{at}.Throw"))?;
            let field = |name: &str| {
                t.get(name)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("{at}.Throw must have a string field {name}"))
            };
            Ok(MockedResponse::Throw { error: field("Error")?, cause: field("Cause")? })
        }
        _ => Err(format!("{at} must have exactly one field, Return or Throw")),
    }
}

impl MockConfig {
    /// Reads a mock configuration; `Err` says what is wrong and where.
    pub fn parse(text: &str) -> Result<MockConfig, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let doc = object(&doc, "the mock configuration")?;
        if let Some(unknown) = doc.keys().find(|k| *k != "StateMachines" && *k != "MockedResponses") {
            return Err(format!("unknown top-level field {unknown}"));
        }
        let mut config = MockConfig::default();
        if let Some(responses) = doc.get("MockedResponses") {
            for (name, answers) in object(responses, "MockedResponses")? {
                let mut list = Vec::new();
                for (key, answer) in object(answers, &format!("MockedResponses.{name}"))? {
                    let at = format!("MockedResponses.{name}.\"{key}\"");
                    let (first, last) = invocations(key)
                        .ok_or_else(|| format!("{at}: an invocation is a number (\"0\") or a range (\"1-2\")"))?;
                    list.push((first, last, response(answer, &at)?));
                }
                list.sort_by_key(|(first, _, _)| *first);
                if let Some(w) = list.windows(2).find(|w| w[1].0 <= w[0].1) {
                    return Err(format!("MockedResponses.{name}: invocation {} is given twice", w[1].0));
                }
                config.responses.insert(name.clone(), list);
            }
        }
        if let Some(machines) = doc.get("StateMachines") {
            for (machine, value) in object(machines, "StateMachines")? {
                let at = format!("StateMachines.{machine}");
                let fields = object(value, &at)?;
                let cases = fields.get("TestCases").ok_or_else(|| format!("{at} must have a field TestCases"))?;
                let mut parsed = BTreeMap::new();
                for (case, states) in object(cases, &format!("{at}.TestCases"))? {
                    let at = format!("{at}.TestCases.{case}");
                    let mut test_case = TestCase::new();
                    for (state, name) in object(states, &at)? {
                        let name = name.as_str().ok_or_else(|| format!("{at}.{state} must name a mocked response"))?;
                        if !config.responses.contains_key(name) {
                            return Err(format!("{at}.{state}: no mocked response named {name}"));
                        }
                        test_case.insert(state.clone(), name.to_string());
                    }
                    parsed.insert(case.clone(), test_case);
                }
                config.state_machines.insert(machine.clone(), parsed);
            }
        }
        Ok(config)
    }

    pub fn load(path: &str) -> Result<MockConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("[states] mock_config {path}: {e}"))?;
        MockConfig::parse(&text).map_err(|e| format!("[states] mock_config {path}: {e}"))
    }

    pub fn test_case(&self, state_machine: &str, case: &str) -> Option<&TestCase> {
        self.state_machines.get(state_machine)?.get(case)
    }

    /// The answer of a response to its `invocation`th call (from 0).
    pub fn response(&self, name: &str, invocation: u32) -> Option<&MockedResponse> {
        let list = self.responses.get(name)?;
        list.iter().find(|(first, last, _)| (*first..=*last).contains(&invocation)).map(|(_, _, r)| r)
    }

    /// What the mocked `state` of a test case answers on its `invocation`th call; `None` when the test case
    /// does not mock the state (it then calls its service).
    pub fn outcome(&self, state_machine: &str, case: &str, state: &str, invocation: u32) -> Option<TaskOutcome> {
        let name = self.test_case(state_machine, case)?.get(state)?;
        Some(match self.response(name, invocation) {
            Some(MockedResponse::Return(v)) => TaskOutcome::Succeeded(v.clone()),
            Some(MockedResponse::Throw { error, cause }) => TaskOutcome::failed(error, cause),
            // The documentation says only that the execution fails. [inf] the wording.
            None => TaskOutcome::failed(
                "States.Runtime",
                format!(
                    "The mocked response {name} of test case {case} has no answer for invocation {invocation} of state '{state}'"
                ),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The example of AWS's "Configuration file for mocked service integrations" page.
    const AWS_EXAMPLE: &str = r#"{
      "StateMachines":{
        "LambdaSQSIntegration":{
          "TestCases":{
            "HappyPath":{"LambdaState":"MockedLambdaSuccess","SQSState":"MockedSQSSuccess"},
            "RetryPath":{"LambdaState":"MockedLambdaRetry","SQSState":"MockedSQSSuccess"},
            "HybridPath":{"LambdaState":"MockedLambdaSuccess"}
          }
        }
      },
      "MockedResponses":{
        "MockedLambdaSuccess":{"0":{"Return":{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}}},
        "LambdaMockedResourceNotReady":{"0":{"Throw":{"Error":"Lambda.ResourceNotReadyException","Cause":"Lambda resource is not ready."}}},
        "MockedSQSSuccess":{"0":{"Return":{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}},
        "MockedLambdaRetry":{
          "0":{"Throw":{"Error":"Lambda.ResourceNotReadyException","Cause":"Lambda resource is not ready."}},
          "1-2":{"Throw":{"Error":"Lambda.TimeoutException","Cause":"Lambda timed out."}},
          "3":{"Return":{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}}
        }
      }
    }"#;

    #[test]
    fn awss_example_answers_by_invocation() {
        let c = MockConfig::parse(AWS_EXAMPLE).unwrap();
        let sm = "LambdaSQSIntegration";
        let hello = json!({"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}});
        assert_eq!(c.outcome(sm, "HappyPath", "LambdaState", 0), Some(TaskOutcome::Succeeded(hello.clone())));
        let not_ready = TaskOutcome::failed("Lambda.ResourceNotReadyException", "Lambda resource is not ready.");
        let timed_out = TaskOutcome::failed("Lambda.TimeoutException", "Lambda timed out.");
        let retry: Vec<_> = (0..4).map(|n| c.outcome(sm, "RetryPath", "LambdaState", n).unwrap()).collect();
        assert_eq!(retry, [not_ready, timed_out.clone(), timed_out, TaskOutcome::Succeeded(hello)]);
        // HybridPath leaves SQSState to its service.
        assert_eq!(c.outcome(sm, "HybridPath", "SQSState", 0), None);
        assert!(c.test_case(sm, "NoSuchCase").is_none());
        // Past the last answer the execution fails.
        let TaskOutcome::Failed { error, cause } = c.outcome(sm, "HappyPath", "LambdaState", 1).unwrap() else {
            panic!("no answer for a second call");
        };
        assert_eq!(error, "States.Runtime");
        assert!(cause.contains("invocation 1"), "{cause}");
    }

    #[test]
    fn mistakes_are_named() {
        for (doc, says) in [
            ("[]", "must be a JSON object"),
            (r#"{"StateMachine": {}}"#, "unknown top-level field StateMachine"),
            (r#"{"MockedResponses": {"R": {"x": {"Return": 1}}}}"#, "an invocation is a number"),
            (r#"{"MockedResponses": {"R": {"2-1": {"Return": 1}}}}"#, "an invocation is a number"),
            (r#"{"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {}}}}}"#, "exactly one field"),
            (r#"{"MockedResponses": {"R": {"0": {"Throw": {"Error": "E"}}}}}"#, "string field Cause"),
            (
                r#"{"MockedResponses": {"R": {"0-1": {"Return": 1}, "1": {"Return": 2}}}}"#,
                "invocation 1 is given twice",
            ),
            (r#"{"StateMachines": {"M": {}}}"#, "must have a field TestCases"),
            (r#"{"StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}}}"#, "no mocked response named Missing"),
        ] {
            let e = MockConfig::parse(doc).unwrap_err();
            assert!(e.contains(says), "{doc}: {e}");
        }
    }
}

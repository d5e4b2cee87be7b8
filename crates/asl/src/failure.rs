//! A runtime error as the engine carries it: error name, cause, and where it came from.
//! States turn these into history events, retries, catches or a failed execution.

use serde::{Deserialize, Serialize};

use crate::messages as m;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
    /// The field a JSONata failure came from (`EvaluationFailed.location`).
    pub location: Option<String>,
    /// Whether the cause still needs AWS's "An error occurred while executing the state ..." prefix.
    pub needs_state_prefix: bool,
    /// A query failure AWS reports with an `EvaluationFailed` event that names no field (a JSONata Map's
    /// input that is not an array).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlocated_evaluation: bool,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Failure {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
            location: None,
            needs_state_prefix: false,
            unlocated_evaluation: false,
        }
    }

    /// A `Fail` state's error: either part may be absent.
    pub fn raw(error: Option<String>, cause: Option<String>) -> Failure {
        Failure { error, cause, location: None, needs_state_prefix: false, unlocated_evaluation: false }
    }

    /// `States.Runtime`: never retried or caught, fails the execution.
    pub fn runtime(detail: impl Into<String>) -> Failure {
        Failure {
            error: Some(m::STATES_RUNTIME.to_string()),
            cause: Some(detail.into()),
            location: None,
            needs_state_prefix: true,
            unlocated_evaluation: false,
        }
    }

    pub fn intrinsic(detail: impl Into<String>) -> Failure {
        Failure {
            error: Some(m::STATES_INTRINSIC_FAILURE.to_string()),
            cause: Some(detail.into()),
            location: None,
            needs_state_prefix: true,
            unlocated_evaluation: false,
        }
    }

    /// `States.DataLimitExceeded`: a value grew past the payload quota. Only a Retrier or Catcher that
    /// names it handles it (`States.ALL` does not match it).
    pub fn data_limit(detail: impl Into<String>) -> Failure {
        Failure {
            error: Some(m::STATES_DATA_LIMIT_EXCEEDED.to_string()),
            cause: Some(detail.into()),
            location: None,
            needs_state_prefix: true,
            unlocated_evaluation: false,
        }
    }

    /// `States.QueryEvaluationError` from the JSONata field `location`.
    pub fn query(location: impl Into<String>, detail: impl Into<String>) -> Failure {
        Failure {
            error: Some(m::STATES_QUERY_EVALUATION_ERROR.to_string()),
            cause: Some(detail.into()),
            location: Some(location.into()),
            needs_state_prefix: true,
            unlocated_evaluation: false,
        }
    }

    /// `States.QueryEvaluationError` whose `EvaluationFailed` event has no `location` member.
    pub fn query_unlocated(detail: impl Into<String>) -> Failure {
        Failure {
            error: Some(m::STATES_QUERY_EVALUATION_ERROR.to_string()),
            cause: Some(detail.into()),
            location: None,
            needs_state_prefix: true,
            unlocated_evaluation: true,
        }
    }

    pub fn error_name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    pub fn is_runtime(&self) -> bool {
        self.error.as_deref() == Some(m::STATES_RUNTIME)
    }

    pub fn is_query_evaluation(&self) -> bool {
        self.error.as_deref() == Some(m::STATES_QUERY_EVALUATION_ERROR)
    }

    /// Adds the state prefix once the failing state and its entered event are known.
    pub fn in_state(mut self, state: &str, entered_event_id: u64) -> Failure {
        if self.needs_state_prefix {
            if let Some(cause) = &self.cause {
                self.cause = Some(m::in_state(state, entered_event_id, cause));
            }
            self.needs_state_prefix = false;
        }
        self
    }

    /// The `{"Error": ..., "Cause": ...}` object catchers receive.
    pub fn error_output(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        if let Some(e) = &self.error {
            map.insert("Error".into(), serde_json::Value::String(e.clone()));
        }
        if let Some(c) = &self.cause {
            map.insert("Cause".into(), serde_json::Value::String(c.clone()));
        }
        serde_json::Value::Object(map)
    }
}

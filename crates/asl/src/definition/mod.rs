//! State machine definitions: parsing into typed states, and AWS's validation diagnostics.
//! `StateMachine::parse` is the only way to build a machine; bad definitions get AWS's messages.

mod choice;
mod graph;
mod map;
pub mod model;
mod parse;
mod reader;
mod states;
mod task;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::messages as m;
use crate::query::{JsonataEngine, QueryEngine};

use model::Block;
pub use model::{BlockId, QueryLanguage, StateId};

/// `ValidateStateMachineDefinition` severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Error,
    Warning,
}

/// One `ValidateStateMachineDefinition` diagnostic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &str, message: impl Into<String>, location: Option<&str>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code: code.to_string(),
            message: message.into(),
            location: location.map(str::to_string),
        }
    }
}

/// Standard or Express: Express refuses `.sync`, `.waitForTaskToken` and activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum StateMachineType {
    #[default]
    Standard,
    Express,
}

/// `InvalidDefinition`: the definition's errors, rendered as AWS renders them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let problems: Vec<(String, String, Option<String>)> = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.code.clone(), d.message.clone(), d.location.clone()))
            .collect();
        f.write_str(&m::invalid_definition(&problems))
    }
}

impl std::error::Error for DefinitionError {}

/// A parsed, validated state machine. Immutable; shared between executions.
pub struct StateMachine {
    pub(crate) blocks: Vec<Block>,
    pub(crate) engine: Arc<dyn QueryEngine>,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) kind: StateMachineType,
    resources: Vec<String>,
}

impl std::fmt::Debug for StateMachine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateMachine")
            .field("states", &self.blocks.iter().map(|b| b.states.len()).sum::<usize>())
            .finish()
    }
}

impl StateMachine {
    /// Parses a Standard state machine with the default JSONata engine.
    pub fn parse(definition: &str) -> Result<StateMachine, DefinitionError> {
        Self::parse_with(definition, StateMachineType::Standard, Arc::new(JsonataEngine))
    }

    /// Parses with a machine type and a query engine of the caller's choice.
    pub fn parse_with(
        definition: &str,
        kind: StateMachineType,
        engine: Arc<dyn QueryEngine>,
    ) -> Result<StateMachine, DefinitionError> {
        let parsed = parse::parse(definition, kind, engine.as_ref());
        if parsed.diagnostics.iter().any(|d| d.severity == Severity::Error) {
            return Err(DefinitionError { diagnostics: parsed.diagnostics });
        }
        Ok(StateMachine {
            blocks: parsed.blocks,
            engine,
            timeout_seconds: parsed.timeout_seconds,
            kind,
            resources: parsed.resources,
        })
    }

    /// How many events an execution's history may hold before the execution fails: AWS's quota for
    /// Standard, ours (a memory bound) for Express, whose history AWS does not keep.
    pub(crate) fn history_limit(&self) -> u64 {
        match self.kind {
            StateMachineType::Standard => crate::budget::MAX_HISTORY_EVENTS,
            StateMachineType::Express => crate::budget::MAX_EXPRESS_EVENTS,
        }
    }

    /// `ValidateStateMachineDefinition`: every diagnostic, errors and warnings.
    pub fn validate(definition: &str, kind: StateMachineType) -> Vec<Diagnostic> {
        parse::parse(definition, kind, &JsonataEngine).diagnostics
    }

    /// Every Task `Resource` ARN, in definition order (for IAM and integration checks).
    pub fn task_resources(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().map(String::as_str)
    }

    /// A block by id; `None` only for an execution resumed with a different definition.
    pub(crate) fn block(&self, id: BlockId) -> Option<&Block> {
        self.blocks.get(id)
    }

    /// The top-level block.
    pub(crate) const ROOT: BlockId = 0;
}

#[cfg(test)]
mod tests;

//! The typed state machine: only the parser builds these, so the interpreter can trust them.
//! Nested state lists (Parallel branches, Map processors) live in one flat list of blocks.

use serde_json::Value;

use crate::paths::PathRef;
use crate::template::{Jsonata, PathOrCall, Payload};

pub type BlockId = usize;
pub type StateId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

impl QueryLanguage {
    pub fn name(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }
}

/// A `StartAt` + `States` list: the top level, a Parallel branch or a Map item processor.
#[derive(Debug, Clone)]
pub struct Block {
    pub start_at: StateId,
    pub states: Vec<State>,
    /// `/States/...` prefix of this block in the definition (for diagnostics).
    pub location: String,
}

impl Block {
    pub fn find(&self, name: &str) -> Option<StateId> {
        self.states.iter().position(|s| s.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct State {
    pub name: String,
    pub query_language: QueryLanguage,
    pub kind: StateKind,
    /// `None` for an end state (or a state that never transitions on its own).
    pub next: Option<StateId>,
    pub io: Io,
    pub assign: Option<Assign>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
    /// Whether any field reads the context object (`$$`, `$states.context`); building it is
    /// skipped otherwise.
    pub needs_context: bool,
    /// Whether a field may read `Execution.Input` from it (copying the input is skipped
    /// otherwise: a Map over a large input would copy it once per item).
    pub needs_execution_input: bool,
}

impl State {
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            StateKind::Pass { .. } => "Pass",
            StateKind::Task(_) => "Task",
            StateKind::Choice(_) => "Choice",
            StateKind::Wait(_) => "Wait",
            StateKind::Succeed => "Succeed",
            StateKind::Fail(_) => "Fail",
            StateKind::Parallel { .. } => "Parallel",
            StateKind::Map(_) => "Map",
        }
    }
}

/// Input and output processing of a state, in its query language.
// One per state, built once: the size difference between the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Io {
    JsonPath {
        /// `None`: `$` (whole input). `Some(None)`: `null` (empty object).
        input_path: Option<Option<PathRef>>,
        parameters: Option<Payload>,
        result_selector: Option<Payload>,
        /// `None`: `$` (the result replaces the input). `Some(None)`: `null` (result discarded).
        result_path: Option<Option<PathRef>>,
        output_path: Option<Option<PathRef>>,
    },
    Jsonata {
        arguments: Option<Jsonata>,
        output: Option<Jsonata>,
    },
}

#[derive(Debug, Clone)]
pub enum Assign {
    JsonPath(Payload),
    Jsonata(Vec<(String, Jsonata)>),
}

#[derive(Debug, Clone)]
pub enum StateKind {
    Pass { result: Option<Value> },
    Task(Task),
    Choice(Choice),
    Wait(Wait),
    Succeed,
    Fail(Fail),
    Parallel { branches: Vec<BlockId> },
    Map(Box<MapState>),
}

/// A number field: literal, read from a path, or a JSONata expression.
#[derive(Debug, Clone)]
pub enum Number {
    Literal(Value),
    Path(PathRef),
    Expr(Jsonata),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    RequestResponse,
    Sync,
    Sync2,
    WaitForTaskToken,
}

/// The `Resource` of a Task, split the way history events show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// `arn:aws:states:::<service>:<action>[.pattern]`, `resource_type` may be `aws-sdk:<svc>`.
    Integration { arn: String, resource_type: String, resource: String, pattern: Pattern },
    /// `arn:aws:lambda:<region>:<account>:function:<name>`: LambdaFunction* events.
    LambdaFunction { arn: String },
    /// `arn:aws:states:<region>:<account>:activity:<name>`: Activity* events.
    Activity { arn: String },
}

impl Resource {
    pub fn arn(&self) -> &str {
        match self {
            Resource::Integration { arn, .. } | Resource::LambdaFunction { arn } | Resource::Activity { arn } => arn,
        }
    }
}

#[derive(Debug, Clone)]
pub enum RoleArn {
    Literal(String),
    Path(PathOrCall),
    Expr(Jsonata),
}

#[derive(Debug, Clone)]
pub struct Task {
    pub resource: Resource,
    pub timeout_seconds: Option<Number>,
    pub heartbeat_seconds: Option<Number>,
    pub credentials: Option<RoleArn>,
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub rules: Vec<ChoiceRule>,
    pub default: Option<StateId>,
}

#[derive(Debug, Clone)]
pub struct ChoiceRule {
    pub condition: Condition,
    pub next: StateId,
    pub assign: Option<Assign>,
    pub output: Option<Jsonata>,
}

#[derive(Debug, Clone)]
pub enum Condition {
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Compare { variable: PathRef, op: Comparison, operand: Operand },
    Test { variable: PathRef, test: TypeTest, expected: bool },
    Jsonata(Jsonata),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    StringEquals,
    StringLessThan,
    StringGreaterThan,
    StringLessThanEquals,
    StringGreaterThanEquals,
    StringMatches,
    NumericEquals,
    NumericLessThan,
    NumericGreaterThan,
    NumericLessThanEquals,
    NumericGreaterThanEquals,
    BooleanEquals,
    TimestampEquals,
    TimestampLessThan,
    TimestampGreaterThan,
    TimestampLessThanEquals,
    TimestampGreaterThanEquals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeTest {
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

#[derive(Debug, Clone)]
pub enum Operand {
    Literal(Value),
    Path(PathRef),
}

#[derive(Debug, Clone)]
pub enum Wait {
    Seconds(Number),
    Timestamp(String),
    TimestampPath(PathRef),
    TimestampExpr(Jsonata),
}

/// `Error`/`Cause` of a Fail state.
#[derive(Debug, Clone)]
pub enum FailText {
    Literal(String),
    Path(PathOrCall),
    Expr(Jsonata),
}

#[derive(Debug, Clone)]
pub struct Fail {
    pub error: Option<FailText>,
    pub cause: Option<FailText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessorMode {
    Inline,
    Distributed,
}

#[derive(Debug, Clone)]
pub struct ItemBatcher {
    pub max_items_per_batch: Option<Number>,
    pub max_input_bytes_per_batch: Option<Number>,
    pub batch_input: Option<Payload>,
    pub batch_input_jsonata: Option<Jsonata>,
}

#[derive(Debug, Clone)]
pub struct MapState {
    pub processor: BlockId,
    pub mode: ProcessorMode,
    pub items_path: Option<PathRef>,
    pub items: Option<Jsonata>,
    pub item_selector: Option<Payload>,
    pub item_selector_jsonata: Option<Jsonata>,
    pub max_concurrency: Option<Number>,
    pub tolerated_failure_count: Option<Number>,
    pub tolerated_failure_percentage: Option<Number>,
    pub item_batcher: Option<ItemBatcher>,
    pub item_reader: Option<Value>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    Full,
    None,
}

#[derive(Debug, Clone)]
pub struct Retrier {
    pub error_equals: Vec<String>,
    pub interval_seconds: u64,
    pub max_attempts: u64,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<u64>,
    pub jitter: Jitter,
}

#[derive(Debug, Clone)]
pub struct Catcher {
    pub error_equals: Vec<String>,
    pub next: StateId,
    /// JSONPath catchers: `None` is `$`, `Some(None)` is `null`.
    pub result_path: Option<Option<PathRef>>,
    pub assign: Option<Assign>,
    pub output: Option<Jsonata>,
}

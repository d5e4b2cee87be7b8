//! JSONPath with Jayway semantics, as Step Functions evaluates `InputPath`, `Parameters` and the rest.
//! Definite paths yield one value or a "not found" error; indefinite paths yield an array of matches.

mod eval;
mod filter;
mod parse;

pub use eval::PathError;
pub(crate) use filter::FilterExpr;

use serde_json::Value;

/// A parsed JSONPath expression (`$.a.b[0]`, `$..x`, `$.items[?(@.n > 1)].id`).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    source: String,
    pub(crate) root: Root,
    pub(crate) steps: Vec<Step>,
    pub(crate) function: Option<Function>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    /// `$`: the document.
    Document,
    /// `@`: the current node inside a filter.
    Current,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Child(Selector),
    /// `..`: the selector applied at every depth.
    Deep(Selector),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Selector {
    Name(String),
    Names(Vec<String>),
    Wildcard,
    Index(i64),
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>),
    Filter(Box<FilterExpr>),
}

/// Jayway's path functions, applied to the result of the path before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    Length,
    Min,
    Max,
    Avg,
    Stddev,
    Sum,
    Keys,
    First,
    Last,
}

/// A reference path crossed a value it cannot write into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathMismatch;

/// Why a path text is not a JSONPath.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSyntaxError {
    pub message: String,
}

impl std::fmt::Display for PathSyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl JsonPath {
    /// Parses a path that starts with `$`.
    pub fn parse(source: &str) -> Result<JsonPath, PathSyntaxError> {
        parse::parse(source)
    }

    /// The text the path was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// A definite path names exactly one node: no wildcard, deep scan, filter, slice or list.
    pub fn is_definite(&self) -> bool {
        self.steps.iter().all(|s| matches!(s, Step::Child(Selector::Name(_)) | Step::Child(Selector::Index(_))))
    }

    /// A Reference Path (ResultPath) names one node by names and indexes only.
    pub fn is_reference(&self) -> bool {
        self.root == Root::Document && self.function.is_none() && self.is_definite()
    }

    /// Evaluates against `root`: the value for a definite path, an array of matches otherwise.
    /// At most [`MAX_PATH_VISITS`](crate::budget::MAX_PATH_VISITS) nodes are visited, nested filter
    /// paths included; past that the evaluation fails.
    pub fn evaluate(&self, root: &Value) -> Result<Value, PathError> {
        eval::evaluate(self, root, root, &eval::Visits::new())
    }

    /// Jayway's normalized form (`$['a']['b'][0]`), used in error messages.
    pub fn normalized(&self) -> String {
        eval::normalized(&self.steps)
    }

    /// Writes `value` at this reference path inside `target`, creating missing objects.
    /// Fails when the path crosses a value that is not an object (AWS's ResultPathMatchFailure).
    pub fn set(&self, target: &mut Value, value: Value) -> Result<(), PathMismatch> {
        eval::set(self, target, value)
    }
}

#[cfg(test)]
mod tests;

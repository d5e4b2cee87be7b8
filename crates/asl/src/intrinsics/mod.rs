//! Intrinsic functions (`States.Format('{}', $.x)` and the rest): parsing and evaluation.
//! Arguments are quoted strings, numbers, booleans, null, paths and nested calls.

mod functions;

use serde_json::Value;

use crate::budget::{MAX_INTRINSIC_NESTING, Work};
use crate::env::Env;
use crate::paths::{PathRef, PathScope};

/// One intrinsic call, parsed from a `.$` value.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A quoted string, kept as written between the quotes (escapes resolved when used).
    Text(String),
    Literal(Value),
    Path(PathRef),
    Call(Call),
}

/// Why an intrinsic call failed at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntrinsicError {
    /// `States.IntrinsicFailure` with this detail.
    Failure(String),
    /// An argument path found nothing (AWS reports this as `States.Runtime`).
    PathNotFound { path: String },
    /// The arguments copied more of the input than a payload may hold (`States.DataLimitExceeded`).
    TooLarge,
}

const FUNCTIONS: &[&str] = &[
    "States.Format",
    "States.StringToJson",
    "States.JsonToString",
    "States.Array",
    "States.ArrayPartition",
    "States.ArrayContains",
    "States.ArrayRange",
    "States.ArrayGetItem",
    "States.ArrayLength",
    "States.ArrayUnique",
    "States.Base64Encode",
    "States.Base64Decode",
    "States.Hash",
    "States.JsonMerge",
    "States.MathRandom",
    "States.MathAdd",
    "States.StringSplit",
    "States.UUID",
];

/// Whether a `.$` value is meant as an intrinsic call rather than a path.
pub fn looks_like_call(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

impl Call {
    pub fn parse(text: &str) -> Result<Call, String> {
        let mut p = Parser { chars: text.chars().collect(), pos: 0, depth: 0 };
        p.ws();
        let call = p.call()?;
        p.ws();
        if p.pos != p.chars.len() {
            return Err(format!("unexpected text after the call at position {}", p.pos));
        }
        Ok(call)
    }

    /// Evaluates with `scope` for path arguments and `env` for UUID and MathRandom.
    pub fn evaluate(&self, scope: &PathScope<'_>, env: &mut dyn Env) -> Result<Value, IntrinsicError> {
        self.evaluate_within(scope, env, &mut Work::new())
    }

    /// Evaluates with what the surrounding template may still copy from its input: every path argument is
    /// charged, so `States.Array($, $, ...)` fails before it holds gigabytes.
    pub(crate) fn evaluate_within(
        &self,
        scope: &PathScope<'_>,
        env: &mut dyn Env,
        work: &mut Work,
    ) -> Result<Value, IntrinsicError> {
        let mut values = Vec::with_capacity(self.args.len());
        for arg in &self.args {
            values.push(match arg {
                Arg::Text(raw) => Value::String(unescape(raw)),
                Arg::Literal(v) => v.clone(),
                Arg::Path(p) => {
                    let v = p.evaluate(scope).map_err(|_| IntrinsicError::PathNotFound { path: p.source() })?;
                    if !work.charge(&v) {
                        return Err(IntrinsicError::TooLarge);
                    }
                    v
                }
                Arg::Call(c) => c.evaluate_within(scope, env, work)?,
            });
        }
        functions::apply(self, values, env)
    }
}

/// Resolves `\'`, `\{`, `\}` and `\\` in a quoted argument.
pub(crate) fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&n @ ('\'' | '{' | '}' | '\\')) => {
                    out.push(n);
                    chars.next();
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Calls open around the current position.
    depth: usize,
}

impl Parser {
    fn ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn call(&mut self) -> Result<Call, String> {
        self.depth += 1;
        if self.depth > MAX_INTRINSIC_NESTING {
            return Err(crate::messages::intrinsic_nesting(MAX_INTRINSIC_NESTING));
        }
        let call = self.call_body();
        self.depth -= 1;
        call
    }

    fn call_body(&mut self) -> Result<Call, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_') {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if !FUNCTIONS.contains(&name.as_str()) {
            return Err(crate::messages::intrinsic_unknown(&name));
        }
        self.ws();
        if self.peek() != Some('(') {
            return Err(format!("expected '(' after {name}"));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.ws();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(Call { name, args });
        }
        loop {
            self.ws();
            args.push(self.arg()?);
            self.ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(Call { name, args });
                }
                _ => return Err(format!("expected ',' or ')' in {name}")),
            }
        }
    }

    fn arg(&mut self) -> Result<Arg, String> {
        match self.peek() {
            Some('\'') => {
                self.pos += 1;
                let mut raw = String::new();
                loop {
                    match self.peek() {
                        None => return Err("unterminated string argument".to_string()),
                        Some('\\') => {
                            raw.push('\\');
                            if let Some(n) = self.chars.get(self.pos + 1) {
                                raw.push(*n);
                            }
                            self.pos += 2;
                        }
                        Some('\'') => {
                            self.pos += 1;
                            return Ok(Arg::Text(raw));
                        }
                        Some(c) => {
                            raw.push(c);
                            self.pos += 1;
                        }
                    }
                }
            }
            Some('$') => {
                let start = self.pos;
                let mut depth = 0i32;
                let mut quote: Option<char> = None;
                while let Some(c) = self.peek() {
                    match quote {
                        Some(q) => {
                            if c == q {
                                quote = None;
                            }
                        }
                        None => match c {
                            '\'' | '"' => quote = Some(c),
                            '[' | '(' => depth += 1,
                            ']' => depth -= 1,
                            ')' if depth == 0 => break,
                            ')' => depth -= 1,
                            ',' if depth == 0 => break,
                            c if c.is_whitespace() && depth == 0 => break,
                            _ => {}
                        },
                    }
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().collect();
                PathRef::parse(&text).map(Arg::Path).map_err(|e| format!("invalid path '{text}': {e}"))
            }
            Some('S') => Ok(Arg::Call(self.call()?)),
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
                    self.pos += 1;
                }
                let text: String = self.chars[start..self.pos].iter().collect();
                serde_json::from_str::<Value>(&text)
                    .ok()
                    .filter(Value::is_number)
                    .map(Arg::Literal)
                    .ok_or_else(|| format!("invalid number '{text}'"))
            }
            _ => {
                for (word, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)]
                {
                    let text: String = self.chars.iter().skip(self.pos).take(word.len()).collect();
                    if text == word {
                        self.pos += word.len();
                        return Ok(Arg::Literal(value));
                    }
                }
                Err(format!("unexpected argument at position {}", self.pos))
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! The Choice state: rules in order, the first match picks `Next`, else `Default`.
//! A matched rule's Assign/Output replace the state's own, which apply to the Default path.

use serde_json::Value;

use super::Run;
use super::data::{self, Cx};
use super::thread::{Active, StepResult};
use crate::definition::model::{Comparison, Condition, Io, Operand, StateKind, TypeTest};
use crate::failure::Failure;
use crate::json::{json_equal, to_text, type_name};
use crate::messages as m;
use crate::paths::{PathRef, PathScope};

pub fn run(run: &mut Run, cx: &Cx, active: &Active) -> Result<StepResult, Failure> {
    let StateKind::Choice(choice) = &cx.state.kind else {
        return Ok(StepResult::Fail(Failure::runtime("not a Choice state")));
    };
    let context = data::context(run, cx, None, None);
    match &cx.state.io {
        Io::JsonPath { input_path, output_path, .. } => {
            let data = data::select_path(input_path, &active.input, &context, cx.vars)?;
            let scope = PathScope { data: &data, context: &context, variables: cx.vars };
            let mut matched = None;
            for rule in &choice.rules {
                if evaluate(&rule.condition, &scope)? {
                    matched = Some(rule);
                    break;
                }
            }
            let next = match (matched, choice.default) {
                (Some(rule), _) => rule.next,
                (None, Some(d)) => d,
                (None, None) => {
                    return Err(Failure::new(m::STATES_NO_CHOICE_MATCHED, m::no_choice_matched()));
                }
            };
            let assign = match matched {
                Some(rule) => rule.assign.as_ref(),
                None => cx.state.assign.as_ref(),
            };
            let assigned = data::assign(run, cx, assign, &data, &context, &Value::Null)?;
            let output = data::select_path(output_path, &data, &context, cx.vars)?;
            Ok(StepResult::Exit { output, next: Some(next), assigned })
        }
        Io::Jsonata { output, .. } => {
            let states = data::states(&active.input, &context, None, None);
            let mut matched = None;
            for rule in &choice.rules {
                let Condition::Jsonata(t) = &rule.condition else {
                    continue;
                };
                let v = data::jsonata(run, cx, t, "Condition", &states)?;
                match v {
                    Value::Bool(true) => {
                        matched = Some(rule);
                        break;
                    }
                    Value::Bool(false) => {}
                    other => {
                        return Err(Failure::query(
                            "Condition",
                            m::jsonata_wrong_type(
                                &t.source(),
                                "Condition",
                                "boolean",
                                type_name(&other),
                                &to_text(&other),
                            ),
                        ));
                    }
                }
            }
            let next = match (matched, choice.default) {
                (Some(rule), _) => rule.next,
                (None, Some(d)) => d,
                (None, None) => {
                    return Err(Failure::new(m::STATES_NO_CHOICE_MATCHED, m::no_choice_matched()));
                }
            };
            let (assign, out_template) = match matched {
                Some(rule) => (rule.assign.as_ref(), rule.output.as_ref()),
                None => (cx.state.assign.as_ref(), output.as_ref()),
            };
            let assigned = data::assign(run, cx, assign, &Value::Null, &context, &states)?;
            let out = match out_template {
                Some(t) => data::jsonata(run, cx, t, "Output", &states)?,
                None => active.input.clone(),
            };
            Ok(StepResult::Exit { output: out, next: Some(next), assigned })
        }
    }
}

fn invalid_value(path: &PathRef) -> Failure {
    Failure::runtime(m::invalid_path(&path.source(), "The choice state's condition path references an invalid value."))
}

fn evaluate(condition: &Condition, scope: &PathScope) -> Result<bool, Failure> {
    match condition {
        Condition::And(items) => {
            for c in items {
                if !evaluate(c, scope)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Condition::Or(items) => {
            for c in items {
                if evaluate(c, scope)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Condition::Not(inner) => Ok(!evaluate(inner, scope)?),
        Condition::Test { variable, test, expected } => {
            let value = variable.evaluate(scope);
            let result = match test {
                TypeTest::IsPresent => value.is_ok(),
                _ => {
                    let Ok(v) = value else {
                        return Ok(!*expected);
                    };
                    match test {
                        TypeTest::IsNull => v.is_null(),
                        TypeTest::IsNumeric => v.is_number(),
                        TypeTest::IsString => v.is_string(),
                        TypeTest::IsBoolean => v.is_boolean(),
                        _ => v.as_str().and_then(crate::time::parse_iso).is_some(),
                    }
                }
            };
            Ok(result == *expected)
        }
        Condition::Compare { variable, op, operand } => {
            let value = variable.evaluate(scope).map_err(|_| invalid_value(variable))?;
            let other = match operand {
                Operand::Literal(v) => v.clone(),
                Operand::Path(p) => p.evaluate(scope).map_err(|_| invalid_value(p))?,
            };
            Ok(compare(&value, *op, &other))
        }
        Condition::Jsonata(_) => Ok(false),
    }
}

fn compare(value: &Value, op: Comparison, other: &Value) -> bool {
    use Comparison::*;
    match op {
        StringEquals | StringLessThan | StringGreaterThan | StringLessThanEquals | StringGreaterThanEquals => {
            let (Some(a), Some(b)) = (value.as_str(), other.as_str()) else {
                return false;
            };
            let o = a.cmp(b);
            match op {
                StringEquals => o.is_eq(),
                StringLessThan => o.is_lt(),
                StringGreaterThan => o.is_gt(),
                StringLessThanEquals => o.is_le(),
                _ => o.is_ge(),
            }
        }
        StringMatches => match (value.as_str(), other.as_str()) {
            (Some(a), Some(pattern)) => glob_match(pattern, a),
            _ => false,
        },
        NumericEquals => value.is_number() && other.is_number() && json_equal(value, other),
        NumericLessThan | NumericGreaterThan | NumericLessThanEquals | NumericGreaterThanEquals => {
            let (Some(a), Some(b)) = (value.as_f64(), other.as_f64()) else {
                return false;
            };
            if !value.is_number() || !other.is_number() {
                return false;
            }
            match op {
                NumericLessThan => a < b,
                NumericGreaterThan => a > b,
                NumericLessThanEquals => a <= b,
                _ => a >= b,
            }
        }
        BooleanEquals => value.is_boolean() && value == other,
        TimestampEquals
        | TimestampLessThan
        | TimestampGreaterThan
        | TimestampLessThanEquals
        | TimestampGreaterThanEquals => {
            let parse = |v: &Value| v.as_str().and_then(crate::time::parse_iso);
            let (Some(a), Some(b)) = (parse(value), parse(other)) else {
                return false;
            };
            match op {
                TimestampEquals => a == b,
                TimestampLessThan => a < b,
                TimestampGreaterThan => a > b,
                TimestampLessThanEquals => a <= b,
                _ => a >= b,
            }
        }
    }
}

/// `StringMatches`: `*` matches any run of characters; `\*` and `\\` are literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    enum Token {
        Star,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => tokens.push(Token::Char(n)),
                None => tokens.push(Token::Char('\\')),
            },
            '*' => tokens.push(Token::Star),
            c => tokens.push(Token::Char(c)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last star.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match tokens.get(p) {
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while let Some(Token::Star) = tokens.get(p) {
        p += 1;
    }
    p == tokens.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn glob() {
        assert!(glob_match("log-*.txt", "log-2024.txt"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a\\*b", "a*b"));
        assert!(!glob_match("a\\*b", "axb"));
        assert!(glob_match("*.log", "x.y.log"));
        assert!(!glob_match("*.log", "x.logs"));
    }

    #[test]
    fn comparisons_refuse_mismatched_types() {
        assert!(!compare(&json!("1"), Comparison::NumericEquals, &json!(1)));
        assert!(compare(&json!(1.0), Comparison::NumericEquals, &json!(1)));
        assert!(!compare(&json!(1), Comparison::StringEquals, &json!("1")));
        assert!(compare(&json!("b"), Comparison::StringGreaterThan, &json!("a")));
        assert!(compare(
            &json!("2016-03-14T01:59:00Z"),
            Comparison::TimestampLessThan,
            &json!("2016-03-14T02:59:00+00:30")
        ));
        assert!(compare(&json!(true), Comparison::BooleanEquals, &json!(true)));
        assert!(!compare(&json!("true"), Comparison::BooleanEquals, &json!(true)));
    }
}

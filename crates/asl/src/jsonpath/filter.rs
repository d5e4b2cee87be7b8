//! Jayway filter expressions (`[?(@.price < 10 && @.tags)]`): parsing and evaluation.
//! Comparisons follow Jayway: numbers and numeric strings compare as numbers, `=~` must match whole.

use regex::Regex;
use serde_json::Value;

use super::eval::Visits;
use super::parse::Parser;
use super::{JsonPath, PathSyntaxError, Root};
use crate::json::json_equal;

#[derive(Debug, Clone)]
pub(crate) enum FilterExpr {
    /// `a || b || ...`, kept flat: a long chain must not become a deep tree.
    Or(Vec<FilterExpr>),
    And(Vec<FilterExpr>),
    Not(Box<FilterExpr>),
    /// A lone operand: true when the path exists (or the literal is truthy).
    Exists(Operand),
    Compare(Operand, Op, Operand),
}

impl PartialEq for FilterExpr {
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(Box<JsonPath>),
    Literal(Value),
    Regex(RegexLiteral),
}

#[derive(Debug, Clone)]
pub(crate) struct RegexLiteral {
    pub regex: Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    In,
    Nin,
    SubsetOf,
    AnyOf,
    NoneOf,
    Size,
    Empty,
    Contains,
}

fn err(message: &str) -> PathSyntaxError {
    PathSyntaxError { message: message.to_string() }
}

pub(super) fn parse_or(p: &mut Parser) -> Result<FilterExpr, PathSyntaxError> {
    let mut terms = vec![parse_and(p)?];
    loop {
        p.skip_ws();
        if p.peek() == Some('|') && p.peek_at(1) == Some('|') {
            p.pos += 2;
            terms.push(parse_and(p)?);
        } else {
            return Ok(if terms.len() == 1 { terms.remove(0) } else { FilterExpr::Or(terms) });
        }
    }
}

fn parse_and(p: &mut Parser) -> Result<FilterExpr, PathSyntaxError> {
    let mut terms = vec![parse_not(p)?];
    loop {
        p.skip_ws();
        if p.peek() == Some('&') && p.peek_at(1) == Some('&') {
            p.pos += 2;
            terms.push(parse_not(p)?);
        } else {
            return Ok(if terms.len() == 1 { terms.remove(0) } else { FilterExpr::And(terms) });
        }
    }
}

fn parse_not(p: &mut Parser) -> Result<FilterExpr, PathSyntaxError> {
    p.skip_ws();
    if p.peek() == Some('!') && p.peek_at(1) != Some('=') {
        p.pos += 1;
        p.nest()?;
        let inner = parse_not(p)?;
        p.unnest();
        return Ok(FilterExpr::Not(Box::new(inner)));
    }
    if p.peek() == Some('(') {
        p.pos += 1;
        p.nest()?;
        let inner = parse_or(p)?;
        p.unnest();
        p.skip_ws();
        if p.peek() != Some(')') {
            return Err(err("Expected ')' in filter"));
        }
        p.pos += 1;
        return Ok(inner);
    }
    let left = parse_operand(p)?;
    p.skip_ws();
    let Some(op) = parse_op(p) else {
        return Ok(FilterExpr::Exists(left));
    };
    let right = parse_operand(p)?;
    Ok(FilterExpr::Compare(left, op, right))
}

fn parse_op(p: &mut Parser) -> Option<Op> {
    let two: String = [p.peek(), p.peek_at(1)].iter().flatten().collect();
    let symbolic = match two.as_str() {
        "==" => Some((Op::Eq, 2)),
        "!=" => Some((Op::Ne, 2)),
        "<=" => Some((Op::Le, 2)),
        ">=" => Some((Op::Ge, 2)),
        "=~" => Some((Op::Match, 2)),
        _ => match p.peek() {
            Some('<') => Some((Op::Lt, 1)),
            Some('>') => Some((Op::Gt, 1)),
            _ => None,
        },
    };
    if let Some((op, len)) = symbolic {
        p.pos += len;
        // Jayway accepts `===` and `!==` as aliases.
        if matches!(op, Op::Eq | Op::Ne) && p.peek() == Some('=') {
            p.pos += 1;
        }
        return Some(op);
    }
    let words = [
        ("subsetof", Op::SubsetOf),
        ("anyof", Op::AnyOf),
        ("noneof", Op::NoneOf),
        ("contains", Op::Contains),
        ("empty", Op::Empty),
        ("size", Op::Size),
        ("nin", Op::Nin),
        ("in", Op::In),
    ];
    for (word, op) in words {
        let len = word.chars().count();
        let text: String = p.chars.iter().skip(p.pos).take(len).collect();
        let after = p.chars.get(p.pos + len).copied();
        if text == word && after.is_none_or(|c| !c.is_alphanumeric()) {
            p.pos += len;
            return Some(op);
        }
    }
    None
}

fn parse_operand(p: &mut Parser) -> Result<Operand, PathSyntaxError> {
    p.skip_ws();
    match p.peek() {
        Some('@') | Some('$') => {
            let root = if p.peek() == Some('@') { Root::Current } else { Root::Document };
            let start = p.pos;
            p.pos += 1;
            let (steps, function) = p.steps()?;
            let source: String = p.chars[start..p.pos].iter().collect();
            Ok(Operand::Path(Box::new(JsonPath { source, root, steps, function })))
        }
        Some('\'') | Some('"') => Ok(Operand::Literal(Value::String(p.quoted()?))),
        Some('/') => parse_regex(p),
        Some('[') | Some('{') => parse_json_literal(p),
        Some(c) if c == '-' || c.is_ascii_digit() => {
            let start = p.pos;
            p.pos += 1;
            while p.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')) {
                p.pos += 1;
            }
            let text: String = p.chars[start..p.pos].iter().collect();
            serde_json::from_str::<Value>(&text)
                .map(Operand::Literal)
                .map_err(|_| err(&format!("Invalid number '{text}' in filter")))
        }
        _ => {
            for (word, value) in [("true", Value::Bool(true)), ("false", Value::Bool(false)), ("null", Value::Null)] {
                let text: String = p.chars.iter().skip(p.pos).take(word.len()).collect();
                if text == word {
                    p.pos += word.len();
                    return Ok(Operand::Literal(value));
                }
            }
            Err(err("Expected an operand in filter"))
        }
    }
}

fn parse_regex(p: &mut Parser) -> Result<Operand, PathSyntaxError> {
    p.pos += 1;
    let mut pattern = String::new();
    loop {
        match p.peek() {
            None => return Err(err("Unterminated regular expression in filter")),
            Some('\\') if p.peek_at(1) == Some('/') => {
                pattern.push('/');
                p.pos += 2;
            }
            Some('/') => {
                p.pos += 1;
                break;
            }
            Some(c) => {
                pattern.push(c);
                p.pos += 1;
            }
        }
    }
    let mut flags = String::new();
    while let Some(c) = p.peek().filter(|c| c.is_ascii_alphabetic()) {
        flags.push(c);
        p.pos += 1;
    }
    let inline: String = flags.chars().filter(|c| matches!(c, 'i' | 'm' | 's' | 'x')).collect();
    let full = if inline.is_empty() { format!("^(?:{pattern})$") } else { format!("(?{inline})^(?:{pattern})$") };
    let regex = Regex::new(&full).map_err(|e| err(&format!("Invalid regular expression: {e}")))?;
    Ok(Operand::Regex(RegexLiteral { regex }))
}

fn parse_json_literal(p: &mut Parser) -> Result<Operand, PathSyntaxError> {
    let start = p.pos;
    let mut depth = 0i32;
    let mut in_string: Option<char> = None;
    while let Some(c) = p.peek() {
        p.pos += 1;
        match in_string {
            Some(q) => {
                if c == '\\' {
                    // The escaped character, unless the text ends at the backslash.
                    p.pos = (p.pos + 1).min(p.chars.len());
                } else if c == q {
                    in_string = None;
                }
            }
            None => match c {
                '"' | '\'' => in_string = Some(c),
                '[' | '{' => depth += 1,
                ']' | '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            },
        }
    }
    let text: String = p.chars[start..p.pos].iter().collect();
    // Jayway accepts single-quoted strings inside literal arrays.
    let json = text.replace('\'', "\"");
    serde_json::from_str::<Value>(&json)
        .map(Operand::Literal)
        .map_err(|_| err(&format!("Invalid JSON literal '{text}' in filter")))
}

/// Whether `current` passes the filter; `root` is the document `$` refers to.
pub(super) fn matches(expr: &FilterExpr, current: &Value, root: &Value, visits: &Visits) -> bool {
    match expr {
        FilterExpr::Or(terms) => terms.iter().any(|t| matches(t, current, root, visits)),
        FilterExpr::And(terms) => terms.iter().all(|t| matches(t, current, root, visits)),
        FilterExpr::Not(inner) => !matches(inner, current, root, visits),
        FilterExpr::Exists(operand) => match resolve(operand, current, root, visits) {
            Resolved::Value(Value::Bool(b)) => b,
            Resolved::Value(_) => true,
            Resolved::Missing => false,
            Resolved::Regex(_) => true,
        },
        FilterExpr::Compare(left, op, right) => {
            let l = resolve(left, current, root, visits);
            let r = resolve(right, current, root, visits);
            compare(&l, *op, &r)
        }
    }
}

enum Resolved<'a> {
    Value(Value),
    Missing,
    Regex(&'a RegexLiteral),
}

fn resolve<'a>(operand: &'a Operand, current: &Value, root: &Value, visits: &Visits) -> Resolved<'a> {
    match operand {
        Operand::Literal(v) => Resolved::Value(v.clone()),
        Operand::Regex(r) => Resolved::Regex(r),
        // An indefinite path inside a filter compares as its list of matches.
        Operand::Path(path) => match super::eval::evaluate(path, current, root, visits) {
            Ok(v) => Resolved::Value(v),
            Err(_) => Resolved::Missing,
        },
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

fn loose_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::String(_)) | (Value::String(_), Value::Number(_)) => {
            match (as_number(a), as_number(b)) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            }
        }
        _ => json_equal(a, b),
    }
}

fn compare(left: &Resolved, op: Op, right: &Resolved) -> bool {
    if op == Op::Match {
        return match (left, right) {
            (Resolved::Value(Value::String(s)), Resolved::Regex(r)) => r.regex.is_match(s),
            _ => false,
        };
    }
    let (Resolved::Value(l), Resolved::Value(r)) = (left, right) else {
        return false;
    };
    match op {
        Op::Eq => loose_equal(l, r),
        Op::Ne => !loose_equal(l, r),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ordering = match (l, r) {
                (Value::Number(_), Value::Number(_)) => {
                    as_number(l).zip(as_number(r)).and_then(|(x, y)| x.partial_cmp(&y))
                }
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                _ => None,
            };
            let Some(o) = ordering else { return false };
            match op {
                Op::Lt => o.is_lt(),
                Op::Le => o.is_le(),
                Op::Gt => o.is_gt(),
                _ => o.is_ge(),
            }
        }
        Op::In => r.as_array().is_some_and(|items| items.iter().any(|i| loose_equal(l, i))),
        Op::Nin => r.as_array().is_some_and(|items| !items.iter().any(|i| loose_equal(l, i))),
        Op::SubsetOf => match (l.as_array(), r.as_array()) {
            (Some(a), Some(b)) => a.iter().all(|x| b.iter().any(|y| loose_equal(x, y))),
            _ => false,
        },
        Op::AnyOf => match (l.as_array(), r.as_array()) {
            (Some(a), Some(b)) => a.iter().any(|x| b.iter().any(|y| loose_equal(x, y))),
            _ => false,
        },
        Op::NoneOf => match (l.as_array(), r.as_array()) {
            (Some(a), Some(b)) => !a.iter().any(|x| b.iter().any(|y| loose_equal(x, y))),
            _ => false,
        },
        Op::Size => {
            let len = match l {
                Value::Array(a) => a.len(),
                Value::String(s) => s.chars().count(),
                _ => return false,
            };
            as_number(r).is_some_and(|n| n == len as f64)
        }
        Op::Empty => {
            let empty = match l {
                Value::Array(a) => a.is_empty(),
                Value::String(s) => s.is_empty(),
                _ => return false,
            };
            r.as_bool() == Some(empty)
        }
        Op::Contains => match (l, r) {
            (Value::String(s), Value::String(t)) => s.contains(t.as_str()),
            (Value::Array(items), v) => items.iter().any(|i| loose_equal(i, v)),
            _ => false,
        },
        Op::Match => false,
    }
}

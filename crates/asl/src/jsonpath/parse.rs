//! The JSONPath parser: dot and bracket notation, deep scan, slices, filters, functions.
//! Names in brackets are taken as written except for an escaped delimiter, as AWS reads them.

use super::filter::{self, FilterExpr};
use super::{Function, JsonPath, PathSyntaxError, Root, Selector, Step};
use crate::budget::MAX_PATH_NESTING;

pub(super) fn parse(source: &str) -> Result<JsonPath, PathSyntaxError> {
    let mut p = Parser { chars: source.chars().collect(), pos: 0, depth: 0 };
    p.skip_ws();
    let root = match p.peek() {
        Some('$') => Root::Document,
        Some('@') => Root::Current,
        _ => return Err(err("Path must start with '$'")),
    };
    p.pos += 1;
    let (steps, function) = p.steps()?;
    p.skip_ws();
    if p.pos != p.chars.len() {
        return Err(err(&format!("Unexpected character '{}' at position {}", p.chars[p.pos], p.pos)));
    }
    Ok(JsonPath { source: source.to_string(), root, steps, function })
}

fn err(message: &str) -> PathSyntaxError {
    PathSyntaxError { message: message.to_string() }
}

pub(super) struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) pos: usize,
    /// Filters, parentheses and `!` open around the current position; each is a level of recursion.
    depth: usize,
}

impl Parser {
    /// Enters one level of nesting; paths nested deeper than [`MAX_PATH_NESTING`] are refused rather than
    /// recursed into (a few thousand levels would overflow the stack).
    pub(super) fn nest(&mut self) -> Result<(), PathSyntaxError> {
        self.depth += 1;
        if self.depth > MAX_PATH_NESTING {
            return Err(err(&format!("Path nests filters deeper than {MAX_PATH_NESTING} levels")));
        }
        Ok(())
    }

    pub(super) fn unnest(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    pub(super) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Steps after the root, until the path ends (end of text, or a character a filter owns).
    pub(super) fn steps(&mut self) -> Result<(Vec<Step>, Option<Function>), PathSyntaxError> {
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    self.pos += 2;
                    let selector = match self.peek() {
                        Some('[') => self.bracket()?,
                        Some('*') => {
                            self.pos += 1;
                            Selector::Wildcard
                        }
                        _ => {
                            let name = self.dot_name()?;
                            Selector::Name(name)
                        }
                    };
                    steps.push(Step::Deep(selector));
                }
                Some('.') => {
                    self.pos += 1;
                    if self.peek() == Some('*') {
                        self.pos += 1;
                        steps.push(Step::Child(Selector::Wildcard));
                        continue;
                    }
                    if self.peek() == Some('[') {
                        // `$.['a']` is accepted by Jayway as `$['a']`.
                        steps.push(Step::Child(self.bracket()?));
                        continue;
                    }
                    let name = self.dot_name()?;
                    if self.peek() == Some('(') {
                        let function = self.function(&name)?;
                        return Ok((steps, Some(function)));
                    }
                    steps.push(Step::Child(Selector::Name(name)));
                }
                Some('[') => steps.push(Step::Child(self.bracket()?)),
                _ => return Ok((steps, None)),
            }
        }
    }

    fn dot_name(&mut self) -> Result<String, PathSyntaxError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '.' || c == '[' || c == '(' || c == ')' || c.is_whitespace() {
                break;
            }
            // Inside a filter the expression continues after the name with an operator.
            if matches!(c, '=' | '!' | '<' | '>' | '&' | '|' | ',' | ']') {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            return Err(err(&format!("Path must not end with a '.' at {start}")));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }

    fn function(&mut self, name: &str) -> Result<Function, PathSyntaxError> {
        // We are at '('; Jayway's functions used in ASL take no arguments.
        self.pos += 1;
        self.skip_ws();
        if self.peek() != Some(')') {
            return Err(err(&format!("Function {name} takes no arguments")));
        }
        self.pos += 1;
        let function = match name {
            "length" | "size" => Function::Length,
            "min" => Function::Min,
            "max" => Function::Max,
            "avg" => Function::Avg,
            "stddev" => Function::Stddev,
            "sum" => Function::Sum,
            "keys" => Function::Keys,
            "first" => Function::First,
            "last" => Function::Last,
            _ => return Err(err(&format!("Function with name: {name} does not exist."))),
        };
        Ok(function)
    }

    fn bracket(&mut self) -> Result<Selector, PathSyntaxError> {
        // At '['.
        self.pos += 1;
        self.skip_ws();
        let selector = match self.peek() {
            Some('*') => {
                self.pos += 1;
                Selector::Wildcard
            }
            Some('?') => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() != Some('(') {
                    return Err(err("Filter must start with '?('"));
                }
                self.pos += 1;
                self.nest()?;
                let expr: FilterExpr = filter::parse_or(self)?;
                self.unnest();
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(err("Filter must end with ')'"));
                }
                self.pos += 1;
                Selector::Filter(Box::new(expr))
            }
            Some('\'') | Some('"') => {
                let mut names = vec![self.quoted()?];
                loop {
                    self.skip_ws();
                    if self.peek() == Some(',') {
                        self.pos += 1;
                        self.skip_ws();
                        names.push(self.quoted()?);
                    } else {
                        break;
                    }
                }
                if names.len() == 1 { Selector::Name(names.remove(0)) } else { Selector::Names(names) }
            }
            _ => self.index_or_slice()?,
        };
        self.skip_ws();
        if self.peek() != Some(']') {
            return Err(err("Expected ']'"));
        }
        self.pos += 1;
        Ok(selector)
    }

    pub(super) fn quoted(&mut self) -> Result<String, PathSyntaxError> {
        let delimiter = self.peek().ok_or_else(|| err("Expected a quoted name"))?;
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(err("Unterminated quoted name")),
                Some('\\') if self.peek_at(1) == Some(delimiter) => {
                    out.push(delimiter);
                    self.pos += 2;
                }
                Some(c) if c == delimiter => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn integer(&mut self) -> Option<i64> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if text.is_empty() || text == "-" {
            self.pos = start;
            return None;
        }
        text.parse().ok()
    }

    fn index_or_slice(&mut self) -> Result<Selector, PathSyntaxError> {
        let first = self.integer();
        self.skip_ws();
        match self.peek() {
            Some(':') => {
                self.pos += 1;
                let end = self.integer();
                self.skip_ws();
                Ok(Selector::Slice(first, end))
            }
            Some(',') => {
                let mut indexes = vec![first.ok_or_else(|| err("Expected an index"))?];
                while self.peek() == Some(',') {
                    self.pos += 1;
                    indexes.push(self.integer().ok_or_else(|| err("Expected an index"))?);
                    self.skip_ws();
                }
                Ok(Selector::Indexes(indexes))
            }
            _ => {
                first.map(Selector::Index).ok_or_else(|| err("Expected an index, a name, '*' or a filter in brackets"))
            }
        }
    }
}

//! JSON filter patterns: `{ SELECTOR OP VALUE }` joined by `&&` / `||` with parentheses, plus `IS NULL`,
//! `IS TRUE`, `IS FALSE`, `NOT EXISTS`. Strings match exactly or with a leading/trailing `*` wildcard.

use super::{invalid, quoted};
use sekisho_core::AwsError;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum JsonExpr {
    And(Box<JsonExpr>, Box<JsonExpr>),
    Or(Box<JsonExpr>, Box<JsonExpr>),
    Test(Selector, Test),
}

/// `$.a.b[0].c` as its steps.
pub type Selector = Vec<Step>;

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    IsNull,
    IsTrue,
    IsFalse,
    NotExists,
    /// `=` / `!=` against text (with `*` wildcards); numbers compare as text too when the field is a string.
    Text {
        equal: bool,
        text: String,
    },
    Number {
        op: NumOp,
        value: f64,
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

pub fn parse(inner: &str) -> Result<JsonExpr, AwsError> {
    let mut p = Parser { chars: inner.chars().peekable() };
    let expr = p.or()?;
    p.skip_ws();
    if p.chars.peek().is_some() {
        return Err(invalid(None));
    }
    Ok(expr)
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        let mut probe = self.chars.clone();
        for c in s.chars() {
            if probe.next() != Some(c) {
                return false;
            }
        }
        self.chars = probe;
        true
    }

    /// A keyword (`IS`, `NULL`, ...) as a whole word, case-insensitively.
    fn keyword(&mut self, kw: &str) -> bool {
        self.skip_ws();
        let mut probe = self.chars.clone();
        let word: String = std::iter::from_fn(|| probe.next_if(|c| c.is_ascii_alphabetic())).collect();
        if word.eq_ignore_ascii_case(kw) {
            self.chars = probe;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<JsonExpr, AwsError> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = JsonExpr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<JsonExpr, AwsError> {
        let mut left = self.unary()?;
        while self.eat("&&") {
            left = JsonExpr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<JsonExpr, AwsError> {
        if self.eat("(") {
            let inner = self.or()?;
            if !self.eat(")") {
                return Err(invalid(None));
            }
            return Ok(inner);
        }
        let selector = self.selector()?;
        let test = self.test()?;
        Ok(JsonExpr::Test(selector, test))
    }

    fn selector(&mut self) -> Result<Selector, AwsError> {
        if !self.eat("$") {
            return Err(invalid(None));
        }
        let mut steps = Vec::new();
        loop {
            if self.chars.next_if_eq(&'.').is_some() {
                let key: String =
                    std::iter::from_fn(|| self.chars.next_if(|c| c.is_alphanumeric() || *c == '_' || *c == '-'))
                        .collect();
                if key.is_empty() {
                    return Err(invalid(None));
                }
                steps.push(Step::Key(key));
            } else if self.chars.next_if_eq(&'[').is_some() {
                let digits: String = std::iter::from_fn(|| self.chars.next_if(|c| c.is_ascii_digit())).collect();
                let index = digits.parse().map_err(|_| invalid(None))?;
                if self.chars.next_if_eq(&']').is_none() {
                    return Err(invalid(None));
                }
                steps.push(Step::Index(index));
            } else {
                break;
            }
        }
        if steps.is_empty() {
            return Err(invalid(None));
        }
        Ok(steps)
    }

    fn test(&mut self) -> Result<Test, AwsError> {
        if self.keyword("IS") {
            return if self.keyword("NULL") {
                Ok(Test::IsNull)
            } else if self.keyword("TRUE") {
                Ok(Test::IsTrue)
            } else if self.keyword("FALSE") {
                Ok(Test::IsFalse)
            } else {
                Err(invalid(None))
            };
        }
        if self.keyword("NOT") {
            return if self.keyword("EXISTS") { Ok(Test::NotExists) } else { Err(invalid(None)) };
        }
        // Longest operators first.
        let op = [
            ("!=", NumOp::Ne),
            ("<=", NumOp::Le),
            (">=", NumOp::Ge),
            ("=", NumOp::Eq),
            ("<", NumOp::Lt),
            (">", NumOp::Gt),
        ]
        .into_iter()
        .find(|(s, _)| self.eat(s))
        .map(|(_, op)| op)
        .ok_or_else(|| invalid(None))?;
        self.skip_ws();
        let (text, was_quoted) = if self.chars.next_if_eq(&'"').is_some() {
            (quoted(&mut self.chars)?, true)
        } else {
            let word: String =
                std::iter::from_fn(|| self.chars.next_if(|c| !c.is_whitespace() && !"()&|".contains(*c))).collect();
            if word.is_empty() {
                return Err(invalid(None));
            }
            (word, false)
        };
        let number = if was_quoted { None } else { text.parse::<f64>().ok().filter(|n| n.is_finite()) };
        match (op, number) {
            (op, Some(value)) => Ok(Test::Number { op, value, text }),
            (NumOp::Eq, None) => Ok(Test::Text { equal: true, text }),
            (NumOp::Ne, None) => Ok(Test::Text { equal: false, text }),
            // Ordering comparisons need a number.
            _ => Err(invalid(None)),
        }
    }
}

pub fn matches(expr: &JsonExpr, message: &str) -> bool {
    match serde_json::from_str::<Value>(message) {
        Ok(doc) => eval(expr, &doc),
        Err(_) => false,
    }
}

fn eval(expr: &JsonExpr, doc: &Value) -> bool {
    match expr {
        JsonExpr::And(a, b) => eval(a, doc) && eval(b, doc),
        JsonExpr::Or(a, b) => eval(a, doc) || eval(b, doc),
        JsonExpr::Test(selector, test) => check(select(doc, selector), test),
    }
}

fn select<'a>(doc: &'a Value, selector: &Selector) -> Option<&'a Value> {
    selector.iter().try_fold(doc, |v, step| match step {
        Step::Key(k) => v.as_object()?.get(k),
        Step::Index(i) => v.as_array()?.get(*i),
    })
}

fn check(field: Option<&Value>, test: &Test) -> bool {
    match (test, field) {
        (Test::NotExists, f) => f.is_none(),
        (Test::IsNull, Some(Value::Null)) => true,
        (Test::IsTrue, Some(Value::Bool(true))) => true,
        (Test::IsFalse, Some(Value::Bool(false))) => true,
        (Test::IsNull | Test::IsTrue | Test::IsFalse, _) => false,
        // A selector must point at a value node: arrays, objects and absent fields match neither = nor !=.
        (_, None | Some(Value::Array(_) | Value::Object(_))) => false,
        (Test::Text { equal, text }, Some(v)) => {
            scalar_text(v).is_some_and(|actual| text_matches(text, &actual) == *equal)
        }
        (Test::Number { op, value, text }, Some(v)) => match v {
            Value::Number(n) => n.as_f64().is_some_and(|actual| compare(*op, actual, *value)),
            Value::String(s) => match op {
                NumOp::Eq => s == text,
                NumOp::Ne => s != text,
                _ => false,
            },
            _ => false,
        },
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Exact match, or with `*` at the start and/or end as a wildcard; a `*` inside the text is literal.
fn text_matches(pattern: &str, actual: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (any_prefix, rest) = match pattern.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, pattern),
    };
    let (any_suffix, core) = match rest.strip_suffix('*') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    match (any_prefix, any_suffix) {
        (false, false) => actual == core,
        (true, false) => actual.ends_with(core),
        (false, true) => actual.starts_with(core),
        (true, true) => actual.contains(core),
    }
}

fn compare(op: NumOp, actual: f64, value: f64) -> bool {
    match op {
        NumOp::Eq => actual == value,
        NumOp::Ne => actual != value,
        NumOp::Lt => actual < value,
        NumOp::Le => actual <= value,
        NumOp::Gt => actual > value,
        NumOp::Ge => actual >= value,
    }
}

#[cfg(test)]
mod tests {
    use super::super::FilterPattern;

    /// The JSON example of the CloudWatch Logs filter pattern documentation.
    const DOC: &str = r#"{"eventType":"UpdateTrail","sourceIPAddress":"111.111.111.111","arrayKey":["value","another value"],
        "objectList":[{"name":"a","id":1},{"name":"b","id":2}],"SomeObject":null,"ThisFlag":true}"#;

    /// The compound-condition example of the same documentation.
    const USERS: &str = r#"{"user":{"id":1,"email":"John.Stiles@example.com"},
        "users":[{"id":2,"email":"John.Doe@example.com"},{"id":3,"email":"Jane.Doe@example.com"}],
        "actions":["GET","PUT","DELETE"],"coordinates":[[0,1,2],[4,5,6],[7,8,9]]}"#;

    fn m(pattern: &str, message: &str) -> bool {
        FilterPattern::parse(pattern).expect(pattern).matches(message)
    }

    #[test]
    fn documented_matches() {
        for p in [
            r#"{ $.eventType = "UpdateTrail" }"#,
            "{ $.sourceIPAddress != 123.123.* }",
            r#"{ $.arrayKey[0] = "value" }"#,
            "{ $.objectList[1].id = 2 }",
            "{ $.SomeObject IS NULL }",
            "{ $.SomeOtherObject NOT EXISTS }",
            "{ $.ThisFlag IS TRUE }",
            "{ $.eventType = Update* }",
            "{ $.eventType = *Trail }",
            "{ $.eventType = * }",
        ] {
            assert!(m(p, DOC), "{p}");
        }
        for p in [
            r#"{ $.eventType = "updatetrail" }"#,
            "{ $.sourceIPAddress = 123.123.* }",
            "{ $.ThisFlag IS FALSE }",
            "{ $.eventType NOT EXISTS }",
            "{ $.arrayKey = value }",
            "{ $.arrayKey != value }",
            "{ $.missing != x }",
            "{ $.eventType = Up*il }",
        ] {
            assert!(!m(p, DOC), "{p}");
        }
    }

    #[test]
    fn compound_conditions_follow_precedence() {
        assert!(m(r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#, USERS));
        assert!(!m(r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#, USERS));
        assert!(m(
            r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#,
            USERS
        ));
        assert!(!m(
            r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#,
            USERS
        ));
    }

    #[test]
    fn numeric_comparisons() {
        let doc = r#"{"latency": 750, "errorCode": 400, "code": "400", "n": [5]}"#;
        for (p, want) in [
            ("{ $.latency >= 500 }", true),
            ("{ $.latency > +1000 }", false),
            ("{ $.latency < 10e3 }", true),
            ("{ $.latency <= 55.5 }", false),
            ("{ $.errorCode = 400 }", true),
            ("{ $.errorCode != 500 }", true),
            ("{ $.code = 400 }", true),
            (r#"{ $.errorCode = "400" }"#, true),
            ("{ $.n[0] < 10 }", true),
            ("{ $.latency > 1 && $.errorCode = 401 }", false),
        ] {
            assert_eq!(m(p, doc), want, "{p}");
        }
        assert!(!m("{ $.latency > 1 }", "not json"));
    }

    #[test]
    fn malformed_json_patterns_are_invalid() {
        for p in [
            "{ }",
            "{ eventType = x }",
            "{ $.x > abc }",
            "{ $.x = }",
            "{ $.x IS MAYBE }",
            "{ ($.x = 1 }",
            "{ $. = 1 }",
            "{ $.x = 1 extra }",
        ] {
            assert_eq!(FilterPattern::parse(p).unwrap_err().message, "Invalid filter pattern", "{p}");
        }
    }
}

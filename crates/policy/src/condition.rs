//! The `Condition` element: every operator family, `...IfExists`, `ForAnyValue:`/`ForAllValues:`, policy variables.
//! Missing keys follow IAM: positive operators are false, negated ones true, `IfExists` true, `Null` tests presence.

use crate::context::Context;
use crate::glob::Glob;
use crate::values::{IpRange, Timestamp, parse_date, parse_number};
use crate::vars::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaseOp {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetOp {
    None,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub base: BaseOp,
    pub negated: bool,
    pub set: SetOp,
    pub if_exists: bool,
}

const OPERATORS: &[(&str, BaseOp, bool)] = &[
    ("StringEquals", BaseOp::StringEquals, false),
    ("StringNotEquals", BaseOp::StringEquals, true),
    ("StringEqualsIgnoreCase", BaseOp::StringEqualsIgnoreCase, false),
    ("StringNotEqualsIgnoreCase", BaseOp::StringEqualsIgnoreCase, true),
    ("StringLike", BaseOp::StringLike, false),
    ("StringNotLike", BaseOp::StringLike, true),
    ("NumericEquals", BaseOp::NumericEquals, false),
    ("NumericNotEquals", BaseOp::NumericEquals, true),
    ("NumericLessThan", BaseOp::NumericLessThan, false),
    ("NumericLessThanEquals", BaseOp::NumericLessThanEquals, false),
    ("NumericGreaterThan", BaseOp::NumericGreaterThan, false),
    ("NumericGreaterThanEquals", BaseOp::NumericGreaterThanEquals, false),
    ("DateEquals", BaseOp::DateEquals, false),
    ("DateNotEquals", BaseOp::DateEquals, true),
    ("DateLessThan", BaseOp::DateLessThan, false),
    ("DateLessThanEquals", BaseOp::DateLessThanEquals, false),
    ("DateGreaterThan", BaseOp::DateGreaterThan, false),
    ("DateGreaterThanEquals", BaseOp::DateGreaterThanEquals, false),
    ("Bool", BaseOp::Bool, false),
    ("BinaryEquals", BaseOp::BinaryEquals, false),
    ("IpAddress", BaseOp::IpAddress, false),
    ("NotIpAddress", BaseOp::IpAddress, true),
    ("ArnEquals", BaseOp::Arn, false),
    ("ArnLike", BaseOp::Arn, false),
    ("ArnNotEquals", BaseOp::Arn, true),
    ("ArnNotLike", BaseOp::Arn, true),
    ("Null", BaseOp::Null, false),
];

impl Operator {
    /// Reads an operator name such as `ForAnyValue:StringLikeIfExists`; `None` for unknown names.
    pub fn parse(name: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (SetOp::ForAnyValue, r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (SetOp::ForAllValues, r)
        } else {
            (SetOp::None, name)
        };
        let (if_exists, base_name) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let &(_, base, negated) = OPERATORS.iter().find(|(n, _, _)| *n == base_name)?;
        if base == BaseOp::Null && (if_exists || set != SetOp::None) {
            return None;
        }
        Some(Operator { base, negated, set, if_exists })
    }

    pub fn is_date(&self) -> bool {
        matches!(
            self.base,
            BaseOp::DateEquals
                | BaseOp::DateLessThan
                | BaseOp::DateLessThanEquals
                | BaseOp::DateGreaterThan
                | BaseOp::DateGreaterThanEquals
        )
    }

    /// Policy variables are substituted only for string, ARN and Boolean operators.
    fn takes_variables(&self) -> bool {
        matches!(
            self.base,
            BaseOp::StringEquals | BaseOp::StringEqualsIgnoreCase | BaseOp::StringLike | BaseOp::Bool | BaseOp::Arn
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum ArnMatcher {
    Any,
    Segments(Vec<Glob>),
}

impl ArnMatcher {
    fn new(pattern_tokens: Vec<crate::glob::Token>) -> ArnMatcher {
        use crate::glob::Token;
        if pattern_tokens == [Token::Star] {
            return ArnMatcher::Any;
        }
        let mut segments: Vec<Vec<Token>> = vec![Vec::new()];
        for t in pattern_tokens {
            match t {
                Token::Lit(l) if l.contains(':') => {
                    let mut parts = l.split(':');
                    if let Some(first) = parts.next() {
                        push_lit(&mut segments, first);
                    }
                    for p in parts {
                        if segments.len() < 6 {
                            segments.push(Vec::new());
                        } else {
                            push_lit(&mut segments, ":");
                        }
                        push_lit(&mut segments, p);
                    }
                }
                t => {
                    if let Some(last) = segments.last_mut() {
                        last.push(t)
                    }
                }
            }
        }
        ArnMatcher::Segments(segments.into_iter().map(Glob::from_tokens).collect())
    }

    fn matches(&self, arn: &str) -> bool {
        match self {
            ArnMatcher::Any => true,
            ArnMatcher::Segments(globs) => {
                let parts: Vec<&str> = arn.splitn(6, ':').collect();
                parts.len() == globs.len() && globs.iter().zip(parts).all(|(g, p)| g.matches(p))
            }
        }
    }
}

fn push_lit(segments: &mut [Vec<crate::glob::Token>], text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = segments.last_mut() {
        last.push(crate::glob::Token::Lit(text.into()));
    }
}

/// Policy values ready for comparison.
#[derive(Debug, Clone, PartialEq)]
enum Matchers {
    Exact(Vec<String>),
    Lower(Vec<String>),
    Like(Vec<Glob>),
    Bool(Vec<String>),
    Arn(Vec<ArnMatcher>),
    Numbers(Vec<Option<f64>>),
    Dates(Vec<Option<Timestamp>>),
    Binary(Vec<String>),
    Ips(Vec<Option<IpRange>>),
    Null(Vec<Option<bool>>),
}

/// One key under one operator, with its policy values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub operator_written: Box<str>,
    pub op: Operator,
    pub key_written: Box<str>,
    /// Lowercase, for context lookup.
    pub key: Box<str>,
    pub values_written: Vec<String>,
    templates: Vec<Template>,
    /// Compiled once when no value has a variable.
    fixed: Option<Matchers>,
}

/// What a condition came to for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CondOutcome {
    Held,
    Failed,
    /// A policy variable had no value: the whole statement does not apply.
    Unresolved,
}

impl Condition {
    pub fn new(operator_written: &str, op: Operator, key: &str, values: Vec<String>, variables: bool) -> Condition {
        let variables = variables && op.takes_variables();
        let templates: Vec<Template> = values.iter().map(|v| Template::parse(v, variables)).collect();
        let mut c = Condition {
            operator_written: operator_written.into(),
            op,
            key_written: key.into(),
            key: key.to_ascii_lowercase().into(),
            values_written: values,
            templates,
            fixed: None,
        };
        if c.templates.iter().all(|t| t.as_static().is_some()) {
            c.fixed = c.compile(&Context::default());
        }
        c
    }

    /// The keys this condition reads from the context (its own key and any variables in its values).
    pub fn referenced_keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&*self.key_written).chain(self.templates.iter().flat_map(|t| t.variables()))
    }

    fn compile(&self, ctx: &Context) -> Option<Matchers> {
        let texts = || -> Option<Vec<String>> { self.templates.iter().map(|t| t.resolve_text(ctx)).collect() };
        Some(match self.op.base {
            BaseOp::StringEquals => Matchers::Exact(texts()?),
            BaseOp::StringEqualsIgnoreCase => Matchers::Lower(texts()?.into_iter().map(|t| t.to_lowercase()).collect()),
            BaseOp::StringLike => {
                Matchers::Like(self.templates.iter().map(|t| t.resolve_glob(ctx)).collect::<Option<Vec<_>>>()?)
            }
            BaseOp::Bool => Matchers::Bool(texts()?),
            BaseOp::Arn => Matchers::Arn(
                self.templates
                    .iter()
                    .map(|t| t.resolve_tokens(ctx).map(ArnMatcher::new))
                    .collect::<Option<Vec<_>>>()?,
            ),
            BaseOp::NumericEquals
            | BaseOp::NumericLessThan
            | BaseOp::NumericLessThanEquals
            | BaseOp::NumericGreaterThan
            | BaseOp::NumericGreaterThanEquals => {
                Matchers::Numbers(self.values_written.iter().map(|v| parse_number(v)).collect())
            }
            BaseOp::DateEquals
            | BaseOp::DateLessThan
            | BaseOp::DateLessThanEquals
            | BaseOp::DateGreaterThan
            | BaseOp::DateGreaterThanEquals => {
                Matchers::Dates(self.values_written.iter().map(|v| parse_date(v)).collect())
            }
            BaseOp::BinaryEquals => {
                Matchers::Binary(self.values_written.iter().map(|v| v.trim().to_string()).collect())
            }
            BaseOp::IpAddress => Matchers::Ips(self.values_written.iter().map(|v| IpRange::parse(v)).collect()),
            BaseOp::Null => Matchers::Null(
                self.values_written
                    .iter()
                    .map(|v| match v.to_ascii_lowercase().as_str() {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    })
                    .collect(),
            ),
        })
    }

    /// Evaluates against the request context. The flag says whether the key was missing from it.
    pub fn evaluate(&self, ctx: &Context) -> (CondOutcome, bool) {
        let request = ctx.get_lowercase(&self.key).filter(|v| !v.is_empty());
        let missing = request.is_none();
        if self.op.base == BaseOp::Null {
            let Some(Matchers::Null(wanted)) = &self.fixed else {
                return (CondOutcome::Failed, missing);
            };
            let held = wanted.contains(&Some(missing));
            return (outcome(held), missing);
        }
        let Some(request) = request else {
            let held = self.op.if_exists
                || match self.op.set {
                    SetOp::ForAllValues => true,
                    SetOp::ForAnyValue => false,
                    SetOp::None => self.op.negated,
                };
            return (outcome(held), true);
        };
        let resolved;
        let matchers = match &self.fixed {
            Some(m) => m,
            None => match self.compile(ctx) {
                Some(m) => {
                    resolved = m;
                    &resolved
                }
                None => return (CondOutcome::Unresolved, false),
            },
        };
        // `positive(r)`: some policy value matches request value r under the base operator.
        let positive = |r: &str| self.matches_any(matchers, r);
        let held = match (self.op.set, self.op.negated) {
            (SetOp::None, false) => request.iter().any(|r| positive(r)),
            (SetOp::None, true) => !request.iter().any(|r| positive(r)),
            (SetOp::ForAnyValue, neg) => request.iter().any(|r| positive(r) != neg),
            (SetOp::ForAllValues, neg) => request.iter().all(|r| positive(r) != neg),
        };
        (outcome(held), false)
    }

    fn matches_any(&self, m: &Matchers, r: &str) -> bool {
        match m {
            Matchers::Exact(v) => v.iter().any(|p| p == r),
            Matchers::Lower(v) => {
                let lower = r.to_lowercase();
                v.contains(&lower)
            }
            Matchers::Like(v) => v.iter().any(|g| g.matches(r)),
            Matchers::Bool(v) => v.iter().any(|p| p.eq_ignore_ascii_case(r.trim())),
            Matchers::Arn(v) => v.iter().any(|a| a.matches(r)),
            Matchers::Numbers(v) => {
                let Some(x) = parse_number(r) else {
                    return false;
                };
                v.iter().flatten().any(|p| match self.op.base {
                    BaseOp::NumericEquals => x == *p,
                    BaseOp::NumericLessThan => x < *p,
                    BaseOp::NumericLessThanEquals => x <= *p,
                    BaseOp::NumericGreaterThan => x > *p,
                    _ => x >= *p,
                })
            }
            Matchers::Dates(v) => {
                let Some(x) = parse_date(r) else {
                    return false;
                };
                v.iter().flatten().any(|p| match self.op.base {
                    BaseOp::DateEquals => x == *p,
                    BaseOp::DateLessThan => x < *p,
                    BaseOp::DateLessThanEquals => x <= *p,
                    BaseOp::DateGreaterThan => x > *p,
                    _ => x >= *p,
                })
            }
            Matchers::Binary(v) => v.iter().any(|p| p == r.trim()),
            Matchers::Ips(v) => v.iter().flatten().any(|range| range.contains(r)),
            Matchers::Null(_) => false,
        }
    }
}

fn outcome(held: bool) -> CondOutcome {
    if held { CondOutcome::Held } else { CondOutcome::Failed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        let o = Operator::parse(op).expect("known operator");
        Condition::new(op, o, key, values.iter().map(|s| s.to_string()).collect(), true)
    }

    fn held(c: &Condition, ctx: &Context) -> bool {
        c.evaluate(ctx).0 == CondOutcome::Held
    }

    #[test]
    fn missing_keys() {
        let empty = Context::new();
        assert!(!held(&cond("StringEquals", "k", &["a"]), &empty));
        assert!(held(&cond("StringNotEquals", "k", &["a"]), &empty));
        assert!(held(&cond("StringEqualsIfExists", "k", &["a"]), &empty));
        assert!(held(&cond("ForAllValues:StringEquals", "k", &["a"]), &empty));
        assert!(!held(&cond("ForAnyValue:StringEquals", "k", &["a"]), &empty));
        assert!(held(&cond("Null", "k", &["true"]), &empty));
        assert!(!held(&cond("Null", "k", &["false"]), &empty));
        assert!(cond("StringEquals", "k", &["a"]).evaluate(&empty).1);
    }

    #[test]
    fn negated_operators_with_several_values_are_an_and() {
        let c = cond("StringNotEquals", "k", &["a", "b"]);
        assert!(!held(&c, &Context::new().with("k", "a")));
        assert!(held(&c, &Context::new().with("k", "c")));
    }

    #[test]
    fn set_operators() {
        let all = cond("ForAllValues:StringLike", "dynamodb:requestedAttributes", &["PostDateTime", "Message", "Tags"]);
        let ok = Context::new().with_values("dynamodb:requestedAttributes", ["PostDateTime", "Message"]);
        let bad = Context::new().with_values("dynamodb:requestedAttributes", ["PostDateTime", "UserName"]);
        assert!(held(&all, &ok));
        assert!(!held(&all, &bad));
        let any = cond("ForAnyValue:StringLike", "dynamodb:requestedAttributes", &["ID", "PostDateTime"]);
        assert!(held(&any, &bad));
        assert!(!held(&any, &Context::new().with_values("dynamodb:requestedAttributes", ["UserName"])));
    }

    #[test]
    fn typed_operators() {
        let ctx = Context::new()
            .with("s3:max-keys", "10")
            .with("aws:CurrentTime", "2020-06-01T00:00:00Z")
            .with("aws:SourceIp", "203.0.113.7")
            .with("aws:SecureTransport", "false")
            .with("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:TOPIC");
        assert!(held(&cond("NumericLessThanEquals", "s3:max-keys", &["10"]), &ctx));
        assert!(!held(&cond("NumericLessThan", "s3:max-keys", &["10"]), &ctx));
        assert!(held(&cond("DateGreaterThan", "aws:CurrentTime", &["2020-01-01T00:00:01Z"]), &ctx));
        assert!(held(&cond("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]), &ctx));
        assert!(!held(&cond("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]), &ctx));
        assert!(held(&cond("Bool", "aws:SecureTransport", &["false"]), &ctx));
        assert!(held(&cond("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:123456789012:*"]), &ctx));
        assert!(!held(&cond("ArnLike", "aws:SourceArn", &["arn:aws:sns:*:999999999999:*"]), &ctx));
    }

    #[test]
    fn arn_operators_match_per_segment() {
        let c = cond("ArnLike", "k", &["arn:aws:someservice:*:111122223333:finance/*"]);
        let v = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        assert!(!held(&c, &Context::new().with("k", v)));
        let s = cond("StringLike", "k", &["arn:aws:someservice:*:111122223333:finance/*"]);
        assert!(held(&s, &Context::new().with("k", v)));
    }

    #[test]
    fn unresolved_variable_makes_the_statement_not_apply() {
        let c = cond("StringLike", "s3:prefix", &["home/${aws:username}/"]);
        assert_eq!(c.evaluate(&Context::new().with("s3:prefix", "home/x/")).0, CondOutcome::Unresolved);
        let ctx = Context::new().with("s3:prefix", "home/x/").with("aws:username", "x");
        assert!(held(&c, &ctx));
    }
}

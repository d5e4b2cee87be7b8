//! CloudWatch Logs filter patterns, parsed once into a typed pattern and matched against event messages:
//! terms (AND, `?` OR groups, `-` exclusion, quoted phrases) and JSON patterns (`{ $.x = "y" }`, numbers, IS/EXISTS).

mod json;

use crate::errors;
use json::JsonExpr;
use sekisho_core::AwsError;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterPattern {
    /// The empty pattern: every event matches.
    All,
    /// Term groups, any of which may match (`?` starts a new group, as AWS's own tooling writes
    /// `?"ERROR" "MainThread" ?"WARN" "Deadlock"` for (ERROR and MainThread) or (WARN and Deadlock)).
    Terms(Vec<TermGroup>),
    Json(JsonExpr),
}

/// Terms that must all appear, and terms of which none may appear. Matching is case-sensitive and by
/// substring (`ERROR` matches `ERRORCODE`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TermGroup {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// The pattern is not one AWS accepts. [inf: the detail after the colon varies in AWS's own answers]
pub(crate) fn invalid(detail: Option<String>) -> AwsError {
    match detail {
        None => errors::invalid_parameter("Invalid filter pattern"),
        Some(d) => errors::invalid_parameter(format!("Invalid filter pattern: {d}")),
    }
}

impl FilterPattern {
    pub fn parse(pattern: &str) -> Result<FilterPattern, AwsError> {
        let trimmed = pattern.trim();
        if trimmed.is_empty() {
            return Ok(FilterPattern::All);
        }
        if trimmed.starts_with('{') {
            // Verified text of an AWS answer to an unclosed JSON pattern.
            let Some(inner) = trimmed.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
                return Err(errors::invalid_parameter("If a filter pattern starts with '{' it must end with '}'"));
            };
            return Ok(FilterPattern::Json(json::parse(inner)?));
        }
        if trimmed.starts_with('[') || trimmed.starts_with('%') {
            return Err(sekisho_core::service::not_implemented(
                "logs",
                "space-delimited and regular-expression filter patterns",
            ));
        }
        parse_terms(trimmed).map(FilterPattern::Terms)
    }

    pub fn matches(&self, message: &str) -> bool {
        match self {
            FilterPattern::All => true,
            FilterPattern::Terms(groups) => groups.iter().any(|g| {
                g.include.iter().all(|t| message.contains(t.as_str()))
                    && !g.exclude.iter().any(|t| message.contains(t.as_str()))
            }),
            FilterPattern::Json(expr) => json::matches(expr, message),
        }
    }
}

fn parse_terms(pattern: &str) -> Result<Vec<TermGroup>, AwsError> {
    let mut groups = vec![TermGroup::default()];
    let mut chars = pattern.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let mut exclude = false;
        if first == '?' {
            chars.next();
            // A `?` opens a new alternative; terms before the first `?` form the first one.
            if !groups.last().is_some_and(|g| g.include.is_empty() && g.exclude.is_empty()) {
                groups.push(TermGroup::default());
            }
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
        }
        if chars.next_if_eq(&'-').is_some() {
            exclude = true;
            // AWS's own documentation writes `"ERROR" - "Exiting"`.
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
        }
        let term = match chars.peek() {
            None => return Err(invalid(None)),
            Some('"') => {
                chars.next();
                quoted(&mut chars)?
            }
            Some(_) => {
                let mut word = String::new();
                while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                    word.push(c);
                }
                if !word.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(invalid(Some(format!("Invalid character(s) in term '{word}'"))));
                }
                word
            }
        };
        let group = groups.last_mut().expect("groups starts non-empty and only grows");
        if exclude { group.exclude.push(term) } else { group.include.push(term) }
    }
    groups.retain(|g| !g.include.is_empty() || !g.exclude.is_empty());
    Ok(groups)
}

/// The rest of a double-quoted string (the opening quote consumed); `\"` and `\\` escape.
pub(crate) fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, AwsError> {
    let mut out = String::new();
    loop {
        match chars.next() {
            None => return Err(invalid(None)),
            Some('"') => return Ok(out),
            Some('\\') => match chars.next() {
                Some(c @ ('"' | '\\')) => out.push(c),
                Some(c) => {
                    out.push('\\');
                    out.push(c);
                }
                None => return Err(invalid(None)),
            },
            Some(c) => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, message: &str) -> bool {
        FilterPattern::parse(pattern).expect(pattern).matches(message)
    }

    #[test]
    fn terms_follow_the_documented_examples() {
        // From the CloudWatch Logs filter pattern documentation.
        let events = ["ERROR WARN message", "ERROR message", "WARN message"];
        let hits = |p: &str| events.iter().map(|e| m(p, e)).collect::<Vec<_>>();
        assert_eq!(hits("ERROR"), [true, true, false]);
        assert_eq!(hits("?ERROR ?WARN"), [true, true, true]);
        assert_eq!(hits("ERROR WARN"), [true, false, false]);
        assert_eq!(hits("ERROR -WARN"), [false, true, false]);
        assert!(m("ERROR", "Exiting with ERRORCODE: -1"));
        assert!(!m("\"ERROR\" - \"Exiting\"", "Exiting with ERRORCODE: -1"));
        assert!(m("\"ERROR\" - \"Exiting\"", "[ERROR] A fatal exception has occurred"));
        assert!(m("", "anything"));
        assert!(m("   ", "anything"));
    }

    #[test]
    fn quoted_phrases_match_exactly_and_case_matters() {
        assert!(m("\"Failed to process\"", "[WARN] Failed to process the request"));
        assert!(!m("\"Failed to process\"", "Failed, to process"));
        assert!(!m("error", "ERROR"));
        assert!(m("\"a \\\"q\\\" b\"", "x a \"q\" b y"));
        assert!(m("-DEBUG", "INFO started"));
        assert!(!m("-DEBUG", "DEBUG started"));
    }

    #[test]
    fn question_marks_start_alternatives_of_anded_terms() {
        let p = "?\"ERROR\" \"MainThread\" ?\"WARN\" \"Deadlock\"";
        assert!(m(p, "ERROR in MainThread"));
        assert!(m(p, "WARN Deadlock detected"));
        assert!(!m(p, "ERROR Deadlock"));
        assert!(m("ERROR ?WARN", "WARN only"));
    }

    #[test]
    fn bad_patterns_are_rejected_with_aws_errors() {
        for p in ["ERROR:", "\"unterminated", "a -", "{ $.x = 1"] {
            let e = FilterPattern::parse(p).unwrap_err();
            assert_eq!(e.code, "InvalidParameterException", "{p}");
        }
        assert_eq!(
            FilterPattern::parse("{ $.x = 1").unwrap_err().message,
            "If a filter pattern starts with '{' it must end with '}'"
        );
        assert_eq!(
            FilterPattern::parse("user@example").unwrap_err().message,
            "Invalid filter pattern: Invalid character(s) in term 'user@example'"
        );
        assert_eq!(FilterPattern::parse("[a, b]").unwrap_err().code, "NotImplemented");
    }
}

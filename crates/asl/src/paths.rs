//! ASL paths: `$...` over the state's data, `$$...` over the context object, `$name...` over a variable.
//! This is what `.$` keys, `InputPath`, `ItemsPath` and the other `*Path` fields refer through.

use serde_json::Value;

use crate::jsonpath::{JsonPath, PathError, PathSyntaxError};

/// What a path reads from.
#[derive(Debug, Clone, PartialEq)]
pub enum PathRef {
    /// `$...`: the state's input (or result, depending on the field).
    Data(JsonPath),
    /// `$$...`: the context object.
    Context(JsonPath),
    /// `$name...`: a workflow variable.
    Variable { name: String, path: JsonPath },
}

/// Variables visible to an expression, innermost scope first.
pub trait Variables {
    fn get(&self, name: &str) -> Option<&Value>;
}

impl Variables for serde_json::Map<String, Value> {
    fn get(&self, name: &str) -> Option<&Value> {
        serde_json::Map::get(self, name)
    }
}

/// No variables at all (TestState without variables, unit tests).
pub struct NoVariables;

impl Variables for NoVariables {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// The three things a path may read.
pub struct PathScope<'a> {
    pub data: &'a Value,
    pub context: &'a Value,
    pub variables: &'a dyn Variables,
}

/// A variable name: a letter or `_`, then letters, digits or `_`.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 80
}

impl PathRef {
    pub fn parse(text: &str) -> Result<PathRef, PathSyntaxError> {
        if let Some(rest) = text.strip_prefix("$$") {
            return Ok(PathRef::Context(JsonPath::parse(&format!("${rest}"))?));
        }
        let Some(rest) = text.strip_prefix('$') else {
            return Err(PathSyntaxError { message: "Path must start with '$'".to_string() });
        };
        let first = rest.chars().next();
        if first.is_some_and(|c| c.is_ascii_alphabetic() || c == '_') {
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            let name = &rest[..end];
            let path = JsonPath::parse(&format!("${}", &rest[end..]))?;
            return Ok(PathRef::Variable { name: name.to_string(), path });
        }
        Ok(PathRef::Data(JsonPath::parse(text)?))
    }

    /// The text as written in the definition.
    pub fn source(&self) -> String {
        match self {
            PathRef::Data(p) => p.source().to_string(),
            PathRef::Context(p) => format!("${}", p.source()),
            PathRef::Variable { name, path } => format!("${name}{}", &path.source()[1..]),
        }
    }

    /// Jayway's normalized form of the inner path (for "No results for path" messages).
    pub fn jsonpath(&self) -> &JsonPath {
        match self {
            PathRef::Data(p) | PathRef::Context(p) => p,
            PathRef::Variable { path, .. } => path,
        }
    }

    pub fn is_definite(&self) -> bool {
        self.jsonpath().is_definite()
    }

    /// Evaluates; a missing variable is "not found" like a missing field.
    pub fn evaluate(&self, scope: &PathScope<'_>) -> Result<Value, PathError> {
        match self {
            PathRef::Data(p) => p.evaluate(scope.data),
            PathRef::Context(p) => p.evaluate(scope.context),
            PathRef::Variable { name, path } => match scope.variables.get(name) {
                Some(v) => path.evaluate(v),
                None => Err(PathError { message: format!("Variable '{name}' is not defined") }),
            },
        }
    }

    /// The variable a path reads, if any (validation checks these are assigned somewhere).
    pub fn variable(&self) -> Option<&str> {
        match self {
            PathRef::Variable { name, .. } => Some(name),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn three_roots() {
        let data = json!({"a": 1});
        let context = json!({"State": {"Name": "S"}});
        let mut vars = serde_json::Map::new();
        vars.insert("x".into(), json!({"y": [5]}));
        let scope = PathScope { data: &data, context: &context, variables: &vars };
        let eval = |t: &str| PathRef::parse(t).unwrap().evaluate(&scope).unwrap();
        assert_eq!(eval("$.a"), json!(1));
        assert_eq!(eval("$$.State.Name"), json!("S"));
        assert_eq!(eval("$x.y[0]"), json!(5));
        assert_eq!(eval("$x"), json!({"y": [5]}));
        assert!(PathRef::parse("$nope").unwrap().evaluate(&scope).is_err());
    }

    #[test]
    fn source_round_trips() {
        for t in ["$", "$.a.b", "$$.Execution.Id", "$var", "$var.a[0]", "$$"] {
            assert_eq!(PathRef::parse(t).unwrap().source(), t);
        }
    }

    #[test]
    fn variable_names() {
        assert!(is_variable_name("theAnswer"));
        assert!(is_variable_name("_x1"));
        assert!(!is_variable_name("1x"));
        assert!(!is_variable_name("a-b"));
    }
}

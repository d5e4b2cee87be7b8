//! The JSONata query language behind a trait of our own, so the implementation can be swapped.
//! The default engine is `jsonata-core` with Step Functions' extra functions and a passed-in clock.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;
use serde_json::Value;
use sha2::Digest;

use crate::budget::{
    MAX_EXPRESSION_DEPTH, MAX_PAYLOAD_BYTES, MAX_SEQUENCE_LENGTH, MAX_TEMPLATE_WORK_BYTES, MAX_VALUE_DEPTH, Watch,
};
use crate::env::Env;
use crate::json::{number, number_len};
use crate::paths::Variables;

/// A compiled expression; what it holds is up to the engine that made it.
#[derive(Clone)]
pub struct CompiledQuery {
    source: String,
    variables: Vec<String>,
    /// The `$states` members the text names; `None` when it uses `$states` whole.
    states_members: Option<Vec<String>>,
    inner: Arc<dyn Any + Send + Sync>,
}

impl fmt::Debug for CompiledQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompiledQuery({:?})", self.source)
    }
}

impl PartialEq for CompiledQuery {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl CompiledQuery {
    pub fn new(source: &str, inner: Arc<dyn Any + Send + Sync>) -> CompiledQuery {
        CompiledQuery {
            source: source.to_string(),
            variables: referenced_variables(source),
            states_members: states_members(source),
            inner,
        }
    }

    /// The part of `$states` this expression can read (all of it when it names `$states` whole).
    pub fn states_view(&self, states: &Value) -> Value {
        match (&self.states_members, states) {
            (Some(members), Value::Object(map)) => {
                Value::Object(members.iter().filter_map(|m| map.get(m).map(|v| (m.clone(), v.clone()))).collect())
            }
            _ => states.clone(),
        }
    }

    /// The expression text (without `{% %}`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The engine's own compiled form.
    pub fn inner(&self) -> &(dyn Any + Send + Sync) {
        self.inner.as_ref()
    }

    /// Names after `$` in the text; only these variables need binding.
    pub fn variables(&self) -> &[String] {
        &self.variables
    }
}

/// What an expression can see: `$states`, workflow variables, and the time; and who watches it.
pub struct QueryScope<'a> {
    /// The `$states` object (`input`, `context`, and `result`/`errorOutput` where available).
    pub states: &'a Value,
    pub variables: &'a dyn Variables,
    pub now_ms: i64,
    /// The caller's watch: it may stop an evaluation that runs too long ([`UNWATCHED`](crate::budget::UNWATCHED) for none).
    pub watch: &'a Watch,
}

/// An expression failed; `message` is the engine's text ("T1006: Attempted to invoke ...").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    pub kind: QueryErrorKind,
}

/// What kind of failure a [`QueryError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryErrorKind {
    /// The expression is invalid or threw (including a budget overrun, named in the message).
    Evaluation,
    /// Its result is larger than a payload may be ([`MAX_PAYLOAD_BYTES`]).
    TooLarge,
    /// Its result nests deeper than values may ([`MAX_VALUE_DEPTH`]).
    TooDeep,
}

impl QueryError {
    pub fn evaluation(message: impl Into<String>) -> QueryError {
        QueryError { message: message.into(), kind: QueryErrorKind::Evaluation }
    }
}

/// A query language implementation.
pub trait QueryEngine: Send + Sync {
    fn compile(&self, source: &str) -> Result<CompiledQuery, QueryError>;
    /// `Ok(None)` is JSONata's "undefined" (nothing).
    fn evaluate(
        &self,
        query: &CompiledQuery,
        scope: &QueryScope<'_>,
        env: &mut dyn Env,
    ) -> Result<Option<Value>, QueryError>;
}

fn states_members(source: &str) -> Option<Vec<String>> {
    let mut members: Vec<String> = Vec::new();
    for (i, m) in source.match_indices("$states") {
        let rest = &source[i + m.len()..];
        let Some(member) = rest.strip_prefix('.') else {
            if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            return None;
        };
        let name: String = member.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if name.is_empty() {
            return None;
        }
        if !members.contains(&name) {
            members.push(name);
        }
    }
    Some(members)
}

fn referenced_variables(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == '\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else if c == '"' || c == '\'' {
            quote = Some(c);
        } else if c == '$' {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            if end > start {
                let name: String = chars[start..end].iter().collect();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    names
}

/// JSONata through `jsonata-core`, with `$partition`, `$range`, `$hash`, `$random`, `$uuid`,
/// `$parse`, a clock-driven `$now`/`$millis`, and `$eval` refused, as Step Functions has them.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsonataEngine;

fn to_jvalue(v: &Value) -> JValue {
    to_jvalue_owned(v.clone())
}

fn to_jvalue_owned(v: Value) -> JValue {
    JValue::from(v)
}

/// Converts a result back to JSON; `None` for undefined. Integral numbers print as integers. A result
/// nested deeper than [`MAX_VALUE_DEPTH`] or larger than [`MAX_PAYLOAD_BYTES`] is refused while it is
/// converted, so neither a deep nor a huge value is ever built on our side.
fn from_jvalue(v: &JValue) -> Result<Option<Value>, QueryErrorKind> {
    let mut size = 0;
    convert(v, 0, &mut size)
}

fn convert(v: &JValue, depth: usize, size: &mut usize) -> Result<Option<Value>, QueryErrorKind> {
    if depth > MAX_VALUE_DEPTH {
        return Err(QueryErrorKind::TooDeep);
    }
    // Counted as `json::size_within` counts: never more than the compact text.
    *size += match v {
        JValue::Null | JValue::Bool(_) => 4,
        JValue::String(s) => s.len() + 2,
        JValue::Array(items) => items.len() + 1,
        JValue::Object(map) => map.len() + 1 + map.keys().map(|k| k.len() + 3).sum::<usize>(),
        JValue::Number(n) => number_len(*n),
        _ => 0,
    };
    if *size > MAX_PAYLOAD_BYTES {
        return Err(QueryErrorKind::TooLarge);
    }
    Ok(Some(match v {
        JValue::Undefined => return Ok(None),
        JValue::Null => Value::Null,
        JValue::Bool(b) => Value::Bool(*b),
        JValue::Number(n) => number(*n),
        JValue::String(s) => Value::String(s.to_string()),
        JValue::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                out.extend(convert(item, depth + 1, size)?);
            }
            Value::Array(out)
        }
        JValue::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, v) in map.iter() {
                if let Some(v) = convert(v, depth + 1, size)? {
                    out.insert(k.clone(), v);
                }
            }
            Value::Object(out)
        }
        _ => return Ok(None),
    }))
}

/// jsonata-js texts (AWS runs JSONata 2.0.6: "Step Functions supports JSONata version 2.0.6",
/// transforming-data.html) for the codes whose text has nothing filled in, where `jsonata-core` words
/// them its own way or appends the value (`T1006: Attempted to invoke a non-function: $x`). AWS shows
/// `<code>: <text>` (`... threw an error during evaluation. T1006: Attempted to invoke a non-function`,
/// spec SFN-13). The texts are jsonata-js's `errorCodes` table's.
const JSONATA_JS_TEXTS: &[(&str, &str)] = &[
    ("T1006", "Attempted to invoke a non-function"),
    ("T1008", "Attempted to partially apply a non-function"),
    ("T2003", "The left side of the range operator (..) must evaluate to an integer"),
    ("T2004", "The right side of the range operator (..) must evaluate to an integer"),
    ("D3001", "Attempting to invoke string function on Infinity or NaN"),
    ("D3010", "Second argument of replace function cannot be an empty string"),
    ("D3020", "Third argument of split function must evaluate to a positive number"),
];

/// jsonata-js texts that name the operator: jsonata-js fills `{{token}}` with the token's JSON text
/// (`populateMessage`), so the operator shows in double quotes (`The right side of the "+" operator must
/// evaluate to a number`) where `jsonata-core` shows it bare.
const JSONATA_JS_OPERATOR_TEXTS: &[(&str, &str, &str)] = &[
    ("T2001", "The left side of the ", " operator must evaluate to a number"),
    ("T2002", "The right side of the ", " operator must evaluate to a number"),
];

/// An engine message as jsonata-js words it, where the two differ (see [`JSONATA_JS_TEXTS`] and
/// [`JSONATA_JS_OPERATOR_TEXTS`]).
fn jsonata_js_message(message: &str) -> String {
    let Some(code) = jsonata_core::evaluator::error_code_prefix(message) else {
        return message.to_string();
    };
    if let Some((code, text)) = JSONATA_JS_TEXTS.iter().find(|(known, _)| *known == code) {
        return format!("{code}: {text}");
    }
    let text = message[code.len()..].trim_start_matches(':').trim_start();
    for (known, before, after) in JSONATA_JS_OPERATOR_TEXTS {
        let operator = text.strip_prefix(before).and_then(|rest| rest.strip_suffix(after));
        if let Some(operator) = operator.filter(|o| !o.starts_with('"')) {
            let quoted = serde_json::to_string(operator).unwrap_or_default();
            // jsonata-core files a bad left operand of `+` under T2002; jsonata-js under T2001.
            return format!("{known}: {before}{quoted}{after}");
        }
    }
    message.to_string()
}

fn error(message: impl Into<String>) -> EvaluatorError {
    EvaluatorError::EvaluationError(message.into())
}

fn int_arg(args: &[JValue], i: usize, function: &str) -> Result<i64, EvaluatorError> {
    match args.get(i) {
        Some(JValue::Number(n)) if n.fract() == 0.0 => Ok(*n as i64),
        _ => Err(error(format!("Argument {} of function ${function} must be an integer", i + 1))),
    }
}

fn iso_millis(ms: i64) -> String {
    crate::time::format_iso_millis(ms)
}

/// `$pad` builds its whole result in one step, which neither the time budget nor the memory meter can stop
/// part-way: `$pad('', 1e9)` would allocate gigabytes before either looks. A width past the work limit
/// (16 payloads of 256 KiB, AWS's state input and output quota) is refused up front; any other call is the
/// engine's own `$pad`.
fn bounded_pad(args: &[JValue]) -> Result<JValue, EvaluatorError> {
    if let Some(JValue::Number(width)) = args.get(1)
        && width.abs() > MAX_TEMPLATE_WORK_BYTES as f64
    {
        return Err(error(format!("The width of $pad must not exceed {MAX_TEMPLATE_WORK_BYTES} characters")));
    }
    let mut context = Context::new();
    for (name, value) in ["s", "w", "c"].into_iter().zip(args) {
        context.bind(name.to_string(), value.clone());
    }
    let call = match args.len() {
        0 | 1 => "$pad($s)",
        2 => "$pad($s, $w)",
        _ => "$pad($s, $w, $c)",
    };
    let ast = jsonata_core::parser::parse(call).map_err(|e| error(e.to_string()))?;
    Evaluator::with_options(context, EvaluatorOptions::default()).evaluate(&ast, &JValue::Undefined)
}

/// A small deterministic generator for `$random(seed)`.
fn seeded_random(seed: f64) -> f64 {
    let mut x = (seed.to_bits() ^ 0x9E37_79B9_7F4A_7C15).max(1);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
}

impl JsonataEngine {
    fn evaluator(
        &self,
        context: Context,
        options: EvaluatorOptions,
        query: &CompiledQuery,
        now_ms: i64,
        env: &mut dyn Env,
    ) -> Result<Evaluator, EvaluatorError> {
        let mut ev = Evaluator::with_options(context, options);
        // Values the host functions need are drawn up front, and only when the expression names
        // the function: `jsonata-core` keeps host functions as `'static` closures, and the engine
        // must not hold on to the caller's Env.
        let names = query.variables();
        let draws = |name: &str| names.iter().filter(|n| *n == name).count();
        let randoms: Vec<f64> = (0..draws("random")).map(|_| env.random()).collect();
        let uuids: Vec<String> = (0..draws("uuid")).map(|_| env.uuid()).collect();
        let random_cell = std::cell::Cell::new(0usize);
        ev.register_fn_override("random", move |args: &[JValue]| {
            if let Some(JValue::Number(seed)) = args.first() {
                return Ok(JValue::Number(seeded_random(*seed)));
            }
            let i = random_cell.get();
            random_cell.set(i + 1);
            let r = randoms.get(i % randoms.len().max(1)).copied().unwrap_or(0.0);
            Ok(JValue::Number(r))
        })?;
        let uuid_cell = std::cell::Cell::new(0usize);
        ev.register_fn("uuid", move |_args: &[JValue]| {
            let i = uuid_cell.get();
            uuid_cell.set(i + 1);
            Ok(uuids.get(i % uuids.len().max(1)).map(|u| JValue::from(u.clone())).unwrap_or(JValue::Undefined))
        })?;
        ev.register_fn_override("millis", move |_args: &[JValue]| Ok(JValue::Number(now_ms as f64)))?;
        ev.register_fn_override("now", move |_args: &[JValue]| Ok(JValue::from(iso_millis(now_ms))))?;
        ev.register_fn_override("eval", |_args: &[JValue]| Err(error("The $eval function is not supported")))?;
        ev.register_fn_override("pad", bounded_pad)?;
        ev.register_fn("partition", |args: &[JValue]| {
            let items = match args.first() {
                Some(JValue::Array(a)) => a.to_vec(),
                Some(other) => vec![other.clone()],
                None => return Err(error("Argument 1 of function $partition must be an array")),
            };
            let size = int_arg(args, 1, "partition")?;
            if size <= 0 {
                return Err(error("Argument 2 of function $partition must be greater than 0"));
            }
            Ok(JValue::array(items.chunks(size as usize).map(|c| JValue::array(c.to_vec())).collect()))
        })?;
        ev.register_fn("range", |args: &[JValue]| {
            let start = int_arg(args, 0, "range")?;
            let end = int_arg(args, 1, "range")?;
            let step = int_arg(args, 2, "range")?;
            if step == 0 {
                return Err(error("Argument 3 of function $range must not be 0"));
            }
            let mut out = Vec::new();
            let mut v = start;
            while (step > 0 && v <= end) || (step < 0 && v >= end) {
                out.push(JValue::Number(v as f64));
                if out.len() > 1000 {
                    return Err(error("The result of $range exceeds 1000 items"));
                }
                v += step;
            }
            Ok(JValue::sequence(out))
        })?;
        ev.register_fn("hash", |args: &[JValue]| {
            let data = match args.first() {
                Some(JValue::String(s)) => s.to_string(),
                Some(other) => other.to_json_string().unwrap_or_default(),
                None => return Err(error("Argument 1 of function $hash is required")),
            };
            let algorithm = match args.get(1) {
                Some(JValue::String(s)) => s.to_string(),
                _ => return Err(error("Argument 2 of function $hash must be a string")),
            };
            let b = data.as_bytes();
            let digest: Vec<u8> = match algorithm.as_str() {
                "MD5" => md5::Md5::digest(b).to_vec(),
                "SHA-1" => sha1::Sha1::digest(b).to_vec(),
                "SHA-256" => sha2::Sha256::digest(b).to_vec(),
                "SHA-384" => sha2::Sha384::digest(b).to_vec(),
                "SHA-512" => sha2::Sha512::digest(b).to_vec(),
                other => {
                    return Err(error(format!(
                        "{other} is not a supported hash algorithm. Supported algorithms: MD5, SHA-1, SHA-256, SHA-384, SHA-512"
                    )));
                }
            };
            Ok(JValue::from(
                digest.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            ))
        })?;
        ev.register_fn("parse", |args: &[JValue]| match args.first() {
            Some(JValue::String(s)) => {
                JValue::from_json_str(s).map_err(|e| error(format!("The string could not be parsed as JSON: {e}")))
            }
            Some(other) => Ok(other.clone()),
            None => Ok(JValue::Undefined),
        })?;
        Ok(ev)
    }
}

impl QueryEngine for JsonataEngine {
    fn compile(&self, source: &str) -> Result<CompiledQuery, QueryError> {
        // `jsonata-core` bounds its own parser's nesting (U1002 past 1,000 levels).
        let ast = jsonata_core::parser::parse(source).map_err(|e| QueryError::evaluation(e.to_string()))?;
        Ok(CompiledQuery::new(source, Arc::new(ast)))
    }

    fn evaluate(
        &self,
        query: &CompiledQuery,
        scope: &QueryScope<'_>,
        env: &mut dyn Env,
    ) -> Result<Option<Value>, QueryError> {
        let Some(ast) = query.inner().downcast_ref::<jsonata_core::ast::AstNode>() else {
            return Err(QueryError::evaluation("The expression was compiled by a different query engine"));
        };
        let to_query_error = |e: EvaluatorError| QueryError::evaluation(jsonata_js_message(e.message()));
        let mut context = Context::new();
        for name in query.variables() {
            if name == "states" {
                context.bind("states".to_string(), to_jvalue_owned(query.states_view(scope.states)));
            } else if let Some(v) = scope.variables.get(name) {
                context.bind(name.clone(), to_jvalue(v));
            }
        }
        let evaluating = scope.watch.begin();
        let options = EvaluatorOptions {
            cancel: evaluating.token(),
            max_stack_depth: Some(MAX_EXPRESSION_DEPTH),
            max_sequence_length: Some(MAX_SEQUENCE_LENGTH),
            ..EvaluatorOptions::default()
        };
        let mut ev = self.evaluator(context, options, query, scope.now_ms, env).map_err(to_query_error)?;
        // Step Functions binds nothing to `$`: state data is reached through `$states`.
        let result = ev.evaluate(ast, &JValue::Undefined);
        if let Some(overrun) = evaluating.end() {
            return Err(QueryError::evaluation(overrun.message()));
        }
        from_jvalue(&result.map_err(to_query_error)?).map_err(|kind| QueryError { message: String::new(), kind })
    }
}

impl fmt::Debug for dyn QueryEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueryEngine")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::UNWATCHED;
    use crate::env::SeededEnv;
    use serde_json::json;

    fn eval_with(
        source: &str,
        states: Value,
        vars: &serde_json::Map<String, Value>,
    ) -> Result<Option<Value>, QueryError> {
        let engine = JsonataEngine;
        let q = engine.compile(source)?;
        let scope = QueryScope { states: &states, variables: vars, now_ms: 1_714_564_800_123, watch: &UNWATCHED };
        engine.evaluate(&q, &scope, &mut SeededEnv::new(3))
    }

    fn eval(source: &str, input: Value) -> Result<Option<Value>, QueryError> {
        eval_with(source, json!({"input": input}), &serde_json::Map::new())
    }

    #[test]
    fn states_input_and_arithmetic() {
        assert_eq!(eval("$states.input.a + 1", json!({"a": 2})).unwrap(), Some(json!(3)));
        assert_eq!(eval("$states.input.s & '!'", json!({"s": "hi"})).unwrap(), Some(json!("hi!")));
    }

    #[test]
    fn pad_is_the_engines_own_but_refuses_widths_no_payload_holds() {
        assert_eq!(eval("$pad('ab', 5)", json!({})).unwrap(), Some(json!("ab   ")));
        assert_eq!(eval("$pad('ab', -5, '#')", json!({})).unwrap(), Some(json!("###ab")));
        assert_eq!(eval("$pad('abc', 5, 'xyz')", json!({})).unwrap(), Some(json!("abcxy")));
        assert_eq!(eval("$pad('abc', 2)", json!({})).unwrap(), Some(json!("abc")));
        assert_eq!(eval("$states.input.s ~> $pad(4, '-')", json!({"s": "x"})).unwrap(), Some(json!("x---")));
        for width in ["1000000000", "-1e10", "4194305"] {
            let err = eval(&format!("$length($pad('', {width}))"), json!({})).expect_err(width);
            assert!(err.message.contains("$pad"), "{width}: {}", err.message);
        }
    }

    #[test]
    fn undefined_is_none() {
        assert_eq!(eval("$doesNotExist", json!({})).unwrap(), None);
        assert_eq!(eval("$states.input.nope", json!({})).unwrap(), None);
    }

    #[test]
    fn variables_are_bound_by_name() {
        let mut vars = serde_json::Map::new();
        vars.insert("theAnswer".into(), json!(42));
        let r = eval_with("$theAnswer * 2", json!({"input": {}}), &vars).unwrap();
        assert_eq!(r, Some(json!(84)));
    }

    #[test]
    fn aws_partition_and_range() {
        let input = json!({"a": [0, 1, 2, 3], "one": [0]});
        assert_eq!(eval("$partition($states.input.a, 3)", input.clone()).unwrap(), Some(json!([[0, 1, 2], [3]])));
        assert_eq!(eval("$partition($states.input.one, 3)", input).unwrap(), Some(json!([[0]])));
        assert_eq!(eval("$range(1, 9, 2)", json!({})).unwrap(), Some(json!([1, 3, 5, 7, 9])));
        // A one-item range is a sequence, so JSONata unwraps it.
        assert_eq!(eval("$range(1, 9, 9)", json!({})).unwrap(), Some(json!(1)));
    }

    #[test]
    fn aws_parse_hash_uuid_random() {
        assert_eq!(eval("$parse('-0')", json!({})).unwrap(), Some(json!(0)));
        assert_eq!(eval("$parse('\"HelloWorld\"')", json!({})).unwrap(), Some(json!("HelloWorld")));
        assert_eq!(
            eval("$hash('input data', 'MD5')", json!({})).unwrap(),
            Some(json!("812f45842bc6d66ee14572ce20db8e86"))
        );
        let u = eval("$uuid()", json!({})).unwrap().unwrap();
        assert_eq!(u.as_str().unwrap().len(), 36);
        let r = eval("$random()", json!({})).unwrap().unwrap().as_f64().unwrap();
        assert!((0.0..1.0).contains(&r));
        assert_eq!(eval("$random(7)", json!({})).unwrap(), eval("$random(7)", json!({})).unwrap());
    }

    #[test]
    fn clock_comes_from_the_scope() {
        assert_eq!(eval("$millis()", json!({})).unwrap(), Some(json!(1_714_564_800_123i64)));
        assert_eq!(eval("$now()", json!({})).unwrap(), Some(json!("2024-05-01T12:00:00.123Z")));
    }

    #[test]
    fn errors_carry_jsonata_codes() {
        let e = eval("$states.input.a()", json!({"a": 1})).unwrap_err();
        assert!(e.message.starts_with("T1006"), "{}", e.message);
        assert!(JsonataEngine.compile("a[1,2)").is_err());
        let e = eval("$eval('1+1')", json!({})).unwrap_err();
        assert!(e.message.contains("$eval"), "{}", e.message);
    }

    /// AWS shows jsonata-js's T1006 text, which names no value (transforming-data.html: JSONata 2.0.6;
    /// spec SFN-13: "... threw an error during evaluation. T1006: Attempted to invoke a non-function").
    #[test]
    fn errors_carry_jsonata_js_texts() {
        for source in ["$states.input.a()", "$notAFunction(1)", "($x := 1; $x())"] {
            let e = eval(source, json!({"a": 1})).unwrap_err();
            assert_eq!(e.message, "T1006: Attempted to invoke a non-function", "{source}");
        }
        let e = eval("[1.5..3]", json!({})).unwrap_err();
        assert_eq!(e.message, "T2003: The left side of the range operator (..) must evaluate to an integer");
        let e = eval("$split('a', ',', -1)", json!({})).unwrap_err();
        assert_eq!(e.message, "D3020: Third argument of split function must evaluate to a positive number");
        // jsonata-js quotes the operator it names.
        let e = eval("1 + 'a'", json!({})).unwrap_err();
        assert_eq!(e.message, "T2002: The right side of the \"+\" operator must evaluate to a number");
        let e = eval("'a' * 2", json!({})).unwrap_err();
        assert_eq!(e.message, "T2001: The left side of the \"*\" operator must evaluate to a number");
        // Codes whose texts agree are left as the engine words them.
        let e = eval("$sqrt(-1)", json!({})).unwrap_err();
        assert!(
            e.message.starts_with("D3060: The sqrt function cannot be applied to a negative number"),
            "{}",
            e.message
        );
    }

    #[test]
    fn only_named_states_members_are_bound() {
        let q = JsonataEngine.compile("$states.context.Map.Item.Value & $states.input.x").unwrap();
        let states = json!({"input": {"x": 1}, "context": {"Map": 1}, "result": [1, 2]});
        assert_eq!(q.states_view(&states), json!({"context": {"Map": 1}, "input": {"x": 1}}));
        let whole = JsonataEngine.compile("$keys($states)").unwrap();
        assert_eq!(whole.states_view(&states), states);
    }

    /// Issue 11: `[1..10000000]` took 4 GB. A sequence past the limit fails before it is built.
    #[test]
    fn huge_sequences_fail_before_they_are_built() {
        let e = eval("[1..10000000]", json!({})).unwrap_err();
        assert_eq!(e.kind, QueryErrorKind::Evaluation);
        assert_eq!(e.message, "D2015: The maximum sequence length of 1000000 was exceeded.");
        assert_eq!(eval("$count([1..1000000])", json!({})).unwrap(), Some(json!(1_000_000)));
    }

    #[test]
    fn results_over_the_payload_quota_are_too_large() {
        // 60,000 five-digit numbers: about 360 KB of JSON.
        let e = eval("[40001..100000]", json!({})).unwrap_err();
        assert_eq!(e.kind, QueryErrorKind::TooLarge);
        let e = eval("$pad('', 300000, 'x')", json!({})).unwrap_err();
        assert_eq!(e.kind, QueryErrorKind::TooLarge);
        assert_eq!(eval("$length($pad('', 300000, 'x'))", json!({})).unwrap(), Some(json!(300_000)));
    }

    #[test]
    fn results_nested_too_deep_are_refused() {
        let e = eval("$reduce([1..500], function($a, $i){ {'a': $a} }, {})", json!({})).unwrap_err();
        assert_eq!(e.kind, QueryErrorKind::TooDeep);
        let shallow = eval("$reduce([1..100], function($a, $i){ {'a': $a} }, {})", json!({})).unwrap();
        assert!(shallow.is_some());
    }

    #[test]
    fn runaway_recursion_hits_the_depth_limit() {
        let e = eval("($f := function($x){ 1 + $f($x) }; $f(1))", json!({})).unwrap_err();
        assert!(e.message.starts_with("D1011: Stack overflow"), "{}", e.message);
    }

    /// A stopped watch fails the expression evaluating and every later one (the time budget expires the
    /// watch from the caller's watchdog the same way; see the states crate's tests).
    #[test]
    fn a_stopped_watch_stops_evaluation() {
        let watch = Watch::new();
        watch.stop();
        let engine = JsonataEngine;
        let q = engine.compile("($f := function($x){ $f($x) }; $f(1))").unwrap();
        let states = json!({});
        let scope = QueryScope { states: &states, variables: &serde_json::Map::new(), now_ms: 0, watch: &watch };
        let e = engine.evaluate(&q, &scope, &mut SeededEnv::new(1)).unwrap_err();
        assert_eq!(e.message, "The evaluation was stopped");
    }

    #[test]
    fn referenced_names_skip_string_literals() {
        let q = JsonataEngine.compile("$x & '$notvar' & $states.input").unwrap();
        assert_eq!(q.variables(), &["x".to_string(), "states".to_string()]);
    }
}

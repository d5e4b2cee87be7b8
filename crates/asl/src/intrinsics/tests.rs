//! Each intrinsic function with AWS's documented examples and its argument checks.
//! Expected values come from the Step Functions developer guide and recorded executions.

use serde_json::{Value, json};

use super::{Call, IntrinsicError};
use crate::env::SeededEnv;
use crate::paths::{PathScope, Variables};

struct Vars(serde_json::Map<String, Value>);
impl Variables for Vars {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

fn run_with(text: &str, data: Value) -> Result<Value, IntrinsicError> {
    let call = Call::parse(text).expect("parses");
    let context = json!({"StateMachine": {"Name": "my-state-machine-name"}});
    let mut vars = serde_json::Map::new();
    vars.insert("greeting".into(), json!("hi"));
    let vars = Vars(vars);
    let scope = PathScope { data: &data, context: &context, variables: &vars };
    call.evaluate(&scope, &mut SeededEnv::new(42))
}

fn run(text: &str) -> Value {
    run_with(text, json!({})).expect("evaluates")
}

fn failure(text: &str) -> String {
    match run_with(text, json!({})) {
        Err(IntrinsicError::Failure(m)) => m,
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn format() {
    assert_eq!(run("States.Format('Hello, my name is {}.', 'Arnav')"), json!("Hello, my name is Arnav."));
    let data = json!({"a": {"Arg1": 1, "Arg2": []}, "n": null, "f": 1.1});
    assert_eq!(
        run_with("States.Format('{} {} {}', $.a, $.n, $.f)", data).unwrap(),
        json!("{Arg1=1, Arg2=[]} null 1.1")
    );
    assert_eq!(run("States.Format('\\{literal\\} {}', 'x')"), json!("{literal} x"));
    assert!(failure("States.Format('{} {}', 'only one')").contains("States.Format"));
    assert_eq!(run("States.Format('{}', $greeting)"), json!("hi"));
}

#[test]
fn format_template_from_a_path() {
    let data = json!({"t": "It's {}!", "v": "Pikachu"});
    assert_eq!(run_with("States.Format($.t, $.v)", data).unwrap(), json!("It's Pikachu!"));
}

#[test]
fn string_to_json_and_back() {
    assert_eq!(run("States.StringToJson('{\"number\": 20}')"), json!({"number": 20}));
    assert_eq!(run("States.StringToJson('')"), Value::Null);
    assert_eq!(run("States.JsonToString(States.Array(1, 'a'))"), json!("[1,\"a\"]"));
    assert!(failure("States.StringToJson('{nope')").contains("StringToJson"));
}

#[test]
fn arrays() {
    assert_eq!(run("States.Array('Foo', 2020, null, true)"), json!(["Foo", 2020, null, true]));
    assert_eq!(run("States.Array()"), json!([]));
    assert_eq!(
        run("States.ArrayPartition(States.Array(1,2,3,4,5,6,7,8,9), 4)"),
        json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
    );
    assert!(failure("States.ArrayPartition(States.Array(1), 0)").contains("ArrayPartition"));
    assert_eq!(run("States.ArrayContains(States.Array(1,2,3), 2)"), json!(true));
    assert_eq!(run("States.ArrayContains(States.Array(1,2,3), 5)"), json!(false));
    assert_eq!(run("States.ArrayRange(1, 9, 2)"), json!([1, 3, 5, 7, 9]));
    assert_eq!(run("States.ArrayRange(0, 10, 3)"), json!([0, 3, 6, 9]));
    assert_eq!(run("States.ArrayRange(5, 1, -2)"), json!([5, 3, 1]));
    assert!(failure("States.ArrayRange(0, 5000, 1)").contains("1000"));
    assert_eq!(run("States.ArrayGetItem(States.Array(1,2,3,4,5,6,7,8,9), 5)"), json!(6));
    assert!(failure("States.ArrayGetItem(States.Array(1), 3)").contains("out of bounds"));
    assert_eq!(run("States.ArrayLength(States.Array(1,2,3))"), json!(3));
    assert_eq!(run("States.ArrayUnique(States.Array(1,2,3,3,3,3,3,3,4))"), json!([1, 2, 3, 4]));
}

#[test]
fn base64() {
    assert_eq!(run("States.Base64Encode('Data to encode')"), json!("RGF0YSB0byBlbmNvZGU="));
    assert_eq!(run("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')"), json!("Data to encode"));
    assert_eq!(run("States.Base64Encode('')"), json!(""));
    assert!(failure("States.Base64Decode('%%%')").contains("Base64Decode"));
}

#[test]
fn hash() {
    assert_eq!(run("States.Hash('input data', 'MD5')"), json!("812f45842bc6d66ee14572ce20db8e86"));
    assert_eq!(run("States.Hash('input data', 'SHA-1')"), json!("aaff4a450a104cd177d28d18d74485e8cae074b7"));
    assert_eq!(
        run("States.Hash('Hash this string', 'SHA-256')"),
        json!("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e")
    );
    assert!(failure("States.Hash('x', 'SHA-3')").contains("SHA-3"));
}

#[test]
fn json_merge_is_shallow() {
    let data = json!({"a": {"a": {"a1": 1}, "b": 2}, "b": {"a": {"a3": 1}, "c": 3}});
    assert_eq!(
        run_with("States.JsonMerge($.a, $.b, false)", data.clone()).unwrap(),
        json!({"a": {"a3": 1}, "b": 2, "c": 3})
    );
    assert!(matches!(run_with("States.JsonMerge($.a, $.b, true)", data), Err(IntrinsicError::Failure(_))));
}

#[test]
fn math() {
    assert_eq!(run("States.MathAdd(111, -1)"), json!(110));
    // Java's Math.round on each operand.
    assert_eq!(run("States.MathAdd(1.49, 1.5)"), json!(3));
    assert_eq!(run("States.MathAdd(-1.5, -1.51)"), json!(-3));
    assert_eq!(run("States.MathAdd(-0.5, 0)"), json!(0));
    let r = run("States.MathRandom(1, 999)").as_i64().unwrap();
    assert!((1..999).contains(&r));
    assert!(failure("States.MathAdd('a', 1)").contains("MathAdd"));
}

/// AWS accepts bounds (and a seed) that are not integers (issue 16 [inf]); they are rounded as MathAdd
/// rounds its operands.
#[test]
fn math_random_accepts_bounds_that_are_not_integers() {
    for _ in 0..20 {
        let r = run("States.MathRandom(0.6, 3.4, 7.5)").as_i64().unwrap();
        assert!((1..3).contains(&r), "{r}");
    }
    assert!(failure("States.MathRandom('a', 3)").contains("MathRandom"));
    assert!(failure("States.MathRandom(3.4, 2.6)").contains("MathRandom"));
}

#[test]
fn string_split_drops_empty_tokens() {
    assert_eq!(run("States.StringSplit('1,2,3,4,5', ',')"), json!(["1", "2", "3", "4", "5"]));
    assert_eq!(run("States.StringSplit(', , ,', ',')"), json!([" ", " "]));
    assert_eq!(
        run("States.StringSplit('This.is+a,test=string', '.+,=')"),
        json!(["This", "is", "a", "test", "string"])
    );
}

#[test]
fn uuid_comes_from_env() {
    let u = run("States.UUID()");
    assert_eq!(u.as_str().unwrap().len(), 36);
}

#[test]
fn nested_calls_and_context_paths() {
    assert_eq!(
        run(
            "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($$.StateMachine.Name, '-')), -1))"
        ),
        json!("name")
    );
}

#[test]
fn missing_path_argument_is_reported() {
    assert_eq!(
        run_with("States.Array($.nope)", json!({})),
        Err(IntrinsicError::PathNotFound { path: "$.nope".to_string() })
    );
}

#[test]
fn parse_errors() {
    assert!(Call::parse("States.Nope(1)").is_err());
    assert!(Call::parse("States.Array(1").is_err());
    assert!(Call::parse("States.Array('x)").is_err());
    assert!(Call::parse("States.Array(1) trailing").is_err());
}

#[test]
fn wrong_argument_counts() {
    assert!(failure("States.ArrayLength()").contains("States.ArrayLength"));
    assert!(failure("States.UUID(1)").contains("States.UUID"));
    assert!(failure("States.JsonToString(1, 2)").contains("States.JsonToString"));
}

/// Random call texts never panic the parser or the functions.
#[test]
fn random_calls_do_not_panic() {
    use crate::env::Env;
    let pieces = [
        "States.Format(",
        "States.Array(",
        "States.ArrayRange(",
        "States.ArrayPartition(",
        "States.Hash(",
        "States.MathAdd(",
        "States.StringSplit(",
        "States.JsonMerge(",
        "States.Base64Decode(",
        "States.ArrayGetItem(",
        "'x'",
        "'{}'",
        "1",
        "-3",
        "0",
        "2.5",
        "$.a",
        "$$.Execution",
        "$v",
        ", ",
        ")",
        "true",
        "null",
        "'\\''",
    ];
    let mut env = SeededEnv::new(5);
    for _ in 0..5000 {
        let n = (env.random() * 8.0) as usize + 1;
        let text: String =
            (0..n).map(|_| pieces[(env.random() * pieces.len() as f64) as usize % pieces.len()]).collect();
        if Call::parse(&text).is_ok() {
            let _ = run_with(&text, json!({"a": [1, 2]}));
        }
    }
}

/// Issue 11: twenty thousand nested calls overflowed the stack while parsing. AWS allows ten levels.
#[test]
fn calls_nest_at_most_ten_deep() {
    use crate::budget::MAX_INTRINSIC_NESTING;
    let nested = |n: usize| format!("{}1{}", "States.Array(".repeat(n), ")".repeat(n));
    assert_eq!(run(&nested(MAX_INTRINSIC_NESTING)), json!([[[[[[[[[[1]]]]]]]]]]));
    let e = Call::parse(&nested(MAX_INTRINSIC_NESTING + 1)).unwrap_err();
    assert_eq!(e, "at most 10 intrinsic functions can be nested within a field");
    assert_eq!(Call::parse(&nested(20_000)).unwrap_err(), e);
}

/// A call that repeats a large input many times fails before it holds the copies.
#[test]
fn arguments_copying_too_much_of_the_input_are_refused() {
    let data = json!({"s": "x".repeat(200_000)});
    let args = vec!["$.s"; 30].join(", ");
    assert_eq!(run_with(&format!("States.Array({args})"), data.clone()), Err(IntrinsicError::TooLarge));
    let nested = format!("States.Array(States.Array({args}), $.s)");
    assert_eq!(run_with(&nested, data.clone()), Err(IntrinsicError::TooLarge));
    assert_eq!(run_with("States.ArrayLength(States.Array($.s, $.s))", data).unwrap(), json!(2));
}

/// Found by the `intrinsic_parse` fuzz target: a path argument holding a filter literal that ends at a
/// backslash panicked the path parser.
#[test]
fn a_path_argument_ending_in_a_backslash_is_refused() {
    assert!(Call::parse("States.Array($[?(@ == {'a\\").is_err());
    assert!(Call::parse("States.JsonMerge($.'.[ ?([\\").is_err());
}

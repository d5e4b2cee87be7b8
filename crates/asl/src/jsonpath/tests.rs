//! Jayway JSONPath behaviour, case by case.
//! Covers definite vs indefinite results, filters, deep scan, slices, functions and errors.

use super::JsonPath;
use serde_json::{Value, json};

fn eval(path: &str, doc: &Value) -> Result<Value, String> {
    JsonPath::parse(path).map_err(|e| e.message)?.evaluate(doc).map_err(|e| e.message)
}

fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "LOTR", "isbn": "0-395-19395-8", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10
    })
}

#[test]
fn root_and_child_names() {
    let doc = store();
    assert_eq!(eval("$", &doc).unwrap(), doc);
    assert_eq!(eval("$.store.bicycle.color", &doc).unwrap(), json!("red"));
    assert_eq!(eval("$['store']['bicycle']['price']", &doc).unwrap(), json!(19.95));
    assert_eq!(eval("$.store.book[0].title", &doc).unwrap(), json!("Sayings"));
    assert_eq!(eval("$.store.book[-1].title", &doc).unwrap(), json!("LOTR"));
}

#[test]
fn definite_path_missing_leaf_is_no_results() {
    let doc = json!({"a": {"b": 1}});
    assert_eq!(eval("$.a.c", &doc).unwrap_err(), "No results for path: $['a']['c']");
    assert_eq!(eval("$.x.y", &doc).unwrap_err(), "Missing property in path $['x']");
    assert!(eval("$.a.b[3]", &doc).unwrap_err().starts_with("Filter: [3]"));
}

#[test]
fn property_on_non_object_names_java_type() {
    let doc = json!({"a": "text"});
    let e = eval("$.a.b", &doc).unwrap_err();
    assert!(
        e.starts_with("Expected to find an object with property ['b'] in path $['a'] but found 'java.lang.String'"),
        "{e}"
    );
}

#[test]
fn wildcard_and_lists_are_indefinite() {
    let doc = store();
    assert_eq!(
        eval("$.store.book[*].author", &doc).unwrap(),
        json!(["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"])
    );
    assert_eq!(eval("$.store.book[0,1].price", &doc).unwrap(), json!([8.95, 12.99]));
    assert_eq!(eval("$.nothing[*]", &doc).unwrap(), json!([]));
    assert_eq!(eval("$.store.*.color", &doc).unwrap(), json!(["red"]));
}

#[test]
fn deep_scan_finds_every_depth_in_document_order() {
    let doc = store();
    assert_eq!(eval("$..price", &doc).unwrap(), json!([8.95, 12.99, 8.99, 22.99, 19.95]));
    assert_eq!(eval("$..book[2].title", &doc).unwrap(), json!(["Moby Dick"]));
    assert_eq!(eval("$..missing", &doc).unwrap(), json!([]));
    let nested = json!({"a": {"b": [1, {"c": 2}]}});
    assert_eq!(eval("$..*", &nested).unwrap(), json!([{"b": [1, {"c": 2}]}, [1, {"c": 2}], 1, {"c": 2}, 2]));
}

#[test]
fn slices() {
    let doc = json!({"a": [0, 1, 2, 3, 4]});
    assert_eq!(eval("$.a[1:3]", &doc).unwrap(), json!([1, 2]));
    assert_eq!(eval("$.a[-2:]", &doc).unwrap(), json!([3, 4]));
    assert_eq!(eval("$.a[:2]", &doc).unwrap(), json!([0, 1]));
    assert_eq!(eval("$.a[3:1]", &doc).unwrap(), json!([]));
}

#[test]
fn filters_compare_and_combine() {
    let doc = store();
    assert_eq!(eval("$.store.book[?(@.price < 10)].title", &doc).unwrap(), json!(["Sayings", "Moby Dick"]));
    assert_eq!(eval("$.store.book[?(@.isbn)].title", &doc).unwrap(), json!(["Moby Dick", "LOTR"]));
    assert_eq!(eval("$.store.book[?(!@.isbn)].title", &doc).unwrap(), json!(["Sayings", "Sword"]));
    assert_eq!(eval("$.store.book[?(@.category == 'fiction' && @.price > 20)].title", &doc).unwrap(), json!(["LOTR"]));
    assert_eq!(
        eval("$.store.book[?(@.price < 9 || @.price > 22)].title", &doc).unwrap(),
        json!(["Sayings", "Moby Dick", "LOTR"])
    );
    assert_eq!(eval("$.store.book[?(@.price > $.expensive)].title", &doc).unwrap(), json!(["Sword", "LOTR"]));
    assert_eq!(eval("$.store.book[?(@.author =~ /.*melville/i)].title", &doc).unwrap(), json!(["Moby Dick"]));
    assert_eq!(eval("$.store.book[?(@.category in ['reference'])].title", &doc).unwrap(), json!(["Sayings"]));
    assert_eq!(eval("$.store.book[?(@.category nin ['fiction'])].title", &doc).unwrap(), json!(["Sayings"]));
}

#[test]
fn filter_on_object_tests_the_object_itself() {
    let doc = json!({"a": {"x": 1}});
    assert_eq!(eval("$.a[?(@.x == 1)]", &doc).unwrap(), json!([{"x": 1}]));
    assert_eq!(eval("$.a[?(@.x == 2)]", &doc).unwrap(), json!([]));
}

#[test]
fn numbers_and_numeric_strings_compare_equal() {
    let doc = json!([{"v": 1}, {"v": "1"}, {"v": "a"}]);
    assert_eq!(eval("$[?(@.v == 1)]", &doc).unwrap(), json!([{"v": 1}, {"v": "1"}]));
}

#[test]
fn regex_must_match_whole_string() {
    let doc = json!([{"s": "abc"}, {"s": "xabcx"}]);
    assert_eq!(eval("$[?(@.s =~ /abc/)]", &doc).unwrap(), json!([{"s": "abc"}]));
}

#[test]
fn size_and_empty_operators() {
    let doc = json!([{"t": [1, 2]}, {"t": []}]);
    assert_eq!(eval("$[?(@.t size 2)]", &doc).unwrap(), json!([{"t": [1, 2]}]));
    assert_eq!(eval("$[?(@.t empty true)]", &doc).unwrap(), json!([{"t": []}]));
    assert_eq!(eval("$[?(@.t anyof [2, 3])]", &doc).unwrap(), json!([{"t": [1, 2]}]));
    assert_eq!(eval("$[?(@.t subsetof [1, 2, 3])]", &doc).unwrap(), json!([{"t": [1, 2]}, {"t": []}]));
}

#[test]
fn functions() {
    let doc = json!({"a": [1, 2, 3, 4], "o": {"x": 1, "y": 2}});
    assert_eq!(eval("$.a.length()", &doc).unwrap(), json!(4));
    assert_eq!(eval("$.a.sum()", &doc).unwrap(), json!(10.0));
    assert_eq!(eval("$.a.avg()", &doc).unwrap(), json!(2.5));
    assert_eq!(eval("$.a.min()", &doc).unwrap(), json!(1.0));
    assert_eq!(eval("$.a.max()", &doc).unwrap(), json!(4.0));
    assert_eq!(eval("$.o.keys()", &doc).unwrap(), json!(["x", "y"]));
    assert_eq!(eval("$.a.first()", &doc).unwrap(), json!(1));
    assert_eq!(eval("$.a.last()", &doc).unwrap(), json!(4));
    assert_eq!(eval("$..x.length()", &doc).unwrap(), json!(1));
}

#[test]
fn bracket_names_keep_backslashes_except_escaped_delimiter() {
    // AWS finds the key `Test\""Name"` with `$['Test\""Name"']`.
    let doc = json!({"Test\\\"\"Name\"": "v", "it's": 1});
    assert_eq!(eval("$['Test\\\"\"Name\"']", &doc).unwrap(), json!("v"));
    assert_eq!(eval("$['it\\'s']", &doc).unwrap(), json!(1));
}

#[test]
fn dashes_in_dot_names() {
    let doc = json!({"delivery-partner": "UQS"});
    assert_eq!(eval("$.delivery-partner", &doc).unwrap(), json!("UQS"));
}

#[test]
fn multi_name_selection_on_an_object_returns_an_object() {
    let doc = json!({"a": 1, "b": 2, "c": 3});
    assert_eq!(eval("$['a','b']", &doc).unwrap(), json!({"a": 1, "b": 2}));
}

#[test]
fn syntax_errors() {
    assert!(JsonPath::parse("a.b").is_err());
    assert!(JsonPath::parse("$.").is_err());
    assert!(JsonPath::parse("$[").is_err());
    assert!(JsonPath::parse("$.a.nosuch()").is_err());
    assert!(JsonPath::parse("$[?(@.a ==)]").is_err());
}

#[test]
fn definiteness_and_reference_paths() {
    assert!(JsonPath::parse("$.a[0].b").unwrap().is_reference());
    assert!(!JsonPath::parse("$.a[*]").unwrap().is_definite());
    assert!(!JsonPath::parse("$..a").unwrap().is_definite());
    assert!(!JsonPath::parse("$.a.length()").unwrap().is_reference());
}

#[test]
fn set_creates_objects_and_refuses_non_objects() {
    let mut doc = json!({"a": {}});
    JsonPath::parse("$.a.b.c").unwrap().set(&mut doc, json!(1)).unwrap();
    assert_eq!(doc, json!({"a": {"b": {"c": 1}}}));
    let mut s = json!({"a": "x"});
    assert!(JsonPath::parse("$.a.b").unwrap().set(&mut s, json!(1)).is_err());
    let mut arr = json!({"a": [1, 2]});
    JsonPath::parse("$.a[1]").unwrap().set(&mut arr, json!(9)).unwrap();
    assert_eq!(arr, json!({"a": [1, 9]}));
    let mut whole = json!(5);
    JsonPath::parse("$").unwrap().set(&mut whole, json!({"r": 1})).unwrap();
    assert_eq!(whole, json!({"r": 1}));
}

/// Random path texts never panic the parser or the evaluator.
#[test]
fn random_paths_do_not_panic() {
    use crate::env::{Env, SeededEnv};
    let alphabet: Vec<char> = "$@.[]*?()'\"=!<>&|,:-0123456789abc ~/".chars().collect();
    let doc = json!({"a": [1, {"b": "c"}], "b": {"c": [true, null]}});
    let mut env = SeededEnv::new(11);
    for _ in 0..5000 {
        let len = (env.random() * 16.0) as usize + 1;
        let mut text = String::from("$");
        for _ in 0..len {
            text.push(alphabet[(env.random() * alphabet.len() as f64) as usize % alphabet.len()]);
        }
        if let Ok(p) = JsonPath::parse(&text) {
            let _ = p.evaluate(&doc);
            let mut target = doc.clone();
            let _ = p.set(&mut target, json!(1));
        }
    }
}

/// Issue 11: a filter nested a few thousand levels overflowed the stack while parsing and aborted the
/// process. Nesting past `MAX_PATH_NESTING` is now a syntax error, however it nests.
#[test]
fn deeply_nested_filters_are_refused_not_recursed() {
    use crate::budget::MAX_PATH_NESTING;
    let deep = 3000;
    for text in [
        format!("${}{}", "[?(@".repeat(deep), ")]".repeat(deep)),
        "$[?(".repeat(deep),
        format!("$[?({}@.a{})]", "(".repeat(100_000), ")".repeat(100_000)),
        format!("$[?({}@.a)]", "!".repeat(100_000)),
    ] {
        let e = JsonPath::parse(&text).unwrap_err();
        assert!(e.message.contains("deeper than"), "{}", e.message);
    }
    let nested = |n: usize| format!("${}{}", "[?(@".repeat(n), ")]".repeat(n));
    assert!(JsonPath::parse(&nested(MAX_PATH_NESTING)).is_ok());
    assert!(JsonPath::parse(&nested(MAX_PATH_NESTING + 1)).is_err());
    assert!(eval(&nested(MAX_PATH_NESTING), &json!([[1], 5])).is_ok());
}

/// A long `||` chain is a list, not a tree as deep as the chain: parsing, evaluating and dropping it
/// take no stack per term.
#[test]
fn long_or_chains_stay_flat() {
    let terms = vec!["@.x == 1"; 50_000].join(" || ");
    let path = JsonPath::parse(&format!("$[?({terms} || @.a == 2)]")).unwrap();
    assert_eq!(path.evaluate(&json!([{"a": 2}, {"a": 3}])).unwrap(), json!([{"a": 2}]));
    let all = vec!["@.a"; 50_000].join(" && ");
    assert_eq!(eval(&format!("$[?({all})]"), &json!([{"a": 1}, {}])).unwrap(), json!([{"a": 1}]));
}

/// A deep scan inside a filter over a deep scan is quadratic in the document; it runs out of visits
/// instead of running for minutes.
#[test]
fn quadratic_paths_run_out_of_visits() {
    let items: Vec<Value> = (0..5000).map(|i| json!({"x": i})).collect();
    let doc = json!({"items": items});
    let e = eval("$..[?($..x)]", &doc).unwrap_err();
    assert_eq!(e, format!("The path visits more than {} nodes", crate::budget::MAX_PATH_VISITS));
    // The same shape over a small document is fine.
    assert!(eval("$..[?($..x)]", &json!({"items": [{"x": 1}]})).is_ok());
}

/// Found by the `jsonpath_parse` fuzz target: a JSON literal in a filter whose text ends at a backslash
/// inside a string indexed past the end of the path and panicked.
#[test]
fn a_literal_ending_in_a_backslash_is_a_syntax_error() {
    for text in ["$[?(@ == [\"a\\", "$..[?({@($$.ae['aa,\\", "$[?(@.a in ['x\\"] {
        assert!(JsonPath::parse(text).is_err(), "{text}");
    }
}

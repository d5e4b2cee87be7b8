//! Arbitrary path texts through the parser (all three roots), and every path that parses through the
//! evaluator and the writer over a document with nesting, arrays and mixed types.
#![no_main]

use sekisho_asl::paths::{PathRef, PathScope};
use serde_json::json;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let doc = json!({"a": [1, {"b": "c", "d": [true, null, 2.5]}], "b": {"c": [{"x": 1}, {"x": "2"}]}, "n": -3});
    let context = json!({"Execution": {"Id": "e"}, "Map": {"Item": {"Index": 0, "Value": doc.clone()}}});
    let vars = serde_json::Map::from_iter([("v".to_string(), doc.clone())]);
    let scope = PathScope { data: &doc, context: &context, variables: &vars };
    if let Ok(path) = PathRef::parse(text) {
        let _ = path.evaluate(&scope);
        let _ = path.source();
        let p = path.jsonpath();
        let _ = (p.is_definite(), p.is_reference(), p.normalized());
        let mut target = doc.clone();
        let _ = p.set(&mut target, json!(1));
    }
});

//! Arbitrary `.$` values through the intrinsic parser, and every call that parses through evaluation
//! over a document whose paths lead to strings, numbers, arrays and objects.
#![no_main]

use sekisho_asl::env::SeededEnv;
use sekisho_asl::intrinsics::Call;
use sekisho_asl::paths::PathScope;
use serde_json::json;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(call) = Call::parse(text) else { return };
    let doc = json!({"s": "a,b,c", "n": 3, "f": 2.5, "a": [1, 2, 2, [3]], "o": {"k": "v", "o": {"x": 1}},
                     "j": "{\"x\": [1, 2]}", "b64": "aGVsbG8=", "big": "x".repeat(3000)});
    let context = json!({"Execution": {"Id": "e"}, "State": {"Name": "S"}});
    let vars = serde_json::Map::from_iter([("v".to_string(), doc.clone())]);
    let scope = PathScope { data: &doc, context: &context, variables: &vars };
    let _ = call.evaluate(&scope, &mut SeededEnv::new(data.len() as u64));
});

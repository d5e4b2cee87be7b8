//! No input makes the wire layer panic: arbitrary bytes and plausible-but-wrong requests go through
//! decode, validation and encoding for every embedded service (the same harness as `fuzz/`).

#[path = "support/exercise.rs"]
mod exercise;

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise::exercise(&data);
    }

    #[test]
    fn routable_requests_with_arbitrary_parts_never_panic(
        service in any::<u8>(),
        op in any::<u8>(),
        method in any::<u8>(),
        path in "[a-zA-Z0-9%/._:-]{0,40}",
        query in "[a-zA-Z0-9%=&.+_-]{0,60}",
        body in prop_oneof![
            "[a-zA-Z0-9%=&.+_\\[\\]{}\":,-]{0,200}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..200),
        ],
    ) {
        let mut data = vec![service, 3, op, method];
        data.extend_from_slice(path.as_bytes());
        data.push(0xFF);
        data.extend_from_slice(query.as_bytes());
        data.push(0xFF);
        data.push(0xFF);
        data.extend_from_slice(&body);
        exercise::exercise(&data);
    }

    #[test]
    fn query_parameters_of_real_members_never_panic(
        service in prop::sample::select(vec![0u8, 1, 9]),
        op in any::<u8>(),
        params in proptest::collection::vec(
            ("[A-Z][a-zA-Z]{0,12}(\\.(member|entry|[0-9]{1,2}|Value|Key|Name)){0,4}", "[ -~]{0,20}"),
            0..12,
        ),
    ) {
        let body: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace('&', "%26").replace('%', "%25")))
            .collect();
        let mut data = vec![service, 3, op, 1];
        data.extend_from_slice(&[0xFF, 0xFF, 0xFF]);
        data.extend_from_slice(body.join("&").as_bytes());
        exercise::exercise(&data);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    // A recursive-looking query parameter and deeply nested JSON both end in an error or a value.
    let deep_key = format!("Action=AssumeRole&Version=2011-06-15&{}=x", "Tags.member.1".repeat(2000));
    let mut data = vec![0u8, 0, 0, 1, 0xFF, 0xFF, 0xFF];
    data.extend_from_slice(deep_key.as_bytes());
    exercise::exercise(&data);
    let deep_json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut data = vec![2u8, 1, 0, 1, 0xFF, 0xFF, 0xFF];
    data.extend_from_slice(deep_json.as_bytes());
    exercise::exercise(&data);
}

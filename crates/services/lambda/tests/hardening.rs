//! Lambda against hostile packages and functions, behind the door: packages that escape by symlink or
//! name, zip bombs, package URLs without a valid token, chatty functions, functions exceeding their
//! memory and functions that leave processes behind.

mod common;

use common::*;
use sekisho_lambda::zip::{self, RawEntry};
use serde_json::{Value, json};

const UNREADABLE: &str = "Could not unzip uploaded file. Please check your file, then try to upload again.";

fn create_with(name: &str, role: &str, zip_bytes: &[u8]) -> Value {
    json!({"FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler", "Role": role,
           "Code": {"ZipFile": b64(zip_bytes)}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_that_escape_by_symlink_or_name_are_refused_and_nothing_lands_outside() {
    let h = harness();
    let role = h.execution_role(A);
    let outside = std::env::temp_dir().join(format!("sekisho-hardening-outside-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).unwrap();
    let victim = outside.join("victim.py");
    let victim_path = victim.to_string_lossy().into_owned();
    let outside_path = outside.to_string_lossy().into_owned();
    let app = RawEntry::file("app.py", b"def handler(e, c):\n    return 1\n", 0o644);
    let packages: Vec<(&str, Vec<RawEntry>)> = vec![
        (
            "absolute-link",
            vec![app.clone(), RawEntry::symlink("evil", &victim_path), RawEntry::file("evil", b"x", 0o644)],
        ),
        (
            "dir-link",
            vec![app.clone(), RawEntry::symlink("d", &outside_path), RawEntry::file("d/victim.py", b"x", 0o644)],
        ),
        ("climbing-link", vec![app.clone(), RawEntry::symlink("up", "../../../../../../tmp")]),
        ("climbing-name", vec![app.clone(), RawEntry::file("../../../../victim.py", b"x", 0o644)]),
        ("absolute-name", vec![app.clone(), RawEntry::file(&victim_path, b"x", 0o644)]),
    ];
    for (name, entries) in &packages {
        let bytes = zip::build_entries(entries);
        let e = h.call("CreateFunction", create_with(name, &role, &bytes)).await.unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.status, e.message.as_str()),
            ("InvalidParameterValueException", 400, UNREADABLE),
            "{name}"
        );
        let layer = json!({"LayerName": name, "Content": {"ZipFile": b64(&bytes)}});
        let e = h.call("PublishLayerVersion", layer).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.message.as_str()), ("InvalidParameterValueException", UNREADABLE), "{name}");
    }
    // UpdateFunctionCode checks the same way.
    let ok = zip::build_entries(&[app.clone()]);
    h.call("CreateFunction", create_with("fine", &role, &ok)).await.unwrap();
    let bad = zip::build_entries(&packages[0].1);
    let e = h.call("UpdateFunctionCode", json!({"FunctionName": "fine", "ZipFile": b64(&bad)})).await.unwrap_err();
    assert_eq!(e.message, UNREADABLE);
    let (_, payload) = h.invoke("fine", json!({}), json!({})).await;
    assert_eq!(payload, json!(1));
    assert!(!victim.exists());
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    let _ = std::fs::remove_dir_all(&outside);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zip_bombs_are_refused_by_their_declared_and_their_actual_size() {
    let h = harness();
    let role = h.execution_role(A);
    let too_large = ("InvalidParameterValueException", 400, "Unzipped size must be smaller than 262144000 bytes");
    // Declared: two small entries declaring 150 MB each.
    let little = zip::deflate(b"tiny");
    let declared = zip::build_entries(&[
        RawEntry::deflated("a.bin", &little, 150_000_000),
        RawEntry::deflated("b.bin", &little, 150_000_000),
    ]);
    // Actual: 300 MB of zeros (about 300 KB deflated) declaring 10 bytes.
    let zeros = zip::deflate(&vec![0u8; 300 << 20]);
    let actual = zip::build_entries(&[RawEntry::deflated("bomb.bin", &zeros, 10)]);
    for (name, bytes) in [("declared", &declared), ("actual", &actual)] {
        let e = h.call("CreateFunction", create_with(name, &role, bytes)).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.status, e.message.as_str()), too_large, "{name}");
        let layer = json!({"LayerName": name, "Content": {"ZipFile": b64(bytes)}});
        let e = h.call("PublishLayerVersion", layer).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.status, e.message.as_str()), too_large, "{name}");
    }
    // A package over 50 MB zipped is refused before anything is read.
    let stored = vec![7u8; 50 * 1024 * 1024 + 1];
    let big = zip::build(&[("big.bin", &stored, 0o644)]);
    let e = h.call("CreateFunction", create_with("big", &role, &big)).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.status, e.message.as_str()),
        (
            "RequestEntityTooLargeException",
            413,
            "Request must be smaller than 69905067 bytes for the CreateFunction operation"
        )
    );
    // The server goes on answering.
    let listed = h.call("ListFunctions", json!({})).await.unwrap();
    assert_eq!(listed["Functions"], json!([]));
}

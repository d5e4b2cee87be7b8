//! The Lambda API behind the door: AWS's answers for function and layer lifecycles, execution-role rules,
//! `iam:PassRole`, resource policies across accounts, versions and aliases, and custom runtimes.

mod common;

use common::*;
use sekisho_core::identity::Identity;
use sekisho_core::identity::store::{DocKind, PolicyDoc, User};
use sekisho_core::service::Caller;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const HELLO: &[u8] = b"import os\ndef handler(event, context):\n    return {'version': os.environ['AWS_LAMBDA_FUNCTION_VERSION'], 'arn': context.invoked_function_arn}\n";

fn zip_b64(files: &[(&str, &[u8], u32)]) -> String {
    b64(&sekisho_lambda::zip::build(files))
}

/// A plain HTTP GET (the package URL needs no signature, like a presigned URL).
fn http_get(url: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut response = Vec::new();
    s.read_to_end(&mut response).unwrap();
    let at = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(response.starts_with(b"HTTP/1.0 200") || response.starts_with(b"HTTP/1.1 200"));
    response[at + 4..].to_vec()
}

fn create_input(name: &str, role: &str) -> Value {
    json!({"FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler", "Role": role,
           "Code": {"ZipFile": zip_b64(&[("app.py", HELLO, 0o644)])}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_lifecycle_answers_as_aws() {
    let h = harness();
    let role = h.execution_role(A);
    let mut input = create_input("life", &role);
    input["Tags"] = json!({"team": "a"});
    let created = h.call("CreateFunction", input.clone()).await.unwrap();
    assert_eq!(created["State"], "Pending");
    assert_eq!(created["StateReasonCode"], "Creating");
    assert_eq!(created["FunctionArn"], "arn:aws:lambda:us-east-1:111111111111:function:life");
    assert_eq!(created["Timeout"], 3);
    assert_eq!(created["MemorySize"], 128);
    assert_eq!(created["Version"], "$LATEST");
    assert_eq!(created["PackageType"], "Zip");
    assert_eq!(created["LoggingConfig"], json!({"LogFormat": "Text", "LogGroup": "/aws/lambda/life"}));
    assert_eq!(created["CodeSha256"].as_str().unwrap().len(), 44);
    assert!(created["LastModified"].as_str().unwrap().ends_with("+0000"));

    let e = h.call("CreateFunction", input).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.status, e.message.as_str()),
        ("ResourceConflictException", 409, "Function already exist: life")
    );

    let got = h.call("GetFunction", json!({"FunctionName": "life"})).await.unwrap();
    assert_eq!(got["Configuration"]["State"], "Active");
    assert_eq!(got["Configuration"]["LastUpdateStatus"], "Successful");
    assert_eq!(got["Code"]["RepositoryType"], "S3");
    let location = got["Code"]["Location"].as_str().unwrap().to_string();
    let downloaded = tokio::task::spawn_blocking(move || http_get(&location)).await.unwrap();
    assert_eq!(downloaded, sekisho_lambda::zip::build(&[("app.py", HELLO, 0o644)]), "Code.Location serves the package");
    assert_eq!(got["Tags"], json!({"team": "a"}));
    let listed = h.call("ListFunctions", json!({})).await.unwrap();
    assert_eq!(listed["Functions"].as_array().unwrap().len(), 1);
    assert!(listed["Functions"][0].get("State").is_none());

    let tags =
        h.call("ListTags", json!({"Resource": "arn:aws:lambda:us-east-1:111111111111:function:life"})).await.unwrap();
    assert_eq!(tags["Tags"], json!({"team": "a"}));

    let (_, before_reset) = h.invoke("life", json!({}), json!({})).await;
    assert_eq!(before_reset["version"], "$LATEST");
    assert_eq!(h.lambda.runtimes().environment_count(), 1);
    h.door.reset().expect("reset");
    assert_eq!(h.lambda.runtimes().environment_count(), 0, "a reset stops every environment");
    assert_eq!(
        h.call("GetFunction", json!({"FunctionName": "life"})).await.unwrap_err().code,
        "ResourceNotFoundException"
    );
    let role = h.execution_role(A);
    let mut input = create_input("life", &role);
    input["Tags"] = json!({"team": "a"});
    h.call("CreateFunction", input).await.unwrap();

    let deleted = h.call("DeleteFunction", json!({"FunctionName": "life"})).await.unwrap();
    assert_eq!(deleted["StatusCode"], 204);
    let e = h.call("GetFunction", json!({"FunctionName": "life"})).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("ResourceNotFoundException", 404));
    assert_eq!(e.message, "Function not found: arn:aws:lambda:us-east-1:111111111111:function:life");
    let e = h.call("Invoke", json!({"FunctionName": "life"})).await.unwrap_err();
    assert_eq!(e.message, "Function not found: arn:aws:lambda:us-east-1:111111111111:function:life");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_functions_pages() {
    let h = harness();
    let role = h.execution_role(A);
    for name in ["c", "a", "b"] {
        h.call("CreateFunction", create_input(name, &role)).await.unwrap();
    }
    let first = h.call("ListFunctions", json!({"MaxItems": 2})).await.unwrap();
    let names: Vec<&str> =
        first["Functions"].as_array().unwrap().iter().map(|f| f["FunctionName"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b"]);
    let next = h.call("ListFunctions", json!({"MaxItems": 2, "Marker": first["NextMarker"]})).await.unwrap();
    assert_eq!(next["Functions"][0]["FunctionName"], "c");
    assert!(next.get("NextMarker").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_execution_role_must_be_assumable_by_lambda_and_passable() {
    let h = harness();
    let untrusting = h.role(A, "ec2role", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#, &[], &[]);
    let cannot = "The role defined for the function cannot be assumed by Lambda.";
    for role in [untrusting.as_str(), "arn:aws:iam::111111111111:role/missing"] {
        let e = h.call("CreateFunction", create_input("f", role)).await.unwrap_err();
        assert_eq!((e.code.as_str(), e.message.as_str()), ("InvalidParameterValueException", cannot), "{role}");
    }
    let other = h.execution_role(B);
    let e = h.call("CreateFunction", create_input("f", &other)).await.unwrap_err();
    assert_eq!(e.message, "Cross-account pass role is not allowed.");

    let role = h.execution_role(A);
    let mut no_runtime = create_input("f", &role);
    no_runtime.as_object_mut().unwrap().remove("Runtime");
    let e = h.call("CreateFunction", no_runtime).await.unwrap_err();
    assert_eq!(
        e.message,
        "Runtime and Handler are mandatory parameters for functions created with deployment packages."
    );
    let mut old = create_input("f", &role);
    old["Runtime"] = json!("python3.7");
    assert!(h.call("CreateFunction", old).await.unwrap_err().message.contains("python3.7 is no longer supported"));
    let mut reserved = create_input("f", &role);
    reserved["Environment"] = json!({"Variables": {"AWS_REGION": "x"}});
    assert!(
        h.call("CreateFunction", reserved)
            .await
            .unwrap_err()
            .message
            .ends_with("Reserved keys used in this request: AWS_REGION")
    );
    let mut bad_zip = create_input("f", &role);
    bad_zip["Code"] = json!({"ZipFile": b64(b"this is not a zip file at all......")});
    assert_eq!(
        h.call("CreateFunction", bad_zip).await.unwrap_err().message,
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    );

    // A user who may create functions but not pass the role.
    {
        let mut state = h.world.write();
        let acct = state.account_mut(A, 0);
        let mut inline = BTreeMap::new();
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*"}]}"#;
        inline.insert("lambda".to_string(), PolicyDoc::parse(doc, DocKind::Inline).unwrap());
        acct.iam.users.insert(
            "dev".into(),
            User {
                name: "dev".into(),
                path: "/".into(),
                id: "AIDAEXAMPLEDEV000001".into(),
                create_date_ms: 0,
                inline_policies: inline,
                attached_policies: vec![],
                groups: vec![],
                permissions_boundary: None,
                tags: vec![],
            },
        );
    }
    let dev = Caller::new(Identity::User {
        account: A.into(),
        name: "dev".into(),
        path: "/".into(),
        id: "AIDAEXAMPLEDEV000001".into(),
    });
    let e = h.call_as(&dev, "CreateFunction", create_input("f", &role)).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("AccessDeniedException", 403));
    assert_eq!(
        e.message,
        format!(
            "User: arn:aws:iam::111111111111:user/dev is not authorized to perform: iam:PassRole on resource: {role} because no identity-based policy allows the iam:PassRole action"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_policies_let_other_accounts_invoke() {
    let h = harness();
    let role = h.execution_role(A);
    h.call("CreateFunction", create_input("shared", &role)).await.unwrap();
    let arn = "arn:aws:lambda:us-east-1:111111111111:function:shared";
    let b = root(B);
    let e = h.call_as(&b, "Invoke", json!({"FunctionName": arn})).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.status), ("AccessDeniedException", 403));
    assert!(e.message.contains("is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:111111111111:function:shared"), "{}", e.message);
    let e = h.call("GetPolicy", json!({"FunctionName": "shared"})).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("ResourceNotFoundException", "The resource you requested does not exist.")
    );

    let added = h
        .call(
            "AddPermission",
            json!({"FunctionName": "shared", "StatementId": "b", "Action": "lambda:InvokeFunction", "Principal": B}),
        )
        .await
        .unwrap();
    let statement: Value = serde_json::from_str(added["Statement"].as_str().unwrap()).unwrap();
    assert_eq!(
        statement,
        json!({"Sid": "b", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "lambda:InvokeFunction", "Resource": arn})
    );
    let e = h
        .call(
            "AddPermission",
            json!({"FunctionName": "shared", "StatementId": "b", "Action": "lambda:InvokeFunction", "Principal": B}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "ResourceConflictException");
    let policy = h.call("GetPolicy", json!({"FunctionName": "shared"})).await.unwrap();
    let doc: Value = serde_json::from_str(policy["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(doc["Id"], "default");
    assert_eq!(doc["Statement"][0], statement);

    let out = h.call_as(&b, "Invoke", json!({"FunctionName": arn})).await.unwrap();
    assert_eq!(out["StatusCode"], 200);
    let e = h.call_as(&b, "GetFunction", json!({"FunctionName": arn})).await.unwrap_err();
    assert_eq!(e.code, "AccessDeniedException", "the statement grants only InvokeFunction");

    h.call("RemovePermission", json!({"FunctionName": "shared", "StatementId": "b"})).await.unwrap();
    assert_eq!(h.call_as(&b, "Invoke", json!({"FunctionName": arn})).await.unwrap_err().code, "AccessDeniedException");
    let e = h.call("RemovePermission", json!({"FunctionName": "shared", "StatementId": "b"})).await.unwrap_err();
    assert_eq!(e.message, "Statement b is not found in resource policy.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_and_aliases_pick_what_runs() {
    let h = harness();
    h.create("ver", "python3.12", "app.handler", &[("app.py", HELLO, 0o644)], json!({})).await;
    let v1 = h.call("PublishVersion", json!({"FunctionName": "ver"})).await.unwrap();
    assert_eq!(v1["Version"], "1");
    assert_eq!(v1["FunctionArn"], "arn:aws:lambda:us-east-1:111111111111:function:ver:1");
    let again = h.call("PublishVersion", json!({"FunctionName": "ver"})).await.unwrap();
    assert_eq!(again["Version"], "1", "an unchanged $LATEST is not published twice");
    let alias =
        h.call("CreateAlias", json!({"FunctionName": "ver", "Name": "live", "FunctionVersion": "1"})).await.unwrap();
    assert_eq!(alias["AliasArn"], "arn:aws:lambda:us-east-1:111111111111:function:ver:live");

    let (out, body) = h.invoke("ver", json!({}), json!({"Qualifier": "live"})).await;
    assert_eq!(out["ExecutedVersion"], "1");
    assert_eq!(body, json!({"version": "1", "arn": "arn:aws:lambda:us-east-1:111111111111:function:ver:live"}));
    let (out, _) = h.invoke("ver:1", json!({}), json!({})).await;
    assert_eq!(out["ExecutedVersion"], "1");
    let e = h.call("Invoke", json!({"FunctionName": "ver", "Qualifier": "7"})).await.unwrap_err();
    assert_eq!(e.message, "Function not found: arn:aws:lambda:us-east-1:111111111111:function:ver:7");
    let versions = h.call("ListVersionsByFunction", json!({"FunctionName": "ver"})).await.unwrap();
    let names: Vec<&str> =
        versions["Versions"].as_array().unwrap().iter().map(|v| v["Version"].as_str().unwrap()).collect();
    assert_eq!(names, ["$LATEST", "1"]);
    let e = h.call("DeleteFunction", json!({"FunctionName": "ver", "Qualifier": "1"})).await.unwrap_err();
    assert_eq!(e.code, "ResourceConflictException");
    h.call("DeleteAlias", json!({"FunctionName": "ver", "Name": "live"})).await.unwrap();
    h.call("DeleteFunction", json!({"FunctionName": "ver", "Qualifier": "1"})).await.unwrap();
    let e = h.call("GetAlias", json!({"FunctionName": "ver", "Name": "live"})).await.unwrap_err();
    assert_eq!(e.message, "Alias not found: arn:aws:lambda:us-east-1:111111111111:function:ver:live");
    let dry = h.call("Invoke", json!({"FunctionName": "ver", "InvocationType": "DryRun"})).await.unwrap();
    assert_eq!(dry["StatusCode"], 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layer_versions_are_listed_and_deleted() {
    let h = harness();
    let content = json!({"ZipFile": zip_b64(&[("python/x.py", b"", 0o644)])});
    for runtimes in [json!(["python3.11"]), json!(["python3.12"])] {
        h.call("PublishLayerVersion", json!({"LayerName": "lib", "Content": content, "CompatibleRuntimes": runtimes}))
            .await
            .unwrap();
    }
    let layers = h.call("ListLayers", json!({"CompatibleRuntime": "python3.11"})).await.unwrap();
    assert_eq!(layers["Layers"][0]["LatestMatchingVersion"]["Version"], 1);
    let versions = h.call("ListLayerVersions", json!({"LayerName": "lib"})).await.unwrap();
    let numbers: Vec<i64> =
        versions["LayerVersions"].as_array().unwrap().iter().map(|v| v["Version"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [2, 1]);
    let got = h.call("GetLayerVersion", json!({"LayerName": "lib", "VersionNumber": 2})).await.unwrap();
    assert_eq!(got["CompatibleRuntimes"], json!(["python3.12"]));
    assert_eq!(got["Content"]["CodeSize"], sekisho_lambda::zip::build(&[("python/x.py", b"", 0o644)]).len());
    h.call("DeleteLayerVersion", json!({"LayerName": "lib", "VersionNumber": 2})).await.unwrap();
    h.call("DeleteLayerVersion", json!({"LayerName": "lib", "VersionNumber": 2})).await.unwrap();
    let e = h.call("GetLayerVersion", json!({"LayerName": "lib", "VersionNumber": 2})).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("ResourceNotFoundException", "The resource you requested does not exist.")
    );
    let next = h.call("PublishLayerVersion", json!({"LayerName": "lib", "Content": content})).await.unwrap();
    assert_eq!(next["Version"], 3, "version numbers are never reused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_without_log_permissions_writes_no_logs() {
    let h = harness();
    let role = h.role(A, "quiet", TRUST_LAMBDA, &[], &[]);
    h.call("CreateFunction", create_input("quiet", &role)).await.unwrap();
    let (out, _) = h.invoke("quiet", json!({}), json!({})).await;
    assert!(tail(&out).contains("REPORT RequestId:"), "the tail does not depend on CloudWatch Logs");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(h.logs.events.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_that_stops_trusting_lambda_fails_the_next_cold_start() {
    let h = harness();
    let role = h.execution_role(A);
    h.call("CreateFunction", create_input("distrust", &role)).await.unwrap();
    h.role(A, "exec", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#, &[], &[]);
    let e = h.call("Invoke", json!({"FunctionName": "distrust"})).await.unwrap_err();
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_runtimes_run_their_bootstrap() {
    let h = harness();
    let Some(python) = sekisho_lambda::runtime::python::interpreter(Some("python3"), "python3.12").await else {
        panic!("the tests need a python3 on PATH");
    };
    let bootstrap = format!(
        "#!{}\nimport json, os, urllib.request\napi = 'http://' + os.environ['AWS_LAMBDA_RUNTIME_API'] + '/2018-06-01/runtime/invocation/'\nwhile True:\n    r = urllib.request.urlopen(api + 'next')\n    rid = r.headers['Lambda-Runtime-Aws-Request-Id']\n    event = json.loads(r.read())\n    print('custom runtime got', event, flush=True)\n    body = json.dumps({{'echo': event, 'handler': os.environ['_HANDLER']}}).encode()\n    urllib.request.urlopen(urllib.request.Request(api + rid + '/response', data=body, method='POST'))\n",
        python.display()
    );
    h.create("custom", "provided.al2023", "whatever", &[("bootstrap", bootstrap.as_bytes(), 0o755)], json!({})).await;
    let (out, body) = h.invoke("custom", json!({"x": 1}), json!({})).await;
    assert_eq!(body, json!({"echo": {"x": 1}, "handler": "whatever"}));
    let log = tail(&out);
    assert!(
        log.contains("INIT_START Runtime Version: provided:al2023.v1") && log.contains("custom runtime got {'x': 1}"),
        "{log}"
    );

    h.create("nobootstrap", "provided.al2023", "x", &[("readme.txt", b"", 0o644)], json!({})).await;
    let (out, body) = h.invoke("nobootstrap", json!({}), json!({})).await;
    assert_eq!(out["FunctionError"], "Unhandled");
    assert_eq!(body["errorType"], "Runtime.InvalidEntrypoint");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .ends_with("Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]")
    );
}

//! The cross-account flow of issue 15 with the AWS SDK for Rust, every client on its defaults but endpoint,
//! credentials and a plain-HTTP client (no TLS stack to build). One `ok <step>` line per step; exit 1 on failure.
//! Run by tests/e2e/test_sdk_rust.py with SEKISHO_ENDPOINT and LAMBDA_ZIP (a Python function's zip) set.

use aws_credential_types::Credentials;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::endpoint::EndpointPrefix;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_types::SdkConfig;
use aws_types::region::Region;

const A: &str = "111111111111";
const B: &str = "222222222222";
const TOKYO: &str = "ap-northeast-1";
const MODEL: &str = "jp.anthropic.claude-haiku-4-5-20251001-v1:0";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn ok(step: &str, detail: &str) {
    println!("ok {step} {detail}");
}

fn check(cond: bool, what: impl std::fmt::Display) -> Result<()> {
    if cond { Ok(()) } else { Err(format!("check failed: {what}").into()) }
}

/// The Rust SDK has no switch for host prefixes (`sync-` for StartSyncExecution): with a local endpoint the
/// prefixed host does not resolve, so this interceptor drops the prefix before the endpoint is resolved.
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> std::result::Result<(), BoxError> {
        cfg.interceptor_state().unset::<EndpointPrefix>();
        Ok(())
    }
}

fn config(endpoint: &str, region: &str, key: &str, secret: &str, token: Option<String>) -> SdkConfig {
    SdkConfig::builder()
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
            key, secret, token, None, "sekisho",
        )))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

fn trust(principal: &str, condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{principal}{condition}}}]}}"#
    )
}

#[tokio::main]
async fn main() {
    if let Err(e) = flow().await {
        eprintln!("{e:?}");
        std::process::exit(1);
    }
}

async fn flow() -> Result<()> {
    let endpoint = std::env::var("SEKISHO_ENDPOINT")?;
    let root = |account: &str, region: &str| config(&endpoint, region, account, "test", None);

    // Account A: an administrator user (an account's root user may not assume roles).
    let iam_a = aws_sdk_iam::Client::new(&root(A, "us-east-1"));
    iam_a.create_user().user_name("rust-admin").send().await?;
    iam_a
        .attach_user_policy()
        .user_name("rust-admin")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await?;
    let key = iam_a.create_access_key().user_name("rust-admin").send().await?;
    let key = key.access_key().ok_or("no access key")?;
    let admin = config(&endpoint, "us-east-1", key.access_key_id(), key.secret_access_key(), None);
    ok("iam-user", "");

    // Account B: a partner role that A may assume with the ExternalId only.
    let iam_b = aws_sdk_iam::Client::new(&root(B, "us-east-1"));
    let condition = r#","Condition":{"StringEquals":{"sts:ExternalId":"rust-ext-1"}}"#;
    iam_b
        .create_role()
        .role_name("rust-partner")
        .assume_role_policy_document(trust(&format!(r#"{{"AWS":"arn:aws:iam::{A}:root"}}"#), condition))
        .send()
        .await?;
    iam_b
        .attach_role_policy()
        .role_name("rust-partner")
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await?;
    ok("iam-role", "");

    let sts_a = aws_sdk_sts::Client::new(&admin);
    let role_arn = format!("arn:aws:iam::{B}:role/rust-partner");
    let denied = sts_a.assume_role().role_arn(&role_arn).role_session_name("no-external-id").send().await;
    let denied = denied.err().ok_or("AssumeRole without ExternalId succeeded")?;
    let code = aws_sdk_sts::error::ProvideErrorMetadata::code(&denied).unwrap_or_default().to_string();
    check(code == "AccessDenied", format!("AssumeRole without ExternalId: {code}"))?;
    ok("assume-role-denied", &code);
    let assumed = sts_a
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("rust-session")
        .external_id("rust-ext-1")
        .send()
        .await?;
    let c = assumed.credentials().ok_or("no credentials")?;
    let partner = |region: &str| {
        config(&endpoint, region, c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_string()))
    };
    let me = aws_sdk_sts::Client::new(&partner(TOKYO)).get_caller_identity().send().await?;
    let arn = me.arn().unwrap_or_default();
    check(arn == format!("arn:aws:sts::{B}:assumed-role/rust-partner/rust-session"), arn)?;
    ok("assume-role", arn);

    // Bedrock Runtime: Converse, then ConverseStream read to the end.
    use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, ConverseStreamOutput, Message};
    let bedrock = aws_sdk_bedrockruntime::Client::new(&partner(TOKYO));
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("Tell me about the Tokaido road.".into()))
        .build()?;
    let whole = bedrock.converse().model_id(MODEL).messages(message.clone()).send().await?;
    let whole_text = match whole.output() {
        Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(m)) => match m.content().first() {
            Some(ContentBlock::Text(t)) => t.clone(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    check(!whole_text.is_empty(), "Converse answers")?;
    ok("converse", "");
    let mut stream = bedrock.converse_stream().model_id(MODEL).messages(message.clone()).send().await?.stream;
    let (mut names, mut text) = (Vec::new(), String::new());
    while let Some(event) = stream.recv().await? {
        let name = match &event {
            ConverseStreamOutput::MessageStart(_) => "messageStart",
            ConverseStreamOutput::ContentBlockStart(_) => "contentBlockStart",
            ConverseStreamOutput::ContentBlockDelta(d) => {
                if let Some(aws_sdk_bedrockruntime::types::ContentBlockDelta::Text(t)) = d.delta() {
                    text.push_str(t);
                }
                "contentBlockDelta"
            }
            ConverseStreamOutput::ContentBlockStop(_) => "contentBlockStop",
            ConverseStreamOutput::MessageStop(_) => "messageStop",
            ConverseStreamOutput::Metadata(_) => "metadata",
            _ => "other",
        };
        names.push(name);
    }
    check(names.first() == Some(&"messageStart"), format!("first event {:?}", names.first()))?;
    check(names.ends_with(&["contentBlockStop", "messageStop", "metadata"]), format!("last events {names:?}"))?;
    check(text == whole_text, "ConverseStream delivers the same text as Converse")?;
    ok("converse-stream", &format!("{} events", names.len()));

    // A session narrowed by a session policy: Bedrock refuses it with its modeled AccessDeniedException.
    let narrow = sts_a
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("narrow")
        .external_id("rust-ext-1")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#)
        .send()
        .await?;
    let n = narrow.credentials().ok_or("no credentials")?;
    let narrow_cfg =
        config(&endpoint, TOKYO, n.access_key_id(), n.secret_access_key(), Some(n.session_token().to_string()));
    let refused =
        aws_sdk_bedrockruntime::Client::new(&narrow_cfg).converse().model_id(MODEL).messages(message).send().await;
    let refused = refused.err().ok_or("a narrowed session could converse")?.into_service_error();
    check(refused.is_access_denied_exception(), format!("{refused:?}"))?;
    ok("converse-denied", "AccessDeniedException");

    // Lambda in account B: a Python function, invoked; a missing one is ResourceNotFoundException.
    let iam_partner = aws_sdk_iam::Client::new(&partner("us-east-1"));
    let exec = iam_partner
        .create_role()
        .role_name("rust-lambda-exec")
        .assume_role_policy_document(trust(r#"{"Service":"lambda.amazonaws.com"}"#, ""))
        .send()
        .await?;
    let exec = exec.role().ok_or("no role")?.arn().to_string();
    let lambda = aws_sdk_lambda::Client::new(&partner(TOKYO));
    let zip = std::fs::read(std::env::var("LAMBDA_ZIP")?)?;
    lambda
        .create_function()
        .function_name("rust-hello")
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("app.handler")
        .role(exec)
        .code(aws_sdk_lambda::types::FunctionCode::builder().zip_file(zip.into()).build())
        .send()
        .await?;
    let mut state = None;
    for _ in 0..300 {
        let f = lambda.get_function().function_name("rust-hello").send().await?;
        state = f.configuration().and_then(|c| c.state()).cloned();
        if state != Some(aws_sdk_lambda::types::State::Pending) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    check(state == Some(aws_sdk_lambda::types::State::Active), format!("function state {state:?}"))?;
    let invoked = lambda.invoke().function_name("rust-hello").payload(br#"{"n": 41}"#.to_vec().into()).send().await?;
    let payload = invoked.payload().map(|p| String::from_utf8_lossy(p.as_ref()).into_owned()).unwrap_or_default();
    check(invoked.status_code() == 200 && payload.replace(' ', "") == r#"{"n":42}"#, &payload)?;
    ok("lambda-invoke", "");
    let missing = lambda.get_function().function_name("rust-nope").send().await;
    let missing = missing.err().ok_or("a missing function was found")?.into_service_error();
    check(missing.is_resource_not_found_exception(), format!("{missing:?}"))?;
    ok("lambda-missing", "ResourceNotFoundException");

    // Step Functions in account B: a Standard execution with its history, an Express one run synchronously.
    let states_role = iam_partner
        .create_role()
        .role_name("rust-states")
        .assume_role_policy_document(trust(r#"{"Service":"states.amazonaws.com"}"#, ""))
        .send()
        .await?;
    let states_role = states_role.role().ok_or("no role")?.arn().to_string();
    let sfn_config = aws_sdk_sfn::config::Builder::from(&partner(TOKYO)).interceptor(NoHostPrefix).build();
    let sfn = aws_sdk_sfn::Client::from_conf(sfn_config);
    let definition = r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.a + 1 %}","End":true}}}"#;
    let standard =
        sfn.create_state_machine().name("rust-standard").definition(definition).role_arn(&states_role).send().await?;
    let started =
        sfn.start_execution().state_machine_arn(standard.state_machine_arn()).input(r#"{"a": 1}"#).send().await?;
    let mut described = None;
    for _ in 0..300 {
        let d = sfn.describe_execution().execution_arn(started.execution_arn()).send().await?;
        if d.status() != &aws_sdk_sfn::types::ExecutionStatus::Running {
            described = Some(d);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let described = described.ok_or("execution still running")?;
    check(
        described.status() == &aws_sdk_sfn::types::ExecutionStatus::Succeeded && described.output() == Some("2"),
        format!("{described:?}"),
    )?;
    let history = sfn.get_execution_history().execution_arn(started.execution_arn()).send().await?;
    let types: Vec<_> = history.events().iter().map(|e| e.r#type().as_str().to_string()).collect();
    check(
        types.first().map(String::as_str) == Some("ExecutionStarted")
            && types.last().map(String::as_str) == Some("ExecutionSucceeded"),
        format!("{types:?}"),
    )?;
    ok("states-execution", &format!("{} events", types.len()));
    let express = sfn
        .create_state_machine()
        .name("rust-express")
        .definition(definition)
        .role_arn(&states_role)
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .send()
        .await?;
    let sync =
        sfn.start_sync_execution().state_machine_arn(express.state_machine_arn()).input(r#"{"a": 41}"#).send().await?;
    check(
        sync.status() == &aws_sdk_sfn::types::SyncExecutionStatus::Succeeded && sync.output() == Some("42"),
        format!("{sync:?}"),
    )?;
    ok("states-sync", "");
    let nope = started.execution_arn().rsplit_once(':').map(|(head, _)| format!("{head}:nope")).unwrap_or_default();
    let missing = sfn.describe_execution().execution_arn(nope).send().await;
    let missing = missing.err().ok_or("a missing execution was found")?.into_service_error();
    check(missing.is_execution_does_not_exist(), format!("{missing:?}"))?;
    ok("states-missing", "ExecutionDoesNotExist");
    ok("done", "");
    Ok(())
}

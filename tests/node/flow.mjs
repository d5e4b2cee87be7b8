// The cross-account flow of issue 15 with the AWS SDK for JavaScript v3, every client on its defaults but the
// endpoint and credentials (BedrockRuntimeClient speaks HTTP/2 on Node, also to http://). One line per step.
// Run by tests/e2e/test_sdk_node.py: SEKISHO_ENDPOINT, LAMBDA_ZIP (a Python function's zip) in the environment.

import { readFileSync } from "node:fs";
import { GetCallerIdentityCommand, AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import {
  IAMClient, CreateUserCommand, AttachUserPolicyCommand, CreateAccessKeyCommand, CreateRoleCommand,
  AttachRolePolicyCommand, GetRoleCommand,
} from "@aws-sdk/client-iam";
import {
  BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, AccessDeniedException,
} from "@aws-sdk/client-bedrock-runtime";
import {
  LambdaClient, CreateFunctionCommand, InvokeCommand, GetFunctionCommand, ResourceNotFoundException, waitUntilFunctionActiveV2,
} from "@aws-sdk/client-lambda";
import {
  SFNClient, CreateStateMachineCommand, StartExecutionCommand, DescribeExecutionCommand, GetExecutionHistoryCommand,
  StartSyncExecutionCommand, ExecutionDoesNotExist,
} from "@aws-sdk/client-sfn";

const endpoint = process.env.SEKISHO_ENDPOINT;
const A = "111111111111";
const B = "222222222222";
const TOKYO = "ap-northeast-1";
const MODEL = "jp.anthropic.claude-haiku-4-5-20251001-v1:0";
const root = (account) => ({ accessKeyId: account, secretAccessKey: "test" });

function ok(step, detail = "") {
  console.log(`ok ${step}${detail ? " " + detail : ""}`);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function expectError(promise, type, name) {
  try {
    await promise;
  } catch (e) {
    check(type ? e instanceof type : e.name === name, `${name}, got ${e.name}: ${e.message}`);
    return e;
  }
  throw new Error(`expected ${name}`);
}

const trust = (principal, condition) => JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: principal, ...(condition ? { Condition: condition } : {}) }],
});

// Account A: an administrator user (an account's root user may not assume roles).
const iamA = new IAMClient({ endpoint, region: "us-east-1", credentials: root(A) });
await iamA.send(new CreateUserCommand({ UserName: "node-admin" }));
await iamA.send(new AttachUserPolicyCommand({ UserName: "node-admin", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
const key = (await iamA.send(new CreateAccessKeyCommand({ UserName: "node-admin" }))).AccessKey;
const admin = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
ok("iam-user");

// Account B: a partner role that A may assume with the ExternalId only.
const iamB = new IAMClient({ endpoint, region: "us-east-1", credentials: root(B) });
await iamB.send(new CreateRoleCommand({
  RoleName: "node-partner",
  AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${A}:root` }, { StringEquals: { "sts:ExternalId": "node-ext-1" } }),
}));
await iamB.send(new AttachRolePolicyCommand({ RoleName: "node-partner", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
ok("iam-role");

const stsA = new STSClient({ endpoint, region: "us-east-1", credentials: admin });
const denied = await expectError(
  stsA.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/node-partner`, RoleSessionName: "no-external-id" })),
  null, "AccessDenied");
check(denied.$metadata.httpStatusCode === 403, "AssumeRole without ExternalId is 403");
ok("assume-role-denied", denied.name);
const assumed = await stsA.send(new AssumeRoleCommand({
  RoleArn: `arn:aws:iam::${B}:role/node-partner`, RoleSessionName: "node-session", ExternalId: "node-ext-1",
}));
const partner = {
  accessKeyId: assumed.Credentials.AccessKeyId,
  secretAccessKey: assumed.Credentials.SecretAccessKey,
  sessionToken: assumed.Credentials.SessionToken,
};
const me = await new STSClient({ endpoint, region: TOKYO, credentials: partner }).send(new GetCallerIdentityCommand({}));
check(me.Arn === `arn:aws:sts::${B}:assumed-role/node-partner/node-session`, `caller ${me.Arn}`);
ok("assume-role", me.Arn);
const role = await new IAMClient({ endpoint, region: "us-east-1", credentials: partner }).send(new GetRoleCommand({ RoleName: "node-partner" }));
check(role.Role.Arn === `arn:aws:iam::${B}:role/node-partner`, "GetRole");

// Bedrock Runtime over HTTP/2 (the SDK's default handler on Node), as the partner role.
const bedrock = new BedrockRuntimeClient({ endpoint, region: TOKYO, credentials: partner });
const messages = [{ role: "user", content: [{ text: "Tell me about the Tokaido road." }] }];
const whole = await bedrock.send(new ConverseCommand({ modelId: MODEL, messages }));
const wholeText = whole.output.message.content[0].text;
check(wholeText.length > 0 && whole.stopReason === "end_turn", "Converse answers");
ok("converse");
const streamed = await bedrock.send(new ConverseStreamCommand({ modelId: MODEL, messages }));
const names = [];
let text = "";
for await (const event of streamed.stream) {
  const name = Object.keys(event).find((k) => event[k] !== undefined);
  names.push(name);
  if (event.contentBlockDelta) text += event.contentBlockDelta.delta.text;
}
check(names[0] === "messageStart", `first event ${names[0]}`);
check(names.slice(-3).join() === "contentBlockStop,messageStop,metadata", `last events ${names.slice(-3)}`);
check(text === wholeText, "ConverseStream delivers the same text as Converse");
ok("converse-stream", `${names.length} events`);

// A session narrowed by a session policy: Bedrock refuses it with its modeled AccessDeniedException.
const narrow = await stsA.send(new AssumeRoleCommand({
  RoleArn: `arn:aws:iam::${B}:role/node-partner`, RoleSessionName: "narrow", ExternalId: "node-ext-1",
  Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" }] }),
}));
const narrowCreds = {
  accessKeyId: narrow.Credentials.AccessKeyId, secretAccessKey: narrow.Credentials.SecretAccessKey,
  sessionToken: narrow.Credentials.SessionToken,
};
const bedrockDenied = await expectError(
  new BedrockRuntimeClient({ endpoint, region: TOKYO, credentials: narrowCreds }).send(new ConverseCommand({ modelId: MODEL, messages })),
  AccessDeniedException, "AccessDeniedException");
check(bedrockDenied.$metadata.httpStatusCode === 403, "denied Converse is 403");
ok("converse-denied", bedrockDenied.name);

// Lambda in account B: a Python function, invoked.
const iamPartner = new IAMClient({ endpoint, region: "us-east-1", credentials: partner });
const execRole = (await iamPartner.send(new CreateRoleCommand({
  RoleName: "node-lambda-exec", AssumeRolePolicyDocument: trust({ Service: "lambda.amazonaws.com" }),
}))).Role.Arn;
const lambda = new LambdaClient({ endpoint, region: TOKYO, credentials: partner });
await lambda.send(new CreateFunctionCommand({
  FunctionName: "node-hello", Runtime: "python3.12", Handler: "app.handler", Role: execRole,
  Code: { ZipFile: readFileSync(process.env.LAMBDA_ZIP) },
}));
await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60, minDelay: 1 }, { FunctionName: "node-hello" });
const invoked = await lambda.send(new InvokeCommand({ FunctionName: "node-hello", Payload: JSON.stringify({ n: 41 }) }));
const payload = JSON.parse(Buffer.from(invoked.Payload).toString());
check(invoked.StatusCode === 200 && payload.n === 42, `Invoke answered ${JSON.stringify(payload)}`);
ok("lambda-invoke");
const missing = await expectError(lambda.send(new GetFunctionCommand({ FunctionName: "node-nope" })),
  ResourceNotFoundException, "ResourceNotFoundException");
check(missing.$metadata.httpStatusCode === 404, "missing function is 404");
ok("lambda-missing", missing.name);

// Step Functions in account B: a Standard execution with its history, an Express one run synchronously.
const statesRole = (await iamPartner.send(new CreateRoleCommand({
  RoleName: "node-states", AssumeRolePolicyDocument: trust({ Service: "states.amazonaws.com" }),
}))).Role.Arn;
// `disableHostPrefix`: StartSyncExecution's host is prefixed `sync-`, which a local endpoint does not resolve.
const sfn = new SFNClient({ endpoint, region: TOKYO, credentials: partner, disableHostPrefix: true });
const definition = JSON.stringify({
  QueryLanguage: "JSONata", StartAt: "P", States: { P: { Type: "Pass", Output: "{% $states.input.a + 1 %}", End: true } },
});
const standard = await sfn.send(new CreateStateMachineCommand({ name: "node-standard", definition, roleArn: statesRole }));
const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: standard.stateMachineArn, input: '{"a": 1}' }));
let described;
for (let i = 0; i < 300; i++) {
  described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
  if (described.status !== "RUNNING") break;
  await new Promise((r) => setTimeout(r, 20));
}
check(described.status === "SUCCEEDED" && described.output === "2", `execution ${described.status} ${described.output}`);
const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn }));
const types = history.events.map((e) => e.type);
check(types[0] === "ExecutionStarted" && types.at(-1) === "ExecutionSucceeded", `history ${types}`);
ok("states-execution", `${types.length} events`);
const express = await sfn.send(new CreateStateMachineCommand({ name: "node-express", definition, roleArn: statesRole, type: "EXPRESS" }));
const sync = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: express.stateMachineArn, input: '{"a": 41}' }));
check(sync.status === "SUCCEEDED" && sync.output === "42", `sync ${sync.status} ${sync.output}`);
ok("states-sync");
const noExecution = await expectError(
  sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn.replace(/:[^:]+$/, ":nope") })),
  ExecutionDoesNotExist, "ExecutionDoesNotExist");
ok("states-missing", noExecution.name);
ok("done");

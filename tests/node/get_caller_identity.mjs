// Default client settings, no endpoint: what a program written for AWS does.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const client = new STSClient({ region: "us-east-1" });
const identity = await client.send(new GetCallerIdentityCommand({}));
console.log(JSON.stringify({ Account: identity.Account, Arn: identity.Arn }));

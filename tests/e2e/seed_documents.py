"""The seeds' IAM documents as printed in the articles (account ids substituted), shared by the tests that
run the seeds' IAM steps and the tests that run the seeds end to end."""

import json

from conftest import ACCOUNT_A, ACCOUNT_B

# Seed 000: Step Functions in account A calls Bedrock in account B (texts as in the article).
SEED_000_INVOKER_TRUST = """{
    "Version": "2012-10-17",
    "Statement": [
      {
        "Effect": "Allow",
        "Principal": {
          "Service": "states.amazonaws.com"
        },
        "Action": "sts:AssumeRole"
      }
    ]
  }"""

SEED_000_ASSUME_POLICY = """{
    "Version": "2012-10-17",
    "Statement": [
      {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::アカウントB:role/CrossAccountBedrockExecutionRole"
      }
    ]
  }""".replace("アカウントB", ACCOUNT_B)

SEED_000_LOG_POLICY = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogDelivery",
                "logs:CreateLogStream",
                "logs:GetLogDelivery",
                "logs:UpdateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutLogEvents",
                "logs:PutResourcePolicy",
                "logs:DescribeResourcePolicies",
                "logs:DescribeLogGroups"
            ],
            "Resource": "*"
        }
    ]
}"""

SEED_000_EXECUTION_TRUST = """{
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "AWS": "arn:aws:iam::アカウントA:role/CrossAccountBedrockInvokerRole"
                },
                "Action": "sts:AssumeRole"
            }
        ]
    }""".replace("アカウントA", ACCOUNT_A)


# Seed 002: Step Functions in the operator account starts a state machine in the subject account.
SEED_002_SUBJECT_PERMISSIONS = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ExecuteSubjectStateMachine",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": [
                "arn:aws:states:ap-northeast-1:${SubjectアカウントのID}:stateMachine:subject-statemachine"
            ]
        }
    ]
}""".replace("${SubjectアカウントのID}", ACCOUNT_B)

SEED_002_SUBJECT_TRUST = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OperatorStateMachine",
            "Effect": "Allow",
            "Principal": {
                "AWS": "arn:aws:iam::${OperatorアカウントのID}:role/operator-statemachine-iam-role"
            },
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {
                    "sts:ExternalId": "arn:aws:states:ap-northeast-1:${OperatorアカウントのID}:stateMachine:operator-statemachine"
                }
            }
        }
    ]
}""".replace("${OperatorアカウントのID}", ACCOUNT_A)

# As printed in the article: a trailing comma and no closing bracket.
SEED_002_OPERATOR_PERMISSIONS = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Action": "states:StartExecution",
            "Resource": "arn:aws:states:ap-northeast-1:${SubjectアカウントのID}:stateMachine:subject-statemachine",
            "Effect": "Allow"
        },
        {
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::${SubjectアカウントのID}:role/execute-subject-statemachine-role",
            "Effect": "Allow"
        },
}""".replace("${SubjectアカウントのID}", ACCOUNT_B)

STATES_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})

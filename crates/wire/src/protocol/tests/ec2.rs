//! EC2's own query dialect: flattened lists, capitalised names, `requestId`, `Response/Errors`.

use serde_json::json;

use super::{TestRequest, body_text, header, model};
use crate::AwsError;

#[test]
fn describe_instances_decodes_filters_and_ids() {
    let ec2 = model("ec2");
    let req = TestRequest::form(
        "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2\
         &Filter.1.Name=tag%3ARole&Filter.1.Value.1=web&Filter.1.Value.2=api&DryRun=false&MaxResults=10",
    );
    let (op, value) = ec2.decode(&req.as_request()).expect("valid");
    assert_eq!(op.name, "DescribeInstances");
    assert_eq!(
        value,
        json!({
            "InstanceIds": ["i-1", "i-2"],
            "DryRun": false,
            "Filters": [{"Name": "tag:Role", "Values": ["web", "api"]}],
            "MaxResults": 10
        })
    );
}

#[test]
fn outputs_carry_request_id_and_item_lists() {
    let ec2 = model("ec2");
    let op = ec2.operation("DescribeInstances").expect("operation");
    let response = ec2.encode_output(
        op,
        &json!({"Reservations": [{"ReservationId": "r-1", "OwnerId": "111111111111",
            "Instances": [{"InstanceId": "i-1", "LaunchTime": 1700000000}]}]}),
        "rid",
    );
    assert_eq!(header(&response, "content-type"), Some("text/xml;charset=UTF-8"));
    assert_eq!(
        body_text(&response),
        "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><requestId>rid</requestId>\
         <reservationSet><item><reservationId>r-1</reservationId><ownerId>111111111111</ownerId>\
         <instancesSet><item><instanceId>i-1</instanceId><launchTime>2023-11-14T22:13:20Z</launchTime></item></instancesSet>\
         </item></reservationSet></DescribeInstancesResponse>"
    );
}

#[test]
fn errors_use_the_ec2_envelope() {
    let ec2 = model("ec2");
    let err = AwsError::new("InvalidInstanceID.NotFound", 400, "The instance ID 'i-1' does not exist");
    let response = ec2.encode_error(None, &err, "rid");
    assert_eq!(response.status, 400);
    assert_eq!(
        body_text(&response),
        "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>rid</RequestID></Response>"
    );
}

#[test]
fn unknown_action_missing_parameter_and_bad_values() {
    let ec2 = model("ec2");
    let err = ec2
        .decode(&TestRequest::form("Action=DescribeEverything&Version=2016-11-15").as_request())
        .expect_err("unknown");
    assert_eq!(err.code, "InvalidAction");
    assert_eq!(err.message, "The action DescribeEverything is not valid for this web service.");
    let err = ec2
        .decode(&TestRequest::form("Action=RunInstances&Version=2016-11-15&MinCount=1&ImageId=ami-1").as_request())
        .expect_err("missing MaxCount");
    assert_eq!((err.code.as_str(), err.status), ("MissingParameter", 400));
    assert_eq!(err.message, "The request must contain the parameter MaxCount");
    let err = ec2
        .decode(&TestRequest::form("Action=DescribeInstances&Version=2016-11-15&MaxResults=ten").as_request())
        .expect_err("not a number");
    assert_eq!(err.code, "InvalidParameterValue");
    assert!(err.message.starts_with("Value (ten) for parameter MaxResults is invalid."), "{}", err.message);
}

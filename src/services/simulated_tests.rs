//! Task-level tests of [`SimulatedServices`]: exact result shapes and error names as recorded
//! against AWS (asl-cases suites services and error_handling), callbacks, faults and determinism.

use super::simulated::SimulatedServices;
use super::world::{KeyAttr, LambdaMock, World};
use super::{ServiceBackend, TaskCall, TaskOutcome, TaskResponse};
use serde_json::{json, Value};

fn call(resource: &str, params: Value) -> TaskCall {
    TaskCall::for_test("S", resource, params)
}

fn services() -> SimulatedServices {
    let mut w = World::new(1);
    w.add_table(
        "sfn_test_table",
        KeyAttr {
            name: "id".into(),
            attr_type: "S".into(),
        },
        None,
    );
    w.add_queue("queue-1", false);
    w.add_topic("topic-1", false, vec![]);
    w.add_topic("topic-2.fifo", false, vec![]);
    w.add_function("id_function", LambdaMock::Identity);
    SimulatedServices::new(w)
}

fn ok(r: TaskResponse) -> Value {
    match r.outcome {
        TaskOutcome::Succeeded(v) => v,
        TaskOutcome::Failed { error, cause } => panic!("failed: {error} {cause:?}"),
    }
}

fn failed(r: TaskResponse) -> (String, String) {
    match r.outcome {
        TaskOutcome::Failed { error, cause } => (error, cause.unwrap_or_default()),
        TaskOutcome::Succeeded(v) => panic!("succeeded: {v}"),
    }
}

fn headers(v: &Value) -> (Vec<String>, Value) {
    let all = v["SdkHttpMetadata"]["AllHttpHeaders"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    (
        all,
        v["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"].clone(),
    )
}

#[test]
fn dynamodb_optimized_shapes_match_recording() {
    let mut s = services();
    let put = ok(s.call(&call("arn:aws:states:::dynamodb:putItem", json!({"TableName": "sfn_test_table", "Item": {"data": {"S": "HelloWorld"}, "id": {"S": "id1"}}}))));
    assert_eq!(
        put.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["SdkHttpMetadata", "SdkResponseMetadata"]
    );
    let (all, len) = headers(&put);
    assert_eq!(
        all,
        [
            "Server",
            "Connection",
            "x-amzn-RequestId",
            "x-amz-crc32",
            "Content-Length",
            "Date",
            "Content-Type"
        ]
    );
    assert_eq!(len, json!("2"));
    assert_eq!(put["SdkHttpMetadata"]["HttpStatusCode"], json!(200));
    let upd = ok(s.call(&call("arn:aws:states:::dynamodb:updateItem", json!({"TableName": "sfn_test_table", "Key": {"id": {"S": "id1"}}, "UpdateExpression": "set S=:r", "ExpressionAttributeValues": {":r": {"S": "HelloWorldUpdated"}}, "ReturnValues": "UPDATED_NEW"}))));
    assert_eq!(upd["Attributes"], json!({"S": {"S": "HelloWorldUpdated"}}));
    assert_eq!(headers(&upd).1, json!("46"));
    let get = ok(s.call(&call(
        "arn:aws:states:::dynamodb:getItem",
        json!({"TableName": "sfn_test_table", "Key": {"id": {"S": "id1"}}}),
    )));
    assert_eq!(headers(&get).1, json!("83"));
    assert_eq!(
        get["SdkResponseMetadata"]["RequestId"],
        get["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]
    );
    // aws-sdk: bare API output.
    let sdk = ok(s.call(&call("arn:aws:states:::aws-sdk:dynamodb:query", json!({"TableName": "sfn_test_table", "KeyConditionExpression": "id = :id", "ExpressionAttributeValues": {":id": {"S": "id1"}}}))));
    assert_eq!(sdk["Count"], json!(1));
    assert_eq!(sdk["ScannedCount"], json!(1));
    assert!(sdk.get("SdkHttpMetadata").is_none());
}

#[test]
fn dynamodb_errors_match_recording() {
    let mut s = services();
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::dynamodb:putItem",
        json!({"TableName": "no_such_table", "Item": {"id": {"S": "1"}}}),
    )));
    assert_eq!(e, "DynamoDB.ResourceNotFoundException");
    assert!(c.starts_with("Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: "), "{c}");
    assert!(c.ends_with("; Proxy: null)"));
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::dynamodb:putItem",
        json!({"TableName": "no_such_table", "Item": null}),
    )));
    assert_eq!(e, "DynamoDB.AmazonDynamoDBException");
    assert!(c.starts_with("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException;"));
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::aws-sdk:dynamodb:putItem",
        json!({"TableName": "no_such_table", "Item": null}),
    )));
    assert_eq!(e, "DynamoDb.DynamoDbException");
    assert!(
        c.ends_with(")") && c.contains("(Service: DynamoDb, Status Code: 400, Request ID: "),
        "{c}"
    );
    let (e, _) = failed(s.call(&call("arn:aws:states:::dynamodb:putItem", json!({"TableName": "sfn_test_table", "Item": {"id": {"S": "1"}}, "ConditionExpression": "attribute_exists(id)"}))));
    assert_eq!(e, "DynamoDB.ConditionalCheckFailedException");
    let (e, _) = failed(s.call(&call("arn:aws:states:::aws-sdk:dynamodb:putItem", json!({"TableName": "sfn_test_table", "Item": {"id": {"S": "1"}}, "ConditionExpression": "attribute_exists(id)"}))));
    assert_eq!(e, "DynamoDb.ConditionalCheckFailedException");
    // A number given as a JSON number cannot even be sent (States.Runtime, aws-cdk #9181 message).
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::dynamodb:putItem",
        json!({"TableName": "sfn_test_table", "Item": {"id": {"S": "1"}, "n": {"N": 5}}}),
    )));
    assert_eq!(e, "States.Runtime");
    assert!(
        c.ends_with(
            "could not be used to start the Task: [The value for the field 'N' must be a STRING]"
        ),
        "{c}"
    );
}

#[test]
fn sqs_send_message_shape_matches_recording() {
    let mut s = services();
    let r = ok(s.call(&call("arn:aws:states:::sqs:sendMessage", json!({
        "QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/queue-1",
        "MessageBody": "test_message_body",
        "MessageAttributes": {"my_attribute_no_1": {"DataType": "String", "StringValue": "Hello"}, "my_attribute_no_2": {"DataType": "String", "StringValue": "World"}}
    }))));
    assert_eq!(
        r.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "MD5OfMessageAttributes",
            "MD5OfMessageBody",
            "MessageId",
            "SdkHttpMetadata",
            "SdkResponseMetadata"
        ]
    );
    let (all, len) = headers(&r);
    assert_eq!(
        all,
        [
            "x-amzn-RequestId",
            "connection",
            "Content-Length",
            "Date",
            "Content-Type"
        ]
    );
    assert_eq!(len, json!("166"));
    assert_eq!(
        r["MD5OfMessageBody"],
        json!("3caa9a099bc4e58ae7923f68c5d7d081")
    );
    let r = ok(s.call(&call("arn:aws:states:::sqs:sendMessage", json!({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/queue-1", "MessageBody": {"a": [1, 2]}}))));
    assert_eq!(headers(&r).1, json!("106"));
    assert_eq!(s.world.queues["queue-1"].messages[1].body, "{\"a\":[1,2]}");
    let (e, c) = failed(s.call(&call("arn:aws:states:::sqs:sendMessage", json!({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/queue-1", "MessageBody": null}))));
    assert_eq!(e, "SQS.AmazonSQSException");
    assert!(c.starts_with("The request must contain the parameter MessageBody. (Service: AmazonSQS; Status Code: 400; Error Code: MissingParameter; Request ID: "));
}

#[test]
fn sns_publish_shapes_and_errors() {
    let mut s = services();
    let r = ok(s.call(&call("arn:aws:states:::sns:publish", json!({"TopicArn": "arn:aws:sns:us-east-1:111111111111:topic-1", "Message": {"Message": "HelloWorld!"}}))));
    assert_eq!(
        r.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["MessageId", "SdkHttpMetadata", "SdkResponseMetadata"]
    );
    assert_eq!(headers(&r).1, json!("294"));
    assert_eq!(
        r["SdkHttpMetadata"]["HttpHeaders"]["Content-Type"],
        json!("text/xml")
    );
    let r = ok(s.call(&call("arn:aws:states:::sns:publish", json!({"TopicArn": "arn:aws:sns:us-east-1:111111111111:topic-2.fifo", "Message": {"Message": "HelloWorld!"}, "MessageGroupId": "a-group", "MessageDeduplicationId": "dedup-1"}))));
    assert_eq!(
        r.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "MessageId",
            "SdkHttpMetadata",
            "SdkResponseMetadata",
            "SequenceNumber"
        ]
    );
    assert_eq!(headers(&r).1, json!("352"));
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::sns:publish",
        json!({"TopicArn": "arn:aws:sns:us-east-1:111111111111:deleted", "Message": "x"}),
    )));
    assert_eq!(e, "SNS.NotFoundException");
    assert!(c.starts_with("Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: "));
}

#[test]
fn events_put_events_shapes() {
    let mut s = services();
    let r = ok(s.call(&call("arn:aws:states:::events:putEvents", json!({"Entries": [
        {"Detail": "{\"Message\": \"HelloWorld0\"}", "DetailType": "dt", "Source": "some.source"},
        {"Detail": {"Message": "HelloWorld1"}, "DetailType": "dt", "Source": "some.source", "Resources": ["r1"]}
    ]}))));
    assert_eq!(
        r.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["Entries", "FailedEntryCount"]
    );
    assert_eq!(r["FailedEntryCount"], json!(0));
    let diff = &s.world.diff.changes;
    let super::world::Change::EventPut { event, .. } = &diff[1].change else {
        panic!()
    };
    assert_eq!(
        event["resources"],
        json!([
            "r1",
            "arn:aws:states:us-east-1:111111111111:stateMachine:sm",
            "arn:aws:states:us-east-1:111111111111:execution:sm:run"
        ])
    );
    assert_eq!(event["detail"], json!({"Message": "HelloWorld1"}));
    let (e, c) = failed(s.call(&call("arn:aws:states:::events:putEvents", json!({"Entries": [{"Detail": "{}", "DetailType": "dt", "Source": "s"}, {"Detail": "\"jsonstring\"", "DetailType": "dt", "Source": "s"}]}))));
    assert_eq!(e, "EventBridge.FailedEntry");
    let cause: Value = serde_json::from_str(&c).unwrap();
    assert_eq!(cause["FailedEntryCount"], json!(1));
    assert_eq!(
        cause["Entries"][1],
        json!({"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."})
    );
}

#[test]
fn lambda_invoke_envelope_and_legacy_arn() {
    let mut s = services();
    let r = ok(s.call(&call(
        "arn:aws:states:::lambda:invoke",
        json!({"FunctionName": "id_function", "Payload": null}),
    )));
    assert_eq!(
        r.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "ExecutedVersion",
            "Payload",
            "SdkHttpMetadata",
            "SdkResponseMetadata",
            "StatusCode"
        ]
    );
    assert_eq!(r["Payload"], json!({}));
    assert_eq!(headers(&r).1, json!("2"));
    let r = ok(s.call(&call(
        "arn:aws:states:::lambda:invoke",
        json!({"FunctionName": "id_function", "Payload": "0.0"}),
    )));
    assert_eq!(r["Payload"], json!(0.0));
    let r = ok(s.call(&call(
        "arn:aws:lambda:us-east-1:111111111111:function:id_function",
        json!("HelloWorld"),
    )));
    assert_eq!(r, json!("HelloWorld"));
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::lambda:invoke",
        json!({"FunctionName": "no_such_fn", "Payload": null}),
    )));
    assert_eq!(e, "Lambda.ResourceNotFoundException");
    assert!(c.starts_with("Function not found: arn:aws:lambda:us-east-1:111111111111:function:no_such_fn:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException;"));
}

#[test]
fn faults_and_callbacks() {
    let mut s = services();
    s.world.faults = serde_json::from_value(json!([
        {"service": "dynamodb", "action": "putItem", "nth": 2, "fault": {"kind": "throttle"}},
        {"service": "sqs", "fault": {"kind": "timeout"}}
    ]))
    .unwrap();
    s.world.callbacks = serde_json::from_value(json!([{"state": "S", "after_ms": 5000, "heartbeats_ms": [1000, 2000], "send": "task_failure", "error": "Rejected", "cause": "no"}])).unwrap();
    let put = || {
        call(
            "arn:aws:states:::dynamodb:putItem",
            json!({"TableName": "sfn_test_table", "Item": {"id": {"S": "1"}}}),
        )
    };
    ok(s.call(&put()));
    let (e, _) = failed(s.call(&put()));
    assert_eq!(e, "DynamoDB.ProvisionedThroughputExceededException");
    ok(s.call(&put()));
    let mut c = call(
        "arn:aws:states:::sqs:sendMessage",
        json!({"QueueUrl": "queue-1", "MessageBody": "x"}),
    );
    c.timeout_seconds = Some(3.0);
    let r = s.call(&c);
    assert!(r.elapsed_ms > 3000);
    assert_eq!(failed(r).0, "States.Timeout");
    let r = s.call(&call("arn:aws:states:::sns:publish.waitForTaskToken", json!({"TopicArn": "arn:aws:sns:us-east-1:111111111111:topic-1", "Message": {"token": "t"}})));
    assert_eq!(
        (r.elapsed_ms, r.heartbeats_ms.clone()),
        (5000, vec![1000, 2000])
    );
    assert_eq!(failed(r), ("Rejected".to_string(), "no".to_string()));
    // Default callback: success with {} at once.
    let mut c = call(
        "arn:aws:states:::sns:publish.waitForTaskToken",
        json!({"TopicArn": "arn:aws:sns:us-east-1:111111111111:topic-1", "Message": "m"}),
    );
    c.state_name = "Other".into();
    assert_eq!(ok(s.call(&c)), json!({}));
}

#[test]
fn same_seed_gives_identical_results_and_diff() {
    let run = || {
        let mut s = services();
        let mut outs = Vec::new();
        for c in [
            call(
                "arn:aws:states:::dynamodb:putItem",
                json!({"TableName": "sfn_test_table", "Item": {"id": {"S": "1"}}}),
            ),
            call(
                "arn:aws:states:::sqs:sendMessage",
                json!({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/111111111111/queue-1", "MessageBody": "b"}),
            ),
            call(
                "arn:aws:states:::sns:publish",
                json!({"TopicArn": "arn:aws:sns:us-east-1:111111111111:topic-1", "Message": "m"}),
            ),
            call(
                "arn:aws:states:::events:putEvents",
                json!({"Entries": [{"Detail": "{}", "DetailType": "d", "Source": "s"}]}),
            ),
        ] {
            outs.push(format!("{:?}", s.call(&c)));
        }
        (
            outs,
            serde_json::to_string(&s.world.diff).unwrap(),
            serde_json::to_string(&s.world.calls).unwrap(),
        )
    };
    assert_eq!(run(), run());
}

#[test]
fn aws_sdk_actions_answered_from_mocks() {
    let mut s = services();
    s.world.sdk_mocks = serde_json::from_value(json!([
        {"service": "ssm", "action": "getParameter", "result": {"Parameter": {"Name": "p", "Value": "v"}}},
        {"service": "secretsmanager", "action": "getSecretValue", "error": "SecretsManager.ResourceNotFoundException", "cause": "Secrets Manager can't find the specified secret."}
    ])).unwrap();
    assert_eq!(
        ok(s.call(&call(
            "arn:aws:states:::aws-sdk:ssm:getParameter",
            json!({"Name": "p"})
        ))),
        json!({"Parameter": {"Name": "p", "Value": "v"}})
    );
    let (e, _) = failed(s.call(&call(
        "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
        json!({"SecretId": "x"}),
    )));
    assert_eq!(e, "SecretsManager.ResourceNotFoundException");
    let (e, _) = failed(s.call(&call("arn:aws:states:::aws-sdk:kms:encrypt", json!({}))));
    assert_eq!(e, "States.Runtime");
}

#[test]
fn callback_that_never_answers_runs_into_the_timeout() {
    let mut s = services();
    s.world.callbacks =
        serde_json::from_value(json!([{"state": "S", "send": "never", "heartbeats_ms": [500]}]))
            .unwrap();
    let mut c = call(
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        json!({"QueueUrl": "queue-1", "MessageBody": {"token": "t"}}),
    );
    c.timeout_seconds = Some(10.0);
    let r = s.call(&c);
    assert_eq!((r.elapsed_ms, r.heartbeats_ms.clone()), (10_001, vec![500]));
    // The message carrying the token was still sent.
    assert_eq!(
        s.world.queues["queue-1"].messages[0].body,
        "{\"token\":\"t\"}"
    );
}

#[test]
fn dynamodb_transactions_through_the_aws_sdk_integration() {
    let mut s = services();
    let put = |id: &str| json!({"Put": {"TableName": "sfn_test_table", "Item": {"id": {"S": id}}, "ConditionExpression": "attribute_not_exists(id)"}});
    let write = "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems";
    // aws-sdk results are the bare API output: no SdkHttpMetadata.
    assert_eq!(
        ok(s.call(&call(write, json!({"TransactItems": [put("a"), put("b")]})))),
        json!({})
    );
    let (e, c) = failed(s.call(&call(write, json!({"TransactItems": [put("c"), put("a")]}))));
    assert_eq!(e, "DynamoDb.TransactionCanceledException");
    assert!(
        c.starts_with("Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed] (Service: DynamoDb, Status Code: 400, Request ID: "),
        "{c}"
    );
    assert_eq!(
        s.world.tables["sfn_test_table"].items.len(),
        2,
        "c was not written"
    );
    let get = ok(s.call(&call(
        "arn:aws:states:::aws-sdk:dynamodb:batchGetItem",
        json!({"RequestItems": {"sfn_test_table": {"Keys": [{"id": {"S": "a"}}, {"id": {"S": "c"}}]}}}),
    )));
    assert_eq!(
        get,
        json!({"Responses": {"sfn_test_table": [{"id": {"S": "a"}}]}, "UnprocessedKeys": {}})
    );
    // A number given as a JSON number inside a transaction cannot be sent either.
    let (e, _) = failed(s.call(&call(
        write,
        json!({"TransactItems": [{"Put": {"TableName": "sfn_test_table", "Item": {"id": {"S": "d"}, "n": {"N": 5}}}}]}),
    )));
    assert_eq!(e, "States.Runtime");
    let (e, _) = failed(s.call(&call(
        "arn:aws:states:::aws-sdk:dynamodb:batchWriteItem",
        json!({"RequestItems": {"sfn_test_table": [{"DeleteRequest": {"Key": {"id": {"N": 5}}}}]}}),
    )));
    assert_eq!(e, "States.Runtime");
}

#[test]
fn unsendable_parameters_name_the_entered_event() {
    use crate::interp::{ExecuteOptions, ExecutionContext, StateMachine};
    let sm = StateMachine::parse(&json!({"StartAt": "Wait", "States": {
        "Wait": {"Type": "Pass", "Next": "Put"},
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {"TableName": "sfn_test_table", "Item": {"id": {"S": "1"}, "n": {"N": 5}}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
        "Caught": {"Type": "Succeed"}}}))
    .unwrap();
    let mut s = services();
    let r = sm.execute_with(
        json!({}),
        &ExecutionContext::default(),
        &mut s,
        &ExecuteOptions::default(),
    );
    // Step Functions refuses to start the Task: nothing is scheduled, and States.ALL does not
    // catch States.Runtime.
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
    let types: Vec<&str> = r
        .history
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "ExecutionFailed"
        ]
    );
    // Events: 1 ExecutionStarted, 2-3 Pass entered/exited, 4 TaskStateEntered.
    assert_eq!(
        r.cause.as_deref(),
        Some("An error occurred while executing the state 'Put' (entered at the event id #4). The Parameters '{\"TableName\":\"sfn_test_table\",\"Item\":{\"id\":{\"S\":\"1\"},\"n\":{\"N\":5}}}' could not be used to start the Task: [The value for the field 'N' must be a STRING]")
    );
}

#[test]
fn optimized_integrations_reject_parameter_names_they_do_not_accept() {
    let mut s = services();
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        json!({"FunctionName": "id_function", "TaskToken": "t"}),
    )));
    assert_eq!(e, "States.Runtime");
    assert!(
        c.ends_with("could not be used to start the Task: [The field \"TaskToken\" is not supported by Step Functions]"),
        "{c}"
    );
    assert!(
        s.world.diff.changes.is_empty(),
        "the function was not invoked"
    );
    // A PutItem parameter is not a GetItem one.
    let (e, _) = failed(s.call(&call(
        "arn:aws:states:::dynamodb:getItem",
        json!({"TableName": "sfn_test_table", "Key": {"id": {"S": "1"}}, "ReturnValues": "ALL_OLD"}),
    )));
    assert_eq!(e, "States.Runtime");
}

#[test]
fn start_execution_shapes_and_errors() {
    use super::world::{ChildResult, StateMachineEntry};
    let mut s = services();
    s.world.state_machines.insert(
        "child".into(),
        StateMachineEntry {
            name: "child".into(),
            result: Some(ChildResult {
                status: "SUCCEEDED".into(),
                output: Some(json!({"done": true})),
                error: None,
                cause: None,
                duration_ms: 1500,
            }),
        },
    );
    let arn = "arn:aws:states:us-east-1:111111111111:stateMachine:child";
    let params = json!({"StateMachineArn": arn, "Input": {"a": 1}, "Name": "run-1"});
    let exec_arn = "arn:aws:states:us-east-1:111111111111:execution:child:run-1";
    // Request-response: ExecutionArn and StartDate, wrapped in the HTTP metadata (aws-facts §1.3).
    let r = ok(s.call(&call(
        "arn:aws:states:::states:startExecution",
        params.clone(),
    )));
    let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "ExecutionArn",
            "SdkHttpMetadata",
            "SdkResponseMetadata",
            "StartDate"
        ]
    );
    assert_eq!(r["ExecutionArn"], json!(exec_arn));
    // aws-sdk: the bare output with PascalCase keys and a string date.
    let r = ok(s.call(&call(
        "arn:aws:states:::aws-sdk:sfn:startExecution",
        params.clone(),
    )));
    assert_eq!(
        r,
        json!({"ExecutionArn": exec_arn, "StartDate": "2025-01-01T00:00:00.000Z"})
    );
    // .sync: the description with Input and Output as JSON text; .sync:2 as JSON.
    let r = s.call(&call(
        "arn:aws:states:::states:startExecution.sync",
        params.clone(),
    ));
    assert_eq!(r.elapsed_ms, 1500, "the Task lasts as long as the child");
    let r = ok(r);
    assert_eq!(r["Output"], json!("{\"done\":true}"));
    assert_eq!(r["Input"], json!("{\"a\":1}"));
    assert_eq!(r["Status"], json!("SUCCEEDED"));
    let r = ok(s.call(&call(
        "arn:aws:states:::states:startExecution.sync:2",
        params,
    )));
    assert_eq!(r["Output"], json!({"done": true}));
    // A missing state machine.
    let (e, c) = failed(s.call(&call(
        "arn:aws:states:::states:startExecution",
        json!({"StateMachineArn": "arn:aws:states:us-east-1:111111111111:stateMachine:nope"}),
    )));
    assert_eq!(e, "StepFunctions.StateMachineDoesNotExistException");
    assert!(
        c.starts_with("State Machine Does Not Exist: 'arn:aws:states:us-east-1:111111111111:stateMachine:nope' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist;"),
        "{c}"
    );
    let started = s
        .world
        .diff
        .changes
        .iter()
        .filter(|c| matches!(c.change, super::world::Change::ExecutionStarted { .. }))
        .count();
    assert_eq!(
        started, 4,
        "every started execution is in the diff, the failed start is not"
    );
}

//! Parameter names the optimized integrations accept. Any other name fails the Task with
//! `States.Runtime` before the service is called: "The Parameters '...' could not be used to start
//! the Task: [The field "X" is not supported by Step Functions]".
//!
//! Sources: the error text, AWS Step Functions Developer Guide, connect-parameters.html ("If you don't
//! use the plural form, Step Functions returns the following error: The field Filter is not supported
//! by Step Functions."), quoted with the field name in double quotes in reports of runtime failures
//! (`The field "TaskToken" is not supported by Step Functions` for a lambda:invoke Task). The lists:
//! aws-facts §1.1 and §1.5 (connect-lambda, connect-ddb, connect-sqs, connect-sns, connect-eventbridge).

/// Parameters every optimized DynamoDB write (PutItem, DeleteItem, UpdateItem) accepts.
const DYNAMODB_WRITE: [&str; 9] = [
    "TableName",
    "ConditionalOperator",
    "ConditionExpression",
    "Expected",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "ReturnConsumedCapacity",
    "ReturnItemCollectionMetrics",
    "ReturnValues",
];

/// The parameters of `<service>:<action>`, or None when the integration's list is not known.
fn supported(service: &str, action: &str) -> Option<Vec<&'static str>> {
    let write = |own: &[&'static str]| own.iter().chain(DYNAMODB_WRITE.iter()).copied().collect();
    Some(match (service, action) {
        ("dynamodb", "getItem") => vec![
            "Key",
            "TableName",
            "AttributesToGet",
            "ConsistentRead",
            "ExpressionAttributeNames",
            "ProjectionExpression",
            "ReturnConsumedCapacity",
        ],
        ("dynamodb", "putItem") => write(&["Item"]),
        ("dynamodb", "deleteItem") => write(&["Key"]),
        ("dynamodb", "updateItem") => write(&["Key", "AttributeUpdates", "UpdateExpression"]),
        // LogType is accepted in practice (aws-facts §1.1).
        ("lambda", "invoke") => vec![
            "FunctionName",
            "Payload",
            "InvocationType",
            "Qualifier",
            "ClientContext",
            "LogType",
        ],
        ("sqs", "sendMessage") => vec![
            "QueueUrl",
            "MessageBody",
            "DelaySeconds",
            "MessageAttributes",
            "MessageDeduplicationId",
            "MessageGroupId",
        ],
        ("sns", "publish") => vec![
            "Message",
            "MessageAttributes",
            "MessageStructure",
            "MessageDeduplicationId",
            "MessageGroupId",
            "PhoneNumber",
            "Subject",
            "TargetArn",
            "TopicArn",
        ],
        ("events", "putEvents") => vec!["Entries"],
        _ => return None,
    })
}

/// The reason an optimized Task's parameters cannot be sent, when one of their names is not accepted.
pub fn unsupported_parameter(
    service: &str,
    action: &str,
    params: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let allowed = supported(service, action)?;
    params
        .keys()
        .find(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("The field \"{k}\" is not supported by Step Functions"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_names_are_named() {
        let p = json!({"FunctionName": "f", "TaskToken": "t"});
        assert_eq!(
            unsupported_parameter("lambda", "invoke", p.as_object().unwrap()).as_deref(),
            Some("The field \"TaskToken\" is not supported by Step Functions")
        );
        let ok = json!({"TableName": "t", "Key": {}, "ProjectionExpression": "a"});
        assert_eq!(
            unsupported_parameter("dynamodb", "getItem", ok.as_object().unwrap()),
            None
        );
        let put_only = json!({"TableName": "t", "Key": {}, "ReturnValues": "ALL_OLD"});
        assert!(
            unsupported_parameter("dynamodb", "getItem", put_only.as_object().unwrap()).is_some()
        );
        // Integrations without a known list are not checked.
        assert_eq!(
            unsupported_parameter("states", "startExecution", put_only.as_object().unwrap()),
            None
        );
    }
}

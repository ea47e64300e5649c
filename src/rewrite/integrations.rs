//! Which Step Functions integration replaces an SDK call, and what differs about it: its resource
//! ARN, its error prefix, whether its result carries SDK metadata, which parameters accept a JSON
//! object in place of a string, its retriable errors and its IAM action.
//!
//! Sources: /work/shared/aws-facts.md §1.2 (resources and parameters), §1.3 (result shapes), §1.4 (JSON
//! objects for strings), §1.5 (DynamoDB), §2 (aws-sdk naming), §3.3/3.4 (errors), §4 (IAM).
//! When `rules/*.json` (src/rules.rs) lands this table should defer to it.

use crate::analysis::model::SdkCall;

#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    /// `arn:aws:states:::dynamodb:putItem`, `arn:aws:states:::aws-sdk:sqs:sendMessage`.
    pub resource: String,
    /// `true` for an optimized integration, `false` for `aws-sdk:*`.
    pub optimized: bool,
    /// Error name prefix: `DynamoDB` (optimized) vs `DynamoDb` (aws-sdk), `SQS`, `SNS`, `EventBridge`.
    pub error_prefix: String,
    /// The optimized DynamoDB/SQS/SNS results add SdkHttpMetadata and SdkResponseMetadata (§1.3).
    pub result_has_metadata: bool,
    /// Parameters that accept a JSON object, which Step Functions serializes to a string (§1.4, §1.3).
    pub json_object_params: &'static [&'static str],
    /// Errors of the target worth retrying (throttling, 5xx, client transport) (§3.4, [I] there).
    pub transient_errors: Vec<String>,
    /// IAM action the state-machine role needs (`dynamodb:PutItem`) (§4).
    pub iam_action: String,
    /// Why an optimized integration could not be used, for the notes.
    pub fallback_reason: Option<String>,
}

struct Optimized {
    service: &'static str,
    action: &'static str,
    resource: &'static str,
    prefix: &'static str,
    metadata: bool,
    params: &'static [&'static str],
    json_params: &'static [&'static str],
    transient: &'static [&'static str],
}

const DDB_TRANSIENT: &[&str] = &[
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.InternalServerErrorException",
    "DynamoDB.SdkClientException",
];
const DDB_PUT_PARAMS: &[&str] = &[
    "Item",
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
const DDB_DELETE_PARAMS: &[&str] = &[
    "Key",
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
const DDB_UPDATE_PARAMS: &[&str] = &[
    "Key",
    "TableName",
    "AttributeUpdates",
    "UpdateExpression",
    "ConditionalOperator",
    "ConditionExpression",
    "Expected",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "ReturnConsumedCapacity",
    "ReturnItemCollectionMetrics",
    "ReturnValues",
];
const DDB_GET_PARAMS: &[&str] = &[
    "Key",
    "TableName",
    "AttributesToGet",
    "ConsistentRead",
    "ExpressionAttributeNames",
    "ProjectionExpression",
    "ReturnConsumedCapacity",
];

const OPTIMIZED: &[Optimized] = &[
    Optimized {
        service: "dynamodb",
        action: "PutItem",
        resource: "arn:aws:states:::dynamodb:putItem",
        prefix: "DynamoDB",
        metadata: true,
        params: DDB_PUT_PARAMS,
        json_params: &[],
        transient: DDB_TRANSIENT,
    },
    Optimized {
        service: "dynamodb",
        action: "GetItem",
        resource: "arn:aws:states:::dynamodb:getItem",
        prefix: "DynamoDB",
        metadata: true,
        params: DDB_GET_PARAMS,
        json_params: &[],
        transient: DDB_TRANSIENT,
    },
    Optimized {
        service: "dynamodb",
        action: "UpdateItem",
        resource: "arn:aws:states:::dynamodb:updateItem",
        prefix: "DynamoDB",
        metadata: true,
        params: DDB_UPDATE_PARAMS,
        json_params: &[],
        transient: DDB_TRANSIENT,
    },
    Optimized {
        service: "dynamodb",
        action: "DeleteItem",
        resource: "arn:aws:states:::dynamodb:deleteItem",
        prefix: "DynamoDB",
        metadata: true,
        params: DDB_DELETE_PARAMS,
        json_params: &[],
        transient: DDB_TRANSIENT,
    },
    Optimized {
        service: "sqs",
        action: "SendMessage",
        resource: "arn:aws:states:::sqs:sendMessage",
        prefix: "SQS",
        metadata: true,
        params: &[
            "QueueUrl",
            "MessageBody",
            "DelaySeconds",
            "MessageAttributes",
            "MessageDeduplicationId",
            "MessageGroupId",
        ],
        json_params: &["MessageBody"],
        transient: &["SQS.SdkClientException"],
    },
    Optimized {
        service: "sns",
        action: "Publish",
        resource: "arn:aws:states:::sns:publish",
        prefix: "SNS",
        metadata: true,
        params: &[
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
        json_params: &["Message"],
        transient: &["SNS.ThrottledException", "SNS.SdkClientException"],
    },
    Optimized {
        service: "events",
        action: "PutEvents",
        resource: "arn:aws:states:::events:putEvents",
        prefix: "EventBridge",
        metadata: false,
        params: &["Entries"],
        json_params: &["Detail"],
        transient: &["EventBridge.SdkClientException"],
    },
];

/// aws-sdk service token (§2: Java v2 client names, not always the IAM prefix) and error prefix.
fn aws_sdk_names(service: &str) -> (String, String) {
    let known: &[(&str, &str, &str)] = &[
        ("dynamodb", "dynamodb", "DynamoDb"),
        ("sqs", "sqs", "Sqs"),
        ("sns", "sns", "Sns"),
        ("events", "eventbridge", "EventBridge"),
        ("states", "sfn", "Sfn"),
        ("logs", "cloudwatchlogs", "CloudWatchLogs"),
        ("s3", "s3", "S3"),
        ("lambda", "lambda", "Lambda"),
        ("secretsmanager", "secretsmanager", "SecretsManager"),
        ("ssm", "ssm", "Ssm"),
        ("kinesis", "kinesis", "Kinesis"),
        ("ses", "ses", "Ses"),
        ("sesv2", "sesv2", "SesV2"),
    ];
    for (iam, token, prefix) in known {
        if *iam == service {
            return (token.to_string(), prefix.to_string());
        }
    }
    let mut prefix = service.to_string();
    if let Some(first) = prefix.get(0..1) {
        prefix = first.to_uppercase() + &prefix[1..];
    }
    (service.to_string(), prefix)
}

fn camel(action: &str) -> String {
    let mut chars = action.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The integration for a call. `param_names` are the top-level request parameters the handler sets:
/// one outside the optimized integration's list moves the call to `aws-sdk:*`.
pub fn for_call(call: &SdkCall, param_names: &[String]) -> Integration {
    let mut fallback_reason = None;
    if let Some(o) = OPTIMIZED
        .iter()
        .find(|o| o.service == call.service && o.action == call.action)
    {
        let unsupported: Vec<&String> = param_names
            .iter()
            .filter(|p| !o.params.contains(&p.as_str()))
            .collect();
        if unsupported.is_empty() {
            return Integration {
                resource: o.resource.to_string(),
                optimized: true,
                error_prefix: o.prefix.to_string(),
                result_has_metadata: o.metadata,
                json_object_params: o.json_params,
                transient_errors: o.transient.iter().map(|s| s.to_string()).collect(),
                iam_action: format!("{}:{}", call.service, call.action),
                fallback_reason: None,
            };
        }
        fallback_reason = Some(format!(
            "the optimized {} integration does not take {}; using the AWS SDK integration",
            o.resource,
            unsupported
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let (token, prefix) = aws_sdk_names(&call.service);
    Integration {
        resource: format!("arn:aws:states:::aws-sdk:{token}:{}", camel(&call.action)),
        optimized: false,
        transient_errors: vec![format!("{prefix}.SdkClientException")],
        error_prefix: prefix,
        result_has_metadata: false,
        json_object_params: &[],
        iam_action: format!("{}:{}", call.service, call.action),
        fallback_reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::{SdkFlavor, Span, ValueExpr};
    use serde_json::json;

    fn call(service: &str, action: &str) -> SdkCall {
        SdkCall {
            service: service.into(),
            action: action.into(),
            flavor: SdkFlavor::JsV3,
            params: ValueExpr::Literal { value: json!({}) },
            span: Span::default(),
        }
    }

    #[test]
    fn optimized_when_parameters_fit_else_aws_sdk() {
        let i = for_call(
            &call("dynamodb", "PutItem"),
            &["TableName".into(), "Item".into()],
        );
        assert_eq!(i.resource, "arn:aws:states:::dynamodb:putItem");
        assert_eq!(i.error_prefix, "DynamoDB");
        let i = for_call(
            &call("sqs", "SendMessage"),
            &["MessageSystemAttributes".into()],
        );
        assert_eq!(i.resource, "arn:aws:states:::aws-sdk:sqs:sendMessage");
        assert_eq!(i.error_prefix, "Sqs");
        assert!(i.fallback_reason.is_some());
        let i = for_call(&call("dynamodb", "Query"), &[]);
        assert_eq!(i.resource, "arn:aws:states:::aws-sdk:dynamodb:query");
        assert_eq!(i.error_prefix, "DynamoDb");
        let i = for_call(&call("events", "PutEvents"), &["Entries".into()]);
        assert!(!i.result_has_metadata);
    }
}

//! Which Step Functions integration replaces an SDK call, and what differs about it: its resource
//! ARN, its error prefix, whether its result carries SDK metadata, which parameters accept a JSON
//! object in place of a string, its retriable errors and its IAM action.
//!
//! Sources: /work/shared/aws-facts.md §1.2 (resources and parameters), §1.3 (result shapes), §1.4 (JSON
//! objects for strings), §1.5 (DynamoDB), §2 (aws-sdk naming), §3.3/3.4 (errors), §4 (IAM).
//! The catalogue in `rules/*.json` (src/rules.rs) is the source of the per-operation facts.

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
    /// Parameters that accept a JSON object, which Step Functions serializes to a string (§1.4):
    /// `MessageBody`, `Entries[].Detail`.
    pub json_object_params: Vec<String>,
    /// Errors of the target worth retrying (throttling, 5xx, client transport) (§3.4, [I] there).
    pub transient_errors: Vec<String>,
    /// IAM actions the state-machine role needs (`dynamodb:PutItem`) (§4).
    pub iam_actions: Vec<String>,
    /// Why an optimized integration could not be used, for the notes.
    pub fallback_reason: Option<String>,
}

impl Integration {
    /// Whether parameter `key` (the last name of its path) may be a JSON object.
    pub fn accepts_json_object(&self, key: &str) -> bool {
        self.json_object_params
            .iter()
            .any(|p| p == key || p.ends_with(&format!(".{key}")))
    }
}

/// Throttling and server errors of the target, as the integration names them: the API model's
/// error shapes that the SDKs retry on their own (throttling codes, HTTP 5xx), with the Java SDK's
/// `Exception` suffix (aws-facts §3.3: `DynamoDB.<Java exception>`; §2 for aws-sdk names). Which
/// errors to retry is the [I] mapping of aws-facts §3.4 ("throttling/5xx names of the target ...
/// never retry ConditionalCheckFailedException"). Error shapes: botocore service models
/// (dynamodb 2012-08-10, sqs 2012-11-05, sns 2010-03-31, events 2015-10-07).
fn transient_errors(prefix: &str) -> Vec<String> {
    let names: &[&str] = match prefix {
        "DynamoDB" | "DynamoDb" => &[
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceededException",
            "InternalServerErrorException",
        ],
        // KMS throttling is not among the SDKs' retried codes: it surfaced from the Lambda too.
        "SQS" | "Sqs" => &["RequestThrottledException"],
        "SNS" | "Sns" => &["ThrottledException", "InternalErrorException"],
        "EventBridge" => &["InternalException"],
        // The operations' modelled throttling and 5xx errors (botocore secretsmanager
        // GetSecretValue, ssm GetParameter, athena StartQueryExecution, batch SubmitJob, ecs
        // RunTask, glue StartJobRun, sesv2 SendEmail; LimitExceededException is a throttling code
        // of the SDKs' standard retry mode).
        "SecretsManager" => &["InternalServiceErrorException"],
        "Ssm" => &["InternalServerErrorException"],
        "Athena" => &["TooManyRequestsException", "InternalServerException"],
        "Batch" | "Ecs" | "ECS" => &["ServerException"],
        "Glue" => &["InternalServiceException"],
        "SesV2" => &["TooManyRequestsException", "LimitExceededException"],
        _ => &["SdkClientException"],
    };
    names.iter().map(|n| format!("{prefix}.{n}")).collect()
}

/// aws-sdk service token and error prefix for a service the catalogue does not know (§2: Java v2
/// client names lowercased; PascalCase prefix).
fn aws_sdk_names(service: &str) -> (String, String) {
    let token = match service {
        "events" => "eventbridge",
        "states" => "sfn",
        "logs" => "cloudwatchlogs",
        other => other,
    };
    let mut prefix = token.to_string();
    if let Some(first) = prefix.get(0..1) {
        prefix = first.to_uppercase() + &prefix[1..];
    }
    (token.to_string(), prefix)
}

/// The integration for a call. `param_names` are the top-level request parameters the handler
/// sets: one the optimized integration does not take moves the call to `aws-sdk:*`. The rules
/// catalogue (rules/*.json) decides; services it does not know get the aws-sdk naming rule.
pub fn for_call(call: &SdkCall, param_names: &[String]) -> Result<Integration, String> {
    let Some(rule) = crate::rules::Catalogue::builtin().lookup(&call.service, &call.action) else {
        let (token, prefix) = aws_sdk_names(&call.service);
        return Ok(Integration {
            resource: format!(
                "arn:aws:states:::aws-sdk:{token}:{}",
                crate::rules::camel_action(&call.action)
            ),
            optimized: false,
            transient_errors: transient_errors(&prefix),
            error_prefix: prefix,
            result_has_metadata: false,
            json_object_params: vec![],
            iam_actions: vec![format!("{}:{}", call.service, call.action)],
            fallback_reason: Some(format!(
                "{} is not in the rules catalogue: the aws-sdk integration name and error prefix follow the general rule (aws-facts §2)",
                call.id()
            )),
        });
    };
    if rule.unsupported {
        return Err(format!(
            "Step Functions does not support {} (aws-facts §2)",
            call.id()
        ));
    }
    let unsupported: Vec<&str> = param_names
        .iter()
        .filter(|p| !rule.parameters.iter().any(|q| q == *p))
        .map(|s| s.as_str())
        .collect();
    if rule.optimized && unsupported.is_empty() {
        if let Some(prefix) = &rule.error_prefix {
            return Ok(Integration {
                resource: rule.integration.clone(),
                optimized: true,
                error_prefix: prefix.clone(),
                result_has_metadata: rule.result_metadata,
                json_object_params: rule.json_params.clone(),
                transient_errors: transient_errors(prefix),
                iam_actions: rule.iam_actions.clone(),
                fallback_reason: None,
            });
        }
    }
    Ok(aws_sdk_of(&rule, unsupported))
}

/// The aws-sdk integration of a call the catalogue knows, even when an optimized one exists:
/// for handlers that read what the optimized integration turns into a failure
/// (events:putEvents fails the Task when FailedEntryCount > 0, aws-facts §8.4).
pub fn aws_sdk_for_call(call: &SdkCall) -> Option<Integration> {
    let rule = crate::rules::Catalogue::builtin().lookup(&call.service, &call.action)?;
    if rule.unsupported {
        return None;
    }
    let mut i = aws_sdk_of(&rule, vec![]);
    i.fallback_reason = None;
    Some(i)
}

fn aws_sdk_of(rule: &crate::rules::Rule, unsupported: Vec<&str>) -> Integration {
    let fallback_reason = if rule.optimized && !unsupported.is_empty() {
        Some(format!(
            "the optimized {} integration does not take {}; using {}",
            rule.integration,
            unsupported.join(", "),
            rule.aws_sdk_integration
        ))
    } else if rule.optimized {
        Some(format!(
            "no source documents the error names of {}; using {}",
            rule.integration, rule.aws_sdk_integration
        ))
    } else {
        None
    };
    Integration {
        resource: rule.aws_sdk_integration.clone(),
        optimized: false,
        error_prefix: rule.aws_sdk_error_prefix.clone(),
        transient_errors: transient_errors(&rule.aws_sdk_error_prefix),
        // aws-sdk results carry no SDK metadata (§1.3).
        result_has_metadata: false,
        json_object_params: vec![],
        iam_actions: rule.iam_actions.clone(),
        fallback_reason,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::model::{SdkFlavor, Span, ValueExpr};
    use serde_json::json;

    /// An SDK v3 call with no parameters (shared with the synthesis tests).
    pub(crate) fn call(service: &str, action: &str) -> SdkCall {
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
        )
        .unwrap();
        assert_eq!(i.resource, "arn:aws:states:::dynamodb:putItem");
        assert_eq!(i.error_prefix, "DynamoDB");
        assert!(i.result_has_metadata);
        let i = for_call(
            &call("sqs", "SendMessage"),
            &["QueueUrl".into(), "Bogus".into()],
        )
        .unwrap();
        assert_eq!(i.resource, "arn:aws:states:::aws-sdk:sqs:sendMessage");
        assert_eq!(i.error_prefix, "Sqs");
        assert!(i.fallback_reason.is_some());
        let i = for_call(&call("dynamodb", "Query"), &[]).unwrap();
        assert_eq!(i.resource, "arn:aws:states:::aws-sdk:dynamodb:query");
        assert_eq!(i.error_prefix, "DynamoDb");
        let i = for_call(&call("events", "PutEvents"), &["Entries".into()]).unwrap();
        assert!(!i.result_has_metadata);
        assert!(i.accepts_json_object("Detail"));
        let i = for_call(&call("kafka", "ListClusters"), &[]).unwrap();
        assert_eq!(i.resource, "arn:aws:states:::aws-sdk:kafka:listClusters");
    }
}

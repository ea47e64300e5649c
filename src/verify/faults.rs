//! Service faults injected identically into both versions of a state machine, and how each
//! version names them: inside the original Lambda the SDK raises the modelled exception (and
//! retries throttling on its own); a direct integration reports `<Prefix>.<Exception>`.
//!
//! The error catalogue is the `errors` list of each operation in the AWS API models (botocore
//! 1.43.11 `dynamodb/2012-08-10`, `sqs/2012-11-05`, `sns/2010-03-31`, `events/2015-10-07`), plus
//! `ValidationException`, which DynamoDB returns without modelling it.

use serde::Serialize;
use serde_json::Value;

/// One API error as the service returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// Modelled shape name (what the SDKs name the exception), or the wire code when unmodelled.
    pub name: &'static str,
    /// HTTP status class the service uses (for reports).
    pub status: u16,
    pub message: &'static str,
    pub modelled: bool,
}

const fn e(name: &'static str, status: u16, message: &'static str) -> ApiError {
    ApiError {
        name,
        status,
        message,
        modelled: true,
    }
}

const DDB_WRITE: &[ApiError] = &[
    e("ConditionalCheckFailedException", 400, "The conditional request failed"),
    e("ProvisionedThroughputExceededException", 400, "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."),
    e("ThrottlingException", 400, "Throughput exceeds the current capacity of your table or index."),
    e("ResourceNotFoundException", 400, "Requested resource not found"),
    e("ItemCollectionSizeLimitExceededException", 400, "Item collection size limit exceeded"),
    e("TransactionConflictException", 400, "Transaction is ongoing for the item"),
    e("RequestLimitExceeded", 400, "Throughput exceeds the current throughput limit for your account."),
    e("InternalServerError", 500, "Internal server error"),
    ApiError { name: "ValidationException", status: 400, message: "One or more parameter values were invalid", modelled: false },
];

const DDB_READ: &[ApiError] = &[
    e(
        "ProvisionedThroughputExceededException",
        400,
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    e(
        "ThrottlingException",
        400,
        "Throughput exceeds the current capacity of your table or index.",
    ),
    e(
        "ResourceNotFoundException",
        400,
        "Requested resource not found",
    ),
    e(
        "RequestLimitExceeded",
        400,
        "Throughput exceeds the current throughput limit for your account.",
    ),
    e("InternalServerError", 500, "Internal server error"),
    ApiError {
        name: "ValidationException",
        status: 400,
        message: "One or more parameter values were invalid",
        modelled: false,
    },
];

const SQS_SEND: &[ApiError] = &[
    e(
        "QueueDoesNotExist",
        400,
        "The specified queue does not exist.",
    ),
    e(
        "InvalidMessageContents",
        400,
        "The message contains characters outside the allowed set.",
    ),
    e("RequestThrottled", 400, "Request is throttled."),
    e("KmsThrottled", 400, "Amazon SQS was throttled by AWS KMS."),
    e(
        "KmsAccessDenied",
        400,
        "The caller doesn't have the required KMS access.",
    ),
    e(
        "UnsupportedOperation",
        400,
        "Error code 400. Unsupported operation.",
    ),
];

const SNS_PUBLISH: &[ApiError] = &[
    e("NotFoundException", 404, "Topic does not exist"),
    e("InvalidParameterException", 400, "Invalid parameter"),
    e("InternalErrorException", 500, "Internal error"),
    e(
        "AuthorizationErrorException",
        403,
        "User is not authorized to perform SNS:Publish",
    ),
    e(
        "KMSThrottlingException",
        400,
        "The request was denied due to request throttling by AWS KMS",
    ),
    e("ValidationException", 400, "Message too long"),
];

const EVENTS_PUT: &[ApiError] = &[e("InternalException", 500, "Internal exception")];

// The job and configuration services (botocore 1.43.11 `secretsmanager`, `ssm`, `athena`,
// `batch`, `codebuild`, `ecs`, `glue`, `sesv2`: the operation's `errors`; messages of the
// not-found errors as the simulators word them, the others short descriptions).
const SECRETS_GET: &[ApiError] = &[
    e(
        "ResourceNotFoundException",
        400,
        "Secrets Manager can't find the specified secret.",
    ),
    e(
        "InvalidParameterException",
        400,
        "The parameter name or value is invalid.",
    ),
    e(
        "InvalidRequestException",
        400,
        "The request is not valid for the current state of the resource.",
    ),
    e(
        "DecryptionFailure",
        400,
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
    ),
    e(
        "InternalServiceError",
        500,
        "An error occurred on the server side.",
    ),
];

const SSM_GET: &[ApiError] = &[
    e("ParameterNotFound", 400, ""),
    e(
        "ParameterVersionNotFound",
        400,
        "The specified parameter version was not found.",
    ),
    e("InvalidKeyId", 400, "The query key ID isn't valid."),
    e(
        "InternalServerError",
        500,
        "An error occurred on the server side.",
    ),
];

const ATHENA_START: &[ApiError] = &[
    e("InvalidRequestException", 400, "WorkGroup is not found."),
    e("TooManyRequestsException", 400, "Rate exceeded"),
    e("InternalServerException", 500, "Internal server error"),
];

const BATCH_SUBMIT: &[ApiError] = &[
    e("ClientException", 400, "JobQueue not found."),
    e("ServerException", 500, "Internal server error"),
];

const CODEBUILD_START: &[ApiError] = &[
    e("ResourceNotFoundException", 400, "Project cannot be found"),
    e("InvalidInputException", 400, "Invalid input"),
    e(
        "AccountLimitExceededException",
        400,
        "Cannot have more than the maximum number of concurrent builds",
    ),
];

const ECS_RUN: &[ApiError] = &[
    e("ClusterNotFoundException", 400, "Cluster not found."),
    e(
        "ClientException",
        400,
        "Unable to describe task definition.",
    ),
    e("InvalidParameterException", 400, "Invalid parameter"),
    e("AccessDeniedException", 400, "Access denied"),
    e("ServerException", 500, "Internal server error"),
];

const GLUE_START: &[ApiError] = &[
    e("EntityNotFoundException", 400, "Job with name not found."),
    e("InvalidInputException", 400, "Invalid input"),
    e(
        "ConcurrentRunsExceededException",
        400,
        "Concurrent runs exceeded",
    ),
    e(
        "ResourceNumberLimitExceededException",
        400,
        "Resource number limit exceeded",
    ),
    e("OperationTimeoutException", 400, "Operation timed out"),
    e("InternalServiceException", 500, "Internal service error"),
];

const SESV2_SEND: &[ApiError] = &[
    e("MessageRejected", 400, "Email address is not verified."),
    e("TooManyRequestsException", 429, "Too Many Requests"),
    e(
        "LimitExceededException",
        400,
        "Maximum sending rate exceeded.",
    ),
    e("AccountSuspendedException", 400, "Account suspended"),
    e("SendingPausedException", 400, "Sending paused"),
    e(
        "MailFromDomainNotVerifiedException",
        400,
        "Mail-from domain not verified",
    ),
    e("NotFoundException", 404, "Resource not found"),
    e("BadRequestException", 400, "Bad request"),
];

/// The API errors an operation can return.
pub fn errors_for(service: &str, action: &str) -> &'static [ApiError] {
    match (service, action) {
        ("secretsmanager", "GetSecretValue") => SECRETS_GET,
        ("ssm", "GetParameter") => SSM_GET,
        ("athena", "StartQueryExecution") => ATHENA_START,
        ("batch", "SubmitJob") => BATCH_SUBMIT,
        ("codebuild", "StartBuild") => CODEBUILD_START,
        ("ecs", "RunTask") => ECS_RUN,
        ("glue", "StartJobRun") => GLUE_START,
        ("sesv2", "SendEmail") => SESV2_SEND,
        ("dynamodb", "PutItem" | "UpdateItem" | "DeleteItem") => DDB_WRITE,
        ("dynamodb", "GetItem") => DDB_READ,
        ("sqs", "SendMessage") => SQS_SEND,
        ("sns", "Publish") => SNS_PUBLISH,
        ("events", "PutEvents") => EVENTS_PUT,
        _ => &[],
    }
}

/// Does the AWS API model list this error for the operation (boto3 raises a class of that name)?
pub fn is_modelled(service: &str, action: &str, name: &str) -> bool {
    errors_for(service, action)
        .iter()
        .any(|e| e.name == name && e.modelled)
}

/// How a Task reaches a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationStyle {
    /// `arn:aws:states:::dynamodb:putItem`: AWS SDK for Java v1 exception names.
    Optimized,
    /// `arn:aws:states:::aws-sdk:dynamodb:putItem`: `<Prefix>.<Name>` with Java v2 names.
    AwsSdk,
}

fn optimized_prefix(service: &str) -> (&'static str, &'static str, &'static str) {
    // (error prefix, Java v1 base exception, Java v1 service name in causes)
    match service {
        "dynamodb" => ("DynamoDB", "AmazonDynamoDBException", "AmazonDynamoDBv2"),
        "sqs" => ("SQS", "AmazonSQSException", "AmazonSQS"),
        "sns" => ("SNS", "AmazonSNSException", "AmazonSNS"),
        "events" => (
            "EventBridge",
            "AmazonEventBridgeException",
            "AmazonEventBridge",
        ),
        "lambda" => ("Lambda", "AWSLambdaException", "AWSLambda"),
        "states" => (
            "StepFunctions",
            "AWSStepFunctionsException",
            "AWSStepFunctions",
        ),
        other => match crate::services::errors::Service::from_token(other) {
            Some(svc) => {
                let (name, base) = svc.v1_names();
                (svc.optimized_prefix(), base, name)
            }
            None => ("Unknown", "AmazonServiceException", "Unknown"),
        },
    }
}

/// aws-sdk integration prefixes (aws-facts §2, "Exception prefix" column).
pub fn aws_sdk_prefix(service: &str) -> &'static str {
    match service {
        "dynamodb" => "DynamoDb",
        "sqs" => "Sqs",
        "sns" => "Sns",
        "events" | "eventbridge" => "EventBridge",
        "lambda" => "Lambda",
        "states" | "sfn" => "Sfn",
        "s3" => "S3",
        other => crate::services::errors::Service::from_token(other)
            .map(|svc| svc.sdk_prefix())
            .unwrap_or("Unknown"),
    }
}

fn with_exception_suffix(name: &str) -> String {
    if name.ends_with("Exception") {
        name.to_string()
    } else {
        format!("{name}Exception")
    }
}

/// The Error a direct integration reports for the API error `name` (modelled: the SDK's exception
/// class; else the wire code): `<Prefix>.<Name>Exception`, or the service base exception when
/// the SDK does not model it (aws-facts §2, §3.3).
pub fn integration_error_name(
    style: IntegrationStyle,
    service: &str,
    name: &str,
    modelled: bool,
) -> String {
    match style {
        IntegrationStyle::Optimized => {
            let (prefix, base, _) = optimized_prefix(service);
            let class = if modelled {
                with_exception_suffix(name)
            } else {
                base.to_string()
            };
            format!("{prefix}.{class}")
        }
        IntegrationStyle::AwsSdk => {
            let prefix = aws_sdk_prefix(service);
            let class = if modelled {
                with_exception_suffix(name)
            } else {
                format!("{prefix}Exception")
            };
            format!("{prefix}.{class}")
        }
    }
}

/// Error and Cause a direct integration reports for an API error (aws-facts §3.3 for optimized
/// integrations: `DynamoDB.<Java v1 exception>`, unmodelled errors collapse to the service base
/// exception; §2 for aws-sdk: `DynamoDb.<Name>`, unmodelled → `DynamoDb.DynamoDbException`).
pub fn integration_error(
    style: IntegrationStyle,
    service: &str,
    err: &ApiError,
    request_id: &str,
) -> (String, String) {
    let error = integration_error_name(style, service, err.name, err.modelled);
    match style {
        IntegrationStyle::Optimized => {
            let (_, _, svc) = optimized_prefix(service);
            (
                error,
                format!(
                    "{} (Service: {svc}; Status Code: {}; Error Code: {}; Request ID: {request_id}; Proxy: null)",
                    err.message, err.status, err.name
                ),
            )
        }
        IntegrationStyle::AwsSdk => {
            let prefix = aws_sdk_prefix(service);
            (
                error,
                format!(
                    "{} (Service: {prefix}, Status Code: {}, Request ID: {request_id})",
                    err.message, err.status
                ),
            )
        }
    }
}

/// How long a fault lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Every attempt fails (the SDK's own retries and any Retry are exhausted).
    Persistent,
    /// Only the first attempt fails (what the SDK's or the state's Retry should absorb).
    Transient,
}

/// One fault scenario: the calls a state makes to one operation fail with one error, or (`slow`)
/// the state's Task answers only after its TimeoutSeconds or HeartbeatSeconds have passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    pub state: String,
    pub service: String,
    pub action: String,
    /// The API error; for a slow fault, the States error the time limit raises.
    pub error: ApiError,
    pub mode: FaultMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slow: Option<Slow>,
}

/// A Task that answers late: in the original the Lambda function runs that long (after its
/// calls), in the rewrite the service answers that late; either way the Task's own limit fires.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slow {
    /// `TimeoutSeconds` or `HeartbeatSeconds`.
    pub limit: &'static str,
    pub seconds: f64,
    /// When the Task answers (ms after the call), past the limit of both versions.
    pub answers_after_ms: u64,
}

impl Fault {
    pub fn describe(&self) -> String {
        let mode = match self.mode {
            FaultMode::Persistent => "every attempt",
            FaultMode::Transient => "first attempt only",
        };
        if let Some(slow) = &self.slow {
            return format!(
                "{} answers after {} s, past its {} ({}: {}) ({mode})",
                self.state,
                slow.answers_after_ms as f64 / 1000.0,
                slow.limit,
                slow.seconds,
                self.error.name
            );
        }
        format!(
            "{}:{} in {} fails with {} ({mode})",
            self.service, self.action, self.state, self.error.name
        )
    }
}

/// All fault scenarios for a state that calls `service:action`.
pub fn scenarios(state: &str, service: &str, action: &str) -> Vec<Fault> {
    let mut out = Vec::new();
    for err in errors_for(service, action) {
        for mode in [FaultMode::Persistent, FaultMode::Transient] {
            out.push(Fault {
                state: state.to_string(),
                service: service.to_string(),
                action: action.to_string(),
                error: err.clone(),
                mode,
                slow: None,
            });
        }
    }
    out
}

/// A number of seconds a state sets (`TimeoutSeconds`, `HeartbeatSeconds`).
fn seconds(state: &Value, key: &str) -> Option<f64> {
    state.get(key).and_then(Value::as_f64).filter(|s| *s > 0.0)
}

/// Time-limit scenarios for a rewritten Task: when either version of the state sets
/// TimeoutSeconds (HeartbeatSeconds), the Task answers one second after the larger limit, so a
/// version with the limit fails with States.Timeout (States.HeartbeatTimeout) and its Retry or
/// Catch runs, while a version without it waits. A Task without limits has no such scenario:
/// the Lambda would be stopped by its own function timeout (`Lambda.Unknown`), which the direct
/// integration has no counterpart of.
pub fn timeout_scenarios(
    state: &str,
    service: &str,
    action: &str,
    original: &Value,
    rewritten: &Value,
) -> Vec<Fault> {
    let mut out = Vec::new();
    for (limit, error, message) in [
        (
            "TimeoutSeconds",
            "States.Timeout",
            "the Task ran past TimeoutSeconds",
        ),
        (
            "HeartbeatSeconds",
            "States.HeartbeatTimeout",
            "no heartbeat within HeartbeatSeconds",
        ),
    ] {
        let (a, b) = (seconds(original, limit), seconds(rewritten, limit));
        let Some(longest) = a.into_iter().chain(b).reduce(f64::max) else {
            continue;
        };
        for mode in [FaultMode::Persistent, FaultMode::Transient] {
            out.push(Fault {
                state: state.to_string(),
                service: service.to_string(),
                action: action.to_string(),
                error: ApiError {
                    name: error,
                    status: 0,
                    message,
                    modelled: false,
                },
                mode,
                slow: Some(Slow {
                    limit,
                    seconds: a.unwrap_or(longest),
                    answers_after_ms: (longest * 1000.0) as u64 + 1000,
                }),
            });
        }
    }
    out
}

/// Failures that only the original version can have, so they are not injected (and the report
/// says so): the errors of invoking a Lambda function (aws-facts §3.2: `Lambda.<Exception>` for
/// service and transport errors, throttling; `Lambda.Unknown` / `Sandbox.Timedout` for a function
/// timeout or crash). The rewritten Task invokes no function; its own service's errors, injected
/// above, take their place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotInjected {
    pub errors: Vec<&'static str>,
    pub why: &'static str,
}

pub fn lambda_only_faults() -> NotInjected {
    NotInjected {
        errors: vec![
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
            "Lambda.ClientExecutionTimeoutException",
            "Lambda.Unknown",
            "Sandbox.Timedout",
        ],
        why: "failures of invoking the Lambda function; the rewritten Task invokes none, so they cannot happen after the rewrite and Retry/Catch entries naming them no longer apply",
    }
}

/// Counts matching calls so a transient fault fails only the first one.
#[derive(Debug, Clone, Default)]
pub struct FaultState {
    pub fault: Option<Fault>,
    hits: u32,
}

impl FaultState {
    pub fn new(fault: Option<Fault>) -> Self {
        FaultState { fault, hits: 0 }
    }

    /// The error to inject for this call, if the fault applies to it.
    pub fn check(&mut self, state: &str, service: &str, action: &str) -> Option<ApiError> {
        let f = self.fault.as_ref()?;
        if f.state != state || f.service != service || f.action != action || f.slow.is_some() {
            return None;
        }
        self.hits += 1;
        match f.mode {
            FaultMode::Persistent => Some(f.error.clone()),
            FaultMode::Transient if self.hits == 1 => Some(f.error.clone()),
            FaultMode::Transient => None,
        }
    }
}

impl FaultState {
    /// How late the Task of `state` answers, if a slow fault applies to this attempt.
    pub fn delay(&mut self, state: &str) -> Option<u64> {
        let f = self.fault.as_ref()?;
        let slow = f.slow.as_ref().filter(|_| f.state == state)?;
        let ms = slow.answers_after_ms;
        self.hits += 1;
        match f.mode {
            FaultMode::Transient if self.hits > 1 => None,
            _ => Some(ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_per_integration_style() {
        let ccf = &errors_for("dynamodb", "PutItem")[0];
        let (err, cause) = integration_error(IntegrationStyle::Optimized, "dynamodb", ccf, "r");
        assert_eq!(err, "DynamoDB.ConditionalCheckFailedException");
        assert!(cause.contains("Error Code: ConditionalCheckFailedException"));
        let (err, _) = integration_error(IntegrationStyle::AwsSdk, "dynamodb", ccf, "r");
        assert_eq!(err, "DynamoDb.ConditionalCheckFailedException");
        let validation = errors_for("dynamodb", "PutItem")
            .iter()
            .find(|e| !e.modelled)
            .unwrap();
        let (err, _) = integration_error(IntegrationStyle::Optimized, "dynamodb", validation, "r");
        assert_eq!(err, "DynamoDB.AmazonDynamoDBException");
        let (err, _) = integration_error(IntegrationStyle::AwsSdk, "dynamodb", validation, "r");
        assert_eq!(err, "DynamoDb.DynamoDbException");
        let qdne = &errors_for("sqs", "SendMessage")[0];
        assert_eq!(
            integration_error(IntegrationStyle::Optimized, "sqs", qdne, "r").0,
            "SQS.QueueDoesNotExistException"
        );
    }

    #[test]
    fn time_limit_scenarios_follow_the_longer_limit() {
        let original = serde_json::json!({"TimeoutSeconds": 10, "HeartbeatSeconds": 4});
        let rewritten = serde_json::json!({"TimeoutSeconds": 30});
        let all = timeout_scenarios("Save", "dynamodb", "PutItem", &original, &rewritten);
        let names: Vec<_> = all.iter().map(|f| (f.error.name, f.mode)).collect();
        assert_eq!(
            names,
            vec![
                ("States.Timeout", FaultMode::Persistent),
                ("States.Timeout", FaultMode::Transient),
                ("States.HeartbeatTimeout", FaultMode::Persistent),
                ("States.HeartbeatTimeout", FaultMode::Transient),
            ]
        );
        assert_eq!(all[0].slow.as_ref().unwrap().answers_after_ms, 31_000);
        assert_eq!(all[2].slow.as_ref().unwrap().answers_after_ms, 5_000);
        // No limits, no scenarios; slow faults are not API errors.
        let none = timeout_scenarios(
            "Save",
            "dynamodb",
            "PutItem",
            &rewritten,
            &serde_json::json!({}),
        );
        assert_eq!(none.len(), 2);
        assert!(timeout_scenarios(
            "S",
            "sqs",
            "SendMessage",
            &serde_json::json!({}),
            &serde_json::json!({})
        )
        .is_empty());
        let mut st = FaultState::new(Some(all[1].clone()));
        assert!(st.check("Save", "dynamodb", "PutItem").is_none());
        assert_eq!(st.delay("Save"), Some(31_000));
        assert_eq!(st.delay("Save"), None);
    }

    #[test]
    fn transient_faults_hit_once() {
        let f = scenarios("Save", "dynamodb", "PutItem")
            .into_iter()
            .find(|f| f.mode == FaultMode::Transient)
            .unwrap();
        let mut st = FaultState::new(Some(f));
        assert!(st.check("Other", "dynamodb", "PutItem").is_none());
        assert!(st.check("Save", "dynamodb", "PutItem").is_some());
        assert!(st.check("Save", "dynamodb", "PutItem").is_none());
    }
}

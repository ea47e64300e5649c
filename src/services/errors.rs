//! AWS service errors and how Step Functions names them.
//!
//! A simulator returns an [`AwsError`] (the API's error code, message and HTTP status). What the
//! Task then fails with depends on the integration (aws-facts §2, §3.3):
//! - optimized integrations (`arn:aws:states:::dynamodb:putItem`) use the AWS SDK for Java v1:
//!   Error `<Prefix>.<ExceptionClass>` (`DynamoDB.ResourceNotFoundException`; unmodelled codes collapse
//!   to the service base class, `DynamoDB.AmazonDynamoDBException`), Cause
//!   `<message> (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: <code>; Request ID: <id>; Proxy: null)`
//!   (recorded: error_handling/test_task_service_dynamodb, test_task_service_sqs, services/test_sns_task_service);
//! - `aws-sdk:*` integrations use the AWS SDK for Java v2: Error `<SdkPrefix>.<Code>Exception`
//!   (`DynamoDb.ResourceNotFoundException`, `S3.NoSuchKeyException`; unmodelled codes collapse to
//!   `DynamoDb.DynamoDbException`), Cause `<message> (Service: DynamoDb, Status Code: 400, Request ID: <id>)`
//!   (recorded: error_handling/test_aws_sdk).

use serde::{Deserialize, Serialize};

/// The AWS services the simulators know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    DynamoDb,
    Sqs,
    Sns,
    EventBridge,
    S3,
    Lambda,
    StepFunctions,
    SecretsManager,
    Ssm,
    Athena,
    Batch,
    CodeBuild,
    Ecs,
    Glue,
    SesV2,
}

impl Service {
    /// Lowercase name used in world files, fault rules and the call log.
    pub fn name(self) -> &'static str {
        match self {
            Service::DynamoDb => "dynamodb",
            Service::Sqs => "sqs",
            Service::Sns => "sns",
            Service::EventBridge => "events",
            Service::S3 => "s3",
            Service::Lambda => "lambda",
            Service::StepFunctions => "states",
            Service::SecretsManager => "secretsmanager",
            Service::Ssm => "ssm",
            Service::Athena => "athena",
            Service::Batch => "batch",
            Service::CodeBuild => "codebuild",
            Service::Ecs => "ecs",
            Service::Glue => "glue",
            Service::SesV2 => "sesv2",
        }
    }

    /// Error prefix of the optimized integration (aws-facts §3.3).
    pub fn optimized_prefix(self) -> &'static str {
        match self {
            Service::DynamoDb => "DynamoDB",
            Service::Sqs => "SQS",
            Service::Sns => "SNS",
            Service::EventBridge => "EventBridge",
            Service::S3 => "S3",
            Service::Lambda => "Lambda",
            Service::StepFunctions => "StepFunctions",
            // Names used in public state machines' Catch/Retry: `ECS.AmazonECSException`,
            // `Batch.ClientException`, `Glue.EntityNotFoundException` [S]; Athena, CodeBuild [I].
            Service::Ecs => "ECS",
            // No optimized integration: the aws-sdk prefix.
            other => other.sdk_prefix(),
        }
    }

    /// Service name in Java v1 exception messages, and its base exception class.
    pub fn v1_names(self) -> (&'static str, &'static str) {
        match self {
            Service::DynamoDb => ("AmazonDynamoDBv2", "AmazonDynamoDBException"),
            Service::Sqs => ("AmazonSQS", "AmazonSQSException"),
            Service::Sns => ("AmazonSNS", "AmazonSNSException"),
            Service::EventBridge => ("AmazonEventBridge", "AmazonEventBridgeException"),
            Service::S3 => ("Amazon S3", "AmazonS3Exception"),
            Service::Lambda => ("AWSLambda", "AWSLambdaException"),
            Service::StepFunctions => ("AWSStepFunctions", "AWSStepFunctionsException"),
            // "(Service: AWSCodeBuild; Status Code: 400; Error Code: ResourceNotFoundException ...)"
            // (a CodePipeline error quoting the Java v1 exception); `"service":"AWSGlue"` (an AWS
            // SDK error in aws/aws-cdk#16767); `ECS.AmazonECSException` and `Batch.AWSBatchException`
            // in public ASL [S]; the others follow the Java v1 client names [I].
            Service::Athena => ("AmazonAthena", "AmazonAthenaException"),
            Service::Batch => ("AWSBatch", "AWSBatchException"),
            Service::CodeBuild => ("AWSCodeBuild", "AWSCodeBuildException"),
            Service::Ecs => ("AmazonECS", "AmazonECSException"),
            Service::Glue => ("AWSGlue", "AWSGlueException"),
            Service::SecretsManager => ("AWSSecretsManager", "AWSSecretsManagerException"),
            Service::Ssm => (
                "AWSSimpleSystemsManagement",
                "AWSSimpleSystemsManagementException",
            ),
            Service::SesV2 => (
                "AmazonSimpleEmailServiceV2",
                "AmazonSimpleEmailServiceV2Exception",
            ),
        }
    }

    /// Exception prefix of the aws-sdk integration ("Exception prefix" column of the AWS SDK
    /// integrations table, aws-facts §2).
    pub fn sdk_prefix(self) -> &'static str {
        match self {
            Service::DynamoDb => "DynamoDb",
            Service::Sqs => "Sqs",
            Service::Sns => "Sns",
            Service::EventBridge => "EventBridge",
            Service::S3 => "S3",
            Service::Lambda => "Lambda",
            Service::StepFunctions => "Sfn",
            // aws-facts §2 "Exception prefix" column; CodeBuild follows its PascalCase rule [I].
            Service::SecretsManager => "SecretsManager",
            Service::Ssm => "Ssm",
            Service::Athena => "Athena",
            Service::Batch => "Batch",
            Service::CodeBuild => "CodeBuild",
            Service::Ecs => "Ecs",
            Service::Glue => "Glue",
            Service::SesV2 => "SesV2",
        }
    }

    /// The service an IAM / aws-sdk service token names (`secretsmanager`, `ecs`, ...).
    pub fn from_token(token: &str) -> Option<Service> {
        Some(match token {
            "dynamodb" => Service::DynamoDb,
            "sqs" => Service::Sqs,
            "sns" => Service::Sns,
            "events" | "eventbridge" => Service::EventBridge,
            "s3" => Service::S3,
            "lambda" => Service::Lambda,
            "states" | "sfn" | "stepfunctions" => Service::StepFunctions,
            "secretsmanager" => Service::SecretsManager,
            "ssm" => Service::Ssm,
            "athena" => Service::Athena,
            "batch" => Service::Batch,
            "codebuild" => Service::CodeBuild,
            "ecs" => Service::Ecs,
            "glue" => Service::Glue,
            "sesv2" => Service::SesV2,
            _ => return None,
        })
    }
}

/// Which Step Functions integration made the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Integration {
    /// `arn:aws:states:::<service>:<action>` (and legacy Lambda function ARNs).
    Optimized,
    /// `arn:aws:states:::aws-sdk:<service>:<action>`.
    AwsSdk,
}

/// An error response of an AWS API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwsError {
    pub service: Service,
    /// The API's error code (`ValidationException`, `ResourceNotFoundException`, `NotFound`, ...).
    pub code: String,
    pub message: String,
    pub status: u16,
    /// The exception class the SDK models this code with (without prefix), or None when the code is
    /// not modelled and surfaces as the service's base exception.
    pub exception: Option<String>,
    /// Members of the error response besides the message (DynamoDB's `CancellationReasons`).
    /// Step Functions reports only the message in the Cause; a handler model that catches the
    /// error sees them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<serde_json::Value>>,
}

impl AwsError {
    /// A modelled error: the exception class is the code, with `Exception` appended when missing
    /// (`NoSuchKey` → `NoSuchKeyException`, aws-facts §2).
    pub fn modeled(service: Service, code: &str, status: u16, message: impl Into<String>) -> Self {
        let class = if code.ends_with("Exception") {
            code.to_string()
        } else {
            format!("{code}Exception")
        };
        AwsError {
            service,
            code: code.to_string(),
            message: message.into(),
            status,
            exception: Some(class),
            details: None,
        }
    }

    /// A modelled error whose exception class differs from its code (SNS `NotFound` →
    /// `NotFoundException` keeps the code `NotFound` in the cause).
    pub fn modeled_as(
        service: Service,
        code: &str,
        class: &str,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        AwsError {
            service,
            code: code.to_string(),
            message: message.into(),
            status,
            exception: Some(class.to_string()),
            details: None,
        }
    }

    /// An error code the SDK does not model (ValidationException for DynamoDB, MissingParameter for SQS).
    pub fn unmodeled(
        service: Service,
        code: &str,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        AwsError {
            service,
            code: code.to_string(),
            message: message.into(),
            status,
            exception: None,
            details: None,
        }
    }

    /// DynamoDB `ValidationException` (400, unmodelled: recorded as `DynamoDB.AmazonDynamoDBException`
    /// and `DynamoDb.DynamoDbException`).
    pub fn validation(service: Service, message: impl Into<String>) -> Self {
        Self::unmodeled(service, "ValidationException", 400, message)
    }

    /// The same error with extra members of the error response.
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// The Step Functions error name for this error under `integration`.
    pub fn error_name(&self, integration: Integration) -> String {
        match integration {
            Integration::Optimized => {
                let class = self
                    .exception
                    .clone()
                    .unwrap_or_else(|| self.service.v1_names().1.to_string());
                format!("{}.{}", self.service.optimized_prefix(), class)
            }
            Integration::AwsSdk => {
                let prefix = self.service.sdk_prefix();
                let class = self
                    .exception
                    .clone()
                    .unwrap_or_else(|| format!("{prefix}Exception"));
                format!("{prefix}.{class}")
            }
        }
    }

    /// The Cause text for this error under `integration`.
    pub fn cause(&self, integration: Integration, request_id: &str) -> String {
        match integration {
            Integration::Optimized => format!(
                "{} (Service: {}; Status Code: {}; Error Code: {}; Request ID: {}; Proxy: null)",
                self.message,
                self.service.v1_names().0,
                self.status,
                self.code,
                request_id
            ),
            Integration::AwsSdk => format!(
                "{} (Service: {}, Status Code: {}, Request ID: {})",
                self.message,
                self.service.sdk_prefix(),
                self.status,
                request_id
            ),
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.code, self.message, self.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_recorded_cases() {
        let e = AwsError::validation(Service::DynamoDb, "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null");
        assert_eq!(
            e.error_name(Integration::Optimized),
            "DynamoDB.AmazonDynamoDBException"
        );
        assert_eq!(
            e.error_name(Integration::AwsSdk),
            "DynamoDb.DynamoDbException"
        );
        assert_eq!(
            e.cause(Integration::AwsSdk, "R"),
            "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null (Service: DynamoDb, Status Code: 400, Request ID: R)"
        );
        assert_eq!(
            e.cause(Integration::Optimized, "R"),
            "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: R; Proxy: null)"
        );
        let nf = AwsError::modeled_as(
            Service::Sns,
            "NotFound",
            "NotFoundException",
            404,
            "Topic does not exist",
        );
        assert_eq!(
            nf.error_name(Integration::Optimized),
            "SNS.NotFoundException"
        );
        assert_eq!(nf.cause(Integration::Optimized, "R"), "Topic does not exist (Service: AmazonSNS; Status Code: 404; Error Code: NotFound; Request ID: R; Proxy: null)");
        let k = AwsError::modeled(
            Service::S3,
            "NoSuchKey",
            404,
            "The specified key does not exist.",
        );
        assert_eq!(k.error_name(Integration::AwsSdk), "S3.NoSuchKeyException");
        let sqs = AwsError::unmodeled(Service::Sqs, "MissingParameter", 400, "x");
        assert_eq!(
            sqs.error_name(Integration::Optimized),
            "SQS.AmazonSQSException"
        );
    }
}

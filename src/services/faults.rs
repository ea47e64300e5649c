//! Fault injection: rules in the world file that make chosen API calls fail, slow down or hang.
//!
//! A rule matches API calls by service, action, Task state and the n-th matching call. Faults act at
//! the API level ([`super::World::call_api`]), so the same rule hits a direct integration and a
//! Lambda handler model making the same call: verify injects one fault into both versions.
//!
//! Error names per service (codes, HTTP status, messages) come from each API reference's "Errors"
//! section and aws-facts §3.2–3.4:
//! - DynamoDB `ProvisionedThroughputExceededException`, `InternalServerError`,
//!   `ConditionalCheckFailedException` (DynamoDB API Reference, PutItem "Errors");
//! - SQS `RequestThrottled` (SQS API Reference, SendMessage "Errors"), `InternalError`;
//! - SNS `Throttled` → `ThrottledException`, `InternalError` → `InternalErrorException` (SNS API Reference, Publish "Errors");
//! - EventBridge `ThrottlingException` and `InternalException` (EventBridge API Reference, "Common Errors", PutEvents "Errors");
//! - Lambda `TooManyRequestsException` (429) and `ServiceException` (500) (Lambda API Reference, Invoke "Errors";
//!   `Lambda.TooManyRequestsException`, `Lambda.ServiceException` in aws-facts §3.2);
//! - S3 `SlowDown` (503) and `InternalError` (500) (S3 API Reference, "Error responses").

use super::errors::{AwsError, Service};
use super::world::CallContext;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One fault rule of the world file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// `dynamodb`, `sqs`, `sns`, `events`, `s3`, `lambda` or `states`; any service when absent.
    #[serde(default)]
    pub service: Option<String>,
    /// API action, case-insensitive (`putItem` or `PutItem`); any action when absent.
    #[serde(default)]
    pub action: Option<String>,
    /// Task state name; any state when absent.
    #[serde(default)]
    pub state: Option<String>,
    /// Only the n-th (1-based) call matching the filters above; every matching call when absent.
    #[serde(default)]
    pub nth: Option<u32>,
    pub fault: Fault,
}

/// What happens to a matching call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The service's throttling error.
    Throttle,
    /// The service's internal (5xx) error.
    ServiceError,
    /// DynamoDB `ConditionalCheckFailedException` (only for DynamoDB write actions).
    ConditionFailed,
    /// An explicit API error.
    Error {
        code: String,
        #[serde(default)]
        message: String,
        #[serde(default = "default_status")]
        status: u16,
        /// Whether the SDK models the code as its own exception class (else the service base exception).
        #[serde(default = "yes")]
        modeled: bool,
    },
    /// The call never answers: the Task runs into its TimeoutSeconds (States.Timeout).
    Timeout,
    /// The call succeeds after `ms` of extra virtual time.
    Latency { ms: u64 },
}

fn default_status() -> u16 {
    400
}

fn yes() -> bool {
    true
}

impl Fault {
    /// Applies the fault to the current call: an error to return instead of calling the service,
    /// or None to proceed (after adjusting the call's virtual duration).
    pub fn apply(
        &self,
        service: Service,
        _action: &str,
        ctx: &mut CallContext,
    ) -> Option<AwsError> {
        match self {
            Fault::Throttle => Some(throttle(service)),
            Fault::ServiceError => Some(internal(service)),
            Fault::ConditionFailed => Some(AwsError::modeled(
                Service::DynamoDb,
                "ConditionalCheckFailedException",
                400,
                "The conditional request failed",
            )),
            Fault::Error {
                code,
                message,
                status,
                modeled,
            } => Some(if *modeled {
                AwsError::modeled(service, code, *status, message.clone())
            } else {
                AwsError::unmodeled(service, code, *status, message.clone())
            }),
            Fault::Timeout => {
                ctx.hung = true;
                Some(AwsError::unmodeled(
                    service,
                    "RequestTimeout",
                    408,
                    "lambdaless: injected timeout (the call never answered)",
                ))
            }
            Fault::Latency { ms } => {
                ctx.elapsed_ms += ms;
                None
            }
        }
    }
}

pub fn throttle(service: Service) -> AwsError {
    match service {
        Service::DynamoDb => AwsError::modeled(
            service,
            "ProvisionedThroughputExceededException",
            400,
            "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
        ),
        Service::Sqs => AwsError::modeled(service, "RequestThrottled", 400, "Rate exceeded"),
        Service::Sns => AwsError::modeled_as(service, "Throttled", "ThrottledException", 400, "Rate exceeded"),
        Service::EventBridge => AwsError::unmodeled(service, "ThrottlingException", 400, "Rate exceeded"),
        Service::Lambda => AwsError::modeled(service, "TooManyRequestsException", 429, "Rate Exceeded."),
        Service::S3 => AwsError::unmodeled(service, "SlowDown", 503, "Please reduce your request rate."),
        Service::StepFunctions => AwsError::unmodeled(service, "ThrottlingException", 400, "Rate exceeded"),
        // Modelled throttling errors of the operations (botocore athena StartQueryExecution,
        // sesv2 SendEmail); the other services model none, so their throttling is unmodelled.
        Service::Athena => AwsError::modeled(service, "TooManyRequestsException", 400, "Rate exceeded"),
        Service::SesV2 => AwsError::modeled(service, "TooManyRequestsException", 429, "Too Many Requests"),
        Service::SecretsManager | Service::Ssm | Service::Batch | Service::CodeBuild | Service::Ecs | Service::Glue => {
            AwsError::unmodeled(service, "ThrottlingException", 400, "Rate exceeded")
        }
    }
}

pub fn internal(service: Service) -> AwsError {
    match service {
        Service::DynamoDb => AwsError::modeled_as(
            service,
            "InternalServerError",
            "InternalServerErrorException",
            500,
            "Internal server error",
        ),
        Service::Sqs => AwsError::unmodeled(
            service,
            "InternalError",
            500,
            "We encountered an internal error. Please try again.",
        ),
        Service::Sns => AwsError::modeled_as(
            service,
            "InternalError",
            "InternalErrorException",
            500,
            "Internal Error",
        ),
        Service::EventBridge => {
            AwsError::modeled(service, "InternalException", 500, "Internal service error")
        }
        Service::Lambda => {
            AwsError::modeled(service, "ServiceException", 500, "Internal service error")
        }
        Service::S3 => AwsError::unmodeled(
            service,
            "InternalError",
            500,
            "We encountered an internal error. Please try again.",
        ),
        Service::StepFunctions => {
            AwsError::unmodeled(service, "InternalError", 500, "Internal service error")
        }
        // The operations' modelled server errors (botocore: secretsmanager GetSecretValue
        // InternalServiceError, ssm GetParameter InternalServerError, athena
        // InternalServerException, batch/ecs ServerException, glue InternalServiceException).
        Service::SecretsManager => AwsError::modeled(
            service,
            "InternalServiceError",
            500,
            "Internal service error",
        ),
        Service::Ssm => {
            AwsError::modeled(service, "InternalServerError", 500, "Internal server error")
        }
        Service::Athena => AwsError::modeled(
            service,
            "InternalServerException",
            500,
            "Internal server error",
        ),
        Service::Batch | Service::Ecs => {
            AwsError::modeled(service, "ServerException", 500, "Internal server error")
        }
        Service::Glue => AwsError::modeled(
            service,
            "InternalServiceException",
            500,
            "Internal service error",
        ),
        Service::CodeBuild | Service::SesV2 => {
            AwsError::unmodeled(service, "InternalFailure", 500, "Internal service error")
        }
    }
}

/// Per-rule counters of matching calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultState {
    seen: BTreeMap<usize, u32>,
}

impl FaultState {
    /// The first rule that fires for this call (every rule whose filters match counts the call).
    pub fn matching(
        &mut self,
        rules: &[FaultRule],
        service: Service,
        action: &str,
        state: Option<&str>,
    ) -> Option<usize> {
        let mut hit = None;
        for (i, r) in rules.iter().enumerate() {
            if let Some(s) = &r.service {
                let s = s.to_ascii_lowercase();
                if Service::from_token(&s) != Some(service) {
                    continue;
                }
            }
            if let Some(a) = &r.action {
                if !a.eq_ignore_ascii_case(action) {
                    continue;
                }
            }
            if let Some(st) = &r.state {
                if state != Some(st.as_str()) {
                    continue;
                }
            }
            let n = self.seen.entry(i).or_insert(0);
            *n += 1;
            let fires = match r.nth {
                Some(k) => *n == k,
                None => true,
            };
            if fires && hit.is_none() {
                hit = Some(i);
            }
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_call_of_a_service_action() {
        let rules = vec![FaultRule {
            service: Some("dynamodb".into()),
            action: Some("putItem".into()),
            state: None,
            nth: Some(2),
            fault: Fault::Throttle,
        }];
        let mut s = FaultState::default();
        assert_eq!(
            s.matching(&rules, Service::DynamoDb, "PutItem", Some("A")),
            None
        );
        assert_eq!(
            s.matching(&rules, Service::DynamoDb, "GetItem", Some("A")),
            None
        );
        assert_eq!(
            s.matching(&rules, Service::DynamoDb, "PutItem", Some("B")),
            Some(0)
        );
        assert_eq!(
            s.matching(&rules, Service::DynamoDb, "PutItem", Some("B")),
            None
        );
        let e = throttle(Service::DynamoDb);
        assert_eq!(
            e.error_name(super::super::errors::Integration::Optimized),
            "DynamoDB.ProvisionedThroughputExceededException"
        );
        assert_eq!(
            throttle(Service::Lambda).error_name(super::super::errors::Integration::Optimized),
            "Lambda.TooManyRequestsException"
        );
    }
}

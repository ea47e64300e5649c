//! The service backend one verification run executes against. It routes each Task call:
//! - a rewritten state, in the original version: its Lambda simulated from the handler model,
//!   whose SDK calls go to the simulated services;
//! - any other Lambda Task (both versions): the same mock (identity unless configured);
//! - any other Task (the rewritten direct integrations, existing integrations): the simulated services.
//! Faults are injected at the service operation, so both versions meet the same error, and every
//! operation is logged with canonical parameters for the side-effect comparison.

use super::canon::canonical_request;
use super::faults::{integration_error, ApiError, FaultState, IntegrationStyle};
use super::lambda_sim::{self, Invocation, SdkRequest, SdkResponse, SdkTransport, Simulator};
use super::stub_services::parse_resource;
use crate::analysis::model::HandlerModel;
use crate::services::{ServiceBackend, TaskCall, TaskOutcome, TaskResponse};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// The simulated services with a snapshot of their state (for the world comparison).
pub trait World: ServiceBackend {
    fn snapshot(&self) -> Value;
}

impl World for super::stub_services::StubServices {
    fn snapshot(&self) -> Value {
        super::stub_services::StubServices::snapshot(self)
    }
}

/// Who made a service call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOrigin {
    /// A Task's direct service integration.
    Direct,
    /// An SDK call inside a simulated Lambda function.
    Lambda,
    /// A Lambda Task answered by the shared mock (its payload is compared like a call).
    MockedLambda,
}

/// One service operation attempt.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    pub state: String,
    pub origin: CallOrigin,
    /// `dynamodb:PutItem`.
    pub operation: String,
    /// Canonical request parameters.
    pub params: Value,
    /// `None` when the call succeeded; else the error name the caller saw.
    pub error: Option<String>,
    /// The error was injected by the fault scenario.
    pub injected: bool,
}

/// Is this resource a Lambda invocation?
pub fn is_lambda_resource(resource: &str) -> bool {
    resource.starts_with("arn:aws:states:::lambda:invoke")
        || (resource.starts_with("arn:")
            && resource.contains(":lambda:")
            && resource.contains(":function:"))
}

/// A simulation problem that makes the run say nothing about equivalence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inconclusive {
    pub state: String,
    pub reason: String,
}

pub struct RunBackend<'a> {
    services: &'a mut dyn World,
    /// state name → handler model and whether to simulate it exactly (else return-only mock).
    simulated: HashMap<String, (&'a HandlerModel, bool)>,
    mock: &'a mut dyn ServiceBackend,
    faults: FaultState,
    pub log: Vec<CallRecord>,
    pub inconclusive: Option<Inconclusive>,
    requests: u64,
}

impl<'a> RunBackend<'a> {
    pub fn new(
        services: &'a mut dyn World,
        simulated: HashMap<String, (&'a HandlerModel, bool)>,
        mock: &'a mut dyn ServiceBackend,
        faults: FaultState,
    ) -> Self {
        RunBackend {
            services,
            simulated,
            mock,
            faults,
            log: Vec::new(),
            inconclusive: None,
            requests: 0,
        }
    }

    pub fn snapshot(&self) -> Value {
        self.services.snapshot()
    }

    fn request_id(&mut self) -> String {
        self.requests += 1;
        format!("11111111-0000-4000-8000-{:012}", self.requests)
    }

    fn simulate(&mut self, call: &TaskCall, model: &HandlerModel, exact: bool) -> TaskResponse {
        let optimized = call.resource.starts_with("arn:aws:states:::lambda:invoke");
        // lambda:invoke sends the Payload parameter; a function ARN Resource sends the effective input.
        let event = if optimized {
            call.parameters
                .get("Payload")
                .cloned()
                .unwrap_or(Value::Null)
        } else {
            call.parameters.clone()
        };
        let request_id = self.request_id();
        let modelled = |s: &str, a: &str, n: &str| super::faults::is_modelled(s, a, n);
        let mut sim = if exact {
            Simulator::new(model, &modelled)
        } else {
            Simulator::return_only(model, &modelled)
        };
        let rt = sim.runtime();
        let mut gate = Gate {
            services: &mut *self.services,
            faults: &mut self.faults,
            log: &mut self.log,
            state: call.state_name.clone(),
            base: call,
            requests: &mut self.requests,
        };
        match sim.invoke(&event, &mut gate) {
            Ok(Invocation::Returned(payload)) => TaskResponse::ok(if optimized {
                lambda_sim::invoke_envelope(payload, &request_id)
            } else {
                payload
            }),
            Ok(Invocation::Threw(thrown)) => {
                let (error, cause) = lambda_sim::function_error(&thrown, rt, &request_id);
                TaskResponse::fail(error, Some(cause))
            }
            Err(why) => {
                self.inconclusive.get_or_insert(Inconclusive {
                    state: call.state_name.clone(),
                    reason: why.0.clone(),
                });
                TaskResponse::fail(
                    "States.Runtime",
                    Some(format!("lambdaless verify: {}", why.0)),
                )
            }
        }
    }

    fn direct(&mut self, call: &TaskCall) -> TaskResponse {
        let Some((service, action, optimized)) = parse_resource(&call.resource) else {
            return self.services.call(call);
        };
        let params = canonical_request(&service, &action, &call.parameters);
        let operation = format!("{service}:{action}");
        if let Some(err) = self.faults.check(&call.state_name, &service, &action) {
            let style = if optimized {
                IntegrationStyle::Optimized
            } else {
                IntegrationStyle::AwsSdk
            };
            let rid = self.request_id();
            let (error, cause) = integration_error(style, &service, &err, &rid);
            self.log.push(CallRecord {
                state: call.state_name.clone(),
                origin: CallOrigin::Direct,
                operation,
                params,
                error: Some(error.clone()),
                injected: true,
            });
            return TaskResponse::fail(error, Some(cause));
        }
        let resp = self.services.call(call);
        self.log.push(CallRecord {
            state: call.state_name.clone(),
            origin: CallOrigin::Direct,
            operation,
            params,
            error: match &resp.outcome {
                TaskOutcome::Failed { error, .. } => Some(error.clone()),
                TaskOutcome::Succeeded(_) => None,
            },
            injected: false,
        });
        resp
    }
}

impl ServiceBackend for RunBackend<'_> {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        if let Some((model, exact)) = self.simulated.get(&call.state_name).copied() {
            if is_lambda_resource(&call.resource) {
                return self.simulate(call, model, exact);
            }
        }
        if is_lambda_resource(&call.resource) {
            let resp = self.mock.call(call);
            let payload = if call.resource.starts_with("arn:aws:states:::lambda:invoke") {
                call.parameters
                    .get("Payload")
                    .cloned()
                    .unwrap_or(Value::Null)
            } else {
                call.parameters.clone()
            };
            self.log.push(CallRecord {
                state: call.state_name.clone(),
                origin: CallOrigin::MockedLambda,
                operation: "lambda:Invoke".into(),
                params: payload,
                error: match &resp.outcome {
                    TaskOutcome::Failed { error, .. } => Some(error.clone()),
                    TaskOutcome::Succeeded(_) => None,
                },
                injected: false,
            });
            return resp;
        }
        self.direct(call)
    }
}

/// The simulated Lambda's path to the services: fault injection, logging, and the API call made
/// through the aws-sdk integration resource (API-shaped parameters and results, no metadata).
struct Gate<'g> {
    services: &'g mut dyn World,
    faults: &'g mut FaultState,
    log: &'g mut Vec<CallRecord>,
    state: String,
    base: &'g TaskCall,
    requests: &'g mut u64,
}

/// Recovers the API error code from an integration error (`DynamoDb.ConditionalCheckFailedException`,
/// or a collapsed base exception whose cause names `Error Code: X`).
fn api_code(error: &str, cause: Option<&str>) -> String {
    if let Some(c) = cause {
        if let Some(rest) = c.split("Error Code: ").nth(1) {
            let code: String = rest
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '.')
                .collect();
            if !code.is_empty() {
                return code;
            }
        }
    }
    error
        .split_once('.')
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| error.to_string())
}

impl SdkTransport for Gate<'_> {
    fn send(&mut self, request: &SdkRequest) -> SdkResponse {
        let operation = format!("{}:{}", request.service, request.action);
        let params = canonical_request(&request.service, &request.action, &request.params);
        if let Some(err) = self
            .faults
            .check(&self.state, &request.service, &request.action)
        {
            self.log.push(CallRecord {
                state: self.state.clone(),
                origin: CallOrigin::Lambda,
                operation,
                params,
                error: Some(err.name.to_string()),
                injected: true,
            });
            return api_error_response(&err);
        }
        *self.requests += 1;
        let token = if request.service == "events" {
            "eventbridge"
        } else {
            request.service.as_str()
        };
        let mut action = request.action.clone();
        if let Some(first) = action.get_mut(0..1) {
            first.make_ascii_lowercase();
        }
        let call = TaskCall {
            resource: format!("arn:aws:states:::aws-sdk:{token}:{action}"),
            parameters: request.params.clone(),
            attempt: 0,
            task_token: None,
            ..self.base.clone()
        };
        let resp = self.services.call(&call);
        let (out, error) = match resp.outcome {
            TaskOutcome::Succeeded(v) => (SdkResponse::Ok(v), None),
            TaskOutcome::Failed { error, cause } => {
                let code = api_code(&error, cause.as_deref());
                let status = cause
                    .as_deref()
                    .and_then(|c| c.split("Status Code: ").nth(1))
                    .and_then(|r| r.get(..3))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(400);
                (
                    SdkResponse::Err {
                        code: code.clone(),
                        message: cause.unwrap_or_default(),
                        status,
                    },
                    Some(code),
                )
            }
        };
        self.log.push(CallRecord {
            state: self.state.clone(),
            origin: CallOrigin::Lambda,
            operation,
            params,
            error,
            injected: false,
        });
        out
    }
}

fn api_error_response(err: &ApiError) -> SdkResponse {
    SdkResponse::Err {
        code: err.name.to_string(),
        message: err.message.to_string(),
        status: err.status,
    }
}

/// What a Lambda Task that is not rewritten returns, in both versions alike.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum LambdaMock {
    /// The function returns its event (the default).
    Identity,
    /// The function returns its event with these fields set (for steps that add data later
    /// states read, such as a computed total).
    Merge(Value),
    /// The function returns this value.
    Return(Value),
}

/// Answers the Lambda Tasks that are not rewritten, by state name (identity by default).
#[derive(Debug, Default)]
pub struct MockLambdas {
    pub by_state: HashMap<String, LambdaMock>,
    requests: u64,
}

impl MockLambdas {
    pub fn new(by_state: HashMap<String, LambdaMock>) -> Self {
        MockLambdas {
            by_state,
            requests: 0,
        }
    }
}

impl ServiceBackend for MockLambdas {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        self.requests += 1;
        let invoke = call.resource.starts_with("arn:aws:states:::lambda:invoke");
        let event = if invoke {
            // No Payload sends `{}` (recorded against AWS: test_invoke).
            call.parameters
                .get("Payload")
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}))
        } else {
            call.parameters.clone()
        };
        let result = match self
            .by_state
            .get(&call.state_name)
            .unwrap_or(&LambdaMock::Identity)
        {
            LambdaMock::Identity => event,
            LambdaMock::Return(v) => v.clone(),
            LambdaMock::Merge(fields) => match (event, fields) {
                (Value::Object(mut e), Value::Object(f)) => {
                    for (k, v) in f {
                        e.insert(k.clone(), v.clone());
                    }
                    Value::Object(e)
                }
                (e, _) => e,
            },
        };
        if invoke {
            let rid = format!("22222222-0000-4000-8000-{:012}", self.requests);
            TaskResponse::ok(lambda_sim::invoke_envelope(result, &rid))
        } else {
            TaskResponse::ok(result)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_codes_are_recovered_from_integration_errors() {
        assert_eq!(
            api_code("DynamoDb.ConditionalCheckFailedException", None),
            "ConditionalCheckFailedException"
        );
        assert_eq!(
            api_code("DynamoDb.DynamoDbException", Some("bad (Service: DynamoDb; Status Code: 400; Error Code: ValidationException; Request ID: x)")),
            "ValidationException"
        );
    }

    #[test]
    fn lambda_resources_are_recognised() {
        assert!(is_lambda_resource("arn:aws:states:::lambda:invoke"));
        assert!(is_lambda_resource(
            "arn:aws:lambda:us-east-1:123456789012:function:SaveOrder"
        ));
        assert!(!is_lambda_resource("arn:aws:states:::dynamodb:putItem"));
    }
}

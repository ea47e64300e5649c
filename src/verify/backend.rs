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
use super::targets::Targets;
use crate::analysis::model::HandlerModel;
use crate::services::mock_config::MockConfig;
use crate::services::simulated::SimulatedServices;
use crate::services::world::{CallContext, Change, ChildResult};
use crate::services::{ServiceBackend, TaskCall, TaskOutcome, TaskResponse};
use serde::Serialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

mod project_calls;
use project_calls::operation_name;

/// An API error as the SDK inside a Lambda sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    /// The modelled exception name (what the SDKs name the error), else the wire code.
    pub name: String,
    pub message: String,
    pub status: u16,
}

/// The simulated services: Task calls, plain API calls (for simulated Lambdas), and the world's
/// effects for the comparison.
pub trait Simulation: ServiceBackend {
    /// The changes the run made to the world, in order.
    fn effects(&self) -> Value;
    /// One API call made from inside a Lambda function running in state `base.state_name`.
    fn call_api(
        &mut self,
        base: &TaskCall,
        service: &str,
        action: &str,
        params: &Value,
    ) -> Result<Value, ApiFailure>;
    /// Records that one of the project's functions was invoked (as the services do for the
    /// functions a Lambda handler runs).
    fn lambda_invoked(&mut self, function: &str, payload: &Value);
    /// A fresh execution name, from the stream StartExecution draws names from.
    fn fresh_execution_name(&mut self) -> String;
    /// Sets how executions of the world's state machine `name` end (for StartSyncExecution);
    /// returns the previous setting.
    fn set_child_result(&mut self, name: &str, result: Option<ChildResult>) -> Option<ChildResult>;
}

impl Simulation for SimulatedServices {
    fn effects(&self) -> Value {
        serde_json::to_value(self.diff().effects()).unwrap_or(Value::Null)
    }

    fn call_api(
        &mut self,
        base: &TaskCall,
        service: &str,
        action: &str,
        params: &Value,
    ) -> Result<Value, ApiFailure> {
        let Some(svc) = super::world::service_of(service) else {
            return Err(ApiFailure {
                name: "UnknownOperationException".into(),
                message: format!("lambdaless: {service} is not simulated"),
                status: 400,
            });
        };
        self.world.ctx = CallContext {
            state: Some(base.state_name.clone()),
            now_ms: base.now_ms,
            execution_arn: base.execution_arn.clone(),
            state_machine_arn: base.state_machine_arn.clone(),
            elapsed_ms: 0,
            hung: false,
        };
        self.world.call_api(svc, action, params).map_err(|e| {
            let name = if super::faults::is_modelled(service, action, &e.code) {
                e.code.clone()
            } else {
                match &e.exception {
                    Some(ex) if super::faults::is_modelled(service, action, ex) => ex.clone(),
                    _ => e.code.clone(),
                }
            };
            ApiFailure {
                name,
                message: e.message,
                status: e.status,
            }
        })
    }

    fn lambda_invoked(&mut self, function: &str, payload: &Value) {
        self.world.record(Change::LambdaInvoked {
            function: function.to_string(),
            payload: payload.clone(),
        });
    }

    fn fresh_execution_name(&mut self) -> String {
        self.world.ids.uuid("sfn-execution-name")
    }

    fn set_child_result(&mut self, name: &str, result: Option<ChildResult>) -> Option<ChildResult> {
        let entry = self.world.state_machines.get_mut(name)?;
        std::mem::replace(&mut entry.result, result)
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
    /// A Task answered by the Step Functions Local mock config (`--mock-config`), in both versions.
    MockConfig,
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

impl CallRecord {
    /// A call of `call`'s state that was answered with `resp` (no injected fault).
    fn answered(
        call: &TaskCall,
        origin: CallOrigin,
        operation: String,
        params: Value,
        resp: &TaskResponse,
    ) -> Self {
        CallRecord {
            state: call.state_name.clone(),
            origin,
            operation,
            params,
            error: match &resp.outcome {
                TaskOutcome::Failed { error, .. } => Some(error.clone()),
                TaskOutcome::Succeeded(_) => None,
            },
            injected: false,
        }
    }
}

/// Is this resource a Lambda invocation?
pub fn is_lambda_resource(resource: &str) -> bool {
    resource.starts_with("arn:aws:states:::lambda:invoke")
        || (resource.starts_with("arn:")
            && resource.contains(":lambda:")
            && resource.contains(":function:"))
}

/// The event `lambda:invoke` delivers: the `Payload` parameter; none sends `{}` (recorded against
/// AWS: test_invoke); a string is the raw request body, parsed as JSON (recorded:
/// test_invoke_json_values), and text that is not JSON is rejected by Lambda.
fn invoke_event(parameters: &Value) -> Result<Value, TaskResponse> {
    match parameters.get("Payload") {
        None | Some(Value::Null) => Ok(serde_json::json!({})),
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|e| {
            TaskResponse::fail(
                "Lambda.InvalidRequestContentException",
                Some(format!(
                    "Could not parse request body into json: Could not parse payload into json: {e} (Service: AWSLambda; Status Code: 400; Error Code: InvalidRequestContentException; Proxy: null)"
                )),
            )
        }),
        Some(v) => Ok(v.clone()),
    }
}

/// What a Lambda Task sends, as compared between the versions: `lambda:invoke`'s Payload
/// parameter, or the effective input of a function-ARN Resource.
fn lambda_payload(call: &TaskCall) -> Value {
    if call.resource.starts_with("arn:aws:states:::lambda:invoke") {
        call.parameters
            .get("Payload")
            .cloned()
            .unwrap_or(Value::Null)
    } else {
        call.parameters.clone()
    }
}

/// A simulation problem that makes the run say nothing about equivalence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inconclusive {
    pub state: String,
    pub reason: String,
}

pub struct RunBackend<'a> {
    services: &'a mut dyn Simulation,
    /// state name → handler model and whether to simulate it exactly (else return-only mock).
    simulated: Cow<'a, HashMap<String, (&'a HandlerModel, bool)>>,
    mock: &'a mut dyn ServiceBackend,
    faults: FaultState,
    pub log: Vec<CallRecord>,
    pub inconclusive: Option<Inconclusive>,
    requests: u64,
    /// The mock config answering the Tasks it names, except the rewritten ones (whose Lambda
    /// and integration are what is compared).
    config: Option<(MockConfig, &'a [String])>,
    /// The project's functions and state machines, reachable by name.
    targets: Option<Arc<Targets>>,
    /// States whose Task this run's machine has rewritten: their calls are the new integration,
    /// never the original's handler or the shared Lambda mock.
    rewritten: Vec<String>,
    /// How deeply this run is nested in executions and invocations.
    depth: u32,
    /// Lambda Task state → the configured Timeout of its function, in seconds.
    function_timeouts: HashMap<String, u64>,
}

impl<'a> RunBackend<'a> {
    pub fn new(
        services: &'a mut dyn Simulation,
        simulated: HashMap<String, (&'a HandlerModel, bool)>,
        mock: &'a mut dyn ServiceBackend,
        faults: FaultState,
    ) -> Self {
        Self::borrowing(services, Cow::Owned(simulated), mock, faults)
    }

    /// `new` with the handler models borrowed (no copy per run).
    pub fn borrowing(
        services: &'a mut dyn Simulation,
        simulated: Cow<'a, HashMap<String, (&'a HandlerModel, bool)>>,
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
            config: None,
            targets: None,
            rewritten: Vec::new(),
            depth: 0,
            function_timeouts: HashMap::new(),
        }
    }

    /// Lets calls reach the project's functions and state machines; `rewritten` are the states
    /// this run's machine has rewritten; `depth` counts the enclosing executions.
    pub fn with_targets(
        mut self,
        targets: Arc<Targets>,
        rewritten: Vec<String>,
        depth: u32,
    ) -> Self {
        self.targets = Some(targets);
        self.rewritten = rewritten;
        self.depth = depth;
        self
    }

    /// Lets `config` answer the Tasks it names, except the states in `rewritten`.
    pub fn with_mock_config(mut self, config: MockConfig, rewritten: &'a [String]) -> Self {
        self.config = Some((config, rewritten));
        self
    }

    /// The mock config's answer, when it names this (not rewritten) state; logged like a call so
    /// that what each version sends to the mocked Task is compared.
    fn answer_from_mock_config(&mut self, call: &TaskCall) -> Option<TaskResponse> {
        let (config, rewritten) = self.config.as_mut()?;
        if !config.names_state(&call.state_name) || rewritten.contains(&call.state_name) {
            return None;
        }
        let resp = config.call(call);
        let (operation, params) = if is_lambda_resource(&call.resource) {
            ("lambda:Invoke".to_string(), lambda_payload(call))
        } else {
            match parse_resource(&call.resource) {
                Some((service, action, _)) => (
                    format!("{service}:{action}"),
                    canonical_request(&service, &action, &call.parameters),
                ),
                None => (call.resource.clone(), call.parameters.clone()),
            }
        };
        self.log.push(CallRecord::answered(
            call,
            CallOrigin::MockConfig,
            operation,
            params,
            &resp,
        ));
        Some(resp)
    }

    pub fn effects(&self) -> Value {
        self.services.effects()
    }

    fn request_id(&mut self) -> String {
        self.requests += 1;
        format!("11111111-0000-4000-8000-{:012}", self.requests)
    }

    fn simulate(&mut self, call: &TaskCall, model: &HandlerModel, exact: bool) -> TaskResponse {
        let optimized = call.resource.starts_with("arn:aws:states:::lambda:invoke");
        // lambda:invoke sends the Payload parameter; a function ARN Resource sends the effective input.
        let event = if optimized {
            match invoke_event(&call.parameters) {
                Ok(e) => e,
                Err(resp) => return resp,
            }
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
            inconclusive: &mut self.inconclusive,
            state: call.state_name.clone(),
            base: call,
            requests: &mut self.requests,
            targets: self.targets.clone(),
            depth: self.depth,
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
        let operation = operation_name(&service, &action);
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
        self.log.push(CallRecord::answered(
            call,
            CallOrigin::Direct,
            operation,
            params,
            &resp,
        ));
        resp
    }
}

impl ServiceBackend for RunBackend<'_> {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        let mut resp = self.route(call);
        if let Some(ms) = self.faults.delay(&call.state_name) {
            // Lambda's clock starts after Step Functions' own: at an equal limit the state's
            // TimeoutSeconds fires first.
            let state_limit = [call.timeout_seconds, call.heartbeat_seconds]
                .into_iter()
                .flatten()
                .reduce(f64::min);
            if let Some(limit) = self
                .function_timeout(call)
                .filter(|s| ms > s * 1000 && state_limit.is_none_or(|t| (*s as f64) < t))
            {
                return function_timed_out(limit, &self.request_id());
            }
            resp.elapsed_ms = resp.elapsed_ms.max(ms);
        }
        resp
    }
}

/// A function that runs past its configured Timeout is stopped by Lambda ("Timeout is the
/// maximum amount of time in seconds that a Lambda function can run",
/// https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html) and the invocation
/// fails with `Sandbox.Timedout` (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html),
/// the error a Task's Retry/Catch then sees (aws-facts §3.2).
fn function_timed_out(limit_s: u64, request_id: &str) -> TaskResponse {
    let cause = json!({
        "errorType": "Sandbox.Timedout",
        "errorMessage": format!("RequestId: {request_id} Error: Task timed out after {limit_s}.00 seconds"),
    });
    let mut resp = TaskResponse::fail("Sandbox.Timedout", Some(cause.to_string()));
    resp.elapsed_ms = limit_s * 1000;
    resp
}

impl RunBackend<'_> {
    /// The configured Timeout of the function this call runs as the original's Lambda Task.
    fn function_timeout(&self, call: &TaskCall) -> Option<u64> {
        if !is_lambda_resource(&call.resource) || self.rewritten.contains(&call.state_name) {
            return None;
        }
        self.function_timeouts.get(&call.state_name).copied()
    }

    /// The configured Timeout (seconds) of the function each Lambda Task state invokes.
    pub fn with_function_timeouts(mut self, timeouts: HashMap<String, u64>) -> Self {
        self.function_timeouts = timeouts;
        self
    }
}

impl RunBackend<'_> {
    /// Who answers a Task call: the mock config, a simulated Lambda, the Lambda mock, or the
    /// simulated services.
    fn route(&mut self, call: &TaskCall) -> TaskResponse {
        if let Some(resp) = self.answer_from_mock_config(call) {
            return resp;
        }
        let rewritten_here = self.rewritten.contains(&call.state_name);
        if !rewritten_here {
            if let Some((model, exact)) = self.simulated.get(&call.state_name).copied() {
                if is_lambda_resource(&call.resource) {
                    return self.simulate(call, model, exact);
                }
            }
        }
        if let Some(resp) = self.project_target(call) {
            return resp;
        }
        if is_lambda_resource(&call.resource) && !rewritten_here {
            let resp = self.mock.call(call);
            let payload = lambda_payload(call);
            self.log.push(CallRecord::answered(
                call,
                CallOrigin::MockedLambda,
                "lambda:Invoke".into(),
                payload,
                &resp,
            ));
            return resp;
        }
        self.direct(call)
    }
}

/// The simulated Lambda's path to the services: fault injection, logging, and the API call made
/// through the aws-sdk integration resource (API-shaped parameters and results, no metadata).
struct Gate<'g> {
    services: &'g mut dyn Simulation,
    faults: &'g mut FaultState,
    log: &'g mut Vec<CallRecord>,
    /// Set when the handler calls an operation the simulated services do not run.
    inconclusive: &'g mut Option<Inconclusive>,
    state: String,
    base: &'g TaskCall,
    requests: &'g mut u64,
    targets: Option<Arc<Targets>>,
    depth: u32,
}

/// `(service, PascalCase action, optimized?)` of a service-integration resource.
pub fn parse_resource(resource: &str) -> Option<(String, String, bool)> {
    let rest = resource.strip_prefix("arn:aws:states:::")?;
    let (rest, optimized) = match rest.strip_prefix("aws-sdk:") {
        Some(r) => (r, false),
        None => (rest, true),
    };
    let (service, action) = rest.split_once(':')?;
    let action = action.split('.').next().unwrap_or(action);
    let service = if service == "eventbridge" {
        "events"
    } else {
        service
    };
    let mut chars = action.chars();
    let first = chars.next()?;
    Some((
        service.to_string(),
        first.to_ascii_uppercase().to_string() + chars.as_str(),
        optimized,
    ))
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
        if let Some(targets) = self.targets.clone() {
            // Logged before the target runs, so that its own calls follow the Invoke.
            let at = self.log.len();
            self.log.push(CallRecord {
                state: self.state.clone(),
                origin: CallOrigin::Lambda,
                operation: operation.clone(),
                params: params.clone(),
                error: None,
                injected: false,
            });
            match self.project_target(&targets, request) {
                Some(Ok(v)) => return SdkResponse::Ok(v),
                Some(Err(f)) => {
                    self.log[at].error = Some(f.name.clone());
                    return SdkResponse::Err {
                        code: f.name,
                        message: f.message,
                        status: f.status,
                    };
                }
                None => {
                    self.log.truncate(at);
                }
            }
        }
        let (out, error) = match self.services.call_api(
            self.base,
            &request.service,
            &request.action,
            &request.params,
        ) {
            Ok(v) => (SdkResponse::Ok(v), None),
            Err(f) => {
                if let Some(reason) = not_simulated(&f) {
                    self.inconclusive.get_or_insert(Inconclusive {
                        state: self.state.clone(),
                        reason,
                    });
                }
                (
                    SdkResponse::Err {
                        code: f.name.clone(),
                        message: f.message,
                        status: f.status,
                    },
                    Some(f.name),
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

/// Why a run says nothing, when the simulated services answered that they do not run the
/// operation (their `UnknownOperationException` "lambdaless: ... is not simulated").
fn not_simulated(f: &ApiFailure) -> Option<String> {
    let what = f.message.strip_prefix("lambdaless: ")?;
    (f.name == "UnknownOperationException" && what.contains("is not simulated")).then(|| {
        format!("its handler calls an AWS API the simulated services do not run ({what}), so neither version can be run; check this rewrite by hand")
    })
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
#[derive(Debug)]
pub struct MockLambdas<'m> {
    pub by_state: Cow<'m, HashMap<String, LambdaMock>>,
    requests: u64,
}

impl MockLambdas<'static> {
    pub fn new(by_state: HashMap<String, LambdaMock>) -> Self {
        MockLambdas::borrowing(Cow::Owned(by_state))
    }
}

impl<'m> MockLambdas<'m> {
    /// `new` with the mocks borrowed (no copy per run).
    pub fn borrowing(by_state: Cow<'m, HashMap<String, LambdaMock>>) -> Self {
        MockLambdas {
            by_state,
            requests: 0,
        }
    }
}

impl ServiceBackend for MockLambdas<'_> {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        self.requests += 1;
        let invoke = call.resource.starts_with("arn:aws:states:::lambda:invoke");
        let event = if invoke {
            match invoke_event(&call.parameters) {
                Ok(e) => e,
                Err(resp) => return resp,
            }
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

    /// Runs `Call` (lambda:invoke, TimeoutSeconds 10) with the Lambda answering after 11 s; the
    /// function's configured Timeout is `function_timeout`.
    fn slow_run(function_timeout: Option<u64>) -> crate::interp::ExecutionResult {
        let model: HandlerModel = serde_json::from_value(json!({
            "file": "a.js", "language": "javascript", "function": "handler", "event_reads": [],
            "env_reads": [], "calls": [], "throws": [], "verdict": "replaceable", "reasons": [],
            "returns": {"kind": "event", "path": []}
        }))
        .unwrap();
        let def = json!({"StartAt": "Call", "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10,
            "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": true}}});
        let machine = crate::interp::StateMachine::parse(&def).unwrap();
        let faults = super::super::faults::timeout_scenarios(
            "Call",
            "dynamodb",
            "PutItem",
            &def["States"]["Call"],
            &json!({}),
        );
        let mut services = SimulatedServices::new(crate::services::World::new(1));
        let mut mock = MockLambdas::new(HashMap::new());
        let mut be = RunBackend::new(
            &mut services,
            HashMap::from([("Call".to_string(), (&model, true))]),
            &mut mock,
            FaultState::new(Some(faults[0].clone())),
        )
        .with_function_timeouts(
            function_timeout
                .map(|t| ("Call".to_string(), t))
                .into_iter()
                .collect(),
        );
        machine.execute(
            json!({}),
            &crate::interp::ExecutionContext::default(),
            &mut be,
        )
    }

    #[test]
    fn a_function_stops_at_its_configured_timeout_before_the_task_limit() {
        let r = slow_run(Some(3));
        assert_eq!(r.error.as_deref(), Some("Sandbox.Timedout"), "{r:?}");
        assert!(r
            .cause
            .unwrap()
            .contains("Task timed out after 3.00 seconds"));
        // A Timeout longer than the wait, or none configured: the Task's own limit fires.
        assert_eq!(slow_run(Some(60)).error.as_deref(), Some("States.Timeout"));
        assert_eq!(slow_run(Some(10)).error.as_deref(), Some("States.Timeout"));
        assert_eq!(slow_run(None).error.as_deref(), Some("States.Timeout"));
    }

    #[test]
    fn an_operation_the_services_do_not_run_makes_the_run_inconclusive() {
        let f = |name: &str, message: &str| ApiFailure {
            name: name.into(),
            message: message.into(),
            status: 400,
        };
        let why = not_simulated(&f(
            "UnknownOperationException",
            "lambdaless: secretsmanager is not simulated",
        ))
        .unwrap();
        assert!(why.contains("secretsmanager is not simulated"), "{why}");
        // An error the simulated service itself returns is an answer, not a gap.
        assert!(
            not_simulated(&f("ValidationException", "lambdaless: x is not simulated")).is_none()
        );
        assert!(not_simulated(&f("UnknownOperationException", "Unknown operation")).is_none());
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

//! [`SimulatedServices`]: the [`ServiceBackend`] that answers Task states from the simulated world,
//! shaping results and errors exactly as Step Functions reports them for each integration.
//!
//! Resource forms (aws-facts §1.2, §2): `arn:aws:states:::<service>:<action>[.waitForTaskToken|.sync|.sync:2]`,
//! `arn:aws:states:::aws-sdk:<service>:<action>[.waitForTaskToken]`, and Lambda function ARNs.

use super::errors::{AwsError, Integration, Service};
use super::lambda::{self, LambdaFailure, LambdaHandler};
use super::metadata::{self, HeaderStyle, HttpResponseInfo};
use super::world::{CallContext, CallbackOutcome, Change, World};
use super::{ServiceBackend, TaskCall, TaskOutcome, TaskResponse};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// How a Task resource runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    RequestResponse,
    Sync,
    Sync2,
    WaitForTaskToken,
}

/// A parsed Task resource.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedResource {
    /// `arn:aws:states:::<service>:<action>` or `...:::aws-sdk:<service>:<action>`.
    Integration {
        integration: Integration,
        service: String,
        action: String,
        pattern: Pattern,
    },
    /// A Lambda function ARN used directly as the resource.
    LambdaArn(String),
    /// Anything else (activities, malformed ARNs).
    Other(String),
}

pub fn parse_resource(resource: &str) -> ParsedResource {
    if let Some(rest) = resource
        .strip_prefix("arn:aws:states:::")
        .or_else(|| resource.split_once(":states:::").map(|(_, r)| r))
    {
        let (body, pattern) = if let Some(b) = rest.strip_suffix(".waitForTaskToken") {
            (b, Pattern::WaitForTaskToken)
        } else if let Some(b) = rest.strip_suffix(".sync:2") {
            (b, Pattern::Sync2)
        } else if let Some(b) = rest.strip_suffix(".sync") {
            (b, Pattern::Sync)
        } else {
            (rest, Pattern::RequestResponse)
        };
        let (integration, body) = match body.strip_prefix("aws-sdk:") {
            Some(b) => (Integration::AwsSdk, b),
            None => (Integration::Optimized, body),
        };
        if let Some((service, action)) = body.split_once(':') {
            return ParsedResource::Integration {
                integration,
                service: service.to_string(),
                action: action.to_string(),
                pattern,
            };
        }
        return ParsedResource::Other(resource.to_string());
    }
    let parts: Vec<&str> = resource.split(':').collect();
    if parts.len() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" {
        return ParsedResource::LambdaArn(resource.to_string());
    }
    ParsedResource::Other(resource.to_string())
}

fn pascal(action: &str) -> String {
    let mut c = action.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A StartExecution request handed to the [`ExecutionHook`].
#[derive(Debug, Clone, PartialEq)]
pub struct StartExecutionRequest {
    pub state_machine_arn: String,
    pub execution_arn: String,
    pub name: String,
    /// The input, parsed (Step Functions passes Input as a JSON string).
    pub input: Value,
    pub pattern: Pattern,
}

/// How a child execution ended (for `.sync` / `.sync:2`), or that it started (request-response).
#[derive(Debug, Clone, PartialEq)]
pub struct ChildExecution {
    pub status: String,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Virtual duration of the child execution.
    pub duration_ms: u64,
}

/// Runs child executions of `states:startExecution` (implemented where the interpreter lives).
/// It gets the whole backend so the child's Tasks run against the same world.
pub trait ExecutionHook {
    fn start_execution(
        &mut self,
        request: &StartExecutionRequest,
        services: &mut SimulatedServices,
    ) -> Result<ChildExecution, AwsError>;
}

/// The simulated AWS services as a [`ServiceBackend`].
pub struct SimulatedServices {
    pub world: World,
    /// Whether the world file fixed region/account; otherwise they follow the execution's context.
    pub pinned_account: bool,
    lambda: Option<Box<dyn LambdaHandler>>,
    executions: Option<Box<dyn ExecutionHook>>,
    callback_counts: BTreeMap<String, u32>,
}

impl std::fmt::Debug for SimulatedServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedServices")
            .field("world", &self.world)
            .field("pinned_account", &self.pinned_account)
            .field("lambda_handler", &self.lambda.is_some())
            .field("execution_hook", &self.executions.is_some())
            .finish()
    }
}

impl SimulatedServices {
    pub fn new(world: World) -> Self {
        SimulatedServices {
            world,
            pinned_account: false,
            lambda: None,
            executions: None,
            callback_counts: BTreeMap::new(),
        }
    }

    /// Installs the Lambda handler (verify's handler models); functions it does not handle fall
    /// back to the world's mocks.
    pub fn with_lambda_handler(mut self, handler: Box<dyn LambdaHandler>) -> Self {
        self.lambda = Some(handler);
        self
    }

    pub fn set_lambda_handler(&mut self, handler: Box<dyn LambdaHandler>) {
        self.lambda = Some(handler);
    }

    pub fn set_execution_hook(&mut self, hook: Box<dyn ExecutionHook>) {
        self.executions = Some(hook);
    }

    /// What the run changed, in order.
    pub fn diff(&self) -> &super::world::WorldDiff {
        &self.world.diff
    }

    /// Every API call made, in order.
    pub fn calls(&self) -> &[super::world::CallRecord] {
        &self.world.calls
    }

    fn info(
        &mut self,
        content_length: usize,
        body_for_crc: Option<&str>,
    ) -> (String, HttpResponseInfo<'static>) {
        let rid = self.world.request_id();
        let date = metadata::http_date(self.world.ctx.now_ms);
        let info = HttpResponseInfo {
            request_id: "",
            content_length,
            date,
            crc32: body_for_crc.map(|b| metadata::crc32(b.as_bytes())),
            trace_id: None,
        };
        (rid, info)
    }

    fn optimized_ok(
        &mut self,
        style: HeaderStyle,
        output: Value,
        content_length: usize,
        body_for_crc: Option<&str>,
        trace: bool,
    ) -> TaskOutcome {
        let (rid, mut info) = self.info(content_length, body_for_crc);
        if trace {
            info.trace_id = Some(format!(
                "root=1-{}-{};parent={};sampled=0;lineage=1:{}:0",
                self.world.ids.hex("trace", 8),
                self.world.ids.hex("trace", 24),
                self.world.ids.hex("trace", 16),
                self.world.ids.hex("trace", 8)
            ));
        }
        let info = HttpResponseInfo {
            request_id: &rid,
            ..info
        };
        let map = output.as_object().cloned().unwrap_or_default();
        TaskOutcome::Succeeded(metadata::wrap_optimized(map, style, &info))
    }

    fn fail(&mut self, e: &AwsError, integration: Integration) -> TaskOutcome {
        let rid = self.world.request_id();
        TaskOutcome::Failed {
            error: e.error_name(integration),
            cause: Some(e.cause(integration, &rid)),
        }
    }

    fn runtime(&self, call: &TaskCall, reason: &str) -> TaskOutcome {
        TaskOutcome::Failed {
            error: "States.Runtime".into(),
            cause: Some(super::runtime_cause(
                &call.state_name,
                &format!(
                    "The Parameters '{}' could not be used to start the Task: [{}]",
                    metadata::json_body(&call.parameters),
                    reason
                ),
            )),
        }
    }

    fn serve(&mut self, call: &TaskCall) -> TaskOutcome {
        match parse_resource(&call.resource) {
            ParsedResource::LambdaArn(arn) => {
                // Legacy form: the event is the effective input, the result the bare function output.
                match self.invoke_lambda(&arn, &call.parameters) {
                    Ok(v) => TaskOutcome::Succeeded(v),
                    Err(Ok(f)) => TaskOutcome::Failed {
                        error: f.error,
                        cause: f.cause,
                    },
                    Err(Err(e)) => self.fail(&e, Integration::Optimized),
                }
            }
            ParsedResource::Other(r) => TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: Some(format!(
                    "lambdaless: the simulated services do not run resource '{r}'"
                )),
            },
            ParsedResource::Integration {
                integration,
                service,
                action,
                pattern,
            } => match integration {
                Integration::Optimized => self.optimized(call, &service, &action, pattern),
                Integration::AwsSdk => self.aws_sdk(call, &service, &action),
            },
        }
    }

    fn invoke_lambda(
        &mut self,
        function: &str,
        event: &Value,
    ) -> Result<Value, Result<LambdaFailure, AwsError>> {
        let (name, arn) = lambda::resolve_function(&self.world, function);
        if let Some(mut h) = self.lambda.take() {
            if h.handles(&arn) {
                if let Some(fault) = self.lambda_fault() {
                    self.lambda = Some(h);
                    return Err(Err(fault));
                }
                self.world.record(Change::LambdaInvoked {
                    function: name,
                    payload: event.clone(),
                });
                let r = h.invoke(&arn, event, &mut self.world);
                self.lambda = Some(h);
                return r.map_err(Ok);
            }
            self.lambda = Some(h);
        }
        if let Some(fault) = self.lambda_fault() {
            return Err(Err(fault));
        }
        lambda::invoke_mock(&mut self.world, function, event)
    }

    /// Fault rules for the Invoke call itself (throttling, service errors).
    fn lambda_fault(&mut self) -> Option<AwsError> {
        let state = self.world.ctx.state.clone();
        let i = self.world.fault_state.matching(
            &self.world.faults,
            Service::Lambda,
            "Invoke",
            state.as_deref(),
        )?;
        let f = self.world.faults[i].fault.clone();
        f.apply(Service::Lambda, "Invoke", &mut self.world.ctx)
    }

    fn optimized(
        &mut self,
        call: &TaskCall,
        service: &str,
        action: &str,
        pattern: Pattern,
    ) -> TaskOutcome {
        let params = call.parameters.as_object().cloned().unwrap_or_default();
        if let Some(reason) = super::params::unsupported_parameter(service, action, &params) {
            return self.runtime(call, &reason);
        }
        match (service, action) {
            ("dynamodb", "getItem" | "putItem" | "updateItem" | "deleteItem") => {
                if let Some(reason) = dynamodb_shape_problem(&params) {
                    return self.runtime(call, &reason);
                }
                match self
                    .world
                    .call_api(Service::DynamoDb, &pascal(action), &call.parameters)
                {
                    Ok(out) => {
                        let body = metadata::json_body(&out);
                        self.optimized_ok(
                            HeaderStyle::DynamoDb,
                            out,
                            body.len(),
                            Some(&body),
                            false,
                        )
                    }
                    Err(e) => self.fail(&e, Integration::Optimized),
                }
            }
            ("sqs", "sendMessage") => {
                let mut p = params;
                stringify_field(&mut p, "MessageBody");
                match self
                    .world
                    .call_api(Service::Sqs, "SendMessage", &Value::Object(p))
                {
                    Ok(out) => {
                        let len = metadata::json_body(&out).len();
                        self.optimized_ok(HeaderStyle::SqsJson, out, len, None, false)
                    }
                    Err(e) => self.fail(&e, Integration::Optimized),
                }
            }
            ("sns", "publish") => {
                let mut p = params;
                stringify_field(&mut p, "Message");
                match self
                    .world
                    .call_api(Service::Sns, "Publish", &Value::Object(p))
                {
                    Ok(out) => {
                        let len = sns_xml_len(&out);
                        self.optimized_ok(HeaderStyle::SnsXml, out, len, None, false)
                    }
                    Err(e) => self.fail(&e, Integration::Optimized),
                }
            }
            ("events", "putEvents") => {
                let mut p = params;
                if let Some(Value::Array(entries)) = p.get_mut("Entries") {
                    for e in entries.iter_mut() {
                        if let Some(m) = e.as_object_mut() {
                            stringify_field(m, "Detail");
                            // Step Functions appends the state machine and execution ARNs (aws-facts §1.3).
                            let mut res = m
                                .get("Resources")
                                .and_then(Value::as_array)
                                .cloned()
                                .unwrap_or_default();
                            res.push(json!(call.state_machine_arn));
                            res.push(json!(call.execution_arn));
                            m.insert("Resources".into(), Value::Array(res));
                        }
                    }
                }
                match self
                    .world
                    .call_api(Service::EventBridge, "PutEvents", &Value::Object(p))
                {
                    Ok(out) => {
                        if out
                            .get("FailedEntryCount")
                            .and_then(Value::as_u64)
                            .unwrap_or(0)
                            > 0
                        {
                            // EventBridge.FailedEntry with the whole response as cause (aws-facts §3.3, recorded).
                            TaskOutcome::Failed {
                                error: "EventBridge.FailedEntry".into(),
                                cause: Some(metadata::json_body(&out)),
                            }
                        } else {
                            TaskOutcome::Succeeded(out)
                        }
                    }
                    Err(e) => self.fail(&e, Integration::Optimized),
                }
            }
            ("lambda", "invoke") => {
                let fname = params
                    .get("FunctionName")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let event = match lambda::event_from_payload(params.get("Payload")) {
                    Ok(ev) => ev,
                    Err(e) => return self.fail(&e, Integration::Optimized),
                };
                match self.invoke_lambda(&fname, &event) {
                    Ok(v) => {
                        let len = metadata::python_json(&v).len();
                        let out =
                            json!({"ExecutedVersion": "$LATEST", "Payload": v, "StatusCode": 200});
                        self.optimized_ok(HeaderStyle::Lambda, out, len, None, true)
                    }
                    Err(Ok(f)) => {
                        // lambda:invoke re-serializes the function's error payload compactly.
                        let cause = f.cause.map(|c| match serde_json::from_str::<Value>(&c) {
                            Ok(v) if v.is_object() => metadata::json_body(&v),
                            _ => c,
                        });
                        TaskOutcome::Failed {
                            error: f.error,
                            cause,
                        }
                    }
                    Err(Err(e)) => self.fail(&e, Integration::Optimized),
                }
            }
            ("states", "startExecution") => {
                self.start_execution(call, &params, pattern, Integration::Optimized)
            }
            // Optimized integrations of job services (aws-facts §1.2); `.sync` waits for the job,
            // which the world does not run.
            ("athena", "startQueryExecution")
            | ("batch", "submitJob")
            | ("codebuild", "startBuild")
            | ("ecs", "runTask")
            | ("glue", "startJobRun")
                if !matches!(pattern, Pattern::Sync | Pattern::Sync2) =>
            {
                match Service::from_token(service) {
                    Some(svc) => self.shaped_call(call, svc, action, Integration::Optimized),
                    None => unreachable_service(call),
                }
            }
            _ => TaskOutcome::Failed {
                error: "States.Runtime".into(),
                cause: Some(format!(
                    "lambdaless: the simulated services do not implement '{}'",
                    call.resource
                )),
            },
        }
    }

    fn aws_sdk(&mut self, call: &TaskCall, service: &str, action: &str) -> TaskOutcome {
        let mock = self.world.sdk_mocks.iter().find(|m| {
            m.service.eq_ignore_ascii_case(service)
                && m.action.eq_ignore_ascii_case(action)
                && m.state.as_deref().is_none_or(|s| s == call.state_name)
        });
        if let Some(m) = mock.cloned() {
            return match (m.result, m.error) {
                (_, Some(error)) => TaskOutcome::Failed {
                    error,
                    cause: m.cause,
                },
                (Some(v), None) => TaskOutcome::Succeeded(v),
                (None, None) => TaskOutcome::Succeeded(json!({})),
            };
        }
        let svc = match service {
            "dynamodb" => Service::DynamoDb,
            "sqs" => Service::Sqs,
            "sns" => Service::Sns,
            "eventbridge" => Service::EventBridge,
            "s3" => Service::S3,
            "lambda" => Service::Lambda,
            "secretsmanager" | "ssm" | "athena" | "batch" | "codebuild" | "ecs" | "glue"
            | "sesv2" => match Service::from_token(service) {
                Some(svc) => return self.shaped_call(call, svc, action, Integration::AwsSdk),
                None => return unreachable_service(call),
            },
            "sfn" => {
                if action == "startExecution" {
                    let params = call.parameters.as_object().cloned().unwrap_or_default();
                    return self.start_execution(
                        call,
                        &params,
                        Pattern::RequestResponse,
                        Integration::AwsSdk,
                    );
                }
                if action == "startSyncExecution" {
                    let r = super::sfn::start_sync_execution(
                        &mut self.world,
                        &call.parameters,
                        super::sfn::Casing::Pascal,
                    );
                    return match r {
                        Ok(out) => TaskOutcome::Succeeded(out),
                        Err(e) => self.fail(&e, Integration::AwsSdk),
                    };
                }
                Service::StepFunctions
            }
            _ => {
                return TaskOutcome::Failed {
                    error: "States.Runtime".into(),
                    cause: Some(format!(
                        "lambdaless: the simulated services do not implement '{}'",
                        call.resource
                    )),
                }
            }
        };
        if svc == Service::DynamoDb {
            if let Some(reason) =
                dynamodb_shape_problem(call.parameters.as_object().unwrap_or(&Map::new()))
            {
                return self.runtime(call, &reason);
            }
        }
        match self.world.call_api(svc, &pascal(action), &call.parameters) {
            Ok(out) => TaskOutcome::Succeeded(out),
            Err(e) => self.fail(&e, Integration::AwsSdk),
        }
    }

    /// A call to a job or configuration service (integration_shape.rs): the Task's parameters in
    /// the API's wire names, the result with PascalCase keys, and for optimized integrations the
    /// SDK metadata (recorded for `ecs:runTask`; the same Java SDK v1 path for the others [I]).
    fn shaped_call(
        &mut self,
        call: &TaskCall,
        svc: Service,
        action: &str,
        integration: Integration,
    ) -> TaskOutcome {
        let Some(shape) = super::integration_shape::api_shape(svc) else {
            return unreachable_service(call);
        };
        if let Some(field) = super::integration_shape::misnamed_member(&shape, &call.parameters) {
            let reason = format!("The field \"{field}\" is not supported by Step Functions");
            return self.runtime(call, &reason);
        }
        let wire = super::integration_shape::request(&shape, &call.parameters);
        match self.world.call_api(svc, &pascal(action), &wire) {
            Ok(out) => {
                let result = super::integration_shape::result(&shape, integration, &out);
                match integration {
                    Integration::AwsSdk => TaskOutcome::Succeeded(result),
                    Integration::Optimized => {
                        let len = metadata::json_body(&out).len();
                        self.optimized_ok(shape.headers, result, len, None, false)
                    }
                }
            }
            Err(e) => self.fail(&e, integration),
        }
    }

    fn start_execution(
        &mut self,
        _call: &TaskCall,
        params: &Map<String, Value>,
        pattern: Pattern,
        integration: Integration,
    ) -> TaskOutcome {
        let sm_arn = params
            .get("StateMachineArn")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let input = match params.get("Input") {
            None | Some(Value::Null) => json!({}),
            Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
            Some(v) => v.clone(),
        };
        let sm_name = sm_arn.rsplit(':').next().unwrap_or("").to_string();
        let name = match params.get("Name").and_then(Value::as_str) {
            Some(n) => n.to_string(),
            None => self.world.ids.uuid("sfn-execution-name"),
        };
        let execution_arn = format!(
            "arn:aws:states:{}:{}:execution:{}:{}",
            self.world.region, self.world.account_id, sm_name, name
        );
        let request = StartExecutionRequest {
            state_machine_arn: sm_arn.clone(),
            execution_arn: execution_arn.clone(),
            name: name.clone(),
            input: input.clone(),
            pattern,
        };
        let start_ms = self.world.ctx.now_ms;
        let child = if let Some(mut hook) = self.executions.take() {
            let saved = self.world.ctx.clone();
            let r = hook.start_execution(&request, self);
            self.world.ctx = saved;
            self.executions = Some(hook);
            r
        } else {
            match self.world.state_machines.get(&sm_name) {
                Some(sm) if sm_arn.starts_with("arn:") => {
                    let r = sm.result.clone().unwrap_or(super::world::ChildResult {
                        status: "SUCCEEDED".into(),
                        output: Some(json!({})),
                        error: None,
                        cause: None,
                        duration_ms: 0,
                    });
                    Ok(ChildExecution {
                        status: r.status,
                        output: r.output,
                        error: r.error,
                        cause: r.cause,
                        duration_ms: r.duration_ms,
                    })
                }
                _ => Err(AwsError::modeled(
                    Service::StepFunctions,
                    "StateMachineDoesNotExist",
                    400,
                    format!("State Machine Does Not Exist: '{sm_arn}'"),
                )),
            }
        };
        let child = match child {
            Ok(c) => c,
            Err(e) => return self.fail(&e, integration),
        };
        self.world.record(Change::ExecutionStarted {
            state_machine_arn: sm_arn.clone(),
            execution_arn: execution_arn.clone(),
            input: input.clone(),
        });
        match pattern {
            Pattern::RequestResponse | Pattern::WaitForTaskToken => {
                if integration == Integration::AwsSdk {
                    // aws-sdk keeps PascalCase keys and a string date (aws-facts §1.3).
                    return TaskOutcome::Succeeded(
                        json!({"ExecutionArn": execution_arn, "StartDate": iso_millis(start_ms)}),
                    );
                }
                let body =
                    json!({"executionArn": execution_arn, "startDate": start_ms as f64 / 1000.0});
                let len = metadata::json_body(&body).len();
                // StartDate as epoch milliseconds (Java SDK v1 Date through Jackson) [inference].
                let out = json!({"ExecutionArn": execution_arn, "StartDate": start_ms});
                self.optimized_ok(HeaderStyle::StepFunctions, out, len, None, false)
            }
            Pattern::Sync | Pattern::Sync2 => {
                self.world.ctx.elapsed_ms += child.duration_ms;
                let output = child.output.clone().unwrap_or(Value::Null);
                let mut d = Map::new();
                d.insert("ExecutionArn".into(), json!(execution_arn));
                d.insert(
                    "Input".into(),
                    if pattern == Pattern::Sync {
                        json!(metadata::json_body(&input))
                    } else {
                        input.clone()
                    },
                );
                d.insert("InputDetails".into(), json!({"Included": true}));
                d.insert("Name".into(), json!(name));
                if child.status == "SUCCEEDED" {
                    d.insert(
                        "Output".into(),
                        if pattern == Pattern::Sync {
                            json!(metadata::json_body(&output))
                        } else {
                            output
                        },
                    );
                    d.insert("OutputDetails".into(), json!({"Included": true}));
                }
                d.insert("StartDate".into(), json!(start_ms));
                d.insert("StateMachineArn".into(), json!(sm_arn));
                d.insert("Status".into(), json!(child.status));
                d.insert(
                    "StopDate".into(),
                    json!(start_ms + child.duration_ms as i64),
                );
                if child.status == "SUCCEEDED" {
                    TaskOutcome::Succeeded(Value::Object(d))
                } else {
                    if let Some(e) = &child.error {
                        d.insert("Error".into(), json!(e));
                    }
                    if let Some(c) = &child.cause {
                        d.insert("Cause".into(), json!(c));
                    }
                    // A failed child fails the Task with States.TaskFailed and the description as cause [inference].
                    TaskOutcome::Failed {
                        error: "States.TaskFailed".into(),
                        cause: Some(metadata::json_body(&Value::Object(d))),
                    }
                }
            }
        }
    }

    /// The scripted answer to a callback task (default: SendTaskSuccess with `{}` at once).
    fn callback(&mut self, call: &TaskCall) -> (TaskOutcome, u64, Vec<u64>) {
        let n = {
            let c = self
                .callback_counts
                .entry(call.state_name.clone())
                .or_insert(0);
            *c += 1;
            *c
        };
        let script = self.world.callbacks.iter().find(|s| {
            s.state.as_deref().is_none_or(|st| st == call.state_name)
                && s.nth.is_none_or(|k| k == n)
        });
        let Some(s) = script.cloned() else {
            return (TaskOutcome::Succeeded(json!({})), 0, Vec::new());
        };
        match s.outcome {
            CallbackOutcome::TaskSuccess { output } => {
                (TaskOutcome::Succeeded(output), s.after_ms, s.heartbeats_ms)
            }
            CallbackOutcome::TaskFailure { error, cause } => (
                // SendTaskFailure without an error name reports no error name; the interpreter shows it as-is.
                TaskOutcome::Failed {
                    error: error.unwrap_or_default(),
                    cause,
                },
                s.after_ms,
                s.heartbeats_ms,
            ),
            CallbackOutcome::Never => {
                let wait = call
                    .timeout_seconds
                    .map(|t| (t * 1000.0) as u64 + 1)
                    // No TimeoutSeconds: the task waits past a Standard execution's one-year limit.
                    .unwrap_or(366 * 24 * 3600 * 1000);
                (
                    TaskOutcome::Failed {
                        error: "States.Timeout".into(),
                        cause: None,
                    },
                    wait,
                    s.heartbeats_ms,
                )
            }
        }
    }
}

fn unreachable_service(call: &TaskCall) -> TaskOutcome {
    TaskOutcome::Failed {
        error: "States.Runtime".into(),
        cause: Some(format!(
            "lambdaless: the simulated services do not implement '{}'",
            call.resource
        )),
    }
}

/// Step Functions serializes a JSON value given where the API expects a string (aws-facts §1.4;
/// compact form as observed for S3 bodies).
fn stringify_field(p: &mut Map<String, Value>, field: &str) {
    if let Some(v) = p.get(field) {
        if !v.is_string() && !v.is_null() {
            let s = metadata::json_body(v);
            p.insert(field.to_string(), Value::String(s));
        }
    }
}

/// Length of SNS's XML PublishResponse (matches the recorded Content-Length: 294 standard, 352 FIFO).
fn sns_xml_len(out: &Value) -> usize {
    let id = out.get("MessageId").and_then(Value::as_str).unwrap_or("");
    let seq = out
        .get("SequenceNumber")
        .and_then(Value::as_str)
        .map(|s| format!("    <SequenceNumber>{s}</SequenceNumber>\n"))
        .unwrap_or_default();
    let xml = format!(
        "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\n  <PublishResult>\n    <MessageId>{id}</MessageId>\n{seq}  </PublishResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n",
        "0".repeat(36)
    );
    xml.len()
}

fn iso_millis(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// AttributeValue shape problems Step Functions rejects before calling DynamoDB (States.Runtime),
/// at the top of the request and inside the requests of transactions and batches.
fn dynamodb_shape_problem(p: &Map<String, Value>) -> Option<String> {
    let attribute_maps = [
        "Item",
        "Key",
        "ExpressionAttributeValues",
        "ExclusiveStartKey",
    ]
    .into_iter()
    .filter_map(|field| p.get(field));
    let batch_keys = p
        .get("Keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for m in attribute_maps
        .chain(batch_keys)
        .filter_map(Value::as_object)
    {
        for v in m.values() {
            if let Err(super::dynamodb::attr::AttrProblem::Shape(reason)) =
                super::dynamodb::attr::validate(v)
            {
                return Some(reason);
            }
        }
    }
    // TransactItems: [{"Put": {...}}]; RequestItems: {table: [{"PutRequest": {...}}]} or {table: {"Keys": [...]}}.
    let transact = p
        .get("TransactItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    let batch = p
        .get("RequestItems")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|r| match r {
            Value::Array(writes) => writes.iter().collect::<Vec<_>>(),
            other => vec![other],
        });
    for element in transact.chain(batch).filter_map(Value::as_object) {
        let bodies = element.values().filter_map(Value::as_object);
        if let Some(reason) = dynamodb_shape_problem(element)
            .or_else(|| bodies.into_iter().find_map(dynamodb_shape_problem))
        {
            return Some(reason);
        }
    }
    None
}

impl ServiceBackend for SimulatedServices {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        if !self.pinned_account {
            self.world.region = call.region.clone();
            self.world.account_id = call.account_id.clone();
        }
        self.world.ctx = CallContext {
            state: Some(call.state_name.clone()),
            now_ms: call.now_ms,
            execution_arn: call.execution_arn.clone(),
            state_machine_arn: call.state_machine_arn.clone(),
            elapsed_ms: 0,
            hung: false,
        };
        let outcome = self.serve(call);
        let mut elapsed = self.world.ctx.elapsed_ms;
        if self.world.ctx.hung {
            // The call never answers: past TimeoutSeconds when set, else States.Timeout at once.
            let elapsed = call
                .timeout_seconds
                .map(|t| (t * 1000.0) as u64 + 1)
                .unwrap_or(0);
            return TaskResponse {
                outcome: TaskOutcome::Failed {
                    error: "States.Timeout".into(),
                    cause: None,
                },
                elapsed_ms: elapsed,
                heartbeats_ms: Vec::new(),
            };
        }
        let is_callback = matches!(
            parse_resource(&call.resource),
            ParsedResource::Integration {
                pattern: Pattern::WaitForTaskToken,
                ..
            }
        );
        if is_callback {
            if let TaskOutcome::Succeeded(_) = outcome {
                let (o, after, hb) = self.callback(call);
                elapsed += after;
                return TaskResponse {
                    outcome: o,
                    elapsed_ms: elapsed,
                    heartbeats_ms: hb,
                };
            }
        }
        TaskResponse {
            outcome,
            elapsed_ms: elapsed,
            heartbeats_ms: Vec::new(),
        }
    }
}

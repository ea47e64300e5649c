//! Calls that reach the project's own functions and state machines: a Task (or a handler's SDK
//! call) that invokes one of the project's functions runs its handler model; one that starts one
//! of its state machines runs a real child execution (`super::super::children`). Both versions
//! meet the same targets, so a rewrite that now makes such a call is compared on its success path.

use super::ApiFailure;
use super::{
    invoke_event, is_lambda_resource, CallOrigin, CallRecord, Gate, Inconclusive, RunBackend,
};
use crate::services::world::ChildResult;
use crate::services::{TaskCall, TaskResponse};
use crate::verify::canon::canonical_request;
use crate::verify::faults::{integration_error, IntegrationStyle};
use crate::verify::lambda_sim::{self, Invocation, SdkRequest, Simulator};
use crate::verify::lang;
use crate::verify::targets::{FunctionTarget, Targets};
use serde_json::{json, Value};
use std::sync::Arc;

/// The log name of an operation: Step Functions' IAM token `states` for the aws-sdk `sfn`
/// resources too, so a handler's StartExecution and the Task that replaces it compare.
pub(super) fn operation_name(service: &str, action: &str) -> String {
    let service = if service == "sfn" { "states" } else { service };
    format!("{service}:{action}")
}

/// The body an Invoke answers. "For the RequestResponse invocation type, this status code is
/// 200. For the Event invocation type, this status code is 202" with an empty body
/// (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html); an error the function raised
/// comes back as its error document with `FunctionError: Unhandled`.
fn invoke_response(
    asynchronous: bool,
    outcome: &Invocation,
    rt: lang::Runtime,
    rid: &str,
) -> Value {
    match outcome {
        _ if asynchronous => json!({"Payload": "", "StatusCode": 202}),
        Invocation::Returned(v) => {
            json!({"ExecutedVersion": "$LATEST", "Payload": v, "StatusCode": 200})
        }
        Invocation::Threw(t) => {
            let (_, cause) = lambda_sim::function_error(t, rt, rid);
            let payload: Value = serde_json::from_str(&cause).unwrap_or(Value::Null);
            json!({"ExecutedVersion": "$LATEST", "FunctionError": "Unhandled", "Payload": payload, "StatusCode": 200})
        }
    }
}

/// The input of a StartExecution request: JSON text (or a JSON value, as Step Functions accepts).
fn execution_input(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => json!({}),
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or(Value::String(s.clone())),
        Some(v) => v.clone(),
    }
}

impl RunBackend<'_> {
    /// A Task that reaches one of the project's functions (a Lambda Task the state-keyed models
    /// do not answer, such as a rewritten Task that now invokes another function) or runs a
    /// synchronous execution of one of its state machines. `None`: not such a Task.
    pub(super) fn project_target(&mut self, call: &TaskCall) -> Option<TaskResponse> {
        let targets = self.targets.clone()?;
        if is_lambda_resource(&call.resource) {
            let optimized = call.resource.starts_with("arn:aws:states:::lambda:invoke");
            let function = if optimized {
                call.parameters.get("FunctionName")?.as_str()?
            } else {
                call.resource.as_str()
            };
            let (name, target) = targets.function(function)?;
            // A Lambda Task both versions keep, whose function cannot be simulated, is answered
            // alike by the shared mock; only the rewritten call must reach the real target.
            if target.model.is_err() && !self.rewritten.contains(&call.state_name) {
                return None;
            }
            return Some(self.invoke_target(call, optimized, name, target));
        }
        if call.resource == "arn:aws:states:::aws-sdk:sfn:startSyncExecution" {
            return self.start_sync_task(call, &targets);
        }
        None
    }

    /// Fails the call as an injected fault, when the scenario injects one here.
    fn injected(
        &mut self,
        call: &TaskCall,
        service: &str,
        action: &str,
        style: IntegrationStyle,
        params: &Value,
    ) -> Option<TaskResponse> {
        let err = self.faults.check(&call.state_name, service, action)?;
        let rid = self.request_id();
        let (error, cause) = integration_error(style, service, &err, &rid);
        self.log.push(CallRecord {
            state: call.state_name.clone(),
            origin: CallOrigin::Direct,
            operation: operation_name(service, action),
            params: params.clone(),
            error: Some(error.clone()),
            injected: true,
        });
        Some(TaskResponse::fail(error, Some(cause)))
    }

    fn invoke_target(
        &mut self,
        call: &TaskCall,
        optimized: bool,
        name: &str,
        target: &FunctionTarget,
    ) -> TaskResponse {
        let params = if optimized {
            canonical_request("lambda", "Invoke", &call.parameters)
        } else {
            call.parameters.clone()
        };
        if optimized {
            if let Some(resp) = self.injected(
                call,
                "lambda",
                "Invoke",
                IntegrationStyle::Optimized,
                &params,
            ) {
                return resp;
            }
        }
        let model = match &target.model {
            Ok(m) if self.depth < crate::verify::children::MAX_DEPTH => m,
            Ok(_) => {
                return self.cannot_simulate(
                    call,
                    format!(
                        "invocations of function {name} nest more than {} deep",
                        crate::verify::children::MAX_DEPTH
                    ),
                )
            }
            Err(why) => {
                return self.cannot_simulate(call, format!("it invokes function {name}: {why}"))
            }
        };
        // Logged before the function's own calls, as a handler's Invoke is.
        self.log.push(CallRecord {
            state: call.state_name.clone(),
            origin: CallOrigin::Direct,
            operation: "lambda:Invoke".into(),
            params,
            error: None,
            injected: false,
        });
        let event = if optimized {
            match invoke_event(&call.parameters) {
                Ok(e) => e,
                Err(resp) => return resp,
            }
        } else {
            call.parameters.clone()
        };
        self.services.lambda_invoked(name, &event);
        let asynchronous = optimized
            && call
                .parameters
                .get("InvocationType")
                .and_then(Value::as_str)
                == Some("Event");
        if !asynchronous {
            return self.simulate(call, model, true);
        }
        // An asynchronous invocation runs the function; the caller only sees that it was queued.
        let _ = self.simulate(call, model, true);
        let rid = self.request_id();
        let mut envelope = lambda_sim::invoke_envelope(Value::String(String::new()), &rid);
        envelope["StatusCode"] = json!(202);
        envelope["SdkHttpMetadata"]["HttpStatusCode"] = json!(202);
        TaskResponse::ok(envelope)
    }

    fn cannot_simulate(&mut self, call: &TaskCall, reason: String) -> TaskResponse {
        self.inconclusive.get_or_insert(Inconclusive {
            state: call.state_name.clone(),
            reason: reason.clone(),
        });
        TaskResponse::fail(
            "States.Runtime",
            Some(format!("lambdaless verify: {reason}")),
        )
    }

    /// `aws-sdk:sfn:startSyncExecution` of one of the project's (Express) state machines: the
    /// child runs, and the service answers with how it ended.
    fn start_sync_task(&mut self, call: &TaskCall, targets: &Arc<Targets>) -> Option<TaskResponse> {
        let arn = call
            .parameters
            .get("StateMachineArn")?
            .as_str()?
            .to_string();
        let (sm_name, _) = targets.machine(&arn)?;
        let sm_name = sm_name.to_string();
        let params = canonical_request("states", "StartSyncExecution", &call.parameters);
        if let Some(resp) = self.injected(
            call,
            "sfn",
            "StartSyncExecution",
            IntegrationStyle::AwsSdk,
            &params,
        ) {
            return Some(resp);
        }
        let mut sent = call.clone();
        let name = match call.parameters.get("Name").and_then(Value::as_str) {
            Some(n) => n.to_string(),
            None => {
                let n = self.services.fresh_execution_name();
                if let Some(m) = sent.parameters.as_object_mut() {
                    m.insert("Name".into(), json!(n));
                }
                n
            }
        };
        let input = execution_input(call.parameters.get("Input"));
        let execution_arn = express_execution_arn(call, &sm_name, &name);
        let result = match crate::verify::children::run_child(
            &mut *self.services,
            targets,
            self.depth,
            &arn,
            &execution_arn,
            &name,
            &input,
            call.now_ms,
        )? {
            Ok(r) => r,
            Err(inc) => {
                self.inconclusive.get_or_insert(inc.clone());
                return Some(TaskResponse::fail("States.Runtime", Some(inc.reason)));
            }
        };
        let previous = self
            .services
            .set_child_result(&sm_name, Some(child_result(result)));
        let resp = self.services.call(&sent);
        self.services.set_child_result(&sm_name, previous);
        self.log.push(CallRecord::answered(
            call,
            CallOrigin::Direct,
            "states:StartSyncExecution".into(),
            params,
            &resp,
        ));
        Some(resp)
    }
}

/// The ARN a synchronous Express execution is known by inside the child (its `$$.Execution.Id`).
fn express_execution_arn(call: &TaskCall, sm_name: &str, name: &str) -> String {
    format!(
        "arn:aws:states:{}:{}:express:{sm_name}:{name}",
        call.region, call.account_id
    )
}

fn child_result(r: crate::interp::ExecutionResult) -> ChildResult {
    ChildResult {
        status: r.status,
        output: r.output,
        error: r.error,
        cause: r.cause,
        duration_ms: 0,
    }
}

impl Gate<'_> {
    /// A handler's Invoke of one of the project's functions, or its StartExecution /
    /// StartSyncExecution of one of its state machines. `None`: not such a call.
    pub(super) fn project_target(
        &mut self,
        targets: &Arc<Targets>,
        request: &SdkRequest,
    ) -> Option<Result<Value, ApiFailure>> {
        match (request.service.as_str(), request.action.as_str()) {
            ("lambda", "Invoke") => {
                let function = request.params.get("FunctionName")?.as_str()?;
                let (name, target) = targets.function(function)?;
                Some(self.invoke(name, target, &request.params))
            }
            ("states" | "sfn", "StartExecution" | "StartSyncExecution") => {
                let arn = request.params.get("stateMachineArn")?.as_str()?.to_string();
                let (sm_name, _) = targets.machine(&arn)?;
                let sm_name = sm_name.to_string();
                Some(self.start(targets, request, &arn, &sm_name))
            }
            _ => None,
        }
    }

    fn unsimulable(&mut self, reason: String) -> ApiFailure {
        self.inconclusive.get_or_insert(Inconclusive {
            state: self.state.clone(),
            reason: reason.clone(),
        });
        ApiFailure {
            name: "ServiceException".into(),
            message: format!("lambdaless verify: {reason}"),
            status: 500,
        }
    }

    fn invoke(
        &mut self,
        name: &str,
        target: &FunctionTarget,
        params: &Value,
    ) -> Result<Value, ApiFailure> {
        let event =
            crate::services::lambda::event_from_payload(params.get("Payload")).map_err(|e| {
                ApiFailure {
                    name: e.code,
                    message: e.message,
                    status: e.status,
                }
            })?;
        let model = match &target.model {
            Ok(m) if self.depth < crate::verify::children::MAX_DEPTH => m,
            Ok(_) => {
                return Err(self.unsimulable(format!(
                    "invocations of function {name} nest more than {} deep",
                    crate::verify::children::MAX_DEPTH
                )))
            }
            Err(why) => {
                return Err(self.unsimulable(format!("its handler invokes function {name}: {why}")))
            }
        };
        self.services.lambda_invoked(name, &event);
        let modelled = |s: &str, a: &str, n: &str| crate::verify::faults::is_modelled(s, a, n);
        let mut sim = Simulator::new(model, &modelled);
        let rt = sim.runtime();
        let outcome = {
            let mut inner = Gate {
                services: &mut *self.services,
                faults: &mut *self.faults,
                log: &mut *self.log,
                inconclusive: &mut *self.inconclusive,
                state: self.state.clone(),
                base: self.base,
                requests: &mut *self.requests,
                targets: self.targets.clone(),
                depth: self.depth + 1,
            };
            sim.invoke(&event, &mut inner)
        };
        let outcome =
            outcome.map_err(|why| self.unsimulable(format!("function {name}: {}", why.0)))?;
        *self.requests += 1;
        let rid = format!("11111111-0000-4000-8000-{:012}", *self.requests);
        let asynchronous = params.get("InvocationType").and_then(Value::as_str) == Some("Event");
        Ok(invoke_response(asynchronous, &outcome, rt, &rid))
    }

    fn start(
        &mut self,
        targets: &Arc<Targets>,
        request: &SdkRequest,
        arn: &str,
        sm_name: &str,
    ) -> Result<Value, ApiFailure> {
        let sync = request.action == "StartSyncExecution";
        let mut params = request.params.clone();
        // The name is drawn before the child runs, as the Task integration draws it.
        let name = match params.get("name").and_then(Value::as_str) {
            Some(n) => n.to_string(),
            None => {
                let n = self.services.fresh_execution_name();
                if let Some(m) = params.as_object_mut() {
                    m.insert("name".into(), json!(n));
                }
                n
            }
        };
        let input = execution_input(params.get("input"));
        let execution_arn = if sync {
            express_execution_arn(self.base, sm_name, &name)
        } else {
            format!(
                "arn:aws:states:{}:{}:execution:{sm_name}:{name}",
                self.base.region, self.base.account_id
            )
        };
        let result = match crate::verify::children::run_child(
            &mut *self.services,
            targets,
            self.depth,
            arn,
            &execution_arn,
            &name,
            &input,
            self.base.now_ms,
        ) {
            Some(Ok(r)) => r,
            Some(Err(inc)) => return Err(self.unsimulable(inc.reason)),
            None => {
                return Err(self.unsimulable(format!("state machine {arn} is not the project's")))
            }
        };
        let previous = sync.then(|| {
            self.services
                .set_child_result(sm_name, Some(child_result(result)))
        });
        let out = self
            .services
            .call_api(self.base, &request.service, &request.action, &params);
        if let Some(previous) = previous {
            self.services.set_child_result(sm_name, previous);
        }
        out
    }
}

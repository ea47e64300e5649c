//! Task states: effective parameters, the service call with its timeouts and history events, and
//! the result processing (ResultSelector → ResultPath → OutputPath, or JSONata Output/Assign).

use super::errors::Failure;
use super::executor::{Current, Engine, Step, PAYLOAD_LIMIT_BYTES};
use super::io::compact;
use crate::services::{TaskCall, TaskOutcome};
use serde_json::{json, Map, Value};

/// How a resource ARN shows up in history events.
struct ResourceKind {
    /// A bare Lambda function ARN (`LambdaFunction*` events) rather than a service integration.
    bare_lambda: bool,
    resource_type: String,
    resource: String,
}

fn classify(resource: &str) -> ResourceKind {
    let parts: Vec<&str> = resource.split(':').collect();
    if parts.len() >= 7 && parts[2] == "lambda" && parts[5] == "function" {
        return ResourceKind {
            bare_lambda: true,
            resource_type: "lambda".into(),
            resource: resource.to_string(),
        };
    }
    if parts.len() >= 7 && parts[2] == "states" && parts[5] == "aws-sdk" && parts.len() >= 8 {
        return ResourceKind {
            bare_lambda: false,
            resource_type: format!("aws-sdk:{}", parts[6]),
            resource: parts[7..].join(":"),
        };
    }
    if parts.len() >= 7 && parts[2] == "states" {
        return ResourceKind {
            bare_lambda: false,
            resource_type: parts[5].to_string(),
            resource: parts[6..].join(":"),
        };
    }
    ResourceKind {
        bare_lambda: false,
        resource_type: "unknown".into(),
        resource: resource.to_string(),
    }
}

impl Engine<'_> {
    /// A `TimeoutSeconds`/`HeartbeatSeconds` value: literal, `...Path`, or JSONata.
    fn seconds_field(
        &self,
        state: &Map<String, Value>,
        cur: &Current,
        key: &str,
        input: &Value,
        vars: &Map<String, Value>,
        bindings: Option<&Map<String, Value>>,
    ) -> Result<Option<f64>, Failure> {
        if let Some(v) = state.get(key) {
            let v = self.field_value(v, cur, input, bindings, key)?;
            return match v.as_f64() {
                Some(n) if n > 0.0 => Ok(Some(n)),
                _ => Err(self.bad_field(
                    cur,
                    bindings.is_some(),
                    format!(
                        "The {key} field must be a positive integer, but was: {}",
                        compact(&v)
                    ),
                )),
            };
        }
        let path_key = format!("{key}Path");
        if let Some(p) = state.get(&path_key).and_then(Value::as_str) {
            let v = self.select(p, cur, input, vars)?;
            return match v.as_ref().and_then(Value::as_f64) {
                Some(n) if n > 0.0 => Ok(Some(n)),
                _ => Err(self.runtime(
                    cur,
                    format!(
                        "The {path_key} field refers to value {} which is not a valid positive integer: {p}",
                        v.as_ref().map(compact).unwrap_or_else(|| "null".into())
                    ),
                )),
            };
        }
        Ok(None)
    }

    pub fn task(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &mut Map<String, Value>,
        attempt: u32,
    ) -> Result<Step, Failure> {
        let jsonata = self.is_jsonata(state);
        let resource = state
            .get("Resource")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let token = if resource.ends_with(".waitForTaskToken") {
            self.tokens += 1;
            let t = format!(
                "lambdaless-task-token-{}-{}-{}",
                self.exec.execution_name, cur.entered_id, self.tokens
            );
            if let Some(obj) = self.ctx.as_object_mut() {
                obj.insert("Task".into(), json!({"Token": t}));
            }
            Some(t)
        } else {
            None
        };
        let res = self.task_inner(state, cur, input, vars, attempt, &resource, token, jsonata);
        if token_present(&self.ctx) {
            if let Some(obj) = self.ctx.as_object_mut() {
                obj.remove("Task");
            }
        }
        res
    }

    #[allow(clippy::too_many_arguments)]
    fn task_inner(
        &mut self,
        state: &Map<String, Value>,
        cur: &Current,
        input: &Value,
        vars: &mut Map<String, Value>,
        attempt: u32,
        resource: &str,
        token: Option<String>,
        jsonata: bool,
    ) -> Result<Step, Failure> {
        let bindings = jsonata.then(|| self.bindings(vars, input, None, None));
        let parameters = self.effective_parameters(state, cur, input, vars, bindings.as_ref())?;
        let credentials = match (state.get("Credentials"), &bindings) {
            (None, _) => None,
            (Some(c), Some(b)) => Some(self.jsonata_field(c, cur, input, b, "Credentials")?),
            (Some(c), None) => Some(self.template(c, cur, input, vars)?),
        };
        let timeout =
            self.seconds_field(state, cur, "TimeoutSeconds", input, vars, bindings.as_ref())?;
        let heartbeat = self.seconds_field(
            state,
            cur,
            "HeartbeatSeconds",
            input,
            vars,
            bindings.as_ref(),
        )?;

        let kind = classify(resource);
        let call = TaskCall {
            state_name: cur.name.clone(),
            resource: resource.to_string(),
            parameters,
            task_token: token,
            attempt,
            execution_arn: self.exec.execution_arn.clone(),
            state_machine_arn: self.exec.state_machine_arn.clone(),
            region: self.exec.region.clone(),
            account_id: self.exec.account_id.clone(),
            now_ms: self.now_ms,
            timeout_seconds: timeout,
            heartbeat_seconds: heartbeat,
            credentials,
        };
        let response = self.services.call(&call);
        // `States.Runtime` is Step Functions itself refusing to start the Task (parameters the
        // integration cannot send): no task is scheduled, and it is terminal: "States.ALL ...
        // cannot catch States.DataLimitExceeded terminal errors or Runtime error types"
        // (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). The
        // recorded cases of States.Runtime in other states go straight from the state's Entered
        // event to ExecutionFailed.
        if let TaskOutcome::Failed { error, cause } = &response.outcome {
            if error == "States.Runtime" {
                let cause = cause.clone().unwrap_or_default();
                let cause = if self.test.is_none() {
                    crate::services::with_entered_event(&cause, &cur.name, cur.entered_id)
                } else {
                    cause
                };
                return Err(Failure::raised(error.clone(), cause));
            }
        }
        self.schedule_events(&kind, &call.parameters, timeout, heartbeat);

        // Timeouts on the virtual clock: the task runs until it answers, times out, or misses a heartbeat.
        let timeout_ms = timeout.map(|t| (t * 1000.0) as u64);
        let heartbeat_ms = heartbeat.map(|h| (h * 1000.0) as u64);
        let mut ended_ms = response.elapsed_ms;
        let mut timed_out: Option<&str> = None;
        if let Some(h) = heartbeat_ms {
            let mut last = 0u64;
            let mut beats: Vec<u64> = response
                .heartbeats_ms
                .iter()
                .copied()
                .filter(|b| *b <= response.elapsed_ms)
                .collect();
            beats.sort_unstable();
            beats.push(response.elapsed_ms);
            for b in beats {
                if b - last > h {
                    ended_ms = last + h;
                    timed_out = Some("States.HeartbeatTimeout");
                    break;
                }
                last = b;
            }
        }
        if let Some(t) = timeout_ms {
            if ended_ms > t {
                ended_ms = t;
                timed_out = Some("States.Timeout");
            }
        }
        self.advance(ended_ms)?;

        let outcome = match timed_out {
            Some(err) => {
                self.timed_out_event(&kind, err);
                return Err(Failure::bare(Some(err.to_string()), None));
            }
            None => response.outcome,
        };
        let result = match outcome {
            TaskOutcome::Succeeded(v) => v,
            TaskOutcome::Failed { error, cause } => {
                self.failed_event(&kind, &error, cause.as_deref());
                return Err(Failure::bare(Some(error), cause));
            }
        };
        if super::executor::json_size_exceeds(&result, PAYLOAD_LIMIT_BYTES) {
            let who = if kind.bare_lambda {
                resource.to_string()
            } else {
                kind.resource_type.clone()
            };
            let cause = format!(
                "The state/task '{who}' returned a result with a size exceeding the maximum number of bytes service limit."
            );
            self.failed_event(&kind, "States.DataLimitExceeded", Some(&cause));
            // A connector's oversized result is caught by States.ALL in the recorded cases.
            return Err(Failure::new("States.DataLimitExceeded", cause));
        }
        self.succeeded_event(&kind, &result);

        self.finish_with_result(state, cur, input, vars, bindings.as_ref(), result)
    }

    fn schedule_events(
        &mut self,
        kind: &ResourceKind,
        parameters: &Value,
        timeout: Option<f64>,
        heartbeat: Option<f64>,
    ) {
        let region = self.exec.region.clone();
        if kind.bare_lambda {
            self.push_event("LambdaFunctionScheduled", || {
                let mut d = json!({"input": parameters, "inputDetails": {"truncated": false}, "resource": kind.resource});
                if let Some(t) = timeout {
                    d["timeoutInSeconds"] = json!(t as i64);
                }
                Some(("lambdaFunctionScheduledEventDetails", d))
            });
            self.push_event("LambdaFunctionStarted", || None);
        } else {
            self.push_event("TaskScheduled", || {
                let mut d = json!({"parameters": parameters, "region": region,
                    "resource": kind.resource, "resourceType": kind.resource_type});
                if let Some(t) = timeout {
                    d["timeoutInSeconds"] = json!(t as i64);
                }
                if let Some(h) = heartbeat {
                    d["heartbeatInSeconds"] = json!(h as i64);
                }
                Some(("taskScheduledEventDetails", d))
            });
            self.push_event("TaskStarted", || {
                Some((
                    "taskStartedEventDetails",
                    json!({"resource": kind.resource, "resourceType": kind.resource_type}),
                ))
            });
        }
    }

    fn succeeded_event(&mut self, kind: &ResourceKind, result: &Value) {
        if kind.bare_lambda {
            self.push_event("LambdaFunctionSucceeded", || {
                Some((
                    "lambdaFunctionSucceededEventDetails",
                    json!({"output": result, "outputDetails": {"truncated": false}}),
                ))
            });
        } else {
            self.push_event("TaskSucceeded", || {
                Some((
                    "taskSucceededEventDetails",
                    json!({"output": result, "outputDetails": {"truncated": false},
                    "resource": kind.resource, "resourceType": kind.resource_type}),
                ))
            });
        }
    }

    fn failed_event(&mut self, kind: &ResourceKind, error: &str, cause: Option<&str>) {
        let mut d = Map::new();
        if let Some(c) = cause {
            d.insert("cause".into(), json!(c));
        }
        d.insert("error".into(), json!(error));
        if kind.bare_lambda {
            self.push_event("LambdaFunctionFailed", || {
                Some(("lambdaFunctionFailedEventDetails", Value::Object(d)))
            });
        } else {
            d.insert("resource".into(), json!(kind.resource));
            d.insert("resourceType".into(), json!(kind.resource_type));
            self.push_event("TaskFailed", || {
                Some(("taskFailedEventDetails", Value::Object(d)))
            });
        }
    }

    fn timed_out_event(&mut self, kind: &ResourceKind, error: &str) {
        if kind.bare_lambda {
            self.push_event("LambdaFunctionTimedOut", || {
                Some((
                    "lambdaFunctionTimedOutEventDetails",
                    json!({"error": error}),
                ))
            });
        } else {
            self.push_event("TaskTimedOut", || {
                Some((
                    "taskTimedOutEventDetails",
                    json!({"error": error,
                    "resource": kind.resource, "resourceType": kind.resource_type}),
                ))
            });
        }
    }
}

fn token_present(ctx: &Value) -> bool {
    ctx.get("Task").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_resources() {
        let k = classify("arn:aws:states:::lambda:invoke");
        assert_eq!(
            (k.bare_lambda, k.resource_type.as_str(), k.resource.as_str()),
            (false, "lambda", "invoke")
        );
        let k = classify("arn:aws:states:::aws-sdk:dynamodb:putItem");
        assert_eq!(
            (k.resource_type.as_str(), k.resource.as_str()),
            ("aws-sdk:dynamodb", "putItem")
        );
        let k = classify("arn:aws:lambda:us-east-1:111111111111:function:f");
        assert!(k.bare_lambda);
        let k = classify("arn:aws:states:::sqs:sendMessage.waitForTaskToken");
        assert_eq!(k.resource.as_str(), "sendMessage.waitForTaskToken");
    }
}

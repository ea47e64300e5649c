//! Execution histories as Step Functions records them, reduced to what replay needs: the
//! execution input, and for each Lambda invocation the state, the request and what it returned.
//!
//! Events are JSON in the API's shape (GetExecutionHistory,
//! https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html;
//! HistoryEvent, https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html),
//! so histories from the SDK and recorded ones read alike. Each event names its predecessor
//! (`previousEventId`): a result is tied to its request and its state by following that chain,
//! which stays right inside Parallel branches and Map iterations where events interleave.

use serde_json::{json, Value};
use std::collections::HashMap;

/// What one invocation returned, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    Succeeded(Value),
    Failed {
        error: String,
        cause: Option<String>,
    },
    /// The recorded data was cut at the history's size limit: nothing to compare.
    Truncated,
}

/// One Lambda invocation of a Task state.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub event_id: i64,
    pub state: String,
    /// The state's input (as `*StateEntered` recorded it).
    pub state_input: Option<Value>,
    /// The Task's Resource: `arn:aws:states:::lambda:invoke` or the function ARN.
    pub resource: String,
    /// What Step Functions sent: the effective Parameters (lambda:invoke) or the state input.
    pub request: Value,
    pub recorded: Recorded,
}

/// How a history carries its data fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As JSON text, the API's way (parsed leniently: recorded fixtures hold objects already,
    /// and text that is not JSON stays a string).
    Text,
    /// As JSON values (the interpreter's own history).
    Values,
}

fn data(v: Option<&Value>, enc: Encoding) -> Option<Value> {
    match (v?, enc) {
        (Value::Null, _) => None,
        (Value::String(s), Encoding::Text) => {
            Some(serde_json::from_str(s).unwrap_or_else(|_| json!(s)))
        }
        (other, _) => Some(other.clone()),
    }
}

fn details<'a>(e: &'a Value, key: &str) -> &'a Value {
    e.get(key).unwrap_or(&Value::Null)
}

fn truncated(d: &Value, key: &str) -> bool {
    d.get(key)
        .and_then(|x| x.get("truncated"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The execution's input (`None` when the history cut it).
pub fn execution_input(events: &[Value]) -> Option<Value> {
    let enc = Encoding::Text;
    let started = events.iter().find(|e| e["type"] == "ExecutionStarted")?;
    let d = details(started, "executionStartedEventDetails");
    if truncated(d, "inputDetails") {
        return None;
    }
    Some(data(d.get("input"), enc).unwrap_or_else(|| json!({})))
}

/// Every Lambda invocation of an API history that ended (succeeded, failed or timed out), in
/// history order.
pub fn lambda_invocations(events: &[Value]) -> Vec<Invocation> {
    task_invocations(events, Encoding::Text)
        .into_iter()
        .filter(|i| crate::verify::backend::is_lambda_resource(&i.resource))
        .collect()
}

/// Every Task invocation (any integration) that ended, in history order. For a Task that is not
/// a Lambda, `request` is its effective Parameters and `recorded` the service's result.
pub fn task_invocations(events: &[Value], enc: Encoding) -> Vec<Invocation> {
    let by_id: HashMap<i64, &Value> = events
        .iter()
        .filter_map(|e| Some((e.get("id")?.as_i64()?, e)))
        .collect();
    let previous = |e: &Value| {
        e.get("previousEventId")
            .and_then(Value::as_i64)
            .and_then(|p| by_id.get(&p).copied())
    };
    // Walks back from an event to the nearest earlier event whose type satisfies `want`.
    let back = |from: &Value, want: &dyn Fn(&str) -> bool| -> Option<&Value> {
        let mut cur = previous(from);
        let mut steps = 0;
        while let Some(e) = cur {
            if want(e["type"].as_str().unwrap_or("")) {
                return Some(e);
            }
            steps += 1;
            if steps > events.len() {
                return None;
            }
            cur = previous(e);
        }
        None
    };
    let mut out = Vec::new();
    for e in events {
        let kind = e["type"].as_str().unwrap_or("");
        let (recorded, scheduled_type) = match kind {
            "TaskSucceeded" => {
                let d = details(e, "taskSucceededEventDetails");
                (succeeded(d, enc), "TaskScheduled")
            }
            "TaskFailed" | "TaskTimedOut" => {
                let key = if kind == "TaskFailed" {
                    "taskFailedEventDetails"
                } else {
                    "taskTimedOutEventDetails"
                };
                (failed(details(e, key), "States.Timeout"), "TaskScheduled")
            }
            "LambdaFunctionSucceeded" => (
                succeeded(details(e, "lambdaFunctionSucceededEventDetails"), enc),
                "LambdaFunctionScheduled",
            ),
            "LambdaFunctionFailed" => (
                failed(details(e, "lambdaFunctionFailedEventDetails"), ""),
                "LambdaFunctionScheduled",
            ),
            "LambdaFunctionTimedOut" => (
                failed(
                    details(e, "lambdaFunctionTimedOutEventDetails"),
                    "States.Timeout",
                ),
                "LambdaFunctionScheduled",
            ),
            _ => continue,
        };
        let Some(scheduled) = back(e, &|t| t == scheduled_type) else {
            continue;
        };
        let Some(entered) = back(scheduled, &|t| t.ends_with("StateEntered")) else {
            continue;
        };
        let entered = details(entered, "stateEnteredEventDetails");
        let state = entered["name"].as_str().unwrap_or("").to_string();
        let state_input = if truncated(entered, "inputDetails") {
            None
        } else {
            data(entered.get("input"), enc)
        };
        let (resource, request) = if scheduled_type == "TaskScheduled" {
            let d = details(scheduled, "taskScheduledEventDetails");
            (
                format!(
                    "arn:aws:states:::{}:{}",
                    d["resourceType"].as_str().unwrap_or(""),
                    d["resource"].as_str().unwrap_or("")
                ),
                data(d.get("parameters"), enc).unwrap_or_else(|| json!({})),
            )
        } else {
            let d = details(scheduled, "lambdaFunctionScheduledEventDetails");
            let request = if truncated(d, "inputDetails") {
                None
            } else {
                data(d.get("input"), enc)
            };
            (
                d["resource"].as_str().unwrap_or("").to_string(),
                request.unwrap_or(Value::Null),
            )
        };
        let recorded = if request.is_null() {
            Recorded::Truncated
        } else {
            recorded
        };
        out.push(Invocation {
            event_id: e.get("id").and_then(Value::as_i64).unwrap_or(0),
            state,
            state_input,
            resource,
            request,
            recorded,
        });
    }
    out
}

fn succeeded(d: &Value, enc: Encoding) -> Recorded {
    if truncated(d, "outputDetails") {
        return Recorded::Truncated;
    }
    Recorded::Succeeded(data(d.get("output"), enc).unwrap_or(Value::Null))
}

fn failed(d: &Value, default_error: &str) -> Recorded {
    Recorded::Failed {
        error: d["error"].as_str().unwrap_or(default_error).to_string(),
        cause: d["cause"].as_str().map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Histories recorded against AWS, copied from ../shared/asl-cases into fixtures so the
    /// tests run (and can fail) on any checkout.
    fn recorded(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/cloud/recorded")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn optimized_invoke_in_a_recorded_history() {
        let case = recorded(
            "services.test_lambda_task_service.TestTaskServiceLambda.test_invoke_json_values__json_value5.json",
        );
        let events = case["expected"]["history"].as_array().unwrap();
        let inv = lambda_invocations(events);
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0].state, "Start");
        assert_eq!(inv[0].resource, "arn:aws:states:::lambda:invoke");
        assert_eq!(inv[0].request["Payload"], "{}");
        match &inv[0].recorded {
            Recorded::Succeeded(out) => assert_eq!(out["StatusCode"], 200),
            other => panic!("{other:?}"),
        }
        assert_eq!(execution_input(events).unwrap()["Payload"], json!("{}"));
    }

    #[test]
    fn function_arn_resource_in_a_recorded_history() {
        let case =
            recorded("services.test_lambda_task.TestTaskLambda.test_invoke_string_payload.json");
        let events = case["expected"]["history"].as_array().unwrap();
        let inv = lambda_invocations(events);
        assert_eq!(inv.len(), 1);
        assert_eq!(inv[0].state, "step1");
        assert!(inv[0].resource.contains(":function:"));
        assert_eq!(inv[0].request, json!("HelloWorld"));
        assert_eq!(inv[0].recorded, Recorded::Succeeded(json!("HelloWorld")));
    }

    #[test]
    fn failures_retries_and_interleaved_branches_follow_the_event_chain() {
        // Two branches interleave; branch B's Lambda fails once and is retried.
        let ev = |id: i64, prev: i64, ty: &str, d: Value| {
            let mut e = json!({"id": id, "previousEventId": prev, "type": ty, "timestamp": 1.7e9});
            if let Value::Object(m) = d {
                for (k, v) in m {
                    e[k] = v;
                }
            }
            e
        };
        let entered =
            |name: &str| json!({"stateEnteredEventDetails": {"name": name, "input": "{}"}});
        let sched = |p: &str| json!({"taskScheduledEventDetails": {"resourceType": "lambda", "resource": "invoke", "region": "us-east-1", "parameters": p}});
        let events = vec![
            ev(
                1,
                0,
                "ExecutionStarted",
                json!({"executionStartedEventDetails": {"input": "{\"a\":1}", "inputDetails": {"truncated": false}}}),
            ),
            ev(2, 1, "ParallelStateEntered", entered("P")),
            ev(3, 2, "TaskStateEntered", entered("A")),
            ev(4, 2, "TaskStateEntered", entered("B")),
            ev(5, 3, "TaskScheduled", sched("{\"Payload\":{\"x\":1}}")),
            ev(6, 4, "TaskScheduled", sched("{\"Payload\":{\"y\":2}}")),
            ev(7, 6, "TaskStarted", json!({})),
            ev(8, 5, "TaskStarted", json!({})),
            ev(
                9,
                7,
                "TaskFailed",
                json!({"taskFailedEventDetails": {"resourceType": "lambda", "resource": "invoke", "error": "Lambda.ServiceException", "cause": "boom"}}),
            ),
            ev(
                10,
                8,
                "TaskSucceeded",
                json!({"taskSucceededEventDetails": {"resourceType": "lambda", "resource": "invoke", "output": "{\"Payload\":\"a\"}", "outputDetails": {"truncated": false}}}),
            ),
            ev(11, 9, "TaskScheduled", sched("{\"Payload\":{\"y\":2}}")),
            ev(12, 11, "TaskStarted", json!({})),
            ev(
                13,
                12,
                "TaskSucceeded",
                json!({"taskSucceededEventDetails": {"resourceType": "lambda", "resource": "invoke", "output": "{\"Payload\":\"b\"}", "outputDetails": {"truncated": true}}}),
            ),
        ];
        let inv = lambda_invocations(&events);
        let seen: Vec<(&str, i64)> = inv.iter().map(|i| (i.state.as_str(), i.event_id)).collect();
        assert_eq!(seen, [("B", 9), ("A", 10), ("B", 13)]);
        assert_eq!(
            inv[0].recorded,
            Recorded::Failed {
                error: "Lambda.ServiceException".into(),
                cause: Some("boom".into())
            }
        );
        assert_eq!(inv[0].request, json!({"Payload": {"y": 2}}));
        assert_eq!(
            inv[1].recorded,
            Recorded::Succeeded(json!({"Payload": "a"}))
        );
        assert_eq!(inv[2].recorded, Recorded::Truncated);
        assert_eq!(execution_input(&events), Some(json!({"a": 1})));
    }
}

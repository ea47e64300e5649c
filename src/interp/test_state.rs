//! The TestState API: runs one state in isolation (with an optional mocked result or error) and
//! reports SUCCEEDED | FAILED | RETRIABLE | CAUGHT_ERROR, the next state and inspection data.
//!
//! Request fields as in the API (https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html):
//! `stateName` (when the definition is a whole machine), `mock` {`result` | `errorOutput` {error, cause}},
//! `inspectionLevel`, `variables` and `context` (JSON strings), `stateConfiguration`
//! {`retrierRetryCount`, `mapIterationFailureCount`, `errorCausedByState`}.

use super::clock::parse_clock;
use super::context::context_object;
use super::errors::Failure;
use super::executor::{Engine, Next, TestMode};
use super::{ExecuteOptions, ExecutionContext};
use crate::services::{NoServices, ServiceBackend, TaskCall, TaskResponse};
use serde_json::{json, Map, Value};

/// What TestState answers.
#[derive(Debug, Clone, PartialEq)]
pub struct TestStateResult {
    pub status: String,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub next_state: Option<String>,
    pub inspection_data: Option<Value>,
}

impl TestStateResult {
    pub fn to_json(&self) -> Value {
        let mut v = json!({"status": self.status, "output": self.output, "error": self.error, "cause": self.cause});
        if let Some(n) = &self.next_state {
            v["nextState"] = json!(n);
        }
        if let Some(i) = &self.inspection_data {
            v["inspectionData"] = i.clone();
        }
        v
    }

    fn failed(error: &str, cause: String) -> Self {
        TestStateResult {
            status: "FAILED".into(),
            output: None,
            error: Some(error.into()),
            cause: Some(cause),
            next_state: None,
            inspection_data: None,
        }
    }
}

/// A Task backend that answers with the request's mock.
struct MockedTask(Result<Value, Failure>);

impl ServiceBackend for MockedTask {
    fn call(&mut self, _call: &TaskCall) -> TaskResponse {
        match &self.0 {
            Ok(v) => TaskResponse::ok(v.clone()),
            Err(f) => TaskResponse::fail(f.error.clone().unwrap_or_default(), f.cause.clone()),
        }
    }
}

/// A request field that the API carries as a JSON string (or, leniently, as JSON).
fn json_field(request: &Value, key: &str) -> Result<Option<Value>, String> {
    match request.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| format!("{key} is not valid JSON: {e}")),
        Some(other) => Ok(Some(other.clone())),
    }
}

fn mock_of(request: &Value) -> Result<Option<Result<Value, Failure>>, String> {
    let Some(mock) = request.get("mock") else {
        return Ok(None);
    };
    if let Some(result) = json_field(mock, "result")? {
        return Ok(Some(Ok(result)));
    }
    if let Some(e) = mock.get("errorOutput") {
        let error = e.get("error").and_then(Value::as_str).map(str::to_string);
        let cause = e.get("cause").and_then(Value::as_str).map(str::to_string);
        return Ok(Some(Err(Failure::bare(error, cause))));
    }
    Ok(None)
}

/// Runs a TestState request: `definition` is a state, or a whole machine with `state` naming the
/// state to test; `request` holds the other API fields.
pub fn run_request(
    definition: &Value,
    input: &Value,
    state: Option<&str>,
    request: &Value,
) -> TestStateResult {
    run_with_context(
        definition,
        input,
        state,
        request,
        &ExecutionContext::default(),
    )
}

/// [`run_request`] in a given account/region/role.
pub fn run_with_context(
    definition: &Value,
    input: &Value,
    state: Option<&str>,
    request: &Value,
    exec: &ExecutionContext,
) -> TestStateResult {
    run_with_services(definition, input, state, request, exec, &mut NoServices)
}

/// [`run_with_context`] with the services an unmocked Task calls (TestState without `mock` calls
/// the real service).
pub fn run_with_services(
    definition: &Value,
    input: &Value,
    state: Option<&str>,
    request: &Value,
    exec: &ExecutionContext,
    services: &mut dyn ServiceBackend,
) -> TestStateResult {
    // The state under test, and the query language it inherits.
    let (state_def, top_jsonata) = match definition.get("States").and_then(Value::as_object) {
        Some(states) => {
            let name = state
                .or_else(|| request.get("stateName").and_then(Value::as_str))
                .or_else(|| definition.get("StartAt").and_then(Value::as_str))
                .unwrap_or("");
            match find_state(states, name) {
                Some(s) => (
                    s,
                    definition.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata"),
                ),
                None => {
                    return TestStateResult::failed(
                        "States.Runtime",
                        format!("lambdaless: the definition has no state named '{name}'"),
                    )
                }
            }
        }
        None => (definition, false),
    };
    let Some(state_obj) = state_def.as_object() else {
        return TestStateResult::failed(
            "States.Runtime",
            "lambdaless: a state must be a JSON object".into(),
        );
    };
    let mock = match mock_of(request) {
        Ok(m) => m,
        Err(e) => return TestStateResult::failed("States.Runtime", e),
    };
    let vars = match json_field(request, "variables") {
        Ok(Some(Value::Object(m))) => m,
        Ok(_) => Map::new(),
        Err(e) => return TestStateResult::failed("States.Runtime", e),
    };
    let given_context = match json_field(request, "context") {
        Ok(c) => c,
        Err(e) => return TestStateResult::failed("States.Runtime", e),
    };
    let config = request
        .get("stateConfiguration")
        .cloned()
        .unwrap_or(Value::Null);

    // TestState runs as an express execution of a machine of its own.
    let mut ctx = exec.clone();
    ctx.state_machine_name = "TestStateMachine".into();
    ctx.execution_name = "test-state-execution".into();
    ctx.state_machine_arn = format!(
        "arn:{}:states:{}:{}:stateMachine:{}",
        ctx.partition, ctx.region, ctx.account_id, ctx.state_machine_name
    );
    ctx.execution_arn = format!(
        "arn:{}:states:{}:{}:express:{}:{}",
        ctx.partition, ctx.region, ctx.account_id, ctx.state_machine_name, ctx.execution_name
    );
    let start_ms = parse_clock(&ctx.clock).unwrap_or(0);
    let fixed_context = given_context.is_some();
    let ctx_obj = match given_context {
        Some(c) => c,
        None => {
            let mut c = context_object(&ctx, input, start_ms);
            if let Some(e) = c.get_mut("Execution").and_then(Value::as_object_mut) {
                e.remove("RedriveCount");
            }
            c
        }
    };

    let opts = ExecuteOptions {
        record_history: false,
        ..Default::default()
    };
    let mut mocked;
    let backend: &mut dyn ServiceBackend = match &mock {
        Some(m) => {
            mocked = MockedTask(m.clone());
            &mut mocked
        }
        None => services,
    };
    let mut engine = Engine::new(backend, &ctx, &opts, start_ms, ctx_obj, top_jsonata);
    engine.test = Some(TestMode {
        state_name: "StateName".into(),
        retrier_retry_count: config
            .get("retrierRetryCount")
            .and_then(Value::as_u64)
            .unwrap_or(0) as u32,
        map_iteration_failure_count: config
            .get("mapIterationFailureCount")
            .and_then(Value::as_u64)
            .unwrap_or(0),
        mock,
        fixed_context,
        retriable: false,
        caught: None,
    });
    let mut vars = vars;
    let result = engine.run_one("StateName", state_obj, input.clone(), &mut vars, 0);
    let test = engine.test.take().unwrap_or_default();
    let inspection = inspection_data(request, input);
    match result {
        Ok(step) => {
            let next_state = match step.next {
                Next::To(n) => Some(n),
                Next::End => None,
            };
            match test.caught {
                Some(f) => TestStateResult {
                    status: "CAUGHT_ERROR".into(),
                    output: Some(step.output),
                    error: f.error,
                    cause: f.cause,
                    next_state,
                    inspection_data: inspection,
                },
                None => TestStateResult {
                    status: "SUCCEEDED".into(),
                    output: Some(step.output),
                    error: None,
                    cause: None,
                    next_state,
                    inspection_data: inspection,
                },
            }
        }
        Err(f) => TestStateResult {
            status: if test.retriable {
                "RETRIABLE"
            } else {
                "FAILED"
            }
            .into(),
            output: None,
            error: f.error,
            cause: f.cause,
            next_state: None,
            inspection_data: inspection,
        },
    }
}

/// Finds a state by name anywhere in a machine (inside Map and Parallel bodies too).
fn find_state<'a>(states: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(s) = states.get(name) {
        return Some(s);
    }
    for st in states.values() {
        let mut bodies: Vec<&Value> = Vec::new();
        bodies.extend(st.get("ItemProcessor"));
        bodies.extend(st.get("Iterator"));
        if let Some(b) = st.get("Branches").and_then(Value::as_array) {
            bodies.extend(b.iter());
        }
        for body in bodies {
            if let Some(found) = body
                .get("States")
                .and_then(Value::as_object)
                .and_then(|s| find_state(s, name))
            {
                return Some(found);
            }
        }
    }
    None
}

/// The inspection data we report: the input (DEBUG and TRACE levels).
fn inspection_data(request: &Value, input: &Value) -> Option<Value> {
    match request.get("inspectionLevel").and_then(Value::as_str) {
        Some("DEBUG") | Some("TRACE") => Some(json!({ "input": input })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retriable_then_caught() {
        let def = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["E"], "Next": "H"}], "End": true});
        let req = json!({"mock": {"errorOutput": {"error": "E", "cause": "c"}}});
        let r = run_request(&def, &json!({}), None, &req);
        assert_eq!(r.status, "RETRIABLE");
        let req = json!({"mock": {"errorOutput": {"error": "E", "cause": "c"}}, "stateConfiguration": {"retrierRetryCount": 2}});
        let r = run_request(&def, &json!({}), None, &req);
        assert_eq!(
            (r.status.as_str(), r.next_state.as_deref()),
            ("CAUGHT_ERROR", Some("H"))
        );
        assert_eq!(r.output, Some(json!({"Error": "E", "Cause": "c"})));
    }

    #[test]
    fn mocked_result_and_next_state() {
        let def = json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Next": "B"}, "B": {"Type": "Succeed"}}});
        let r = run_request(
            &def,
            &json!({}),
            Some("A"),
            &json!({"mock": {"result": "{\"MessageId\": \"m\"}"}}),
        );
        assert_eq!(r.status, "SUCCEEDED");
        assert_eq!(r.output, Some(json!({"MessageId": "m"})));
        assert_eq!(r.next_state.as_deref(), Some("B"));
    }
}

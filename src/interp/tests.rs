//! Executor tests on definitions that need no JSONPath beyond `$`.

use super::*;
use crate::services::{NoServices, TaskCall, TaskResponse};
use serde_json::json;

fn run(def: Value, input: Value) -> ExecutionResult {
    let sm = StateMachine::parse(&def).expect("valid definition");
    sm.execute(input, &ExecutionContext::default(), &mut NoServices)
}

#[test]
fn pass_result_and_end() {
    let r = run(
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": {"x": 1}, "Next": "B"}, "B": {"Type": "Succeed"}}}),
        json!({}),
    );
    assert_eq!(r.status, "SUCCEEDED");
    assert_eq!(r.output, Some(json!({"x": 1})));
    let types: Vec<&str> = r
        .history
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn fail_state_reports_error_and_cause() {
    let r = run(
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}}),
        json!(null),
    );
    assert_eq!(
        (r.status.as_str(), r.error.as_deref(), r.cause.as_deref()),
        ("FAILED", Some("E"), Some("C"))
    );
}

#[test]
fn wait_moves_the_virtual_clock_only() {
    let t0 = std::time::Instant::now();
    let r = run(
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": true}}}),
        json!({"a": 1}),
    );
    assert_eq!(r.status, "SUCCEEDED");
    assert!(t0.elapsed().as_secs() < 5);
}

#[test]
fn step_limit_ends_an_infinite_loop() {
    let sm = StateMachine::parse(
        &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}),
    )
    .unwrap();
    let opts = ExecuteOptions {
        max_steps: 1000,
        ..Default::default()
    };
    let r = sm.execute_with(
        json!({}),
        &ExecutionContext::default(),
        &mut NoServices,
        &opts,
    );
    assert_eq!(r.status, "FAILED");
    assert!(r.cause.unwrap().contains("1000 state transitions"));
}

#[test]
fn virtual_time_limit_times_out() {
    let def = json!({"TimeoutSeconds": 10, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let r = run(def, json!({}));
    assert_eq!(r.status, "TIMED_OUT");
}

struct Flaky(u32);
impl ServiceBackend for Flaky {
    fn call(&mut self, _c: &TaskCall) -> TaskResponse {
        if self.0 > 0 {
            self.0 -= 1;
            TaskResponse::fail("Boom", Some("again".into()))
        } else {
            TaskResponse::ok(json!({"done": true}))
        }
    }
}

#[test]
fn retry_then_succeed_and_catch_when_exhausted() {
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}], "End": true},
        "C": {"Type": "Pass", "End": true}}});
    let sm = StateMachine::parse(&def).unwrap();
    let r = sm.execute(json!({}), &ExecutionContext::default(), &mut Flaky(2));
    assert_eq!(r.output, Some(json!({"done": true})));
    let r = sm.execute(json!({}), &ExecutionContext::default(), &mut Flaky(3));
    assert_eq!(r.output, Some(json!({"Error": "Boom", "Cause": "again"})));
    let scheduled = r
        .history
        .iter()
        .filter(|e| e["type"] == "TaskScheduled")
        .count();
    assert_eq!(scheduled, 3);
}

#[test]
fn map_and_parallel_collect_results() {
    let def = json!({"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "Par"},
        "Par": {"Type": "Parallel", "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": true}}}], "End": true}}});
    let r = run(def, json!([1, 2, 3]));
    assert_eq!(r.output, Some(json!([[1, 2, 3], 2])));
}

#[test]
fn parse_rejects_dangling_transitions() {
    assert!(StateMachine::parse(
        &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Z"}}})
    )
    .is_err());
    assert!(StateMachine::parse(&json!({"StartAt": "Z", "States": {}})).is_err());
    assert!(StateMachine::parse(&json!([])).is_err());
}

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
fn output_nesting_deeper_than_the_limit_stops_the_execution_instead_of_the_stack() {
    // Each turn nests the input one level deeper (`$.n` becomes the whole input); without the
    // limit this overflowed a test thread's 2 MB stack near 1,500 levels.
    let r = run(
        json!({"StartAt": "Loop", "States": {"Loop": {"Type": "Pass", "ResultPath": "$.n", "Next": "Loop"}}}),
        json!({"a": true, "n": 0}),
    );
    assert_eq!(r.status, "FAILED");
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
    let cause = r.cause.unwrap_or_default();
    assert!(cause.contains("deeper than 512 levels"), "{cause}");
}

#[test]
fn nesting_depth_is_measured_exactly() {
    use super::executor::json_depth_exceeds;
    let mut v = json!(1);
    for _ in 0..3 {
        v = json!({"k": [v]});
    }
    // three objects, each holding an array: six levels.
    assert!(!json_depth_exceeds(&v, 6));
    assert!(json_depth_exceeds(&v, 5));
    assert!(!json_depth_exceeds(&json!("scalar"), 0));
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

/// Random definitions (any state types, loops, nesting, odd paths and values) never panic and
/// always end within the step and virtual-time limits.
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[(self.next() % xs.len() as u64) as usize]
        }
        fn chance(&mut self, pct: u64) -> bool {
            self.next() % 100 < pct
        }
    }

    const PATHS: &[&str] = &[
        "$",
        "$.a",
        "$.a.b",
        "$.list[0]",
        "$.list[*]",
        "$$.Execution.Input",
        "$.missing",
        "$..a",
        "$$.State.Name",
        "$.n",
    ];
    const VALUES: &[&str] = &[
        "null",
        "1",
        "-1.5",
        "\"text\"",
        "[1,2,3]",
        "{\"a\":{\"b\":2}}",
        "true",
        "99999999999",
    ];

    fn value(g: &mut Gen) -> Value {
        serde_json::from_str(g.pick(VALUES)).unwrap()
    }

    fn machine(g: &mut Gen, depth: u32) -> Value {
        let n = 1 + (g.next() % 5) as usize;
        let names: Vec<String> = (0..n).map(|i| format!("S{i}")).collect();
        let mut states = Map::new();
        for name in &names {
            let target = names[(g.next() % n as u64) as usize].clone();
            let mut types = vec!["Pass", "Choice", "Wait", "Succeed", "Fail", "Task"];
            if depth < 3 {
                types.extend(["Map", "Parallel"]);
            }
            let ty = g.pick(&types);
            let mut st = json!({"Type": ty});
            let end = g.chance(40);
            if matches!(ty, "Pass" | "Wait" | "Task" | "Map" | "Parallel") {
                if end {
                    st["End"] = json!(true)
                } else {
                    st["Next"] = json!(target)
                }
            }
            for key in ["InputPath", "OutputPath", "ResultPath", "ItemsPath"] {
                if g.chance(15) {
                    st[key] = json!(g.pick(PATHS));
                }
            }
            if g.chance(25) {
                st["Parameters"] =
                    json!({"x.$": g.pick(PATHS), "y": value(g), "z.$": "States.Format('{}', $.n)"});
            }
            if g.chance(10) {
                st["Result"] = value(g);
            }
            if g.chance(10) {
                st["Assign"] = json!({"v.$": g.pick(PATHS)});
            }
            match ty {
                "Choice" => {
                    st["Choices"] = json!([{"Variable": g.pick(PATHS), "NumericGreaterThan": 0, "Next": target}]);
                    if g.chance(70) {
                        st["Default"] = json!(names[(g.next() % n as u64) as usize]);
                    }
                }
                "Wait" => match g.next() % 4 {
                    0 => st["Seconds"] = json!(g.next() % 100_000_000),
                    1 => st["SecondsPath"] = json!(g.pick(PATHS)),
                    2 => st["TimestampPath"] = json!(g.pick(PATHS)),
                    _ => st["Timestamp"] = json!("2099-01-01T00:00:00Z"),
                },
                "Fail" => {
                    if g.chance(50) {
                        st["ErrorPath"] = json!(g.pick(PATHS));
                    } else {
                        st["Error"] = json!("E");
                    }
                }
                "Task" => {
                    st["Resource"] = json!("arn:aws:states:::lambda:invoke");
                    if g.chance(50) {
                        st["Retry"] = json!([{"ErrorEquals": ["States.ALL"], "MaxAttempts": g.next() % 5, "IntervalSeconds": g.next() % 1000, "BackoffRate": 3}]);
                    }
                    if g.chance(50) {
                        st["Catch"] = json!([{"ErrorEquals": ["States.ALL"], "Next": target, "ResultPath": g.pick(PATHS)}]);
                    }
                }
                "Map" => {
                    st["ItemProcessor"] = machine(g, depth + 1);
                    if g.chance(30) {
                        st["ToleratedFailureCount"] = json!(g.next() % 3);
                    }
                }
                "Parallel" => {
                    st["Branches"] = json!([machine(g, depth + 1), machine(g, depth + 1)]);
                }
                _ => {}
            }
            states.insert(name.clone(), st);
        }
        json!({"StartAt": "S0", "States": states})
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, .. ProptestConfig::default() })]
        #[test]
        fn random_definitions_end_cleanly(seed in 1u64.., input_pick in 0usize..8) {
            let mut g = Gen(seed);
            let def = machine(&mut g, 0);
            let input: Value = serde_json::from_str(VALUES[input_pick]).unwrap();
            let input = json!({"a": input, "list": [input.clone(), 2], "n": (seed % 7) as i64 - 3});
            if let Ok(sm) = StateMachine::parse(&def) {
                let opts = ExecuteOptions { max_steps: 2_000, ..Default::default() };
                let r = sm.execute_with(input, &ExecutionContext::default(), &mut NoServices, &opts);
                prop_assert!(["SUCCEEDED", "FAILED", "TIMED_OUT"].contains(&r.status.as_str()));
                prop_assert_eq!(r.status == "SUCCEEDED", r.output.is_some());
                let last = r.history.last().and_then(|e| e["type"].as_str()).unwrap_or("");
                prop_assert!(last.starts_with("Execution"));
            }
        }
    }
}

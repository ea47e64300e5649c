use super::*;
use serde_json::json;

fn problems(def: Value) -> Vec<Problem> {
    validate(&def, &Options::default())
}

fn pointers(def: Value) -> Vec<String> {
    problems(def).into_iter().map(|p| p.pointer).collect()
}

/// A problem at `pointer` whose message contains `text`.
fn has(def: &Value, pointer: &str, text: &str) -> bool {
    let ps = problems(def.clone());
    let found = ps
        .iter()
        .any(|p| p.pointer == pointer && p.message.contains(text));
    if !found {
        eprintln!("problems: {ps:#?}");
    }
    found
}

fn pass_end() -> Value {
    json!({"Type": "Pass", "End": true})
}

#[test]
fn minimal_machine_is_clean() {
    assert_eq!(
        problems(json!({"StartAt": "A", "States": {"A": pass_end()}})),
        vec![]
    );
}

#[test]
fn structure() {
    assert!(has(&json!({"States": {"A": pass_end()}}), "", "StartAt"));
    assert!(has(&json!({"StartAt": "A"}), "", "States"));
    assert!(has(
        &json!({"StartAt": "B", "States": {"A": pass_end()}}),
        "/StartAt",
        "'B'"
    ));
    assert!(has(
        &json!({"StartAt": "A", "States": {}}),
        "/States",
        "at least one"
    ));
    assert!(has(
        &json!({"StartAt": "A", "States": {"A": pass_end()}, "Bogus": 1}),
        "/Bogus",
        "unknown top-level"
    ));
    assert!(has(&json!([1]), "", "JSON object"));
    let long = "x".repeat(81);
    assert!(has(
        &json!({"StartAt": long, "States": {long.clone(): pass_end()}}),
        &format!("/States/{long}"),
        "80"
    ));
    // JSON-pointer escaping of names with '/' and '~'.
    assert!(has(
        &json!({"StartAt": "a/b~c", "States": {"a/b~c": {"Type": "Pass"}}}),
        "/States/a~1b~0c",
        "Next"
    ));
}

#[test]
fn transitions() {
    let d = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Nope"},
        "B": {"Type": "Pass", "Next": "C", "End": true},
        "C": {"Type": "Pass"},
        "D": {"Type": "Succeed", "Next": "A"},
        "E": {"Type": "Pass", "End": false}
    }});
    assert!(has(&d, "/States/A/Next", "'Nope'"));
    assert!(has(&d, "/States/B/End", "both"));
    assert!(has(&d, "/States/C", "either 'Next' or 'End'"));
    assert!(has(
        &d,
        "/States/D/Next",
        "Succeed state cannot have 'Next'"
    ));
    assert!(has(&d, "/States/E/End", "must be true"));
    assert!(has(&d, "/States/B", "not reachable"));
}

#[test]
fn unreachable_and_catch_targets_count_as_reachable() {
    let d = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Ok",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]},
        "Handler": {"Type": "Fail"},
        "Ok": {"Type": "Succeed"},
        "Orphan": {"Type": "Succeed"}
    }});
    assert_eq!(pointers(d), vec!["/States/Orphan".to_string()]);
}

#[test]
fn paths_and_templates() {
    let d = json!({"StartAt": "A", "States": {"A": {
        "Type": "Pass", "End": true,
        "InputPath": "$.a[",
        "ResultPath": "$.items[*]",
        "OutputPath": null,
        "Parameters": {
            "ok.$": "$.x",
            "ctx.$": "$$.Execution.Id",
            "var.$": "$myVar.field",
            "bad.$": "nope",
            "num.$": 3,
            "fn.$": "States.Frobnicate($.x)",
            "arity.$": "States.ArrayGetItem($.x)",
            "nested": {"deep.$": "$..[?(@.x"}
        }
    }}});
    assert!(has(&d, "/States/A/InputPath", "Invalid JSONPath"));
    assert!(has(&d, "/States/A/ResultPath", "reference path"));
    assert!(has(&d, "/States/A/Parameters/bad.$", "Invalid JSONPath"));
    assert!(has(&d, "/States/A/Parameters/num.$", "path or intrinsic"));
    assert!(has(
        &d,
        "/States/A/Parameters/fn.$",
        "unknown intrinsic function 'States.Frobnicate'"
    ));
    assert!(has(
        &d,
        "/States/A/Parameters/arity.$",
        "expected 2 argument(s) but got 1"
    ));
    assert!(has(
        &d,
        "/States/A/Parameters/nested/deep.$",
        "Invalid JSONPath"
    ));
    let ps = pointers(d);
    assert!(!ps.iter().any(|p| p.ends_with("ok.$")
        || p.ends_with("ctx.$")
        || p.ends_with("var.$")
        || p.ends_with("OutputPath")));
}

#[test]
fn choice_rules() {
    let d = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "Gone", "Choices": [
            {"Variable": "$.a", "NumericEquals": 1},
            {"Variable": "$.a", "Next": "Z"},
            {"Variable": "$.a", "NumericEquals": 1, "StringEquals": "x", "Next": "Z"},
            {"Variable": "$.a", "NumericEquals": "one", "Next": "Z"},
            {"And": [{"Variable": "$.a", "IsNull": true, "Next": "Z"}], "Next": "Z"},
            {"Or": [], "Next": "Z"},
            {"Not": {"Variable": "$.a", "StringEqualsPath": "bad"}, "Next": "Z"},
            {"Variable": "$.a", "Frobs": 1, "Next": "Z"},
            {"Variable": "$.t", "TimestampEquals": "2016-03-14T01:59:00", "Next": "Z"},
            {"Variable": "$.a", "IsPresent": true, "Next": "Missing"},
            {"Variable": "$.ok", "StringMatches": "a*", "Next": "Z"}
        ]},
        "Z": {"Type": "Succeed"}
    }});
    assert!(has(&d, "/States/C/Default", "'Gone'"));
    assert!(has(&d, "/States/C/Choices/0", "needs 'Next'"));
    assert!(has(&d, "/States/C/Choices/1", "comparison operator"));
    assert!(has(
        &d,
        "/States/C/Choices/2/StringEquals",
        "exactly one comparison operator"
    ));
    assert!(has(
        &d,
        "/States/C/Choices/3/NumericEquals",
        "needs a number"
    ));
    assert!(has(
        &d,
        "/States/C/Choices/4/And/0/Next",
        "cannot have 'Next'"
    ));
    assert!(has(&d, "/States/C/Choices/5/Or", "at least one rule"));
    assert!(has(
        &d,
        "/States/C/Choices/6/Not/StringEqualsPath",
        "Invalid JSONPath"
    ));
    assert!(has(
        &d,
        "/States/C/Choices/7/Frobs",
        "unknown Choice rule field"
    ));
    assert!(has(&d, "/States/C/Choices/8/TimestampEquals", "timestamp"));
    assert!(has(&d, "/States/C/Choices/9/Next", "'Missing'"));
    assert!(!pointers(d)
        .iter()
        .any(|p| p.starts_with("/States/C/Choices/10")));
    assert!(has(
        &json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": []}}}),
        "/States/C/Choices",
        "at least one"
    ));
}

#[test]
fn retry_and_catch() {
    let d = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true,
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 0},
                {"ErrorEquals": [], "BackoffRate": 0.5, "MaxAttempts": -1, "JitterStrategy": "SOME"},
                {"ErrorEquals": ["States.ALL", "X"], "Bogus": 1}
            ],
            "Catch": [{"ErrorEquals": ["States.Timeout"]}, {"ErrorEquals": ["States.ALL"], "Next": "T", "ResultPath": "$.a[0:1]"}],
            "TimeoutSeconds": 10, "HeartbeatSeconds": 10
        }
    }});
    assert!(has(&d, "/States/T/Retry/0/ErrorEquals", "last retrier"));
    assert!(has(&d, "/States/T/Retry/0/IntervalSeconds", "at least 1"));
    assert!(has(&d, "/States/T/Retry/1/ErrorEquals", "at least one"));
    assert!(has(&d, "/States/T/Retry/1/BackoffRate", "1.0"));
    assert!(has(&d, "/States/T/Retry/1/MaxAttempts", "at least 0"));
    assert!(has(&d, "/States/T/Retry/1/JitterStrategy", "FULL"));
    assert!(has(&d, "/States/T/Retry/2/ErrorEquals", "alone"));
    assert!(has(&d, "/States/T/Retry/2/Bogus", "unknown retrier field"));
    assert!(has(&d, "/States/T/Catch/0", "needs 'Next'"));
    assert!(has(&d, "/States/T/Catch/1/ResultPath", "reference path"));
    assert!(has(&d, "/States/T/HeartbeatSeconds", "smaller"));
}

#[test]
fn state_type_rules() {
    let d = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "Next": "W2"},
        "W2": {"Type": "Wait", "Timestamp": "2016-12-05T21:29:29", "Next": "F"},
        "F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e", "CausePath": "States.Format('{}', $.c)"},
        "X": {"Type": "Bogus"},
        "P": {"Type": "Parallel", "Branches": [], "End": true},
        "M": {"Type": "Map", "End": true, "MaxConcurrency": -1, "ToleratedFailurePercentage": 101},
        "T": {"Type": "Task", "End": true}
    }});
    assert!(has(&d, "/States/W", "exactly one of Seconds"));
    assert!(has(&d, "/States/W2/Timestamp", "RFC 3339"));
    assert!(has(&d, "/States/F/ErrorPath", "cannot be used together"));
    assert!(!pointers(d.clone()).contains(&"/States/F/CausePath".to_string()));
    assert!(has(&d, "/States/X/Type", "unknown state type"));
    assert!(has(&d, "/States/P/Branches", "at least one branch"));
    assert!(has(&d, "/States/M", "ItemProcessor"));
    assert!(has(&d, "/States/M/MaxConcurrency", "at least 0"));
    assert!(has(
        &d,
        "/States/M/ToleratedFailurePercentage",
        "between 0 and 100"
    ));
    assert!(has(&d, "/States/T", "needs 'Resource'"));
}

#[test]
fn nested_machines() {
    let d = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "P"}}},
            {"StartAt": "A", "States": {"A": pass_end()}}
        ]},
        "M": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "SIDEWAYS"}, "StartAt": "I", "States": {"I": {"Type": "Pass"}}}}
    }});
    assert!(has(&d, "/States/P/Branches/0/States/A/Next", "'P'"));
    assert!(has(&d, "/States/P/Branches/1/States/A", "already used"));
    assert!(has(
        &d,
        "/States/M/ItemProcessor/ProcessorConfig/Mode",
        "INLINE"
    ));
    assert!(has(&d, "/States/M/ItemProcessor/States/I", "Next"));
}

#[test]
fn query_language_rules() {
    let d = json!({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Parameters": {"a": 1}, "Output": "{% $states.input %}", "Next": "B"},
        "B": {"Type": "Pass", "QueryLanguage": "JSONPath", "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "Next": "D"}, {"Condition": "{% true", "Next": "D"}]},
        "D": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"x": "{% 1 %}"}, "TimeoutSeconds": "{% 5 %}", "End": true}
    }});
    assert!(has(&d, "/States/A/Parameters", "JSONPath field"));
    assert!(has(&d, "/States/B/QueryLanguage", "JSONata"));
    assert!(has(&d, "/States/C/Choices/0", "needs 'Condition'"));
    assert!(has(&d, "/States/C/Choices/0/Variable", "JSONPath field"));
    assert!(has(
        &d,
        "/States/C/Choices/1/Condition",
        "JSONata expression"
    ));
    assert!(!pointers(d).iter().any(|p| p.starts_with("/States/D")));
    let d =
        json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": {"x": 1}, "End": true}}});
    assert!(has(&d, "/States/A/Output", "only allowed in JSONata"));
    let d = json!({"StartAt": "A", "QueryLanguage": "SQL", "States": {"A": pass_end()}});
    assert!(has(&d, "/QueryLanguage", "JSONPath"));
}

#[test]
fn express_rules() {
    let d = json!({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Next": "C"},
        "C": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:x", "Next": "D"},
        "D": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}
    }});
    assert_eq!(problems(d.clone()), vec![]);
    let express = validate(
        &d,
        &Options {
            machine_type: MachineType::Express,
        },
    );
    let ps: Vec<&str> = express.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        ps,
        vec![
            "/States/A/Resource",
            "/States/B/Resource",
            "/States/C/Resource"
        ]
    );
}

/// Every definition AWS accepted in ../shared/asl-cases must validate without a problem.
#[test]
fn all_recorded_definitions_are_clean() {
    let Some(dir) = crate::asl::recorded_cases_dir() else {
        eprintln!("recorded cases not found; skipping");
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".json") || name == "index.json" {
            continue;
        }
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        if case["kind"] == "test_state" {
            continue;
        }
        let def = match &case["definition"] {
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(v) => v,
                Err(_) => continue,
            },
            v => v.clone(),
        };
        let machine_type = if case["context"]["state_machine_type"] == "EXPRESS" {
            MachineType::Express
        } else {
            MachineType::Standard
        };
        let ps = validate(&def, &Options { machine_type });
        if !ps.is_empty() {
            failures.push(format!("{name}: {ps:?}"));
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 700, "only {checked} definitions found");
}

proptest::proptest! {
    #[test]
    fn random_definitions_never_panic(s in "\\PC{0,40}", n in 0i64..5) {
        let d = json!({"StartAt": s.clone(), "States": {s.clone(): {"Type": "Choice", "Choices": [{"Variable": s.clone(), "Not": {"And": [n]}, "Next": s.clone()}]},
            "T": {"Type": "Task", "Resource": s.clone(), "Parameters": {"x.$": s.clone()}, "Retry": [{"ErrorEquals": [s.clone()], "MaxAttempts": n}], "Next": s}}});
        let _ = validate(&d, &Options::default());
    }
}

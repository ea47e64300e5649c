//! Input files for verification (`--inputs`, the project's sample events). A file is one
//! execution input, unless it is an export of recorded executions, whose inputs it yields:
//! - `aws stepfunctions get-execution-history` output: `{"events": [...]}`, the input being the
//!   JSON text in the `ExecutionStarted` event's `executionStartedEventDetails.input`
//!   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html,
//!   https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionStartedEventDetails.html);
//! - `aws stepfunctions describe-execution` output: `{"executionArn", "input": "<JSON text>", ...}`
//!   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html);
//! - a list of those: `{"executions": [{"executionArn", "input", ...}, ...]}` (the shape of
//!   `list-executions` output with each entry described; list-executions alone carries no input).
//!
//! Unlike replay (`cloud::history`, which keeps going past damaged records), a file the user
//! names must be right: a missing, cut or unparsable input is an error naming the file.

use super::inputs::Input;
use crate::error::InputError;
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

/// The inputs in `path`: the file itself, or the executions it exports (identical inputs once).
pub fn read(path: &Path) -> Result<Vec<Input>, InputError> {
    let value = InputError::read_json(path)?;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let err = |m: String| InputError::new(path, m);
    let found = match export_kind(&value) {
        None => {
            return Ok(vec![Input {
                name: format!("sample {file}"),
                value,
                in_domain: true,
            }])
        }
        Some(Export::History(events)) => {
            vec![(
                format!("execution history {file}"),
                history_input(events).map_err(err)?,
            )]
        }
        Some(Export::Execution(e)) => vec![described(e, &file, 0).map_err(err)?],
        Some(Export::Executions(list)) => list
            .iter()
            .enumerate()
            .map(|(i, e)| described(e, &file, i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?,
    };
    let mut seen = HashSet::new();
    Ok(found
        .into_iter()
        .filter(|(_, v)| seen.insert(v.to_string()))
        .map(|(name, value)| Input {
            name,
            value,
            in_domain: true,
        })
        .collect())
}

enum Export<'a> {
    History(&'a [Value]),
    Execution(&'a Value),
    Executions(&'a [Value]),
}

/// Recognises an export by the API's field names; anything else is an execution input.
fn export_kind(v: &Value) -> Option<Export<'_>> {
    let is_event =
        |e: &Value| e.get("type").map(Value::is_string).unwrap_or(false) && e.get("id").is_some();
    let is_execution = |e: &Value| e.get("executionArn").map(Value::is_string).unwrap_or(false);
    if let Some(events) = v.get("events").and_then(Value::as_array) {
        if !events.is_empty() && events.iter().all(is_event) {
            return Some(Export::History(events));
        }
    }
    if let Some(list) = v.get("executions").and_then(Value::as_array) {
        if !list.is_empty() && list.iter().all(is_execution) {
            return Some(Export::Executions(list));
        }
    }
    (is_execution(v) && v.get("stateMachineArn").is_some()).then_some(Export::Execution(v))
}

/// The execution input of a history: the `ExecutionStarted` event's input text, parsed.
fn history_input(events: &[Value]) -> Result<Value, String> {
    let started = events
        .iter()
        .find(|e| e["type"] == "ExecutionStarted")
        .ok_or(
            "the history has no ExecutionStarted event (export the whole history, oldest first)",
        )?;
    let details = &started["executionStartedEventDetails"];
    if details["inputDetails"]["truncated"] == true {
        return Err("the ExecutionStarted event's input is truncated".into());
    }
    let text = details["input"].as_str().ok_or(
        "the ExecutionStarted event has no input (exported with --no-include-execution-data?)",
    )?;
    serde_json::from_str(text)
        .map_err(|e| format!("the ExecutionStarted event's input is not JSON: {e}"))
}

/// One described execution's input, named after the execution.
fn described(e: &Value, file: &str, index: usize) -> Result<(String, Value), String> {
    let name = e
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("#{}", index + 1));
    let text = e.get("input").and_then(Value::as_str).ok_or_else(|| {
        format!("execution {name} has no input (list-executions omits it: export describe-execution for each)")
    })?;
    let value = serde_json::from_str(text)
        .map_err(|err| format!("execution {name}: the input is not JSON: {err}"))?;
    Ok((format!("execution {name} in {file}"), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, name: &str, v: &Value) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
        p
    }

    fn history(input: Value) -> Value {
        // The shape `aws stepfunctions get-execution-history` prints.
        json!({"events": [
            {"timestamp": "2026-11-20T10:00:00.000000+00:00", "type": "ExecutionStarted", "id": 1,
             "previousEventId": 0,
             "executionStartedEventDetails": {"input": input, "inputDetails": {"truncated": false},
                                              "roleArn": "arn:aws:iam::123456789012:role/r"}},
            {"timestamp": "2026-11-20T10:00:00.010000+00:00", "type": "ChoiceStateEntered", "id": 2,
             "previousEventId": 0, "stateEnteredEventDetails": {"name": "ValidateOrder",
             "input": input, "inputDetails": {"truncated": false}}}
        ]})
    }

    fn execution(name: &str, input: &str) -> Value {
        json!({"executionArn": format!("arn:aws:states:us-east-1:123456789012:execution:Orders:{name}"),
               "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Orders",
               "name": name, "status": "SUCCEEDED", "startDate": "2026-11-20T10:00:00+00:00",
               "input": input, "inputDetails": {"included": true}})
    }

    #[test]
    fn exports_yield_their_execution_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let h = write(
            dir.path(),
            "h.json",
            &history(json!("{\"orderId\":\"o-1\"}")),
        );
        let got = read(&h).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].value, json!({"orderId": "o-1"}));
        assert_eq!(got[0].name, "execution history h.json");

        let d = write(dir.path(), "d.json", &execution("run-1", "{\"a\":1}"));
        assert_eq!(read(&d).unwrap()[0].value, json!({"a": 1}));

        let list = json!({"executions": [
            execution("run-1", "{\"a\":1}"), execution("run-2", "[1,2]"), execution("run-3", "{\"a\":1}")
        ]});
        let l = write(dir.path(), "l.json", &list);
        let got = read(&l).unwrap();
        // The repeated input appears once.
        assert_eq!(
            got.iter()
                .map(|i| (i.name.as_str(), i.value.clone()))
                .collect::<Vec<_>>(),
            vec![
                ("execution run-1 in l.json", json!({"a": 1})),
                ("execution run-2 in l.json", json!([1, 2]))
            ]
        );
    }

    #[test]
    fn a_plain_input_is_one_input_even_with_an_events_field() {
        let dir = tempfile::tempdir().unwrap();
        let v = json!({"events": [{"kind": "click"}], "executions": []});
        let p = write(dir.path(), "plain.json", &v);
        let got = read(&p).unwrap();
        assert_eq!((got.len(), &got[0].value), (1, &v));
    }

    #[test]
    fn damaged_exports_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut cut = history(json!("{\"orderId\""));
        let e = read(&write(dir.path(), "bad.json", &cut))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.json") && e.contains("not JSON"), "{e}");
        cut["events"][0]["executionStartedEventDetails"]["inputDetails"]["truncated"] = json!(true);
        let e = read(&write(dir.path(), "cut.json", &cut))
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated"), "{e}");
        let mut listed = execution("run-1", "{}");
        listed.as_object_mut().unwrap().remove("input");
        let e = read(&write(
            dir.path(),
            "ls.json",
            &json!({"executions": [listed]}),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("run-1 has no input"), "{e}");
    }
}

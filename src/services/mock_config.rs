//! AWS Step Functions Local MockConfigFile backend (`--mock-config FILE --test-case NAME`).
//!
//! Format (https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html):
//! `StateMachines.<name>.TestCases.<test case>.<state name>` names a mocked response;
//! `MockedResponses.<response>` maps invocation indices (`"0"`, `"1-3"`) to `{"Return": value}` or
//! `{"Throw": {"Error", "Cause"}}`. The n-th call of a state (counting retries and Map iterations)
//! gets the response whose range holds n.

use super::{ServiceBackend, TaskCall, TaskResponse};
use crate::error::InputError;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
enum Mocked {
    Return(Value),
    Throw {
        error: String,
        cause: Option<String>,
    },
}

#[derive(Debug, Clone)]
struct Range {
    first: u32,
    last: u32,
    response: Mocked,
}

/// Replays mocked responses per state.
#[derive(Debug, Clone, Default)]
pub struct MockConfig {
    per_state: HashMap<String, Vec<Range>>,
    calls: HashMap<String, u32>,
}

impl MockConfig {
    /// True when the test case names `state` (so it answers that state's calls).
    pub fn names_state(&self, state: &str) -> bool {
        self.per_state.contains_key(state)
    }

    /// Builds the backend for one test case. `state_machine` picks the state machine; when it is
    /// None or absent, the first state machine that has the test case is used.
    pub fn from_value(
        config: &Value,
        state_machine: Option<&str>,
        test_case: &str,
    ) -> Result<Self, String> {
        let machines = config
            .get("StateMachines")
            .and_then(Value::as_object)
            .ok_or("missing \"StateMachines\" object")?;
        let chosen = state_machine
            .and_then(|n| machines.get(n))
            .filter(|m| {
                m.pointer(&format!("/TestCases/{}", escape(test_case)))
                    .is_some()
            })
            .or_else(|| {
                machines.values().find(|m| {
                    m.pointer(&format!("/TestCases/{}", escape(test_case)))
                        .is_some()
                })
            })
            .ok_or_else(|| format!("no state machine has a test case named '{test_case}'"))?;
        let case = chosen
            .pointer(&format!("/TestCases/{}", escape(test_case)))
            .and_then(Value::as_object)
            .ok_or_else(|| format!("test case '{test_case}' is not an object"))?;
        let responses = config.get("MockedResponses").and_then(Value::as_object);
        let mut per_state = HashMap::new();
        for (state, response_name) in case {
            let name = response_name.as_str().ok_or_else(|| {
                format!("test case '{test_case}', state '{state}': expected a response name")
            })?;
            let response = responses
                .and_then(|r| r.get(name))
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    format!("MockedResponses has no '{name}' (used by state '{state}')")
                })?;
            let mut ranges = Vec::new();
            for (key, body) in response {
                let (first, last) = parse_range(key)
                    .ok_or_else(|| format!("MockedResponses.{name}: bad invocation key '{key}' (expected \"0\" or \"1-3\")"))?;
                ranges.push(Range {
                    first,
                    last,
                    response: parse_response(body)
                        .map_err(|e| format!("MockedResponses.{name}.{key}: {e}"))?,
                });
            }
            per_state.insert(state.clone(), ranges);
        }
        Ok(MockConfig {
            per_state,
            calls: HashMap::new(),
        })
    }

    /// Reads a MockConfigFile.
    pub fn load(
        path: &Path,
        state_machine: Option<&str>,
        test_case: &str,
    ) -> Result<Self, InputError> {
        let value = InputError::read_json(path)?;
        Self::from_value(&value, state_machine, test_case).map_err(|m| InputError::new(path, m))
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn parse_range(key: &str) -> Option<(u32, u32)> {
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => {
            let n = key.trim().parse().ok()?;
            Some((n, n))
        }
    }
}

fn parse_response(body: &Value) -> Result<Mocked, String> {
    if let Some(v) = body.get("Return") {
        return Ok(Mocked::Return(v.clone()));
    }
    if let Some(t) = body.get("Throw") {
        let error = t
            .get("Error")
            .and_then(Value::as_str)
            .ok_or("Throw needs an \"Error\" string")?;
        return Ok(Mocked::Throw {
            error: error.to_string(),
            cause: t.get("Cause").and_then(Value::as_str).map(str::to_string),
        });
    }
    Err("expected {\"Return\": ...} or {\"Throw\": {...}}".into())
}

impl ServiceBackend for MockConfig {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        let n = self.calls.entry(call.state_name.clone()).or_insert(0);
        let index = *n;
        *n += 1;
        let Some(ranges) = self.per_state.get(&call.state_name) else {
            return TaskResponse::fail(
                "States.Runtime",
                Some(format!(
                    "lambdaless: the mock config test case has no entry for state '{}'",
                    call.state_name
                )),
            );
        };
        match ranges.iter().find(|r| r.first <= index && index <= r.last) {
            Some(Range {
                response: Mocked::Return(v),
                ..
            }) => TaskResponse::ok(v.clone()),
            Some(Range {
                response: Mocked::Throw { error, cause },
                ..
            }) => TaskResponse::fail(error.clone(), cause.clone()),
            None => TaskResponse::fail(
                "States.Runtime",
                Some(format!(
                    "lambdaless: no mocked response for invocation {index} of state '{}'",
                    call.state_name
                )),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::TaskOutcome;
    use serde_json::json;

    fn call(state: &str) -> TaskCall {
        TaskCall::for_test(state, "arn:aws:states:::lambda:invoke", json!({}))
    }

    #[test]
    fn replays_ranges_in_order() {
        let cfg = json!({
            "StateMachines": {"sm": {"TestCases": {"happy": {"T": "T#1"}}}},
            "MockedResponses": {"T#1": {
                "0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
                "1-2": {"Return": {"ok": true}}}}
        });
        let mut m = MockConfig::from_value(&cfg, Some("sm"), "happy").unwrap();
        assert_eq!(
            m.call(&call("T")).outcome,
            TaskOutcome::Failed {
                error: "Lambda.TooManyRequestsException".into(),
                cause: Some("slow down".into())
            }
        );
        assert_eq!(
            m.call(&call("T")).outcome,
            TaskOutcome::Succeeded(json!({"ok": true}))
        );
        assert_eq!(
            m.call(&call("T")).outcome,
            TaskOutcome::Succeeded(json!({"ok": true}))
        );
        assert!(matches!(
            m.call(&call("T")).outcome,
            TaskOutcome::Failed { .. }
        ));
        assert!(matches!(
            m.call(&call("Other")).outcome,
            TaskOutcome::Failed { .. }
        ));
    }

    #[test]
    fn rejects_bad_files() {
        assert!(MockConfig::from_value(&json!({}), None, "x").is_err());
        let cfg = json!({"StateMachines": {"sm": {"TestCases": {"t": {"S": "R"}}}}, "MockedResponses": {"R": {"zero": {"Return": 1}}}});
        assert!(MockConfig::from_value(&cfg, None, "t").is_err());
        let cfg = json!({"StateMachines": {"sm": {"TestCases": {"t": {"S": "Missing"}}}}, "MockedResponses": {}});
        assert!(MockConfig::from_value(&cfg, None, "t").is_err());
    }
}

//! The TestState API: runs one state in isolation (with an optional mocked result or error) and
//! reports SUCCEEDED | FAILED | RETRIABLE | CAUGHT_ERROR, the next state and inspection data.

use serde_json::{json, Value};

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
}

/// Runs a TestState request: `definition` is a state (or a whole machine with `state`),
/// `request` holds the other API fields (`mock`, `inspectionLevel`, `variables`, `context`,
/// `stateConfiguration`).
pub fn run_request(
    definition: &Value,
    input: &Value,
    state: Option<&str>,
    request: &Value,
) -> TestStateResult {
    let _ = (definition, input, state, request);
    TestStateResult {
        status: "UNSUPPORTED".into(),
        output: None,
        error: None,
        cause: None,
        next_state: None,
        inspection_data: None,
    }
}

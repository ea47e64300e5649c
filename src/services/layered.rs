//! `run --world FILE --mock-config FILE`: the mock config answers the states it names, the
//! simulated world answers the rest.

use super::mock_config::MockConfig;
use super::{ServiceBackend, TaskCall, TaskResponse};

/// A mock config layered over another backend.
pub struct MockFirst<B> {
    pub mock: MockConfig,
    pub rest: B,
}

impl<B: ServiceBackend> ServiceBackend for MockFirst<B> {
    fn call(&mut self, call: &TaskCall) -> TaskResponse {
        if self.mock.names_state(&call.state_name) {
            self.mock.call(call)
        } else {
            self.rest.call(call)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::{NoServices, TaskOutcome};
    use serde_json::json;

    fn call(state: &str) -> TaskCall {
        TaskCall::for_test(state, "arn:aws:states:::lambda:invoke", json!({}))
    }

    #[test]
    fn mock_wins_for_the_states_it_names_and_the_rest_falls_through() {
        let config = json!({
            "StateMachines": {"m": {"TestCases": {"t": {"Mocked": "R"}}}},
            "MockedResponses": {"R": {"0": {"Return": {"from": "mock"}}}}
        });
        let mock = MockConfig::from_value(&config, Some("m"), "t").unwrap();
        let mut layered = MockFirst {
            mock,
            rest: NoServices,
        };
        assert_eq!(
            layered.call(&call("Mocked")).outcome,
            TaskOutcome::Succeeded(json!({"from": "mock"}))
        );
        match layered.call(&call("Other")).outcome {
            TaskOutcome::Failed { cause, .. } => {
                assert!(cause.unwrap().contains("no service backend"))
            }
            other => panic!("expected the fallback's failure, got {other:?}"),
        }
    }
}

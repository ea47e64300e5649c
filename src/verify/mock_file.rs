//! `verify --mock-config FILE [--test-case NAME]`: an AWS Step Functions Local mock config
//! (the file `run --mock-config` takes) answers the Tasks it names that are not rewritten, the
//! same in both versions. Mock entries for rewritten states are ignored: their Lambda and their
//! integration are what verify compares.
//!
//! Format: https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html
//! (`StateMachines.<name>.TestCases.<case>.<state>` → `MockedResponses.<response>`).

use crate::error::InputError;
use crate::services::mock_config::MockConfig;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A mock config file, read, with the test case to use (or none: the machine's only one).
#[derive(Debug, Clone)]
pub struct MockConfigFile {
    pub path: PathBuf,
    pub config: Value,
    pub test_case: Option<String>,
}

impl MockConfigFile {
    pub fn read(path: &Path, test_case: Option<String>) -> Result<Self, InputError> {
        let config = InputError::read_json(path)?;
        if !config
            .get("StateMachines")
            .map(Value::is_object)
            .unwrap_or(false)
        {
            return Err(InputError::new(
                path,
                "not a Step Functions Local mock config: missing \"StateMachines\" object",
            ));
        }
        Ok(MockConfigFile {
            path: path.to_path_buf(),
            config,
            test_case,
        })
    }

    /// The mock for state machine `name`: its entry in `StateMachines` (or the only entry), with
    /// the named test case or else its only one. `None` when the file has no entry for it and
    /// no test case was named.
    pub fn for_machine(&self, name: &str) -> Result<Option<MockConfig>, InputError> {
        let err = |m: String| InputError::new(&self.path, m);
        let machines = self.config["StateMachines"].as_object();
        let entry = machines.and_then(|m| {
            m.get(name)
                .or_else(|| (m.len() == 1).then(|| m.values().next()).flatten())
        });
        let case = match (&self.test_case, entry) {
            (Some(case), _) => case.clone(),
            (None, None) => return Ok(None),
            (None, Some(entry)) => {
                let cases: Vec<&String> = entry
                    .get("TestCases")
                    .and_then(Value::as_object)
                    .map(|c| c.keys().collect())
                    .unwrap_or_default();
                match cases.as_slice() {
                    [only] => (*only).clone(),
                    [] => {
                        return Err(err(format!(
                            "state machine '{name}' has no TestCases"
                        )))
                    }
                    many => {
                        return Err(err(format!(
                            "state machine '{name}' has several test cases; name one with --test-case: {}",
                            many.iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )))
                    }
                }
            }
        };
        // Not named in the file: the state machine that has the test case.
        let chosen = machines
            .map(|m| m.contains_key(name))
            .unwrap_or(false)
            .then_some(name);
        MockConfig::from_value(&self.config, chosen, &case)
            .map(Some)
            .map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(config: Value, case: Option<&str>) -> MockConfigFile {
        MockConfigFile {
            path: "mock.json".into(),
            config,
            test_case: case.map(str::to_string),
        }
    }

    fn config() -> Value {
        json!({
            "StateMachines": {
                "Orders": {"TestCases": {"happy": {"Price": "P"}, "sad": {"Price": "Q"}}},
                "Other": {"TestCases": {"only": {"X": "P"}}}
            },
            "MockedResponses": {
                "P": {"0": {"Return": {"total": 1}}},
                "Q": {"0": {"Throw": {"Error": "Boom"}}}
            }
        })
    }

    #[test]
    fn picks_the_machine_and_its_test_case() {
        let m = file(config(), Some("sad")).for_machine("Orders").unwrap();
        assert!(m.unwrap().names_state("Price"));
        // The only test case of a machine needs no name.
        let m = file(config(), None).for_machine("Other").unwrap();
        assert!(m.unwrap().names_state("X"));
        // Several: the user must choose, and is told the names.
        let e = file(config(), None).for_machine("Orders").unwrap_err();
        assert!(e.to_string().contains("happy, sad"), "{e}");
        // A machine the file does not mention has no mock.
        assert!(file(config(), None)
            .for_machine("Unknown")
            .unwrap()
            .is_none());
        // A test case nobody has is an error naming the file.
        let e = file(config(), Some("nope"))
            .for_machine("Orders")
            .unwrap_err();
        assert!(e.to_string().contains("mock.json"), "{e}");
    }
}

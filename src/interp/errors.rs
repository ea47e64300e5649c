//! Failures inside an execution, and how Retry / Catch match them.
//!
//! Matching rules (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
//! `States.ALL` matches any error except the terminal `States.DataLimitExceeded` and `States.Runtime`
//! that Step Functions raises itself (a service's reported `States.DataLimitExceeded` is caught by
//! `States.ALL` in the recorded cases); `States.TaskFailed` matches any error except `States.Timeout`.

use serde_json::{Map, Value};

/// An error raised by a state: the error name and cause AWS reports (either may be absent, e.g. a
/// Fail state with only a Cause).
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Raised by Step Functions itself for a terminal condition (`States.Runtime` from path
    /// processing, `States.DataLimitExceeded` of a state's output): `States.ALL` does not match it.
    pub terminal: bool,
    /// Limits of this interpreter (step count, virtual time, nesting): never retried or caught.
    pub fatal: bool,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
            terminal: false,
            fatal: false,
        }
    }

    /// An error Step Functions raises itself; `States.Runtime` and `States.DataLimitExceeded` are terminal.
    pub fn raised(error: impl Into<String>, cause: impl Into<String>) -> Self {
        let error = error.into();
        let terminal = error == "States.Runtime" || error == "States.DataLimitExceeded";
        Failure {
            error: Some(error),
            cause: Some(cause.into()),
            terminal,
            fatal: false,
        }
    }

    pub fn bare(error: Option<String>, cause: Option<String>) -> Self {
        Failure {
            error,
            cause,
            terminal: false,
            fatal: false,
        }
    }

    pub fn fatal(cause: impl Into<String>) -> Self {
        Failure {
            error: Some("States.Runtime".into()),
            cause: Some(cause.into()),
            terminal: true,
            fatal: true,
        }
    }

    pub fn name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }

    /// The error output a Catch passes on: `{"Error": ..., "Cause": ...}`; a missing cause is
    /// `""` (a caught `States.Timeout` in test_invoke_timeout).
    pub fn error_output(&self) -> Value {
        let mut m = Map::new();
        if let Some(e) = &self.error {
            m.insert("Error".into(), Value::String(e.clone()));
        }
        m.insert(
            "Cause".into(),
            Value::String(self.cause.clone().unwrap_or_default()),
        );
        Value::Object(m)
    }
}

/// Whether one `ErrorEquals` list matches the failure.
pub fn error_equals_matches(error_equals: &Value, failure: &Failure) -> bool {
    if failure.fatal {
        return false;
    }
    let name = failure.name();
    let Some(list) = error_equals.as_array() else {
        return false;
    };
    list.iter()
        .filter_map(Value::as_str)
        .any(|pattern| match pattern {
            "States.ALL" => !failure.terminal,
            "States.TaskFailed" => {
                name == "States.TaskFailed"
                    || (!failure.terminal
                        && name != "States.Timeout"
                        && name != "States.HeartbeatTimeout")
            }
            other => other == name,
        })
}

/// A deterministic generator for `JitterStrategy: FULL` (the virtual clock needs no true randomness,
/// but runs must be reproducible).
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Jitter(seed | 1)
    }
    /// A value in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The delay before retry number `attempt` (0-based) of a retrier, in milliseconds:
/// IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds, then FULL jitter.
/// Defaults per https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-retrying-after-an-error
/// (IntervalSeconds 1, BackoffRate 2.0).
pub fn retry_delay_ms(retrier: &Value, attempt: u32, jitter: &mut Jitter) -> u64 {
    let interval = retrier
        .get("IntervalSeconds")
        .and_then(Value::as_f64)
        .unwrap_or(1.0);
    let backoff = retrier
        .get("BackoffRate")
        .and_then(Value::as_f64)
        .unwrap_or(2.0);
    let mut delay = interval * backoff.powi(attempt.min(1000) as i32);
    if let Some(max) = retrier.get("MaxDelaySeconds").and_then(Value::as_f64) {
        delay = delay.min(max);
    }
    if retrier.get("JitterStrategy").and_then(Value::as_str) == Some("FULL") {
        delay *= jitter.next_unit();
    }
    if !delay.is_finite() || delay < 0.0 {
        return 0;
    }
    (delay * 1000.0).min(1e15) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn states_all_skips_terminal_errors() {
        let all = json!(["States.ALL"]);
        assert!(error_equals_matches(
            &all,
            &Failure::new("Lambda.Unknown", "x")
        ));
        assert!(!error_equals_matches(
            &all,
            &Failure::raised("States.Runtime", "x")
        ));
        assert!(!error_equals_matches(
            &all,
            &Failure::raised("States.DataLimitExceeded", "x")
        ));
        assert!(error_equals_matches(
            &all,
            &Failure::new("States.DataLimitExceeded", "x")
        ));
        let tf = json!(["States.TaskFailed"]);
        assert!(error_equals_matches(&tf, &Failure::new("Exception", "x")));
        assert!(!error_equals_matches(
            &tf,
            &Failure::new("States.Timeout", "x")
        ));
        assert!(!error_equals_matches(&all, &Failure::fatal("limit")));
    }

    #[test]
    fn backoff_and_cap() {
        let mut j = Jitter::new(1);
        let r = json!({"IntervalSeconds": 2, "BackoffRate": 3, "MaxDelaySeconds": 10});
        assert_eq!(retry_delay_ms(&r, 0, &mut j), 2000);
        assert_eq!(retry_delay_ms(&r, 1, &mut j), 6000);
        assert_eq!(retry_delay_ms(&r, 2, &mut j), 10000);
    }
}

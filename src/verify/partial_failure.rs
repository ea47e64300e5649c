//! EventBridge partial failure: PutEvents answers HTTP 200 with `FailedEntryCount > 0`
//! (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html: entries fail
//! one by one, each with ErrorCode/ErrorMessage). Both versions meet it identically: the world
//! has no event bus, so the simulated EventBridge rejects every entry (ResourceNotFoundException)
//! for the Lambda's SDK call and for the integration alike.
//!
//! The versions then behave differently by design: a Lambda that forwards to PutEvents gets a
//! normal response and, unless it reads FailedEntryCount, returns as if the events were sent;
//! `arn:aws:states:::events:putEvents` fails the Task with `EventBridge.FailedEntry` (aws-facts
//! §3.3, recorded), while `aws-sdk:eventbridge:putEvents` returns the response like the SDK.
//! That one change (a silent loss becomes a Task failure) is reported and accepted; any other
//! difference under partial failure counts against equivalence.

use super::compare::{Kind, RunOutcome};
use super::Pair;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct PartialFailure {
    pub scenario: String,
    /// How each version ended, in words.
    pub original: String,
    pub rewritten: String,
    /// The runs agree (no difference at all).
    pub same: bool,
    /// They differ only because the integration turns the partial failure into
    /// EventBridge.FailedEntry where the Lambda returned normally.
    pub accepted: bool,
    pub note: String,
}

/// Runs both versions on `input` in a world whose PutEvents rejects every entry.
pub(super) fn observe(pair: &Pair, state: &str, input: &Value) -> PartialFailure {
    let mut world = pair.world.clone();
    world.buses.clear();
    let (a, b, deltas) = pair.run_from(&world, input, None);
    let same = !deltas.iter().any(|d| d.kind == Kind::Difference);
    let lambda_returned = state_succeeded(&a, state);
    let integration_failed = b
        .calls
        .iter()
        .any(|c| c.state == state && c.error.as_deref() == Some("EventBridge.FailedEntry"));
    let accepted = !same && lambda_returned && integration_failed;
    let note = if same {
        "both versions behave alike".to_string()
    } else if accepted {
        format!(
            "events:putEvents fails the Task with EventBridge.FailedEntry when FailedEntryCount > 0, where the Lambda returned normally and the rejected events were lost silently; accepted as the one intended change (add a Catch or Retry on EventBridge.FailedEntry to state {state} if the workflow must go on)"
        )
    } else {
        "the versions handle rejected events differently".to_string()
    };
    PartialFailure {
        scenario: "PutEvents answers with FailedEntryCount > 0 (every entry rejected)".into(),
        original: describe(&a),
        rewritten: describe(&b),
        same,
        accepted,
        note,
    }
}

/// Did the Task of `state` end without an error in this run (its PutEvents answered, nothing
/// failed the state)? A failing Task leaves a `*Failed` history event naming no state, so this
/// looks for the state's exit: `TaskStateExited` with its name and no Catch in between.
fn state_succeeded(run: &RunOutcome, state: &str) -> bool {
    let mut in_state = false;
    for e in &run.history {
        let ty = e.get("type").and_then(Value::as_str).unwrap_or("");
        let name = e
            .get("stateEnteredEventDetails")
            .or_else(|| e.get("stateExitedEventDetails"))
            .and_then(|d| d.get("name"))
            .and_then(Value::as_str);
        if ty.ends_with("StateEntered") {
            in_state = name == Some(state);
        } else if in_state
            && (ty == "TaskFailed" || ty == "LambdaFunctionFailed" || ty == "TaskTimedOut")
        {
            return false;
        } else if in_state && ty.ends_with("StateExited") && name == Some(state) {
            return true;
        }
    }
    false
}

fn describe(r: &RunOutcome) -> String {
    let end = match (&r.error, &r.output) {
        (Some(e), _) => format!("{} with {e}", r.status),
        (None, Some(out)) => {
            let text = out.to_string();
            let short: String = text.chars().take(80).collect();
            format!(
                "{} with output {short}{}",
                r.status,
                if text.len() > 80 { "…" } else { "" }
            )
        }
        (None, None) => r.status.clone(),
    };
    format!("{end} (path {})", r.path.join(" → "))
}

//! `verify --replay-executions N --state-machine ARN`: production traffic as the test set.
//!
//! The inputs of the deployed machine's last N executions join the verification inputs, and
//! every recorded invocation of a Lambda the plan retires is compared with what its handler model
//! predicts for the same request: the model is what the proof simulates the old Lambda with, so a
//! recorded answer it does not predict means the proof rests on a wrong model.
//!
//! Values the services generate (message ids, event ids) cannot be predicted: the handler is
//! simulated against two worlds drawing different ids, and where the two predictions differ only
//! the JSON type of the recorded value is checked.

use super::executions::{self, Execution};
use super::history::{self, Invocation, Recorded};
use crate::analysis::model::HandlerModel;
use crate::discover::model::Project;
use crate::rewrite::RewritePlan;
use crate::services::{ServiceBackend, TaskCall, TaskOutcome};
use crate::verify::backend::{MockLambdas, RunBackend};
use crate::verify::faults::FaultState;
use crate::verify::inputs::Input;
use crate::verify::{lambda_sim, world};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize)]
pub struct ReplayedExecution {
    pub name: String,
    pub status: String,
    /// Its input joined the verification inputs.
    pub input_used: bool,
}

/// One value that differs between the recorded answer and the prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// `$.Payload.messageId`, `error`, `errorMessage`, `outcome`.
    pub at: String,
    pub recorded: Value,
    pub predicted: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub execution: String,
    /// The event that recorded the answer.
    pub event_id: i64,
    /// The request Step Functions sent (lambda:invoke parameters or the state input).
    pub request: Value,
    pub differences: Vec<Difference>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskReplay {
    pub state: String,
    pub function: String,
    /// Recorded invocations compared, and how many the model predicted.
    pub compared: usize,
    pub matched: usize,
    pub mismatches: Vec<Mismatch>,
    /// Invocations that could not be compared, and why.
    pub not_compared: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    pub state_machine_arn: String,
    /// The project's state machine the deployed one was matched to.
    pub local_state_machine: String,
    pub executions: Vec<ReplayedExecution>,
    pub tasks: Vec<TaskReplay>,
    #[serde(skip)]
    pub machine_index: usize,
    #[serde(skip)]
    pub inputs: Vec<Input>,
}

impl ReplayReport {
    pub fn has_mismatches(&self) -> bool {
        self.tasks.iter().any(|t| !t.mismatches.is_empty())
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        let used = self.executions.iter().filter(|e| e.input_used).count();
        let _ = writeln!(
            s,
            "Replayed {} execution(s) of {} (matched to {}); {used} input(s) join the verification inputs.",
            self.executions.len(),
            self.state_machine_arn,
            self.local_state_machine
        );
        for t in &self.tasks {
            let verdict = if !t.mismatches.is_empty() {
                "MISMATCH"
            } else if t.compared == 0 {
                "no recorded invocation"
            } else {
                "predicted"
            };
            let _ = writeln!(
                s,
                "  {} ({}): {verdict}: {}/{} recorded Lambda answers predicted by the handler model",
                t.state, t.function, t.matched, t.compared
            );
            for m in &t.mismatches {
                let _ = writeln!(
                    s,
                    "    execution {} (event {}), request {}:",
                    m.execution,
                    m.event_id,
                    compact(&m.request)
                );
                for d in &m.differences {
                    let _ = writeln!(
                        s,
                        "      {}: recorded {}, model predicts {}",
                        d.at,
                        compact(&d.recorded),
                        compact(&d.predicted)
                    );
                }
            }
            for why in &t.not_compared {
                let _ = writeln!(s, "    not compared: {why}");
            }
        }
        s
    }
}

fn compact(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        s.chars().take(200).collect::<String>() + "…"
    } else {
        s
    }
}

/// Reads the executions and compares them with the plan's handler models.
pub fn replay(
    conn: &super::client::Connection,
    arn: &str,
    n: usize,
    project: &Project,
    plan: &RewritePlan,
) -> anyhow::Result<ReplayReport> {
    let (name, definition, runs) = super::client::runtime()?.block_on(async {
        let client = super::client::connect(conn).await?;
        let (name, definition) = executions::describe(&client, arn).await?;
        let runs = executions::recent(&client, arn, n).await?;
        anyhow::Ok((name, definition, runs))
    })?;
    let definition: Value = serde_json::from_str(&definition)
        .map_err(|e| anyhow::anyhow!("the definition of {arn} is not JSON: {e}"))?;
    let index = local_machine(project, plan, &definition).ok_or_else(|| {
        anyhow::anyhow!(
            "the deployed state machine {name} ({arn}) shares no rewritten Task state with the project"
        )
    })?;
    Ok(compare_runs(arn, index, project, plan, &runs))
}

/// The project's state machine with the most state names in common with the deployed one,
/// among those with a rewritten Task the deployed one also has.
pub fn local_machine(project: &Project, plan: &RewritePlan, deployed: &Value) -> Option<usize> {
    let mut deployed_names = Vec::new();
    state_names(deployed, &mut deployed_names);
    let mut best: Option<(usize, usize)> = None;
    for (i, sm) in project.state_machines.iter().enumerate() {
        let shares_task = plan
            .tasks
            .iter()
            .any(|t| t.state_machine == i && deployed_names.contains(&t.state));
        if !shares_task {
            continue;
        }
        let mut names = Vec::new();
        state_names(&sm.definition, &mut names);
        let common = names.iter().filter(|n| deployed_names.contains(n)).count();
        if best.map(|(_, c)| common > c).unwrap_or(true) {
            best = Some((i, common));
        }
    }
    best.map(|(i, _)| i)
}

fn state_names(def: &Value, out: &mut Vec<String>) {
    let Some(states) = def.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        out.push(name.clone());
        for body in state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            state_names(body, out);
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(body) = state.get(key) {
                state_names(body, out);
            }
        }
    }
}

/// Compares the recorded invocations of the rewritten Tasks of machine `index` with the models.
pub fn compare_runs(
    arn: &str,
    index: usize,
    project: &Project,
    plan: &RewritePlan,
    runs: &[Execution],
) -> ReplayReport {
    let tasks: Vec<_> = plan
        .tasks
        .iter()
        .filter(|t| t.state_machine == index)
        .collect();
    let mut report = ReplayReport {
        state_machine_arn: arn.to_string(),
        local_state_machine: project
            .state_machines
            .get(index)
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        executions: Vec::new(),
        tasks: tasks
            .iter()
            .map(|t| TaskReplay {
                state: t.state.clone(),
                function: project
                    .functions
                    .get(t.function)
                    .map(|f| f.id.clone())
                    .unwrap_or_else(|| t.model.function.clone()),
                compared: 0,
                matched: 0,
                mismatches: Vec::new(),
                not_compared: Vec::new(),
            })
            .collect(),
        machine_index: index,
        inputs: Vec::new(),
    };
    for run in runs {
        let input = history::execution_input(&run.events);
        report.executions.push(ReplayedExecution {
            name: run.name.clone(),
            status: run.status.clone(),
            input_used: input.is_some(),
        });
        if let Some(value) = input {
            report.inputs.push(Input {
                name: format!("execution {}", run.name),
                value,
                in_domain: true,
            });
        }
        for inv in history::lambda_invocations(&run.events) {
            let Some(ti) = tasks.iter().position(|t| t.state == inv.state) else {
                continue;
            };
            let entry = &mut report.tasks[ti];
            match check(project, &tasks[ti].model, &inv) {
                Check::Match => {
                    entry.compared += 1;
                    entry.matched += 1;
                }
                Check::Differs(differences) => {
                    entry.compared += 1;
                    entry.mismatches.push(Mismatch {
                        execution: run.name.clone(),
                        event_id: inv.event_id,
                        request: inv.request.clone(),
                        differences,
                    });
                }
                Check::NotCompared(why) => entry.not_compared.push(format!(
                    "execution {} (event {}): {why}",
                    run.name, inv.event_id
                )),
            }
        }
    }
    report
}

enum Check {
    Match,
    Differs(Vec<Difference>),
    NotCompared(String),
}

/// The handler model's answer to the recorded request, in a world drawing ids from `seed`.
fn predict(
    project: &Project,
    model: &HandlerModel,
    inv: &Invocation,
    seed: u64,
) -> Result<TaskOutcome, String> {
    let mut services = world::services(project, seed);
    let mut mocks = MockLambdas::new(HashMap::new());
    let exact = lambda_sim::is_simulable(model);
    if !exact {
        return Err("the handler model is not followed exactly (a value or condition the analysis could not read)".into());
    }
    let simulated = HashMap::from([(inv.state.clone(), (model, true))]);
    let mut backend = RunBackend::new(&mut services, simulated, &mut mocks, FaultState::new(None));
    let ctx = crate::interp::ExecutionContext::default();
    let call = TaskCall {
        state_name: inv.state.clone(),
        resource: inv.resource.clone(),
        parameters: inv.request.clone(),
        task_token: None,
        attempt: 0,
        execution_arn: ctx.execution_arn.clone(),
        state_machine_arn: ctx.state_machine_arn.clone(),
        region: ctx.region.clone(),
        account_id: ctx.account_id.clone(),
        now_ms: 0,
        timeout_seconds: None,
        heartbeat_seconds: None,
        credentials: None,
    };
    let response = backend.call(&call);
    if let Some(why) = backend.inconclusive.take() {
        return Err(why.reason);
    }
    Ok(response.outcome)
}

fn check(project: &Project, model: &HandlerModel, inv: &Invocation) -> Check {
    if inv.recorded == Recorded::Truncated {
        return Check::NotCompared(
            "the history truncated the recorded data (over the 256 KiB event limit)".into(),
        );
    }
    let (a, b) = match (
        predict(project, model, inv, 1),
        predict(project, model, inv, 2),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(why), _) | (_, Err(why)) => return Check::NotCompared(why),
    };
    // lambda:invoke wraps the function's answer in the Invoke response; only its Payload comes
    // from the handler (the rest is request ids and HTTP headers).
    let optimized = inv.resource.starts_with("arn:aws:states:::lambda:invoke");
    let mut diffs = Vec::new();
    match (&inv.recorded, &a, &b) {
        (Recorded::Succeeded(rec), TaskOutcome::Succeeded(pa), TaskOutcome::Succeeded(pb)) => {
            let pick = |v: &Value| {
                if optimized {
                    v.get("Payload").cloned().unwrap_or(Value::Null)
                } else {
                    v.clone()
                }
            };
            let at = if optimized { "$.Payload" } else { "$" };
            diff_values(at, &pick(rec), &pick(pa), &pick(pb), &mut diffs);
        }
        (
            Recorded::Failed { error, cause },
            TaskOutcome::Failed {
                error: pe,
                cause: pc,
            },
            _,
        ) => {
            if error != pe {
                diffs.push(Difference {
                    at: "error".into(),
                    recorded: json!(error),
                    predicted: json!(pe),
                });
            }
            // A function error's cause is `{"errorMessage", "errorType", "trace"...}`: the stack
            // trace cannot be predicted, the type and message can.
            let fields = |c: &Option<String>| -> Option<Value> {
                serde_json::from_str::<Value>(c.as_deref()?)
                    .ok()
                    .filter(Value::is_object)
            };
            if let (Some(rc), Some(pc)) = (fields(cause), fields(pc)) {
                for k in ["errorType", "errorMessage"] {
                    if rc.get(k) != pc.get(k) {
                        diffs.push(Difference {
                            at: format!("cause.{k}"),
                            recorded: rc.get(k).cloned().unwrap_or(Value::Null),
                            predicted: pc.get(k).cloned().unwrap_or(Value::Null),
                        });
                    }
                }
            }
        }
        (rec, pred, _) => diffs.push(Difference {
            at: "outcome".into(),
            recorded: outcome_json(rec),
            predicted: match pred {
                TaskOutcome::Succeeded(v) => json!({"succeeded": v}),
                TaskOutcome::Failed { error, cause } => json!({"failed": error, "cause": cause}),
            },
        }),
    }
    if diffs.is_empty() {
        Check::Match
    } else {
        Check::Differs(diffs)
    }
}

fn outcome_json(r: &Recorded) -> Value {
    match r {
        Recorded::Succeeded(v) => json!({"succeeded": v}),
        Recorded::Failed { error, cause } => json!({"failed": error, "cause": cause}),
        Recorded::Truncated => json!("truncated"),
    }
}

/// Compares `rec` with the prediction; where the two predictions (`a`, `b`: different worlds)
/// disagree the value came from the service, and only its JSON type must match.
pub fn diff_values(at: &str, rec: &Value, a: &Value, b: &Value, out: &mut Vec<Difference>) {
    match (rec, a, b) {
        (Value::Object(r), Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = r.keys().chain(x.keys()).chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let path = format!("{at}.{k}");
                match (r.get(k), x.get(k), y.get(k)) {
                    (Some(rv), Some(xv), Some(yv)) => diff_values(&path, rv, xv, yv, out),
                    (rv, xv, _) => out.push(Difference {
                        at: path,
                        recorded: rv.cloned().unwrap_or_else(|| json!("(absent)")),
                        predicted: xv.cloned().unwrap_or_else(|| json!("(absent)")),
                    }),
                }
            }
        }
        (Value::Array(r), Value::Array(x), Value::Array(y))
            if r.len() == x.len() && x.len() == y.len() =>
        {
            for (i, ((rv, xv), yv)) in r.iter().zip(x).zip(y).enumerate() {
                diff_values(&format!("{at}[{i}]"), rv, xv, yv, out);
            }
        }
        _ if json_eq(a, b) => {
            if !json_eq(rec, a) {
                out.push(Difference {
                    at: at.to_string(),
                    recorded: rec.clone(),
                    predicted: a.clone(),
                });
            }
        }
        _ if kind(rec) == kind(a) && kind(a) == kind(b) => {}
        _ => out.push(Difference {
            at: at.to_string(),
            recorded: rec.clone(),
            predicted: json!(format!("a {} generated by the service", kind(a))),
        }),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// JSON equality with numbers compared by value (`1` and `1.0` are the same number).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).map(|w| json_eq(v, w)).unwrap_or(false))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_are_checked_by_type_only() {
        let mut d = Vec::new();
        diff_values(
            "$",
            &json!({"messageId": "real-id", "n": 1}),
            &json!({"messageId": "sim-1", "n": 1.0}),
            &json!({"messageId": "sim-2", "n": 1}),
            &mut d,
        );
        assert!(d.is_empty(), "{d:?}");
        diff_values(
            "$",
            &json!({"messageId": 7, "n": 2}),
            &json!({"messageId": "sim-1", "n": 1}),
            &json!({"messageId": "sim-2", "n": 1}),
            &mut d,
        );
        let at: Vec<&str> = d.iter().map(|x| x.at.as_str()).collect();
        assert_eq!(at, ["$.messageId", "$.n"]);
    }

    fn notify_warehouse(recorded: Recorded) -> Check {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/order-service");
        let planned = crate::rewrite::pipeline::plan_path(&root, &Default::default()).unwrap();
        let task = planned
            .plan
            .tasks
            .iter()
            .find(|t| t.state == "NotifyWarehouse")
            .unwrap();
        let inv = Invocation {
            event_id: 17,
            state: "NotifyWarehouse".into(),
            state_input: None,
            resource: "arn:aws:lambda:us-east-1:123456789012:function:warehouse".into(),
            request: json!({"orderId": "o-1", "items": []}),
            recorded,
        };
        check(&planned.project, &task.model, &inv)
    }

    #[test]
    fn recorded_failures_and_successes_against_the_model() {
        // The Python handler returns {"messageId": <SQS MessageId>}: any string id matches.
        let ok = notify_warehouse(Recorded::Succeeded(json!({"messageId": "abc"})));
        assert!(matches!(ok, Check::Match));
        // The recorded function failed where the model succeeds: the outcome differs.
        let failed = notify_warehouse(Recorded::Failed {
            error: "QueueDoesNotExist".into(),
            cause: None,
        });
        match failed {
            Check::Differs(d) => {
                assert_eq!(d[0].at, "outcome");
                assert_eq!(d[0].recorded["failed"], "QueueDoesNotExist");
                assert!(d[0].predicted["succeeded"]["messageId"].is_string());
            }
            _ => panic!("expected a difference"),
        }
        assert!(matches!(
            notify_warehouse(Recorded::Truncated),
            Check::NotCompared(_)
        ));
    }
}

//! The account-backed parts of `lambdaless verify`: `--replay-executions N --state-machine ARN`
//! and `--remote`. Both only read (ListExecutions, GetExecutionHistory, DescribeStateMachine) or
//! test with mocks (TestState); see `client.rs`.

use super::client::{connect, runtime, Connection};
use super::remote_test_state::{self, RemoteTestReport};
use super::replay::{self, ReplayReport};
use crate::discover::model::Project;
use crate::rewrite::RewritePlan;
use crate::verify::VerifyOptions;
use serde_json::Value;

/// The `verify` flags that work against the account.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RemoteArgs {
    /// Replay the inputs of the last N executions of --state-machine: they join the verification
    /// inputs, and the Lambda answers recorded in their histories are compared with the handler
    /// models (read-only).
    #[arg(long, value_name = "N", requires = "state_machine")]
    pub replay_executions: Option<usize>,
    /// ARN of the deployed state machine whose executions --replay-executions reads.
    #[arg(long, value_name = "ARN", requires = "replay_executions")]
    pub state_machine: Option<String>,
    /// Run each rewritten Task state with Step Functions' TestState API (its service result
    /// mocked: nothing is called) and compare with the local interpreter.
    #[arg(long)]
    pub remote: bool,
    #[command(flatten)]
    pub connection: Connection,
}

impl RemoteArgs {
    pub fn any(&self) -> bool {
        self.replay_executions.is_some() || self.remote
    }
}

/// What the account said.
#[derive(Debug, Default)]
pub struct RemoteResults {
    pub replay: Option<ReplayReport>,
    pub test_state: Option<RemoteTestReport>,
}

impl RemoteResults {
    /// A recorded Lambda answer the model does not predict, or a TestState answer that differs.
    pub fn failed(&self) -> bool {
        self.replay.as_ref().is_some_and(|r| r.has_mismatches())
            || self
                .test_state
                .as_ref()
                .is_some_and(|t| t.has_differences())
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        if let Some(r) = &self.replay {
            s.push('\n');
            s.push_str(&r.text());
        }
        if let Some(t) = &self.test_state {
            s.push('\n');
            s.push_str(&t.text());
        }
        s
    }

    /// Adds `replay` and `remote_test_state` to verify's JSON report.
    pub fn add_to_json(&self, report: &mut Value) {
        if let Some(obj) = report.as_object_mut() {
            if let Some(r) = &self.replay {
                obj.insert("replay".into(), serde_json::to_value(r).unwrap_or_default());
            }
            if let Some(t) = &self.test_state {
                obj.insert(
                    "remote_test_state".into(),
                    serde_json::to_value(t).unwrap_or_default(),
                );
            }
        }
    }
}

/// Runs what the flags ask for before the proof: replayed inputs are added to `opts`, and the
/// TestState cases use every verification input.
pub fn prepare(
    args: &RemoteArgs,
    project: &Project,
    plan: &RewritePlan,
    opts: &mut VerifyOptions,
) -> anyhow::Result<RemoteResults> {
    let mut results = RemoteResults::default();
    if let (Some(n), Some(arn)) = (args.replay_executions, &args.state_machine) {
        let r = replay::replay(&args.connection, arn, n, project, plan)?;
        opts.machine_inputs
            .extend(r.inputs.iter().map(|i| (r.machine_index, i.clone())));
        results.replay = Some(r);
    }
    if args.remote {
        let mut files = project.sample_inputs.clone();
        files.extend(opts.input_files.iter().cloned());
        let mut inputs: Vec<_> = crate::verify::read_inputs(&files)?
            .into_iter()
            .map(|i| (None, i))
            .collect();
        inputs.extend(
            opts.machine_inputs
                .iter()
                .map(|(m, i)| (Some(*m), i.clone())),
        );
        let cases = remote_test_state::plan_cases(project, plan, opts, &inputs);
        let report = runtime()?.block_on(async {
            let client = connect(&args.connection).await?;
            let skip = super::client::skip_host_prefix(&args.connection);
            remote_test_state::run_cases(&client, project, plan, &cases, skip).await
        })?;
        results.test_state = Some(report);
    }
    Ok(results)
}

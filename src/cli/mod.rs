//! Command-line entry points: one module per subcommand. Each `run` returns the process exit code
//! (see [`crate::error::exit`]).

pub mod audit;
pub mod check;
pub mod explain;
pub mod rewrite;
pub mod rules;
pub mod run;
pub mod test_state;
pub mod validate;
pub mod verify;

use clap::{Parser, Subcommand};

/// Find Lambda functions in AWS Step Functions workflows that only forward to one AWS API,
/// rewrite them into direct service integrations, and prove each rewrite equivalent.
#[derive(Debug, Parser)]
#[command(name = "lambdaless", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 ok; 1 findings or not equivalent (where the command says so); 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the Lambda-backed Task states of a project and whether each can be replaced.
    Audit(audit::Args),
    /// CI gate: exit 1 when replaceable Lambdas exist that the baseline does not list.
    Check(check::Args),
    /// Analyse one handler file: event reads, SDK calls with argument origins, return, verdict.
    Explain(explain::Args),
    /// Show (or --write) the rewritten definitions, IAM changes and functions left unused.
    Rewrite(rewrite::Args),
    /// Prove each rewrite equivalent by running original and rewritten state machines.
    Verify(verify::Args),
    /// Run one state machine in the interpreter.
    Run(run::Args),
    /// Run one state in isolation, as the TestState API does.
    TestState(test_state::Args),
    /// Check a definition statically (statelint rules and more).
    Validate(validate::Args),
    /// List the SDK operations the rules catalogue maps to Step Functions integrations.
    Rules(rules::Args),
}

pub fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Audit(a) => audit::run(a),
        Command::Check(a) => check::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Rewrite(a) => rewrite::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Run(a) => run::run(a),
        Command::TestState(a) => test_state::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Rules(a) => rules::run(a),
    }
}

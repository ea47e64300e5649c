//! `lambdaless test-state`: one state in isolation, as the TestState API runs it.
//!
//! Exit codes: 0 the call ran (whatever its status: SUCCEEDED, FAILED, RETRIABLE, CAUGHT_ERROR);
//! 2 bad input (definition, input or request file).

use crate::cli::run::{load_context, parse_input_arg};
use crate::error::{exit, InputError};
use crate::interp::test_state::run_with_context;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Arguments of `lambdaless test-state`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit codes: 0 the state ran (any status); 2 bad input.")]
pub struct Args {
    /// A state definition, or a whole state machine (then --state names the state).
    pub definition: PathBuf,
    /// The state's input: JSON text, or @FILE (default {}).
    #[arg(long)]
    pub input: Option<String>,
    /// The state to test when DEFINITION is a state machine.
    #[arg(long)]
    pub state: Option<String>,
    /// TestState request fields other than definition and input, as in the AWS API (mock,
    /// inspectionLevel, variables, context, stateConfiguration, stateName).
    #[arg(long)]
    pub request: Option<PathBuf>,
    /// Account, region and role for the context object (same file as `run --context`).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Print {"status","output","error","cause","nextState","inspectionData"} as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let definition = InputError::read_json(&args.definition)?;
    if !definition.is_object() {
        return Err(InputError::new(
            &args.definition,
            "expected a JSON object (a state or a state machine)",
        )
        .into());
    }
    let input = match &args.input {
        Some(a) => parse_input_arg(a)?,
        None => json!({}),
    };
    let request = match &args.request {
        Some(p) => InputError::read_json(p)?,
        None => Value::Object(Default::default()),
    };
    let ctx = load_context(args.context.as_deref())?;
    let r = run_with_context(&definition, &input, args.state.as_deref(), &request, &ctx);
    if args.json {
        println!("{}", serde_json::to_string(&r.to_json())?);
    } else {
        println!("status: {}", r.status);
        if let Some(n) = &r.next_state {
            println!("next state: {n}");
        }
        if let Some(o) = &r.output {
            println!("{}", serde_json::to_string_pretty(o)?);
        }
        if let Some(e) = &r.error {
            println!("error: {e}");
        }
        if let Some(c) = &r.cause {
            println!("cause: {c}");
        }
    }
    Ok(exit::OK)
}
